#!/usr/bin/env bash
# An HA pair (issue 12) from Kea's libdhcp_ha parameters: two blackstart
# servers in their own namespaces on one bridge, hot-standby. dhclient,
# dhcpcd, and udhcpc behind ISC dhcrelay (relaying to both servers from a
# second link, 198.18.3.0/24) get leases from the primary, and the
# standby's lease table holds each too (an ACK leaves only once both have
# it). Then the primary is killed (SIGKILL); the standby reaches
# partner-down (max-unacked-clients 0, so silence alone, after
# max-response-delay) and new clients, one on the switch (udhcpc) and one
# behind the relay (dhclient), get leases from it, for no longer than MCLT.
# ha-heartbeat and status-get show the pair's states along the way.
# Load-balancing: test_ha_lb.sh.
# Usage: tests/integration/test_ha.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

MCLT=120

has_lease() { [[ -n "$(lease_ip "$1")" ]]; }

# api N COMMAND: a command to server N's control API; prints the answer.
api() {
  ip netns exec "${BST_P}srv$1" curl -sS -m 10 http://127.0.0.1:8004/ \
    -H 'Content-Type: application/json' -d "{\"command\": \"$2\"}"
}
ha_state() { api "$1" ha-heartbeat | jq -r .arguments.state; }
state_is() { [[ "$(ha_state "$1")" == "$2" ]]; }
pair_in_status() {
  api 1 status-get | jq -e '.arguments["high-availability"][0]["ha-servers"] |
    .local.role == "primary" and .remote.role == "standby" and .remote["in-touch"]' >/dev/null
}

# write_config NAME ADDRESS
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
  }, {
    "id": 2, "subnet": "198.18.3.0/24",
    "pools": [{"pool": "198.18.3.100 - 198.18.3.199"}],
    "relay": {"ip-addresses": ["198.18.3.1"]},
    "option-data": [{"name": "routers", "data": "198.18.3.1"}]
  }],
  "hooks-libraries": [{
    "library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so",
    "parameters": {"high-availability": [{
      "this-server-name": "$1", "mode": "hot-standby",
      "heartbeat-delay": 500, "max-ack-delay": 1000, "max-response-delay": 3000,
      "max-unacked-clients": 0, "blackstart-mclt": $MCLT,
      "peers": [{"name": "s1", "url": "http://198.18.1.1:8647/", "role": "primary"},
                {"name": "s2", "url": "http://198.18.1.2:8647/", "role": "standby"}]
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
  ip -n "${BST_P}srv$n" route add 198.18.3.0/24 via 198.18.1.3
  write_config "s$n" >"$BST_TMP/s$n.json"
done
bst_client "${BST_P}sw" 1
bst_client "${BST_P}sw" 2
bst_client "${BST_P}sw" 4
# The relay: 198.18.1.3 on the servers' switch, 198.18.3.1 on a second
# switch with clients 3 and 5 behind it.
bst_ns "${BST_P}rly"
bst_plug "${BST_P}sw" "${BST_P}rly" "${BST_P}ru"
ip -n "${BST_P}rly" addr add 198.18.1.3/24 dev "${BST_P}ru"
bst_switch "${BST_P}sw2"
bst_plug "${BST_P}sw2" "${BST_P}rly" "${BST_P}rd"
ip -n "${BST_P}rly" addr add 198.18.3.1/24 dev "${BST_P}rd"
ip netns exec "${BST_P}rly" sysctl -qw net.ipv4.ip_forward=1
bst_client "${BST_P}sw2" 3
bst_client "${BST_P}sw2" 5

start_server_or_exit "${BST_P}srv1" "$BST_TMP/s1.json" "$BST_TMP/server1.log"
PRIMARY_PID=$BST_SERVER_PID
start_server_or_exit "${BST_P}srv2" "$BST_TMP/s2.json" "$BST_TMP/server2.log"
STANDBY_PID=$BST_SERVER_PID
check "both servers pair (HA state file, partner link)" \
  grep -q "HA: s2 (standby) paired with s1" "$BST_TMP/server2.log"
check "both reach hot-standby (ha-heartbeat)" wait_for 15 state_is 1 hot-standby
check "the standby says hot-standby too" [ "$(ha_state 2)" == hot-standby ]
check "status-get shows the pair (local primary, remote standby in touch)" pair_in_status

note "a client is served by the pair"
start_dhclient first 1
if wait_for 30 has_lease first; then
  FIRST=$(lease_ip first)
  pass "dhclient gets $FIRST"
  check "the standby's lease table holds $FIRST too" lease_bound "$BST_TMP/s2.json" "$FIRST"
else
  fail "dhclient gets a lease from the pair"
fi

note "dhcpcd on the switch, udhcpc behind dhcrelay (relaying to both servers)"
start_dhcpcd dhcpcd 4
if wait_for 30 has_lease dhcpcd; then
  DHCPCD_IP=$(lease_ip dhcpcd)
  pass "dhcpcd gets $DHCPCD_IP"
  check "the standby's lease table holds $DHCPCD_IP too" lease_bound "$BST_TMP/s2.json" "$DHCPCD_IP"
else
  fail "dhcpcd gets a lease from the pair"
fi
bst_spawn "${BST_P}rly" "$BST_TMP/dhcrelay.log" \
  dhcrelay -4 -d -pf "$BST_TMP/dhcrelay.pid" -id "${BST_P}rd" -iu "${BST_P}ru" 198.18.1.1 198.18.1.2
RELAY_PID=$BST_LAST_PID
check "dhcrelay starts in the relay namespace" wait_for 10 udp_listening "${BST_P}rly" 67 "$RELAY_PID"
if udhcpc_once relayed 3 -t 5 -T 1; then
  RELAYED=$(lease_ip relayed)
  check "udhcpc behind the relay gets $RELAYED from the relayed subnet" \
    ip_in_range "$RELAYED" 198.18.3.100 198.18.3.199
  check "the primary's lease table holds $RELAYED" lease_bound "$BST_TMP/s1.json" "$RELAYED"
  check "the standby's lease table holds $RELAYED too" lease_bound "$BST_TMP/s2.json" "$RELAYED"
else
  fail "udhcpc behind the relay gets a lease from the pair"
fi

note "the primary loses power"
stop_pid "$PRIMARY_PID" KILL 5
check "the standby reaches partner-down" wait_for 20 state_is 2 partner-down
start_udhcpc second 2
if wait_for 40 has_lease second; then
  SECOND=$(lease_ip second)
  pass "after the primary died a new client gets $SECOND from the standby"
  check "the standby stored $SECOND" lease_bound "$BST_TMP/s2.json" "$SECOND"
  LEASE_S=$(event_field second "$BST_LEASE_EVENTS" lease 2>/dev/null || true)
  check "its lease runs no longer than MCLT (${LEASE_S:-none} s <= $MCLT s)" \
    [ "${LEASE_S:-999999}" -le "$MCLT" ]
else
  fail "after the primary died a new client gets a lease from the standby"
fi
start_dhclient relayed_after 5
if wait_for 40 has_lease relayed_after; then
  LATE=$(lease_ip relayed_after)
  check "after the primary died dhclient behind the relay gets $LATE from the relayed subnet" \
    ip_in_range "$LATE" 198.18.3.100 198.18.3.199
  check "the standby stored $LATE" lease_bound "$BST_TMP/s2.json" "$LATE"
else
  fail "after the primary died dhclient behind the relay gets a lease from the standby"
fi
stop_pid "$STANDBY_PID" TERM 10
bst_finish test_ha
