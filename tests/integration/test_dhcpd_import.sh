#!/usr/bin/env bash
# Moving from ISC dhcpd: a real dhcpd (isc-dhcp-server) serves three real
# clients (ISC dhclient, busybox udhcpc, dhcpcd) from a 4-address range and
# writes its dhcpd.leases; dhcpd stops. `blackstart import --dhcpd-conf`
# translates dhcpd.conf, `blackstart import` writes dhcpd's leases into the
# translated config's lease file, and blackstart starts on both: udhcpc
# renews (REQUEST with its address as ciaddr) and dhclient and dhcpcd
# restart (INIT-REBOOT, REQUEST with the old address in option 50), and
# every one keeps the address dhcpd gave it. Before they do, a fourth, new
# client gets the one address dhcpd had not handed out: without the import
# blackstart would not know the three are taken (it would give the new
# client the first of them, and adopt the old clients as they come back).
# Usage: tests/integration/test_dhcpd_import.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
command -v dhcpd >/dev/null || { echo "SKIP: dhcpd is not installed (scripts/install-deps.sh test)"; exit 0; }
bst_init

SRV="${BST_P}srv"
CLIENTS=(dhclient udhcpc dhcpcd)
RANGE_FIRST=198.18.1.100
RANGE_LAST=198.18.1.103
DHCPD_CONF=$BST_TMP/dhcpd.conf
DHCPD_LEASES=$BST_TMP/dhcpd.leases
CONF=$BST_TMP/blackstart.json

write_dhcpd_conf() {
  cat <<EOF
# An office's dhcpd.conf, as Debian's isc-dhcp-server runs it.
option domain-name "office.example";
option domain-name-servers 198.18.1.1;
default-lease-time 3600;
max-lease-time 7200;
ddns-update-style none;
authoritative;
log-facility local7;

subnet 198.18.1.0 netmask 255.255.255.0 {
  range $RANGE_FIRST $RANGE_LAST;
  option routers 198.18.1.1;
  option broadcast-address 198.18.1.255;
}
host printer {
  hardware ethernet 02:bb:00:00:00:99;
  fixed-address 198.18.1.20;
}
EOF
}

start_clients() {
  start_dhclient dhclient 1
  DHCLIENT_PID=$BST_LAST_PID
  start_udhcpc udhcpc 2
  UDHCPC_PID=$BST_LAST_PID
  start_dhcpcd dhcpcd 3
  DHCPCD_PID=$BST_LAST_PID
}

all_have_leases() {
  local name
  for name in "${CLIENTS[@]}"; do has_event "$name" "$BST_LEASE_EVENTS" || return 1; done
}

# event_ip_is NAME EVENT_REGEX IP: NAME's latest such event carries IP.
event_ip_is() { has_event "$1" "$2" && [[ "$(event_field "$1" "$2" ip)" == "$3" ]]; }

# lease_row ADDRESS: blackstart's lease table row for ADDRESS.
lease_row() { show_leases "$CONF" | awk -v a="$1" '$1 == a'; }

bst_office 4
write_dhcpd_conf >"$DHCPD_CONF"
touch "$DHCPD_LEASES"

note "ISC dhcpd $(dhcpd --version 2>&1 | head -n 1) serves three clients"
bst_spawn "$SRV" "$BST_TMP/dhcpd.log" dhcpd -4 -f -d -cf "$DHCPD_CONF" -lf "$DHCPD_LEASES" \
  -pf "$BST_TMP/dhcpd.pid" "${BST_P}s0"
DHCPD_PID=$BST_LAST_PID
if ! wait_for 20 udp_listening "$SRV" 67 "$DHCPD_PID"; then
  fail "dhcpd starts and listens on port 67"
  exit 1
fi
pass "dhcpd starts and listens on port 67"
start_clients
check "the three clients get leases from dhcpd" wait_for 60 all_have_leases
declare -A FIRST_IP
for name in "${CLIENTS[@]}"; do
  FIRST_IP[$name]=$(lease_ip "$name")
  check "$name got ${FIRST_IP[$name]} from dhcpd's range" \
    ip_in_range "${FIRST_IP[$name]}" "$RANGE_FIRST" "$RANGE_LAST"
done
check "the three clients hold three different addresses" \
  [ "$(for name in "${CLIENTS[@]}"; do lease_ip "$name"; done | sort -u | wc -l)" -eq 3 ]

