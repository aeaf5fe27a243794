#!/usr/bin/env bash
# The live status page in a real browser. blackstart serves an office of four
# client namespaces; Debian's chromium, driven headless by playwright-core
# (tests/browser), loads the page inside the server's namespace, and only
# then do the clients start: one takes a lease (with a hostname that holds
# markup, bytes that are not UTF-8 and an escape sequence, which the page
# must show as text), one comes back claiming that
# same address from a stale lease file and is refused (a NAK on the page),
# one with a hostname is the search target, and a printer gets its
# reservation. The browser test asserts what the page shows and saves
# screenshots to artifacts/status-page/. BST_UPDATE_SCREENSHOT=1 also copies
# the overview to docs/status-page.png, the picture in the README.
# Usage: tests/integration/test_status_page.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=control_lib.sh
source "$(dirname "$0")/control_lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BROWSER_DIR=$ROOT/tests/browser
ARTIFACTS=$ROOT/artifacts/status-page
bst_require_root_netns
control_init "$BST_SERVER"
for tool in node npm /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is needed (scripts/install-deps.sh test)"; exit 1; }
done
bst_init

SRV="${BST_P}srv"
SEARCH_MAC=02:bb:00:00:00:03
SEARCH_HOSTNAME=accounts-laptop
# "<i>reception-pc</i>" ff fe ESC "]0;pwn" BEL; the browser test expects the
# page to show it as <i>reception-pc</i>\xff\xfe\x1b]0;pwn\x07.
HOSTILE_MAC=02:bb:00:00:00:01
HOSTILE_HEX=3c693e726563657074696f6e2d70633c2f693efffe1b5d303b70776e07

write_config() {
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 3600, "authoritative": true,
  "subnet4": [{
    "id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}],
    "option-data": [{"name": "routers", "data": "198.18.1.1"},
                    {"name": "domain-name-servers", "data": "198.18.1.1"}],
    "reservations": [{"hw-address": "02:bb:00:00:00:04", "ip-address": "198.18.1.50",
                      "hostname": "printer"}]
  }]
}}
JSON
}

# stale_lease_file IFNAME ADDRESS: a dhclient lease file holding ADDRESS, as
# a PC that was off during the outage would have; it asks for it again at
# boot (INIT-REBOOT) and, since someone else holds it now, must be refused.
stale_lease_file() {
  cat <<EOF
lease {
  interface "$1";
  fixed-address $2;
  option subnet-mask 255.255.255.0;
  option dhcp-server-identifier 198.18.1.1;
  renew 4 2037/01/01 00:00:00;
  rebind 4 2037/01/01 00:00:00;
  expire 4 2037/01/01 00:00:00;
}
EOF
}

install_playwright() {
  note "npm ci in tests/browser (playwright-core, pinned by package-lock.json)"
  (cd "$BROWSER_DIR" && timeout 180 npm ci --no-audit --no-fund --loglevel=error) \
    >"$BST_TMP/npm.log" 2>&1
}

start_browser() {
  mkdir -p "$BST_TMP/home" "$ARTIFACTS"
  rm -f "$ARTIFACTS"/*.png
  bst_spawn "$SRV" "$BST_TMP/browser.log" timeout 150 env HOME="$BST_TMP/home" \
    BS_URL="$BST_API_URL/" BS_ARTIFACTS="$ARTIFACTS" BS_READY_FILE="$BST_TMP/page-ready" \
    BS_LEASES=4 BS_POOL_LEASES=3 BS_SEARCH_MAC="$SEARCH_MAC" BS_SEARCH_HOSTNAME="$SEARCH_HOSTNAME" \
    BS_NAK_ADDRESS="$FIRST_IP_GUESS" BS_HOSTILE_MAC="$HOSTILE_MAC" node "$BROWSER_DIR/status_page.test.mjs"
  BROWSER_PID=$BST_LAST_PID
}

start_clients() {
  note "clients take leases while the page is open"
  check "reception-pc (udhcpc, hostile hostname) gets the first pool address" \
    udhcpc_once reception 1 -x "0x0c:$HOSTILE_HEX"
  local first
  first=$(lease_ip reception)
  check "  which is $FIRST_IP_GUESS (got $first)" [ "$first" == "$FIRST_IP_GUESS" ]
  stale_lease_file "${BST_P}c2" "$first" >"$BST_TMP/stale.leases"
  cp "$BST_TMP/stale.leases" "$BST_TMP/stale.leases.orig"
  start_dhclient stale 2
  check "the PC with the stale lease for $first gets another address" \
    wait_for 45 has_event stale "$BST_LEASE_EVENTS"
  check "  (got $(lease_ip stale))" [ "$(lease_ip stale)" != "$first" ]
  check "$SEARCH_HOSTNAME (udhcpc) gets a lease" udhcpc_once laptop 3 -x "hostname:$SEARCH_HOSTNAME"
  check "the printer gets its reservation" udhcpc_once printer 4
  check "  198.18.1.50 (got $(lease_ip printer))" [ "$(lease_ip printer)" == 198.18.1.50 ]
}

if ! install_playwright; then
  fail "npm ci in tests/browser"
  cat "$BST_TMP/npm.log"
  exit 1
fi
bst_office 4
CONF=$BST_TMP/blackstart.json
write_config >"$CONF"
if ! start_server "$SRV" "$CONF" "$BST_TMP/server.log"; then
  fail "server starts"
  exit 1
fi
check "the control API answers" wait_for 10 api_ready
FIRST_IP_GUESS=198.18.1.100
start_browser
if ! wait_for 60 test -e "$BST_TMP/page-ready"; then
  fail "the browser loads the page"
  cat "$BST_TMP/browser.log"
  exit 1
fi
pass "the browser has the page open"
start_clients
rc=0
wait "$BROWSER_PID" || rc=$?
sed 's/^/  browser: /' "$BST_TMP/browser.log"
check "the browser test passes (exit $rc)" [ "$rc" -eq 0 ]
check "it saved the overview screenshot" test -s "$ARTIFACTS/status-page.png"
check "it saved the search screenshot" test -s "$ARTIFACTS/status-page-search.png"
if [[ "${BST_UPDATE_SCREENSHOT:-0}" == 1 && $rc -eq 0 ]]; then
  cp "$ARTIFACTS/status-page.png" "$ROOT/docs/status-page.png"
  note "copied the overview to docs/status-page.png"
fi
stop_server
bst_finish test_status_page
