#!/usr/bin/env bash
# Conflict probing across a relay: ARP cannot cross the router, so the
# server pings (ICMP echo) an address of a relayed subnet before offering
# it. A device squatting on the lowest pool address behind ISC dhcrelay
# answers the echo, and the relayed client is given the next address.
# Usage: tests/integration/test_probe_relay.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

bst_relayed_office 2 # c1: client behind the relay; c2: squatter
CONF=$BST_TMP/blackstart.json
cat >"$CONF" <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 600,
  "conflict-probing": {"mode": "always", "timeout-ms": 300},
  "subnet4": [
    {"id": 1, "subnet": "198.18.2.0/24", "pools": [{"pool": "198.18.2.100 - 198.18.2.110"}]},
    {"id": 2, "subnet": "198.18.3.0/24", "pools": [{"pool": "198.18.3.100 - 198.18.3.110"}],
     "relay": {"ip-addresses": ["198.18.3.1"]},
     "option-data": [{"name": "routers", "data": "198.18.3.1"}]}
  ]
}}
JSON
SQUATTER="${BST_P}c2"
ip -n "$SQUATTER" addr add 198.18.3.100/24 dev "$SQUATTER"
ip -n "$SQUATTER" route add default via 198.18.3.1
check "the squatter is reachable from the server through the relay" \
  wait_for 10 ip netns exec "${BST_P}srv" ping -c 1 -W 1 198.18.3.100

start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/server.log"
bst_spawn "${BST_P}rly" "$BST_TMP/dhcrelay.log" \
  dhcrelay -4 -d -pf "$BST_TMP/dhcrelay.pid" -id "${BST_P}rd" -iu "${BST_P}ru" 198.18.2.1
check "dhcrelay starts in the relay namespace" wait_for 10 udp_listening "${BST_P}rly" 67 "$BST_LAST_PID"

check "udhcpc behind the relay gets a lease" udhcpc_once client 1 -t 5 -T 1
check "... not the squatted 198.18.3.100 (got '$(lease_ip client)')" \
  ip_in_range "$(lease_ip client)" 198.18.3.101 198.18.3.110
check "the server logs the echo reply from 198.18.3.100" \
  grep -q "198.18.3.100 answered a conflict probe (an ICMP echo reply)" "$BST_TMP/server.log"
check "198.18.3.100 is quarantined (state '$(lease_state "$CONF" 198.18.3.100)')" \
  [ "$(lease_state "$CONF" 198.18.3.100)" == declined ]

stop_server_cleanly
bst_finish test_probe_relay
