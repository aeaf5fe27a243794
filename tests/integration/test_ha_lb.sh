#!/usr/bin/env bash
# An HA pair (issue 12) in load-balancing, from Kea's libdhcp_ha
# parameters: two blackstart servers (primary and secondary) on one bridge.
# Each client belongs to the server its RFC 3074 hash of the client id (else
# the MAC) names: udhcpc (client 1) and dhcpcd (client 4) send 01+MAC as
# client id, dhclient (client 2) none; so 1 and 2 hash to the secondary, 4
# to the primary (worked with the RFC's table as in tests/ha/ha_check.py;
# dhcpcd on client 3 would hash to the secondary, which is how this test
# was seen to fail). Each server hands out its own half of
# the pool (the primary even addresses, the secondary odd). Both lease
# tables hold every ACKed lease. Then the secondary is killed (SIGKILL);
# the primary reaches partner-down and serves the secondary's clients too,
# for no longer than MCLT.
# Usage: tests/integration/test_ha_lb.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

MCLT=120

has_lease() { [[ -n "$(lease_ip "$1")" ]]; }
api() {
  ip netns exec "${BST_P}srv$1" curl -sS -m 10 http://127.0.0.1:8004/ \
    -H 'Content-Type: application/json' -d "{\"command\": \"$2\"}"
}
ha_state() { api "$1" ha-heartbeat | jq -r .arguments.state; }
state_is() { [[ "$(ha_state "$1")" == "$2" ]]; }
server_of() { event_field "$1" "$BST_LEASE_EVENTS" server; }
odd() { (($(ip_to_int "$1") % 2 == 1)); }
even() { (($(ip_to_int "$1") % 2 == 0)); }

# write_config NAME
write_config() {
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}$1"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/$1.sqlite3"},
  "valid-lifetime": 3600,
  "subnet4": [{
    "id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}],
    "option-data": [{"name": "routers", "data": "198.18.1.254"}]
  }],
  "hooks-libraries": [{
    "library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so",
    "parameters": {"high-availability": [{
      "this-server-name": "$1", "mode": "load-balancing",
      "heartbeat-delay": 500, "max-ack-delay": 1000, "max-response-delay": 3000,
      "max-unacked-clients": 0, "blackstart-mclt": $MCLT,
      "peers": [{"name": "s1", "url": "http://198.18.1.1:8647/", "role": "primary"},
                {"name": "s2", "url": "http://198.18.1.2:8647/", "role": "secondary"}]
    }]}
  }]
}}
JSON
}

bst_switch "${BST_P}sw"
for n in 1 2; do
  bst_ns "${BST_P}srv$n"
  bst_plug "${BST_P}sw" "${BST_P}srv$n" "${BST_P}s$n"
  ip -n "${BST_P}srv$n" addr add "198.18.1.$n/24" dev "${BST_P}s$n"
  write_config "s$n" >"$BST_TMP/s$n.json"
done
for n in 1 2 4; do bst_client "${BST_P}sw" "$n"; done

start_server_or_exit "${BST_P}srv1" "$BST_TMP/s1.json" "$BST_TMP/server1.log"
start_server_or_exit "${BST_P}srv2" "$BST_TMP/s2.json" "$BST_TMP/server2.log"
SECONDARY_PID=$BST_SERVER_PID
check "the primary reaches load-balancing (ha-heartbeat)" wait_for 15 state_is 1 load-balancing
check "the secondary reaches load-balancing" wait_for 5 state_is 2 load-balancing

# client NAME N SERVER_IP PARITY: the client's lease came from SERVER_IP,
# from that server's half of the pool, and both servers hold it.
client_served_by() {
  local ip
  ip=$(lease_ip "$1")
  check "$1 (client $2) is answered by $3 (server id '$(server_of "$1")')" [ "$(server_of "$1")" == "$3" ]
  check "$1's $ip is from that server's half of the pool ($4)" "$4" "$ip"
  check "the primary holds $1's $ip" lease_bound "$BST_TMP/s1.json" "$ip"
  check "the secondary holds $1's $ip" lease_bound "$BST_TMP/s2.json" "$ip"
}

note "clients of each server"
if udhcpc_once udhcpc 1 -t 5 -T 1; then
  client_served_by udhcpc 1 198.18.1.2 odd
else
  fail "udhcpc (client 1, the secondary's) gets a lease from the pair"
fi
start_dhcpcd dhcpcd 4
if wait_for 30 has_lease dhcpcd; then
  client_served_by dhcpcd 4 198.18.1.1 even
else
  fail "dhcpcd (client 4, the primary's) gets a lease from the pair"
fi

note "the secondary loses power"
stop_pid "$SECONDARY_PID" KILL 5
check "the primary reaches partner-down" wait_for 20 state_is 1 partner-down
start_dhclient dhclient 2
if wait_for 40 has_lease dhclient; then
  LATE=$(lease_ip dhclient)
  check "the secondary's client 2 is served by the primary now (server id '$(server_of dhclient)')" \
    [ "$(server_of dhclient)" == 198.18.1.1 ]
  check "the primary stored $LATE" lease_bound "$BST_TMP/s1.json" "$LATE"
  LEASE_S=$(event_field dhclient "$BST_LEASE_EVENTS" lease 2>/dev/null || true)
  check "its lease runs no longer than MCLT (${LEASE_S:-none} s <= $MCLT s)" \
    [ "${LEASE_S:-999999}" -le "$MCLT" ]
else
  fail "after the secondary died its client gets a lease from the primary"
fi
bst_finish test_ha_lb
