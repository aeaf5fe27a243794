#!/usr/bin/env bash
# One server on two links (two bridges): one UDP socket per interface, all
# on port 67, and each reply must leave through the link its query came
# from. The second link is named "IF/198.18.4.9", so the server answers as
# that secondary address. A restart with "*" then serves both links again.
# Usage: tests/integration/test_multilink.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

# write_config INTERFACES_JSON
write_config() {
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": $1},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 60,
  "subnet4": [
    {"id": 1, "subnet": "198.18.1.0/24", "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}],
     "option-data": [{"name": "routers", "data": "198.18.1.1"}]},
    {"id": 4, "subnet": "198.18.4.0/24", "pools": [{"pool": "198.18.4.100 - 198.18.4.199"}],
     "option-data": [{"name": "routers", "data": "198.18.4.1"}]}
  ]
}}
JSON
}

# second_link: switch sw2 with the server's "${BST_P}s1" and client 2.
second_link() {
  bst_switch "${BST_P}sw2"
  bst_plug "${BST_P}sw2" "${BST_P}srv" "${BST_P}s1"
  ip -n "${BST_P}srv" addr add 198.18.4.1/24 dev "${BST_P}s1"
  ip -n "${BST_P}srv" addr add 198.18.4.9/24 dev "${BST_P}s1"
  bst_client "${BST_P}sw2" 2
}

lease_via() {  # NAME N: one udhcpc cycle from client N
  udhcpc_once "$1" "$2" -t 5 -T 1
}

bst_office 1
second_link
CONF=$BST_TMP/blackstart.json
write_config "[\"${BST_P}s0\", \"${BST_P}s1/198.18.4.9\"]" >"$CONF"
if ! start_server "${BST_P}srv" "$CONF" "$BST_TMP/server-1.log"; then
  fail "server starts on two interfaces"
  exit 1
fi
pass "server starts on two interfaces"
check "server logs both links" wait_for 5 grep -q "${BST_P}s1" "$BST_TMP/server-1.log"

check "client on link 1 gets a lease" lease_via one 1
check "  ... from 198.18.1.0/24 (got '$(lease_ip one)')" ip_in_range "$(lease_ip one)" 198.18.1.100 198.18.1.199
check "client on link 2 gets a lease" lease_via two 2
check "  ... from 198.18.4.0/24 (got '$(lease_ip two)')" ip_in_range "$(lease_ip two)" 198.18.4.100 198.18.4.199
check "  ... from server 198.18.4.9, the address named in the config (got '$(event_field two "$BST_LEASE_EVENTS" server)')" \
  [ "$(event_field two "$BST_LEASE_EVENTS" server)" == 198.18.4.9 ]
stop_server_cleanly

note "interfaces [\"*\"]"
write_config '["*"]' >"$CONF"
if start_server "${BST_P}srv" "$CONF" "$BST_TMP/server-2.log"; then
  pass "server starts with \"*\""
  check "client on link 2 gets a lease with \"*\"" lease_via star 2
  check "  ... from 198.18.4.0/24 (got '$(lease_ip star)')" ip_in_range "$(lease_ip star)" 198.18.4.100 198.18.4.199
  check "client on link 1 gets a lease with \"*\"" lease_via star1 1
  stop_server
else
  fail "server starts with \"*\""
fi
bst_finish test_multilink
