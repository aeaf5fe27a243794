#!/usr/bin/env bash
# Losing the database primary under load. A PostgreSQL 15 primary and a
# synchronous streaming-replication standby (both throwaway, unprivileged,
# tests/pg/pg-test-server.sh), blackstart connected with the multi-host
# form "host": "PRIMARY,STANDBY" (libpq tries them in order and keeps the
# one that accepts writes). bs-load starts LOAD clients; mid-load the
# primary loses power (SIGKILL to the postmaster and every process of it,
# no shutdown), the standby is promoted; blackstart reconnects by itself.
# Every lease bs-load saw ACKed, before and after, is on the new primary,
# and the test prints the failover time (kill to the first new ACK).
# Usage: tests/integration/test_pg_failover.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
BS_LOAD=$(dirname "$BST_SERVER")/bs-load
BS_ADMIN=$(dirname "$BST_SERVER")/blackstart-admin
LOAD=${LOAD:-300}
PG_BIN=${BS_PG_BIN:-/usr/lib/postgresql/15/bin}
bst_require_root_netns
command -v psql >/dev/null || { echo "SKIP: psql is not installed (scripts/install-deps.sh test)"; exit 0; }
for tool in "$BS_LOAD" "$BS_ADMIN"; do
  [[ -x "$tool" ]] || { echo "SKIP: $tool is missing (make build)"; exit 0; }
done
bst_init

sql() { psql -qAtX -h "$1" -U blackstart -d leases -c "$2"; }

field() {
  local value
  value=$(grep '^bs-load ' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p")
  echo "${value:-?}"
}

now_ms() { date +%s%3N; }

# --- the databases -------------------------------------------------------------
bst_pg_start || { fail "PostgreSQL primary starts"; exit 1; }
PRIMARY=$BST_PG_DIR
psql -qX -h "$PRIMARY" -U blackstart -d postgres -c "CREATE DATABASE leases" >/dev/null
"$BS_ADMIN" db-init pgsql -h "$PRIMARY" -u blackstart -n leases >/dev/null
STANDBY=$("$BST_DIR/../pg/pg-test-server.sh" standby "$PRIMARY" $$) || { fail "standby starts"; exit 1; }
BST_PG_DIRS+=("$STANDBY")
# The standby connects in the background; give it a few seconds.
sync_state() { psql -qAtX -h "$PRIMARY" -U blackstart -d postgres -c "SELECT sync_state FROM pg_stat_replication"; }
wait_for 15 bash -c "[ \"\$(psql -qAtX -h '$PRIMARY' -U blackstart -d postgres -c 'SELECT sync_state FROM pg_stat_replication')\" == sync ]" || true
check "the standby streams synchronously ($(sync_state))" [ "$(sync_state)" == sync ]

# --- topology: the server, a bs-load client, a probe client --------------------
bst_office 2
ip -n "${BST_P}srv" addr flush dev "${BST_P}s0"
ip -n "${BST_P}srv" addr add 198.18.0.1/15 dev "${BST_P}s0"
cat >"$BST_TMP/srv.conf" <<JSON
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "${BST_P}s0" ] },
    "lease-database": { "type": "postgresql", "name": "leases", "host": "$PRIMARY,$STANDBY",
                        "user": "blackstart", "connect-timeout": 2 },
    "valid-lifetime": 3600,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/15",
                   "pools": [ { "pool": "198.19.0.1 - 198.19.3.254" } ] } ]
  }
}
JSON
start_server_or_exit "${BST_P}srv" "$BST_TMP/srv.conf" "$BST_TMP/blackstart.log"

ip netns exec "${BST_P}c1" "$BS_LOAD" run --iface "${BST_P}c1" --memory "$BST_TMP/memory" \
  --clients "$LOAD" --first 10000 --rate 100 --window 32 --max-seconds 60 --seed 1 \
  >"$BST_TMP/load.log" 2>&1 &
LOAD_PID=$!
BST_PIDS+=("$LOAD_PID")
wait_for 20 bash -c "[ \$(wc -l <'$BST_TMP/memory' 2>/dev/null || echo 0) -ge $((LOAD / 4)) ]" || true
before=$(wc -l <"$BST_TMP/memory")

note "the primary loses power with $before leases ACKed"
pm=$(head -n 1 "$PRIMARY/data/postmaster.pid")
children=$(ps -o pid= --ppid "$pm" | tr -d ' ')
t_kill=$(now_ms)
# shellcheck disable=SC2086  # one PID per word
kill -KILL "$pm" $children
"$PG_BIN/pg_ctl" --version >/dev/null
if [[ $(id -u) -eq 0 ]]; then
  setpriv --reuid=postgres --regid=postgres --init-groups -- "$PG_BIN/pg_ctl" -D "$STANDBY/data" -w promote >/dev/null
else
  "$PG_BIN/pg_ctl" -D "$STANDBY/data" -w promote >/dev/null
fi
t_promoted=$(now_ms)
probe=0
until [[ "$(ip netns exec "${BST_P}c2" "$BS_LOAD" run --iface "${BST_P}c2" --clients 1 \
  --first $((90000 + probe)) --rate 10 --max-seconds 5 --timeout-ms 200 --tries 2 --seed $((probe + 5)) 2>/dev/null |
  grep '^bs-load ' | tr ' ' '\n' | sed -n 's/^acked=//p')" == 1 ]]; do
  probe=$((probe + 1))
  (($(now_ms) - t_kill < 60000)) || break
done
t_served=$(now_ms)
check "blackstart ACKs a new client on the promoted standby" [ $((t_served - t_kill)) -lt 60000 ]
note "failover: standby promoted $((t_promoted - t_kill)) ms after the kill, first new ACK after $((t_served - t_kill)) ms"
wait "$LOAD_PID" || true
acked=$(field "$BST_TMP/load.log" acked)
total=$(wc -l <"$BST_TMP/memory")
check "bs-load went on after the failover ($total ACKs in all, $before before the kill, acked $acked of $LOAD)" \
  [ "$total" -gt "$before" ]
missing=0
while read -r mac address _; do
  got=$(sql "$STANDBY" "SELECT encode(hwaddr, 'hex') FROM lease4 WHERE address = '$address'::inet - '0.0.0.0'::inet")
  [[ "$got" == "${mac//:/}" ]] || missing=$((missing + 1))
done <"$BST_TMP/memory"
check "every one of the $total ACKed leases is on the new primary (missing $missing)" [ "$missing" -eq 0 ]
check "blackstart logged the outage and the recovery" grep -q "recovered after" "$BST_TMP/blackstart.log"
stop_server_cleanly
bst_finish test_pg_failover
