#!/usr/bin/env bash
# Clients behind ISC dhcrelay: the relay sets giaddr 198.18.3.1 and forwards
# to the server on 198.18.2.1, which must pick the 198.18.3.0/24 subnet from
# giaddr (not the 198.18.2.0/24 of the link it heard on) and answer the
# relay on port 67. dhclient then renews straight to the server, routed
# through the relay, and is answered at its own address.
# Usage: tests/integration/test_relay.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

write_config() {
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 60, "renew-timer": 5, "rebind-timer": 45,
  "subnet4": [
    {"id": 1, "subnet": "198.18.2.0/24",
     "pools": [{"pool": "198.18.2.100 - 198.18.2.110"}],
     "option-data": [{"name": "routers", "data": "198.18.2.1"}]},
    {"id": 2, "subnet": "198.18.3.0/24",
     "pools": [{"pool": "198.18.3.100 - 198.18.3.150"}],
     "relay": {"ip-addresses": ["198.18.3.1"]},
     "option-data": [{"name": "routers", "data": "198.18.3.1"},
                     {"name": "domain-name-servers", "data": "198.18.3.1"}]}
  ]
}}
JSON
}

renewed_same() { has_event dhclient '^renew$' && [[ "$(event_field dhclient '^renew$' ip)" == "$FIRST" ]]; }

bst_relayed_office 2
CONF=$BST_TMP/blackstart.json
write_config >"$CONF"
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/server.log"

bst_spawn "${BST_P}rly" "$BST_TMP/dhcrelay.log" \
  dhcrelay -4 -d -pf "$BST_TMP/dhcrelay.pid" -id "${BST_P}rd" -iu "${BST_P}ru" 198.18.2.1
RELAY_PID=$BST_LAST_PID
check "dhcrelay starts in the relay namespace" wait_for 10 udp_listening "${BST_P}rly" 67 "$RELAY_PID"

note "udhcpc behind the relay (one DISCOVER cycle)"
check "udhcpc gets a lease through the relay" udhcpc_once udhcpc 1 -t 5 -T 1
expect_lease udhcpc 198.18.3.100 198.18.3.150 198.18.3.1 198.18.3.1

note "dhclient behind the relay, then a routed renewal"
start_dhclient dhclient 2
check "dhclient gets a lease through the relay" wait_for 30 has_event dhclient "$BST_LEASE_EVENTS"
expect_lease dhclient 198.18.3.100 198.18.3.150 198.18.3.1 198.18.3.1
FIRST=$(lease_ip dhclient)
check "dhclient renews by unicast through the relay's route and keeps $FIRST" wait_for 20 renewed_same
for ip in "$(lease_ip udhcpc)" "$FIRST"; do
  check "lease table shows $ip assigned (state '$(lease_state "$CONF" "$ip")')" lease_bound "$CONF" "$ip"
done
check "dhcrelay is still running" is_running "$RELAY_PID"

stop_server_cleanly
bst_finish test_relay
