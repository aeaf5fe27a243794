#!/usr/bin/env bash
# The virtual office: client network namespaces joined by a bridge, and
# blackstart on a veth in the root namespace (never on one of the host's
# own interfaces). Four clients ask at once: ISC dhclient, busybox udhcpc,
# dhcpcd, and a "front desk" PC whose MAC has a reservation. Prints what
# each client was given and the server's lease table, then keeps serving
# until Ctrl-C (or for DEMO_SECONDS seconds) and removes everything it made.
# Usage: tools/demo.sh [path/to/blackstart]   (as root)
#   DEMO_SECONDS=N  stop by itself after N seconds of serving
#   DEMO_IF=NAME    the root-namespace veth (default bsdemo0)
#   BST_KEEP=1      keep the temp dir with logs and the lease database
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
source "$repo/tests/integration/lib.sh"
BST_SERVER=$(realpath "${1:-$repo/build/blackstart}")
DEMO_IF=${DEMO_IF:-bsdemo0}
DEMO_SECONDS=${DEMO_SECONDS:-}
CLIENTS=(dhclient udhcpc dhcpcd front-desk)

if [[ $(id -u) -ne 0 ]]; then
  echo "demo: needs root to create network namespaces (try: sudo make demo)" >&2
  exit 1
fi
if [[ ! -x "$BST_SERVER" ]]; then
  echo "demo: $BST_SERVER is not an executable; run make build first" >&2
  exit 1
fi

write_config() {
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["$DEMO_IF"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 120, "renew-timer": 60, "rebind-timer": 105,
  "subnet4": [{
    "id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}],
    "option-data": [{"name": "routers", "data": "198.18.1.1"},
                    {"name": "domain-name-servers", "data": "198.18.1.1"},
                    {"name": "domain-name", "data": "office.example"}],
    "reservations": [{"hw-address": "02:bb:00:00:00:04", "ip-address": "198.18.1.50",
                      "hostname": "front-desk"}]
  }]
}}
JSON
}

build_office() {
  bst_switch "${BST_P}sw"
  bst_root_link "${BST_P}sw" "$DEMO_IF" 198.18.1.1/24
  local n
  for n in 1 2 3 4; do bst_client "${BST_P}sw" "$n"; done
}

all_have_leases() {
  local name
  for name in "${CLIENTS[@]}"; do has_event "$name" "$BST_LEASE_EVENTS" || return 1; done
}

print_clients() {
  local n=1 name
  printf '%-11s %-12s %-18s %-15s %-11s %s\n' client namespace mac address router dns
  for name in "${CLIENTS[@]}"; do
    printf '%-11s %-12s %-18s %-15s %-11s %s\n' "$name" "${BST_P}c$n" \
      "$(printf '02:bb:00:00:00:%02x' "$n")" "$(lease_ip "$name")" \
      "$(event_field "$name" "$BST_LEASE_EVENTS" routers)" \
      "$(event_field "$name" "$BST_LEASE_EVENTS" dns)"
    n=$((n + 1))
  done
}

serve_until_stopped() {
  local started_s=$SECONDS
  if [[ -n "$DEMO_SECONDS" ]]; then
    echo "demo: serving for $DEMO_SECONDS s"
  else
    echo "demo: serving; press Ctrl-C to stop and tear the office down"
  fi
  while ((BST_INTERRUPTED == 0)); do
    if [[ -n "$DEMO_SECONDS" ]] && ((SECONDS - started_s >= DEMO_SECONDS)); then break; fi
    if ! is_running "$BST_SERVER_PID"; then
      fail "the server stopped on its own; see the log below"
      return 1
    fi
    # Ctrl-C kills the sleep too; that is the way out, not an error.
    sleep 1 || true
  done
}

bst_init
# Ctrl-C is how the demo is meant to end, so it stops the loop instead of
# failing the run; the EXIT trap still tears everything down.
trap 'BST_INTERRUPTED=1' INT TERM
build_office
CONF=$BST_TMP/blackstart.json
write_config >"$CONF"
echo "demo: office built: bridge in ${BST_P}sw, server on $DEMO_IF (198.18.1.1/24)," \
  "clients in ${BST_P}c1..${BST_P}c4; logs in $BST_TMP"
if ! start_server - "$CONF" "$BST_TMP/server.log"; then
  fail "blackstart did not start on $DEMO_IF"
  exit 1
fi
start_dhclient dhclient 1
start_udhcpc udhcpc 2
start_dhcpcd dhcpcd 3
start_udhcpc front-desk 4
if ! wait_for 45 all_have_leases; then fail "not every client got a lease within 45 s"; fi
echo
print_clients
echo
"$BST_SERVER" --show-leases -c "$CONF"
echo
((BST_FAILED == 0)) || exit 1
serve_until_stopped
stop_server
echo "demo: blackstart exited with status $BST_SERVER_RC; tearing the office down"
