#!/usr/bin/env bash
# libdhcp_run_script built in: a real client takes a lease and releases
# it; a real shell script, named in "hooks-libraries" as Kea's run_script
# wants it, writes its argument and environment to a file per call. The
# files show Kea's hook points (leases4_committed, lease4_release) and
# Kea's variable names and values, and nothing of the daemon's environment.
# Usage: tests/integration/test_run_script.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

OUT=$BST_TMP/script-calls
mkdir -p "$OUT"
cat >"$BST_TMP/on-lease.sh" <<SH
#!/bin/sh
# One file per call: the hook point, then the environment, sorted.
{ echo "ARG=\$1"; env | sort; } >"$OUT/\$1.\$\$.tmp" && mv "$OUT/\$1.\$\$.tmp" "$OUT/\$1.\$\$"
SH
chmod 755 "$BST_TMP/on-lease.sh"

CONF=$BST_TMP/blackstart.json
cat >"$CONF" <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 300, "renew-timer": 150, "rebind-timer": 250,
  "hooks-libraries": [{"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_run_script.so",
                       "parameters": {"name": "$BST_TMP/on-lease.sh", "sync": false}}],
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}],
               "option-data": [{"name": "routers", "data": "198.18.1.1"}]}]
}}
JSON

# call_file HOOK: the newest file the script wrote for HOOK.
call_file() { ls -t "$OUT/$1".* 2>/dev/null | grep -v '\.tmp$' | head -n 1; }
has_call() { [[ -n "$(call_file "$1")" ]]; }
# var HOOK NAME: the value NAME had in HOOK's call.
var() { sed -n "s/^$2=//p" "$(call_file "$1")"; }
expect_var() {  # expect_var HOOK NAME VALUE
  local got
  got=$(var "$1" "$2")
  check "$1: $2=$3 (got '$got')" [ "$got" == "$3" ]
}

bst_office 1
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/server.log"

note "dhclient takes a lease: the script runs leases4_committed"
start_dhclient dhclient 1
check "dhclient gets a lease" wait_for 30 has_event dhclient "$BST_LEASE_EVENTS"
GOT=$(lease_ip dhclient)
check "the script ran for leases4_committed" wait_for 10 has_call leases4_committed
expect_var leases4_committed ARG leases4_committed
expect_var leases4_committed QUERY4_TYPE DHCPREQUEST
expect_var leases4_committed QUERY4_IFACE_NAME "${BST_P}s0"
expect_var leases4_committed QUERY4_HWADDR 02:bb:00:00:00:01
expect_var leases4_committed QUERY4_HWADDR_TYPE 1
expect_var leases4_committed QUERY4_RELAYED false
expect_var leases4_committed QUERY4_LOCAL_PORT 67
expect_var leases4_committed LEASES4_SIZE 1
expect_var leases4_committed LEASES4_AT0_ADDRESS "$GOT"
expect_var leases4_committed LEASES4_AT0_HWADDR 02:bb:00:00:00:01
expect_var leases4_committed LEASES4_AT0_STATE default
expect_var leases4_committed LEASES4_AT0_SUBNET_ID 1
expect_var leases4_committed LEASES4_AT0_VALID_LIFETIME 300
expect_var leases4_committed DELETED_LEASES4_SIZE 0
check "the daemon's environment is not passed (no HOME, as in Kea)" \
  bash -c '! grep -q "^HOME=" "$1"' _ "$(call_file leases4_committed)"
check "the lease table shows $GOT bound" \
  lease_bound "$CONF" "$GOT"

note "dhclient -r: the script runs lease4_release"
check "dhclient -r sends its release" release_dhclient dhclient 1
check "the script ran for lease4_release" wait_for 10 has_call lease4_release
expect_var lease4_release QUERY4_TYPE DHCPRELEASE
expect_var lease4_release LEASE4_ADDRESS "$GOT"
expect_var lease4_release LEASE4_HWADDR 02:bb:00:00:00:01
expect_var lease4_release QUERY4_CIADDR "$GOT"

stop_server
bst_finish test_run_script
