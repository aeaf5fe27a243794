#!/usr/bin/env bash
# A chaddr-rotating flood through one port of an ISC dhcrelay, with real
# clients on another port of the same relay. The relay adds option 82
# (`-a`: circuit-id = the port's interface name) and both ports carry the
# same address, so giaddr is the same and only the circuit-id tells them
# apart. The flood is bs-load: a new MAC for every DORA, thousands of them.
# With "starvation-guard" at 25% the flooder ends up holding at most 10 of
# the 40 pool addresses, the drop counter rises, and udhcpc on the other
# port still gets leases while the flood goes on. Then the guard is turned
# off by a reload and the same kind of flood empties the pool, so the next
# udhcpc gets nothing: the test can fail.
# Usage: tests/integration/test_starvation.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
BST_LOAD="$(dirname "$BST_SERVER")/bs-load"
bst_require_root_netns
[[ -x "$BST_LOAD" ]] || { echo "FAIL: $BST_LOAD not found; build the bs-load target" >&2; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl is needed" >&2; exit 1; }
bst_init

POOL_FIRST=198.18.3.100
POOL_LAST=198.18.3.139 # 40 addresses
SHARE_PERCENT=25
SHARE=10 # 25% of 40

write_config() {
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 600,
  "starvation-guard": {"max-pool-share-percent": $1},
  "subnet4": [
    {"id": 1, "subnet": "198.18.2.0/24", "pools": [{"pool": "198.18.2.100 - 198.18.2.110"}]},
    {"id": 2, "subnet": "198.18.3.0/24",
     "pools": [{"pool": "$POOL_FIRST - $POOL_LAST"}],
     "relay": {"ip-addresses": ["198.18.3.1"]},
     "option-data": [{"name": "routers", "data": "198.18.3.1"},
                     {"name": "domain-name-servers", "data": "198.18.3.1"}]}
  ]
}}
JSON
}

# server "${BST_P}srv" 198.18.2.1 -- relay "${BST_P}rly" 198.18.2.2, with
# port r1 on switch "${BST_P}sw" (client 1: the flooder) and port r2 on
# switch "${BST_P}sw2" (clients 2-5: the office), both 198.18.3.1.
build_topology() {
  local srv="${BST_P}srv" rly="${BST_P}rly" n
  bst_switch "${BST_P}sw"
  bst_switch "${BST_P}sw2"
  bst_ns "$srv"
  bst_ns "$rly"
  bst_link "$srv" "${BST_P}s0" "$rly" "${BST_P}ru"
  ip -n "$srv" addr add 198.18.2.1/24 dev "${BST_P}s0"
  ip -n "$rly" addr add 198.18.2.2/24 dev "${BST_P}ru"
  ip -n "$srv" route add 198.18.3.0/24 via 198.18.2.2
  bst_plug "${BST_P}sw" "$rly" "${BST_P}r1"
  bst_plug "${BST_P}sw2" "$rly" "${BST_P}r2"
  ip -n "$rly" addr add 198.18.3.1/24 dev "${BST_P}r1"
  ip -n "$rly" addr add 198.18.3.1/32 dev "${BST_P}r2"
  bst_client "${BST_P}sw" 1
  for ((n = 2; n <= 5; n++)); do bst_client "${BST_P}sw2" "$n"; done
}

# metric_drops: the starvation_share drop counter, from /metrics.
metric_drops() {
  ip netns exec "${BST_P}srv" curl -sS -m 10 http://127.0.0.1:8004/metrics 2>/dev/null |
    awk '/^blackstart_packets_dropped_total\{reason="starvation_share"\}/ { print $2; found = 1 }
         END { if (!found) print 0 }'
}
drops_above() { (($(metric_drops) > $1)); }
metrics_up() {
  ip netns exec "${BST_P}srv" curl -sS -m 10 http://127.0.0.1:8004/metrics 2>/dev/null |
    grep -q 'reason="starvation_share"'
}
# in_range VALUE MIN MAX: VALUE is a number within MIN..MAX.
in_range() { [[ "$1" =~ ^[0-9]+$ ]] && (($1 >= $2 && $1 <= $3)); }
flood_done() { ! is_running "$FLOOD_PID"; }

