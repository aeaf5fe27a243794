#!/usr/bin/env bash
# Kea's own example files for the office features (client classes, shared
# networks, vendor options, comments), from Debian's kea-doc, unchanged: each
# passes `blackstart -t` and starts. Each runs in a namespace with an "eth0"
# (the name the files use) and its own mount namespace, where /var/lib/kea,
# /run and /tmp are private tmpfs, so the files' default lease file and
# control socket paths never touch the host's.
# Usage: tests/integration/test_kea_examples_start.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
EXAMPLES=/usr/share/doc/kea/examples/kea4
bst_require_root_netns
[[ -d "$EXAMPLES" ]] || { echo "SKIP: $EXAMPLES is missing (kea-doc; scripts/install-deps.sh test)"; exit 0; }
# The tmpfs goes over Kea's own directory; never create it on the host.
[[ -d /var/lib/kea ]] || { echo "SKIP: /var/lib/kea is missing (kea-dhcp4-server; scripts/install-deps.sh test)"; exit 0; }
bst_init

FILES=(classify classify2 shared-network vendor-specific vivso comments)

# run_example NAME: starts blackstart on the example in namespace ${BST_P}x,
# waits for port 67, stops it with SIGTERM; exit status 0 when all went well.
run_example() {
  local name=$1 log="$BST_TMP/$1.log"
  # The binary is opened before /tmp is covered, so a build under /tmp
  # (a clean clone there) still runs.
  bst_spawn "${BST_P}x" "$log" unshare -m --propagation private sh -c '
    exec 9<"$0" &&
    mount -t tmpfs tmpfs /var/lib/kea && mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /tmp &&
      exec /proc/self/fd/9 -c "$1"' "$BST_SERVER" "$EXAMPLES/$name.json"
  local pid=$BST_LAST_PID
  if ! wait_for 10 udp_listening "${BST_P}x" 67; then
    stop_pid "$pid" || true
    return 1
  fi
  sleep 0.5
  is_running "$pid" || return 1
  kill -TERM "$pid"
  wait "$pid"
}

bst_ns "${BST_P}x"
ip -n "${BST_P}x" link add eth0 type veth peer name eth0p
ip -n "${BST_P}x" addr add 198.18.9.1/24 dev eth0
ip -n "${BST_P}x" link set eth0 up
ip -n "${BST_P}x" link set eth0p up

for name in "${FILES[@]}"; do
  check "$name.json passes blackstart -t unchanged" "$BST_SERVER" -t "$EXAMPLES/$name.json"
  check "$name.json starts, serves port 67 and stops cleanly" run_example "$name"
done
bst_finish test_kea_examples_start
