#!/usr/bin/env bash
# `make demo` without a person at the keyboard: tools/demo.sh with
# DEMO_SECONDS must build the office, show every client with an address
# (the front desk with its reserved one) and the lease table, exit 0, and
# leave nothing behind in the root namespace or among the namespaces.
# Usage: tests/integration/test_demo.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

DEMO="$BST_DIR/../../tools/demo.sh"
DEMO_IF="${BST_P}d"
OUT="$BST_TMP/demo.log"

not_a_link() { ! ip link show "$1" >/dev/null 2>&1; }
no_namespaces() { ! ip netns list | grep -qE "^$1(sw|c[0-9])"; }

rc=0
DEMO_SECONDS=3 DEMO_IF="$DEMO_IF" timeout 120 "$DEMO" "$BST_SERVER" >"$OUT" 2>&1 || rc=$?
sed 's/^/  | /' "$OUT"
check "demo serves for DEMO_SECONDS=3 and exits 0 (exit status $rc)" [ "$rc" -eq 0 ]
check "demo lists four clients with 198.18.1.x addresses" \
  [ "$(grep -cE '^(dhclient|udhcpc|dhcpcd|front-desk) +[^ ]+ +02:bb:[0-9a-f:]+ +198\.18\.1\.[0-9]+ ' "$OUT")" -eq 4 ]
check "front desk (reserved MAC) has 198.18.1.50" grep -qE '^front-desk .* 198\.18\.1\.50 ' "$OUT"
check "demo prints blackstart's lease table" grep -qE '^address +mac' "$OUT"
check "demo removed its root-namespace veth $DEMO_IF" not_a_link "$DEMO_IF"
demo_prefix=$(sed -n 's/.*bridge in \(bs[0-9]*\)sw.*/\1/p' "$OUT" | head -n 1)
check "demo deleted its namespaces (${demo_prefix:-unknown}*)" no_namespaces "${demo_prefix:-none}"
bst_finish test_demo
