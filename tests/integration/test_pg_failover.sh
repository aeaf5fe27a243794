#!/usr/bin/env bash
# Losing the database primary under load. A PostgreSQL 15 primary and a
# synchronous streaming-replication standby (both throwaway, unprivileged,
# tests/pg/pg-test-server.sh), SERVERS blackstart servers (default 2) sharing
# the database, each on its own link with its own bs-load, all connected with
# the multi-host form "host": "PRIMARY,STANDBY" (libpq tries them in order
# and keeps the one that accepts writes). bs-load starts LOAD clients per
# link; mid-load the primary loses power (SIGKILL to the postmaster and every
# process of it, no shutdown), the standby is promoted; every server
# reconnects by itself. Every lease any bs-load saw ACKed, before and after,
# is on the new primary, and the test prints each server's failover time
# (kill to its first new ACK).
# Usage: tests/integration/test_pg_failover.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
BS_LOAD=$(dirname "$BST_SERVER")/bs-load
BS_ADMIN=$(dirname "$BST_SERVER")/blackstart-admin
LOAD=${LOAD:-300}
SERVERS=${SERVERS:-2}
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

# --- topology: per server a link with its bs-load client and a probe client ---
# Server n is 198.18.0.n on link n; bs-load is client n, the probe n + 10.
for ((n = 1; n <= SERVERS; n++)); do
  bst_switch "${BST_P}w$n"
  bst_ns "${BST_P}srv$n"
  bst_plug "${BST_P}w$n" "${BST_P}srv$n" "${BST_P}s$n"
  ip -n "${BST_P}srv$n" addr add "198.18.0.$n/15" dev "${BST_P}s$n"
  bst_client "${BST_P}w$n" "$n"
  bst_client "${BST_P}w$n" "$((n + 10))"
  cat >"$BST_TMP/srv$n.conf" <<JSON
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "${BST_P}s$n" ] },
    "lease-database": { "type": "postgresql", "name": "leases", "host": "$PRIMARY,$STANDBY",
                        "user": "blackstart", "connect-timeout": 2 },
    "valid-lifetime": 3600,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/15",
                   "pools": [ { "pool": "198.19.0.1 - 198.19.7.254" } ] } ]
  }
}
JSON
done
SERVER_PIDS=()
for ((n = 1; n <= SERVERS; n++)); do
  start_server_or_exit "${BST_P}srv$n" "$BST_TMP/srv$n.conf" "$BST_TMP/blackstart-$n.log"
  SERVER_PIDS+=("$BST_SERVER_PID")
done

LOAD_PIDS=()
for ((n = 1; n <= SERVERS; n++)); do
  ip netns exec "${BST_P}c$n" "$BS_LOAD" run --iface "${BST_P}c$n" --memory "$BST_TMP/memory-$n" \
    --clients "$LOAD" --first $((n * 10000)) --rate 100 --window 32 --max-seconds 50 --seed "$n" \
    >"$BST_TMP/load-$n.log" 2>&1 &
  LOAD_PIDS+=($!)
  BST_PIDS+=($!)
done
acked_so_far() { cat "$BST_TMP"/memory-* 2>/dev/null | wc -l; }
wait_for 20 bash -c "[ \$(cat '$BST_TMP'/memory-* 2>/dev/null | wc -l) -ge $((SERVERS * LOAD / 4)) ]" || true
before=$(acked_so_far)

note "the primary loses power with $before leases ACKed by $SERVERS servers"
pm=$(head -n 1 "$PRIMARY/data/postmaster.pid")
children=$(ps -o pid= --ppid "$pm" | tr -d ' ')
t_kill=$(now_ms)
# shellcheck disable=SC2086  # one PID per word
kill -KILL "$pm" $children
if [[ $(id -u) -eq 0 ]]; then
  setpriv --reuid=postgres --regid=postgres --init-groups -- "$PG_BIN/pg_ctl" -D "$STANDBY/data" -w promote >/dev/null
else
  "$PG_BIN/pg_ctl" -D "$STANDBY/data" -w promote >/dev/null
fi
t_promoted=$(now_ms)
# probe N: a new client on link N until server N ACKs it (or 60 s from the
# kill); writes the time of that ACK to $BST_TMP/served-N.
probe() {
  local n=$1 try=0
  until [[ "$(ip netns exec "${BST_P}c$((n + 10))" "$BS_LOAD" run --iface "${BST_P}c$((n + 10))" --clients 1 \
    --first $((90000 + n * 1000 + try)) --rate 10 --max-seconds 5 --timeout-ms 200 --tries 2 --seed $((try + 5)) 2>/dev/null |
    grep '^bs-load ' | tr ' ' '\n' | sed -n 's/^acked=//p')" == 1 ]]; do
    try=$((try + 1))
    (($(now_ms) - t_kill < 60000)) || return 0
  done
  now_ms >"$BST_TMP/served-$n"
}
PROBES=()
for ((n = 1; n <= SERVERS; n++)); do
  probe "$n" &
  PROBES+=($!)
done
wait "${PROBES[@]}"
times=""
for ((n = 1; n <= SERVERS; n++)); do
  served=$(cat "$BST_TMP/served-$n" 2>/dev/null || echo "")
  check "server $n ACKs a new client on the promoted standby" [ -n "$served" ]
  times+=" server $n $((${served:-t_kill} - t_kill)) ms;"
done
note "failover: standby promoted $((t_promoted - t_kill)) ms after the kill; first new ACK after:$times"
wait "${LOAD_PIDS[@]}" || true
total=$(acked_so_far)
for ((n = 1; n <= SERVERS; n++)); do
  note "bs-load $n: acked $(field "$BST_TMP/load-$n.log" acked) of $LOAD, NAKs $(field "$BST_TMP/load-$n.log" naks)"
done
check "bs-load went on after the failover ($total ACKs in all, $before before the kill)" \
  [ "$total" -gt "$before" ]
# One query for the whole table (a query per lease is slow on a busy
# machine), joined with each client's last ACKed address.
sql "$STANDBY" "SELECT '0.0.0.0'::inet + address, encode(hwaddr, 'hex') FROM lease4" | tr '|' ' ' >"$BST_TMP/rows"
missing=$(cat "$BST_TMP"/memory-* | awk '{ last[$1] = $2 } END { for (m in last) print m, last[m] }' |
  awk 'NR == FNR { row[$1] = $2; next } { mac = $1; gsub(":", "", mac); if (row[$2] != mac) n++ } END { print n + 0 }' \
    "$BST_TMP/rows" -)
check "every one of the $total ACKed leases is on the new primary (missing $missing)" [ "$missing" -eq 0 ]
twice=$(cat "$BST_TMP"/memory-* | awk '{ if ($2 in mac && mac[$2] != $1) n++; mac[$2] = $1 } END { print n + 0 }')
check "no address was ACKed to two clients across the servers ($twice)" [ "$twice" -eq 0 ]
for ((n = 1; n <= SERVERS; n++)); do
  check "server $n logged the outage and the recovery" grep -q "recovered after" "$BST_TMP/blackstart-$n.log"
done
for pid in "${SERVER_PIDS[@]}"; do
  stop_pid "$pid" TERM 10
  wait "$pid" 2>/dev/null && rc=0 || rc=$?
  check "server (pid $pid) exits 0 on SIGTERM (exit $rc)" [ "$rc" -eq 0 ]
done
bst_finish test_pg_failover
