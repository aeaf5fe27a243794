#!/usr/bin/env bash
# Differential test against Kea 2.2: one config (kea-dhcp4.conf.in) and one
# scripted client (dhcp_client.py) run first against Debian's kea-dhcp4 and
# then against blackstart, in the same namespaces with the same addresses;
# compare.py diffs the replies field by field and option by option. Every
# difference must be in known_differences.json (each entry points at its
# reason in docs/KEA_DIFFERENCES.md); an unlisted one, or a listed one that
# no longer occurs, fails the test.
# Usage: tests/differential/run.sh path/to/blackstart
#        BST_KEEP=1 keeps the temp dir (both servers' replies as JSON).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$here/../integration/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
# Debian's python3, where python3-scapy lives (not a pyenv or venv one).
PYTHON=${PYTHON:-/usr/bin/python3}
command -v kea-dhcp4 >/dev/null || { echo "SKIP: kea-dhcp4 is not installed (scripts/install-deps.sh test)"; exit 0; }
"$PYTHON" -c 'import scapy' 2>/dev/null || { echo "SKIP: python3-scapy is not installed (scripts/install-deps.sh test)"; exit 0; }
bst_init

SRV="${BST_P}srv"
CLI="${BST_P}cli"
STATE=$BST_TMP/state

# Server 198.18.1.1 on a point-to-point veth to the client namespace, which
# holds 198.18.1.2 (INFORM's ciaddr) and the simulated relay 198.18.3.1.
bst_ns "$SRV"
bst_ns "$CLI"
bst_link "$SRV" "${BST_P}s0" "$CLI" "${BST_P}c0"
ip -n "$SRV" addr add 198.18.1.1/24 dev "${BST_P}s0"
ip -n "$CLI" addr add 198.18.1.2/24 dev "${BST_P}c0"
ip -n "$CLI" addr add 198.18.3.1/32 dev "${BST_P}c0"
ip -n "$SRV" route add 198.18.3.0/24 via 198.18.1.2
# The shared network's second subnet is on the same link (no address of
# the server's own in it): replies to its clients' ciaddr go out there.
ip -n "$SRV" route add 198.18.2.0/24 dev "${BST_P}s0"
# A fixed MAC, so a reply the kernel addresses by ARP has a known eth_dst.
ip -n "$CLI" link set "${BST_P}c0" address 02:bb:00:00:00:02
# Replies unicast to a client's chaddr reach the raw socket whatever its MAC.
ip -n "$CLI" link set "${BST_P}c0" promisc on
server_mac=$(ip netns exec "$SRV" cat "/sys/class/net/${BST_P}s0/address")

# One pass per config: each suite of cases runs against Kea, then against
# blackstart, each server on an empty lease file.
run_suite() { # suite config-template
  local suite=$1
  local conf=$BST_TMP/$suite.conf
  sed -e "s/@IFACE@/${BST_P}s0/" -e "s#@LEASE_FILE@#$STATE/leases4.csv#" "$here/$2" >"$conf"
  check "$suite: kea-dhcp4 -t accepts the config" ip netns exec "$SRV" kea-dhcp4 -t "$conf" >/dev/null
  check "$suite: blackstart -t accepts the same config unchanged" "$BST_SERVER" -t "$conf"

  rm -rf "$STATE" && mkdir -p "$STATE"
  bst_spawn "$SRV" "$BST_TMP/kea-$suite.log" env "KEA_PIDFILE_DIR=$BST_TMP" "KEA_LOCKFILE_DIR=$BST_TMP" \
    kea-dhcp4 -c "$conf"
  KEA_PID=$BST_LAST_PID
  if wait_for 20 udp_listening "$SRV" 67 "$KEA_PID" && is_running "$KEA_PID"; then
    pass "$suite: Kea starts and listens on port 67"
  else
    fail "$suite: Kea starts"
    exit 1
  fi
  run_client "$suite" kea
  stop_pid "$KEA_PID" TERM 10

  rm -rf "$STATE" && mkdir -p "$STATE"
  start_server_or_exit "$SRV" "$conf" "$BST_TMP/blackstart-$suite.log"
  run_client "$suite" blackstart
  stop_server_cleanly
}

run_client() { # suite server
  check "$1 on $2: the scripted client ran" ip netns exec "$CLI" "$PYTHON" "$here/dhcp_client.py" \
    --suite "$1" --iface "${BST_P}c0" --server 198.18.1.1 --server-mac "$server_mac" \
    --out "$BST_TMP/$2-$1.json"
}

note "Kea $(kea-dhcp4 -v); blackstart $("$BST_SERVER" --version 2>/dev/null | head -n 1)"
run_suite base kea-dhcp4.conf.in
run_suite classes kea-dhcp4-classes.conf.in
run_suite shared kea-dhcp4-shared.conf.in
# Case names are unique across suites: one comparison, one allow-list.
for server in kea blackstart; do
  "$PYTHON" -c 'import json, sys; print(json.dumps(sum((json.load(open(f)) for f in sys.argv[2:]), []), indent=1), file=open(sys.argv[1], "w"))' \
    "$BST_TMP/$server.json" "$BST_TMP/$server"-{base,classes,shared}.json
done

check "replies match Kea's, or differ only as docs/KEA_DIFFERENCES.md says" \
  "$PYTHON" "$here/compare.py" "$BST_TMP/kea.json" "$BST_TMP/blackstart.json" \
  --known "$here/known_differences.json" --doc "$here/../../docs/KEA_DIFFERENCES.md"
bst_finish differential
