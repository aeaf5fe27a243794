#!/usr/bin/env bash
# Three blackstart servers on one PostgreSQL database (bst_pg_start), all
# serving the same pool, so every new address is contended:
# 1. separate links: each server on its own switch with its own bs-load
#    clients (LOAD new clients each) and one real client (dhclient on the
#    first link, udhcpc on the second);
# 2. one shared link: all three servers on the first switch, bs-load's
#    clients hearing three OFFERs per DISCOVER.
# After each phase: no address is ACKed to two clients (bs-load's memories
# merged, and the real clients), every ACKed lease is in lease4 with its
# client's MAC, and the servers' conflict counters say the database had to
# arbitrate (the contended case actually happened).
# Usage: tests/integration/test_pg_three_servers.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
BS_LOAD=$(dirname "$BST_SERVER")/bs-load
BS_ADMIN=$(dirname "$BST_SERVER")/blackstart-admin
LOAD=${LOAD:-100}
bst_require_root_netns
command -v psql >/dev/null || { echo "SKIP: psql is not installed (scripts/install-deps.sh test)"; exit 0; }
for tool in "$BS_LOAD" "$BS_ADMIN"; do
  [[ -x "$tool" ]] || { echo "SKIP: $tool is missing (make build)"; exit 0; }
done
bst_init

sql() { psql -qAtX -h "$BST_PG_DIR" -U blackstart -d leases -c "$1"; }

# write_config IFNAME: the same pool for every server, on the database.
write_config() {
  cat <<JSON
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "$1" ] },
    "lease-database": { "type": "postgresql", "name": "leases", "host": "$BST_PG_DIR",
                        "user": "blackstart" },
    "valid-lifetime": 3600,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/15",
                   "pools": [ { "pool": "198.19.0.1 - 198.19.3.254" } ] } ]
  }
}
JSON
}

# field LOG NAME: NAME=VALUE from bs-load's last summary line in LOG.
field() {
  local value
  value=$(grep '^bs-load ' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p")
  echo "${value:-?}"
}

# served LABEL LOG: every bs-load client was answered. A client NAKed
# after a conflict rediscovers; bs-load gives up after three NAKs in a row
# ("refused"), which contention can cause for some (rarely since the
# servers spread their searches over the pool), where a real client would
# go on. The figures are printed.
served() {
  local acked refused naks
  acked=$(field "$2" acked) refused=$(field "$2" refused) naks=$(field "$2" naks)
  note "$1: acked $acked, gave up after NAKs $refused, NAKs $naks, duplicates seen $(field "$2" duplicates)"
  check "$1: bs-load's $LOAD clients all answered: ACKed, or NAKed three times (acked $acked, refused $refused)" \
    [ "$((acked + refused))" == "$LOAD" -a "$acked" -gt 0 ]
  check "$1: bs-load saw no address ACKed to two of its clients" [ "$(field "$2" duplicates)" == 0 ]
}

SERVER_PIDS=()
start_servers() {
  local n
  SERVER_PIDS=()
  for n in 1 2 3; do
    start_server_or_exit "${BST_P}srv$n" "$BST_TMP/srv$n.conf" "$BST_TMP/$1-srv$n.log"
    SERVER_PIDS+=("$BST_SERVER_PID")
  done
}

stop_servers() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid" TERM 10; done
}

# load NS IFNAME SEED LOG: LOAD new clients (MACs from SEED * 10000).
load() {
  ip netns exec "$1" "$BS_LOAD" run --iface "$2" --memory "$BST_TMP/memory-$3" \
    --clients "$LOAD" --first "$(($3 * 10000))" --rate 300 --window 64 --max-seconds 20 \
    --seed "$3" >"$4" 2>&1 || true
}

# no_address_twice LABEL MEMORY...: from the clients' side, every address
# was ACKed to one MAC only, and from the table's, each client's latest
# address is its row.
no_address_twice() {
  local label=$1
  shift
  local twice missing total
  twice=$(cat "$@" | awk '{ if ($2 in mac && mac[$2] != $1) n++; mac[$2] = $1 } END { print n + 0 }')
  check "$label: no address ACKed to two bs-load clients ($twice)" [ "$twice" -eq 0 ]
  total=0 missing=0
  while read -r mac address _; do
    total=$((total + 1))
    got=$(sql "SELECT encode(hwaddr, 'hex') FROM lease4 WHERE address = '$address'::inet - '0.0.0.0'::inet")
    [[ "$got" == "${mac//:/}" ]] || missing=$((missing + 1))
  done < <(cat "$@" | awk '{ last[$1] = $2 } END { for (m in last) print m, last[m] }')
  check "$label: each of $total ACKed bs-load leases is its client's row in lease4 (missing $missing)" \
    [ "$missing" -eq 0 -a "$total" -gt 0 ]
}

