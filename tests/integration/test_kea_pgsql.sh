#!/usr/bin/env bash
# Drop-in for Kea on PostgreSQL, both ways, on one kea-dhcp4.conf-style file
# and one database: a throwaway PostgreSQL 15 (bst_pg_start) whose schema
# kea-admin db-init makes and blackstart-admin db-init completes; Kea 2.2
# (its pgsql lease backend) serves two real clients (dhclient, udhcpc) and
# LEASES simulated ones (bs-load) and writes lease4; Kea stops, blackstart
# starts on the same file and database: every client keeps its address,
# and new clients' leases go into lease4. blackstart stops, Kea starts
# again: Kea reads blackstart's rows and every client keeps its address;
# then a blackstart server on a second link joins Kea on the database and
# both serve new clients at once: no address is held by two clients.
# Finally blackstart refuses a database whose synchronous_commit is off.
# Both servers log in as a password-authenticated role (scram-sha-256).
# Usage: tests/integration/test_kea_pgsql.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
BS_LOAD=$(dirname "$BST_SERVER")/bs-load
BS_ADMIN=$(dirname "$BST_SERVER")/blackstart-admin
LEASES=${LEASES:-50}
bst_require_root_netns
for tool in kea-dhcp4 kea-admin psql; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/install-deps.sh test)"; exit 0; }
done
for tool in "$BS_LOAD" "$BS_ADMIN"; do
  [[ -x "$tool" ]] || { echo "SKIP: $tool is missing (make build)"; exit 0; }
done
bst_init

SRV="${BST_P}srv"
CONF=$BST_TMP/kea-dhcp4.conf
PW=kea-secret-$$

sql() { psql -qAtX -h "$BST_PG_DIR" -U blackstart -d kea -c "$1"; }

write_config() {
  cat <<JSON
// The same file for Kea 2.2 and blackstart.
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "${BST_P}s0" ] },
    "lease-database": {
      "type": "postgresql",
      "name": "kea",
      "host": "$BST_PG_DIR",
      "user": "kea",
      "password": "$PW"
    },
    "valid-lifetime": 3600,
    "renew-timer": 5,
    "rebind-timer": 3000,
    "authoritative": true,
    "subnet4": [
      {
        "id": 1,
        "subnet": "198.18.0.0/15",
        "pools": [ { "pool": "198.19.0.1 - 198.19.255.254" } ],
        "option-data": [ { "name": "routers", "data": "198.18.0.1" } ]
      }
    ]
  }
}
JSON
}

start_kea() {
  bst_spawn "$SRV" "$1" env "KEA_PIDFILE_DIR=$BST_TMP" "KEA_LOCKFILE_DIR=$BST_TMP" \
    kea-dhcp4 -c "$CONF"
  KEA_PID=$BST_LAST_PID
  wait_for 20 udp_listening "$SRV" 67 "$KEA_PID" && is_running "$KEA_PID"
}

