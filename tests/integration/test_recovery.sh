#!/usr/bin/env bash
# Recovery mode: a server killed without a clean stop (SIGKILL) starts again
# in recovery mode and says so; a server stopped cleanly (SIGTERM) does not.
# A client's lease survives both.
# Usage: tests/integration/test_recovery.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

bst_office 1
CONF=$BST_TMP/blackstart.json
bst_office_config "$CONF" "$BST_TMP/leases.sqlite3"

start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/first.log"
check "a first start is not a recovery" bash -c "! grep -q 'recovery mode' '$BST_TMP/first.log'"
check "udhcpc gets a lease" udhcpc_once first 1 -t 5 -T 1
ADDRESS=$(lease_ip first)
check "the lease is in the table" lease_bound "$CONF" "$ADDRESS"

note "power cut: SIGKILL"
stop_pid "$BST_SERVER_PID" KILL 5
wait "$BST_SERVER_PID" 2>/dev/null || true
check "no clean-shutdown marker after SIGKILL" test ! -e "$BST_TMP/leases.sqlite3.clean-shutdown"
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/second.log"
check "restart after SIGKILL enters recovery mode" \
  wait_for 5 grep -q 'unclean shutdown detected: recovery mode for 600 s' "$BST_TMP/second.log"
check "the lease survived" lease_bound "$CONF" "$ADDRESS"

note "clean stop: SIGTERM"
stop_server
check "SIGTERM exits 0" [ "$BST_SERVER_RC" -eq 0 ]
check "clean-shutdown marker written" test -e "$BST_TMP/leases.sqlite3.clean-shutdown"
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/third.log"
sleep 0.5
check "restart after a clean stop is not a recovery" \
  bash -c "! grep -q 'recovery mode' '$BST_TMP/third.log'"
check "the same client gets the same address" udhcpc_once again 1 -t 5 -T 1
check "  ... $ADDRESS (got '$(lease_ip again)')" [ "$(lease_ip again)" == "$ADDRESS" ]
stop_server
bst_finish test_recovery