note "dhcpd stops; dhclient and dhcpcd stop too (SIGTERM: no release), udhcpc stays up"
stop_pid "$DHCPD_PID" TERM 10
stop_pid "$DHCLIENT_PID" TERM 5
stop_pid "$DHCPCD_PID" TERM 5
cp "$DHCPD_LEASES" "$BST_TMP/dhcpd.leases.log"
check "dhcpd.leases holds an active block for each client" \
  [ "$(grep -c 'binding state active' "$DHCPD_LEASES")" -ge 3 ]

note "blackstart import --dhcpd-conf"
if "$BST_SERVER" import --dhcpd-conf "$DHCPD_CONF" --interface "${BST_P}s0" \
  >"$BST_TMP/translated.json" 2>"$BST_TMP/translate.log"; then
  pass "the translation succeeds"
else
  fail "the translation succeeds"
fi
check "the untranslated log-facility line is named with its line number" \
  grep -q "dhcpd.conf:8: 'log-facility local7' not translated" "$BST_TMP/translate.log"
check "the translation reports 1 subnet and 1 reservation" \
  grep -q "1 subnets, 1 reservations translated" "$BST_TMP/translate.log"
# Only where the test keeps its lease file changes.
jq --arg lf "$BST_TMP/leases.csv" \
  '.Dhcp4["lease-database"] = {type: "memfile", name: $lf, "lfc-interval": 0}' \
  "$BST_TMP/translated.json" >"$CONF"
check "blackstart -t accepts the translated config" "$BST_SERVER" -t "$CONF"

note "blackstart import dhcpd.leases"
if "$BST_SERVER" import --config "$CONF" "$DHCPD_LEASES" >"$BST_TMP/import.log" 2>&1; then
  pass "the import succeeds (exit 0)"
else
  fail "the import succeeds (exit 0)"
fi
sed 's/^/    /' "$BST_TMP/import.log"
check "the import reports 3 leases imported" grep -q '^imported: 3$' "$BST_TMP/import.log"
check "the import reports no errors" grep -q '^errors: 0$' "$BST_TMP/import.log"
for n in 1 2 3; do
  name=${CLIENTS[n - 1]}
  mac=$(printf '02:bb:00:00:00:%02x' "$n")
  row=$(lease_row "${FIRST_IP[$name]}")
  check "before blackstart starts, its lease table has ${FIRST_IP[$name]} for $name ($mac): '$row'" \
    grep -q "$mac.*default$" <<<"$row"
done

note "blackstart serves the translated config and the imported leases"
start_server_or_exit "$SRV" "$CONF" "$BST_TMP/blackstart.log"
# First a stranger: before any old client has spoken, only the import can
# have told blackstart which three addresses are taken.
if udhcpc_once newcomer 4; then pass "the new client gets a lease"; else fail "the new client gets a lease"; fi
new_ip=$(lease_ip newcomer)
check "the new client's '$new_ip' is none of the three imported addresses" \
  bash -c "[[ -n '$new_ip' && '$new_ip' != '${FIRST_IP[dhclient]}' && '$new_ip' != '${FIRST_IP[udhcpc]}' && '$new_ip' != '${FIRST_IP[dhcpcd]}' ]]"
check "the new client's '$new_ip' is in the range" ip_in_range "$new_ip" "$RANGE_FIRST" "$RANGE_LAST"
note "the old clients renew and reboot"
for name in "${CLIENTS[@]}"; do mv "$(events_file "$name")" "$(events_file "$name").dhcpd"; done
kill -USR1 "$UDHCPC_PID"
check "udhcpc renews with blackstart and keeps ${FIRST_IP[udhcpc]}" \
  wait_for 20 event_ip_is udhcpc '^renew$' "${FIRST_IP[udhcpc]}"
start_dhclient dhclient 1
start_dhcpcd dhcpcd 3
check "dhclient's INIT-REBOOT is acknowledged with ${FIRST_IP[dhclient]}" \
  wait_for 45 event_ip_is dhclient '^reboot$' "${FIRST_IP[dhclient]}"
check "dhcpcd's INIT-REBOOT is acknowledged with ${FIRST_IP[dhcpcd]}" \
  wait_for 45 event_ip_is dhcpcd '^reboot$' "${FIRST_IP[dhcpcd]}"
stop_server_cleanly
bst_finish test_dhcpd_import