# field LOG NAME: NAME=VALUE from bs-load's last summary line in LOG.
field() {
  local value
  value=$(grep '^bs-load ' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p")
  echo "${value:-?}"
}

# load MEMORY COUNT SEED LOG: COUNT new simulated clients ask for leases;
# each seed's clients have their own MACs (from index SEED * 1000).
load() {
  ip netns exec "${BST_P}c3" "$BS_LOAD" run --iface "${BST_P}c3" --memory "$1" \
    --clients "$2" --first "$(($3 * 1000))" --rate 200 --max-seconds 60 --seed "$3" >"$4" 2>&1 || true
}

# verify MEMORY COUNT SEED LABEL: strangers first ask for the remembered
# clients' addresses and must get none of them (the server knows the rows),
# then every remembered client asks again and must get its own back.
verify() {
  local log=$BST_TMP/verify-$3.log
  ip netns exec "${BST_P}c3" "$BS_LOAD" verify --iface "${BST_P}c3" --memory "$1" \
    --probe-first "$((100000 * $3))" --rate 500 --window 64 --max-seconds 60 --seed "$3" >"$log" 2>&1 || true
  local checked forgotten duplicates hits
  checked=$(field "$log" checked) forgotten=$(field "$log" forgotten) duplicates=$(field "$log" duplicates)
  hits=$(field "$log" probe_hits)
  check "$4: no stranger gets a held address, all $2 simulated clients keep theirs (probe hits $hits, checked $checked, forgotten $forgotten, duplicates $duplicates)" \
    [ "$hits/$checked/$forgotten/$duplicates" == "0/$2/0/0" ]
}

renewed() { has_event "$1" '^renew$' && [[ "$(event_field "$1" '^renew$' ip)" == "$2" ]]; }

real_clients_keep() {
  local name
  for name in dhclient udhcpc; do mv "$(events_file "$name")" "$(events_file "$name").$1" 2>/dev/null || true; done
  kill -USR1 "$UDHCPC_PID"
  check "$1: dhclient renews and keeps ${FIRST_IP[dhclient]}" wait_for 30 renewed dhclient "${FIRST_IP[dhclient]}"
  check "$1: udhcpc renews and keeps ${FIRST_IP[udhcpc]}" wait_for 30 renewed udhcpc "${FIRST_IP[udhcpc]}"
}

# --- the database ------------------------------------------------------------
bst_pg_start || { fail "PostgreSQL test server starts"; exit 1; }
pass "PostgreSQL test server starts (socket in $BST_PG_DIR)"
psql -qX -h "$BST_PG_DIR" -U blackstart -d postgres \
  -c "CREATE ROLE kea LOGIN PASSWORD '$PW'" -c "CREATE DATABASE kea OWNER kea" >/dev/null
# Role kea must give its password; the superuser keeps trust for the test.
sed -i '1i local all kea scram-sha-256' "$BST_PG_DIR/data/pg_hba.conf"
psql -qX -h "$BST_PG_DIR" -U blackstart -d postgres -c "SELECT pg_reload_conf()" >/dev/null
check "kea-admin db-init pgsql makes Kea's schema" \
  kea-admin db-init pgsql -h "$BST_PG_DIR" -u kea -p "$PW" -n kea
check "blackstart-admin db-init pgsql adds blackstart's table" \
  "$BS_ADMIN" db-init pgsql -h "$BST_PG_DIR" -u kea -p "$PW" -n kea
check "blackstart-admin db-version says 1.0" \
  [ "$("$BS_ADMIN" db-version pgsql -h "$BST_PG_DIR" -u kea -p "$PW" -n kea)" == 1.0 ]
check "a wrong password is refused (the role needs its password)" \
  bash -c "! '$BS_ADMIN' db-version pgsql -h '$BST_PG_DIR' -u kea -p wrong -n kea 2>/dev/null"

# --- topology: one switch, the server, two real clients, bs-load ------------
bst_office 3
ip -n "$SRV" addr flush dev "${BST_P}s0"
ip -n "$SRV" addr add 198.18.0.1/15 dev "${BST_P}s0"
write_config >"$CONF"
check "blackstart -t accepts Kea's postgresql config unchanged" "$BST_SERVER" -t "$CONF"
check "kea-dhcp4 -t accepts the same config" ip netns exec "$SRV" kea-dhcp4 -t "$CONF"

note "Kea $(kea-dhcp4 -v) serves and writes lease4"
start_kea "$BST_TMP/kea-1.log" || { fail "Kea starts on PostgreSQL"; exit 1; }
pass "Kea starts on PostgreSQL and listens on port 67"
start_dhclient dhclient 1
start_udhcpc udhcpc 2
UDHCPC_PID=$BST_LAST_PID
check "dhclient gets a lease from Kea" wait_for 45 has_event dhclient "$BST_LEASE_EVENTS"
check "udhcpc gets a lease from Kea" wait_for 45 has_event udhcpc "$BST_LEASE_EVENTS"
declare -A FIRST_IP=([dhclient]=$(lease_ip dhclient) [udhcpc]=$(lease_ip udhcpc))
load "$BST_TMP/kea-clients.log" "$LEASES" 1 "$BST_TMP/load-kea.log"
check "Kea ACKs all $LEASES simulated clients (acked $(field "$BST_TMP/load-kea.log" acked))" \
  [ "$(field "$BST_TMP/load-kea.log" acked)" == "$LEASES" ]
stop_pid "$KEA_PID" TERM 15
kea_rows=$(sql "SELECT count(*) FROM lease4 WHERE state = 0")
check "lease4 holds Kea's $((LEASES + 2)) leases (got $kea_rows)" [ "$kea_rows" -eq $((LEASES + 2)) ]

note "blackstart takes over Kea's database"
start_server_or_exit "$SRV" "$CONF" "$BST_TMP/blackstart.log"
loaded=$(show_leases "$CONF" | awk '$NF == "default"' | wc -l)
check "blackstart loads Kea's $((LEASES + 2)) leases (got $loaded)" [ "$loaded" -eq $((LEASES + 2)) ]
real_clients_keep "blackstart after Kea"
verify "$BST_TMP/kea-clients.log" "$LEASES" 11 "blackstart after Kea"
load "$BST_TMP/bs-clients.log" "$LEASES" 2 "$BST_TMP/load-bs.log"
check "blackstart ACKs $LEASES new simulated clients (acked $(field "$BST_TMP/load-bs.log" acked))" \
  [ "$(field "$BST_TMP/load-bs.log" acked)" == "$LEASES" ]
note "the database drops blackstart's connection under it"
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'blackstart'" >/dev/null
load "$BST_TMP/drop-clients.log" 5 3 "$BST_TMP/load-bs-drop.log"
check "after a killed backend blackstart ACKs 5 more clients, retried (acked $(field "$BST_TMP/load-bs-drop.log" acked))" \
  [ "$(field "$BST_TMP/load-bs-drop.log" acked)" == 5 ]
# Found by a commit (a failed batch) or, first, by the poll for other
# servers' changes between batches (then no batch fails).
check "the lost connection was logged" \
  grep -Eq "failing \(database unreachable\)|connection lost between batches" "$BST_TMP/blackstart.log"
check "and the recovery" grep -Eq "recovered after|reread [0-9]+ leases after reconnecting" "$BST_TMP/blackstart.log"
stop_server_cleanly
bs_rows=$(sql "SELECT count(*) FROM lease4 WHERE state = 0")
check "lease4 holds every lease after blackstart, at least $((2 * LEASES + 7)) (got $bs_rows)" \
  [ "$bs_rows" -ge $((2 * LEASES + 7)) ]

note "Kea takes the database back"
start_kea "$BST_TMP/kea-2.log" || { fail "Kea starts on blackstart's rows"; exit 1; }
pass "Kea starts on blackstart's rows"
real_clients_keep "Kea after blackstart"
verify "$BST_TMP/bs-clients.log" "$LEASES" 12 "Kea after blackstart, blackstart's clients"
verify "$BST_TMP/kea-clients.log" "$LEASES" 13 "Kea after blackstart, Kea's clients"
verify "$BST_TMP/drop-clients.log" 5 14 "Kea after blackstart, the clients ACKed after the drop"

note "Kea and blackstart write lease4 at the same time, from one pool"
# blackstart on a second link (198.18.0.2), same file but its interface;
# new clients on both links at once. Kea announces nothing, so blackstart
# learns Kea's rows from conflicts (a NAK, then the client rediscovers),
# and Kea checks the table before it offers.
bst_switch "${BST_P}w2"
bst_ns "${BST_P}srv2"
bst_plug "${BST_P}w2" "${BST_P}srv2" "${BST_P}s2"
ip -n "${BST_P}srv2" addr add 198.18.0.2/15 dev "${BST_P}s2"
bst_client "${BST_P}w2" 4
sed "s/\"${BST_P}s0\"/\"${BST_P}s2\"/" "$CONF" >"$BST_TMP/second.conf"
start_server_or_exit "${BST_P}srv2" "$BST_TMP/second.conf" "$BST_TMP/blackstart-beside-kea.log"
BESIDE=$BST_SERVER_PID
ip netns exec "${BST_P}c4" "$BS_LOAD" run --iface "${BST_P}c4" --memory "$BST_TMP/both-bs.log" \
  --clients "$LEASES" --first 5000 --rate 200 --max-seconds 30 --seed 15 >"$BST_TMP/load-both-bs.log" 2>&1 &
BOTH_BS=$!
load "$BST_TMP/both-kea.log" "$LEASES" 6 "$BST_TMP/load-both-kea.log"
wait "$BOTH_BS" || true
note "at once: Kea acked $(field "$BST_TMP/load-both-kea.log" acked), blackstart acked $(field "$BST_TMP/load-both-bs.log" acked) (NAKs $(field "$BST_TMP/load-both-bs.log" naks)) of $LEASES each"
check "at once: both servers ACKed clients" \
  [ "$(field "$BST_TMP/load-both-kea.log" acked)" -gt 0 -a "$(field "$BST_TMP/load-both-bs.log" acked)" -gt 0 ]
twice=$(cat "$BST_TMP"/*-clients.log "$BST_TMP"/both-*.log |
  awk '{ if ($2 in mac && mac[$2] != $1) n++; mac[$2] = $1 } END { print n + 0 }')
check "at once: no address ACKed to two clients, over every client of this test ($twice)" [ "$twice" -eq 0 ]
missing=0
while read -r mac address _; do
  got=$(sql "SELECT encode(hwaddr, 'hex') FROM lease4 WHERE address = '$address'::inet - '0.0.0.0'::inet")
  [[ "$got" == "${mac//:/}" ]] || missing=$((missing + 1))
done < <(cat "$BST_TMP"/both-*.log | awk '{ last[$1] = $2 } END { for (m in last) print m, last[m] }')
check "at once: each client's ACKed address is its row in lease4 (missing $missing)" [ "$missing" -eq 0 ]
stop_pid "$BESIDE" TERM 10
stop_pid "$KEA_PID" TERM 15

note "blackstart refuses a database that does not flush commits"
sql "ALTER ROLE kea SET synchronous_commit = off"
ip netns exec "$SRV" timeout 30 "$BST_SERVER" -c "$CONF" >"$BST_TMP/refused.log" 2>&1 && rc=0 || rc=$?
check "blackstart exits non-zero on synchronous_commit off (exit $rc)" [ "$rc" -ne 0 -a "$rc" -ne 124 ]
check "and says why" grep -q "effective synchronous_commit is off" "$BST_TMP/refused.log"
bst_finish test_kea_pgsql
