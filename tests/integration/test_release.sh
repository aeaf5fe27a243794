#!/usr/bin/env bash
# Release frees an address, proved with a pool of exactly one: while the
# address is bound a second client gets nothing; after the holder releases
# (dhclient -r, udhcpc SIGUSR2, dhcpcd -k) the lease table no longer shows
# it bound and the next client is given that same address.
# Usage: tests/integration/test_release.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

ONLY=198.18.1.100

write_config() {
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 300, "renew-timer": 150, "rebind-timer": 250,
  "subnet4": [{
    "id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "$ONLY - $ONLY"}],
    "option-data": [{"name": "routers", "data": "198.18.1.1"},
                    {"name": "domain-name-servers", "data": "198.18.1.1"}]
  }]
}}
JSON
}

holds_only() { [[ "$(lease_ip "$1")" == "$ONLY" ]]; }

# expect_freed HOW: the lease table stops showing the address as bound.
expect_freed() {
  check "after $1 the lease table shows $ONLY no longer bound (state '$(lease_state "$CONF" "$ONLY")')" \
    wait_for 10 lease_free "$CONF" "$ONLY"
}

bst_office 4
CONF=$BST_TMP/blackstart.json
write_config >"$CONF"
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/server.log"

note "dhclient takes the only address, then releases it"
start_dhclient dhclient 1
check "dhclient gets $ONLY, the pool's only address" wait_for 30 holds_only dhclient
check "lease table shows $ONLY bound" lease_bound "$CONF" "$ONLY"
if udhcpc_once blocked 4 -t 3 -T 1; then
  fail "a second client gets no lease while $ONLY is bound (it got '$(lease_ip blocked)')"
else
  pass "a second client gets no lease while $ONLY is bound"
fi
check "dhclient -r sends its release" release_dhclient dhclient 1
expect_freed "dhclient -r"

note "udhcpc gets the freed address, then releases it on SIGUSR2"
start_udhcpc udhcpc 2
UDHCPC_PID=$BST_LAST_PID
check "udhcpc is given the freed $ONLY" wait_for 30 holds_only udhcpc
kill -USR2 "$UDHCPC_PID"
check "udhcpc deconfigures on SIGUSR2" wait_for 10 has_event udhcpc '^deconfig$' 2
expect_freed "udhcpc's SIGUSR2 release"
stop_pid "$UDHCPC_PID"

note "dhcpcd gets the address, then releases it with dhcpcd -k"
start_dhcpcd dhcpcd 3
DHCPCD_PID=$BST_LAST_PID
check "dhcpcd is given the freed $ONLY" wait_for 30 holds_only dhcpcd
check "dhcpcd -k asks the running dhcpcd to release" dhcpcd_ctl 3 -k
expect_freed "dhcpcd -k"
stop_pid "$DHCPCD_PID"

note "the address is free for anyone again"
check "a new client is given $ONLY" udhcpc_once last 4 -t 5 -T 1
check "  ... and its script saw $ONLY (got '$(lease_ip last)')" holds_only last

stop_server
bst_finish test_release