# flooder_rows: bound rows in the lease database held by bs-load's MACs.
flooder_rows() {
  show_leases "$CONF" 2>/dev/null |
    awk '$2 ~ /^02:10:ad:/ && ($NF == "assigned" || $NF == "default") { n++ } END { print n + 0 }'
}

# start_flood FIRST_INDEX CLIENTS RATE: bs-load on client 1's port, RATE new
# MACs a second; it stops by itself after CLIENTS of them or 90 s.
start_flood() {
  bst_spawn "${BST_P}c1" "$BST_TMP/flood$1.log" "$BST_LOAD" run --iface "${BST_P}c1" \
    --first "$1" --clients "$2" --rate "$3" --window 128 --tries 2 --timeout-ms 400 \
    --max-seconds 90
  FLOOD_PID=$BST_LAST_PID
}

flood_summary_field() {
  sed -n 's/.*bs-load run:.* '"$2"'=\([0-9]*\).*/\1/p' "$BST_TMP/flood$1.log" | tail -n 1
}

build_topology
CONF=$BST_TMP/blackstart.json
write_config "$SHARE_PERCENT" >"$CONF"
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/server.log"
bst_spawn "${BST_P}rly" "$BST_TMP/dhcrelay.log" \
  dhcrelay -4 -d -a -m replace -pf "$BST_TMP/dhcrelay.pid" \
  -id "${BST_P}r1" -id "${BST_P}r2" -iu "${BST_P}ru" 198.18.2.1
RELAY_PID=$BST_LAST_PID
check "dhcrelay (-a, two ports) starts in the relay namespace" \
  wait_for 10 udp_listening "${BST_P}rly" 67 "$RELAY_PID"
check "the control API answers /metrics" wait_for 10 metrics_up

note "phase 1: guard at $SHARE_PERCENT%, a flood of new MACs on port r1"
start_flood 1 20000 200
check "the guard drops the flood once it holds its share (starvation_share > 100)" \
  wait_for 30 drops_above 100
for n in 2 3 4; do
  check "udhcpc $n on port r2 gets a lease during the flood" udhcpc_once "desk$n" "$n" -t 5 -T 1
  expect_lease "desk$n" "$POOL_FIRST" "$POOL_LAST" 198.18.3.1 198.18.3.1
done
check "the flood was still running while the office was served" is_running "$FLOOD_PID"
stop_pid "$FLOOD_PID" TERM 10
ACKED=$(flood_summary_field 1 acked)
ROWS=$(flooder_rows)
check "the flooder was ACKed 1 to $SHARE addresses (bs-load acked=${ACKED:-none})" \
  in_range "$ACKED" 1 "$SHARE"
check "the lease table shows 1 to $SHARE flooder leases (got $ROWS)" in_range "$ROWS" 1 "$SHARE"
DROPS=$(metric_drops)
check "starvation_share counted the refused queries (got $DROPS)" [ "$DROPS" -gt "$SHARE" ]
check "the server logged the guard's refusal" grep -q "held via relay 198.18.3.1 circuit-id" \
  "$BST_TMP/server.log"

note "phase 2: guard off (reload), the same flood empties the pool"
write_config 0 >"$CONF"
kill -HUP "$BST_SERVER_PID"
check "the server reloads the config without the guard" \
  wait_for 10 grep -q "configuration reloaded" "$BST_TMP/server.log"
start_flood 100000 200 200
check "the unguarded flood ends by itself" wait_for 60 flood_done
ROWS=$(flooder_rows)
check "without the guard the flooder holds the rest of the pool (got $ROWS of 37)" [ "$ROWS" -eq 37 ]
if udhcpc_once desk5 5 -t 3 -T 1; then
  fail "udhcpc 5 should find the pool empty without the guard (got $(lease_ip desk5))"
else
  pass "udhcpc 5 gets nothing once the unguarded flood has the pool"
fi
check "dhcrelay is still running" is_running "$RELAY_PID"

stop_server_cleanly
bst_finish test_starvation