# --- the database --------------------------------------------------------------
bst_pg_start || { fail "PostgreSQL test server starts"; exit 1; }
pass "PostgreSQL test server starts (socket in $BST_PG_DIR)"
psql -qX -h "$BST_PG_DIR" -U blackstart -d postgres -c "CREATE DATABASE leases" >/dev/null
check "blackstart-admin db-init pgsql" "$BS_ADMIN" db-init pgsql -h "$BST_PG_DIR" -u blackstart -n leases

# --- phase 1: three links --------------------------------------------------------
note "three servers, three links, one pool"
for n in 1 2 3; do
  bst_switch "${BST_P}w$n"
  bst_ns "${BST_P}srv$n"
  bst_plug "${BST_P}w$n" "${BST_P}srv$n" "${BST_P}s$n"
  ip -n "${BST_P}srv$n" addr add "198.18.0.$n/15" dev "${BST_P}s$n"
  write_config "${BST_P}s$n" >"$BST_TMP/srv$n.conf"
  bst_client "${BST_P}w$n" "$n"       # real client n
  bst_client "${BST_P}w$n" "$((n + 3))" # bs-load on link n
done
start_servers links
start_dhclient dhclient 1
start_udhcpc udhcpc 2
LOADERS=()
for n in 1 2 3; do
  load "${BST_P}c$((n + 3))" "${BST_P}c$((n + 3))" "$n" "$BST_TMP/load-$n.log" &
  LOADERS+=($!)
done
wait "${LOADERS[@]}"
for n in 1 2 3; do served "link $n" "$BST_TMP/load-$n.log"; done
check "dhclient gets a lease" wait_for 30 has_event dhclient "$BST_LEASE_EVENTS"
check "udhcpc gets a lease" wait_for 30 has_event udhcpc "$BST_LEASE_EVENTS"
declare -A REAL=([dhclient]=$(lease_ip dhclient) [udhcpc]=$(lease_ip udhcpc))
no_address_twice "three links" "$BST_TMP"/memory-{1,2,3}
for name in dhclient udhcpc; do
  holders=$(cat "$BST_TMP"/memory-{1,2,3} | awk -v a="${REAL[$name]}" '$2 == a' | wc -l)
  check "three links: $name's ${REAL[$name]} is no bs-load client's ($holders)" [ "$holders" -eq 0 ]
done
check "three links: dhclient and udhcpc hold different addresses" [ "${REAL[dhclient]}" != "${REAL[udhcpc]}" ]
n=0
for name in dhclient udhcpc; do
  n=$((n + 1))
  row=$(sql "SELECT encode(hwaddr, 'hex') FROM lease4 WHERE address = '${REAL[$name]}'::inet - '0.0.0.0'::inet")
  check "three links: $name's ${REAL[$name]} is its own row in lease4 ($row)" [ "$row" == "02bb0000000$n" ]
done
acked_clients() { cat "$@" | awk '{ print $1 }' | sort -u | wc -l; }
rows=$(sql "SELECT count(*) FROM lease4")
want=$(($(acked_clients "$BST_TMP"/memory-{1,2,3}) + 2))
check "three links: lease4 has a row per ACKed client ($rows, want at least $want)" [ "$rows" -ge "$want" ]
stop_servers
# count_from LOG_PREFIX WHAT: the sum over the three servers' stop lines.
count_from() {
  local n total=0 value
  for n in 1 2 3; do
    value=$(sed -n "s/.*shared lease database: \([0-9]*\) store conflicts, \([0-9]*\) rows learnt.*/\\$2/p" \
      "$BST_TMP/$1-srv$n.log" | tail -n 1)
    total=$((total + ${value:-0}))
  done
  echo "$total"
}
note "three links: the database refused $(count_from links 1) changes (another server's first); $(count_from links 2) rows learnt from notifications"
check "three links: the servers heard of each other's leases (rows learnt $(count_from links 2))" \
  [ "$(count_from links 2)" -gt 0 ]

# --- phase 2: one shared link ---------------------------------------------------
note "three servers on one shared link"
sw="${BST_P}w1"
for n in 2 3; do
  ip -n "${BST_P}srv$n" link del "${BST_P}s$n"
  bst_plug "$sw" "${BST_P}srv$n" "${BST_P}s$n"
  ip -n "${BST_P}srv$n" addr add "198.18.0.$n/15" dev "${BST_P}s$n"
done
start_servers shared
load "${BST_P}c4" "${BST_P}c4" 4 "$BST_TMP/load-4.log"
served "shared link" "$BST_TMP/load-4.log"
no_address_twice "shared link (with the first phase's clients)" "$BST_TMP"/memory-{1,2,3,4}
rows=$(sql "SELECT count(*) FROM lease4")
want=$(($(acked_clients "$BST_TMP"/memory-{1,2,3,4}) + 2))
check "shared link: lease4 has a row per ACKed client ($rows, want at least $want)" [ "$rows" -ge "$want" ]
stop_servers
note "shared link: $(count_from shared 1) store conflicts, $(count_from shared 2) rows learnt"
bst_finish test_pg_three_servers
