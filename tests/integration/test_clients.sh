#!/usr/bin/env bash
# The three real DHCP clients a Debian office runs (ISC dhclient, busybox
# udhcpc, dhcpcd) against blackstart on one bridged link: each gets a pool
# address with the right router and DNS, a reserved MAC gets its fixed
# address, renewals keep the address, and after a server restart every
# client asking again keeps the address it had.
# Usage: tests/integration/test_clients.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

CLIENTS=(dhclient udhcpc dhcpcd reserved)
POOL_FIRST=198.18.1.100
POOL_LAST=198.18.1.199
RESERVED_IP=198.18.1.50

write_config() {
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 60, "renew-timer": 5, "rebind-timer": 45,
  "subnet4": [{
    "id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "$POOL_FIRST - $POOL_LAST"}],
    "option-data": [{"name": "routers", "data": "198.18.1.1"},
                    {"name": "domain-name-servers", "data": "198.18.1.1"}],
    "reservations": [{"hw-address": "02:bb:00:00:00:04", "ip-address": "$RESERVED_IP",
                      "hostname": "counter-1"}]
  }]
}}
JSON
}

# Starts the four clients; client N runs in namespace c<N>.
start_clients() {
  CLIENT_PIDS=()
  start_dhclient dhclient 1
  CLIENT_PIDS+=("$BST_LAST_PID")
  start_udhcpc udhcpc 2
  UDHCPC_PID=$BST_LAST_PID
  CLIENT_PIDS+=("$BST_LAST_PID")
  start_dhcpcd dhcpcd 3
  CLIENT_PIDS+=("$BST_LAST_PID")
  start_udhcpc reserved 4
  CLIENT_PIDS+=("$BST_LAST_PID")
}

all_have_leases() {
  local name
  for name in "${CLIENTS[@]}"; do has_event "$name" "$BST_LEASE_EVENTS" || return 1; done
}

stop_clients() {
  local pid
  # SIGTERM makes none of the three clients release, so leases stay bound.
  for pid in "${CLIENT_PIDS[@]}"; do stop_pid "$pid" TERM 5; done
}

check_first_leases() {
  local name ip
  expect_lease dhclient "$POOL_FIRST" "$POOL_LAST" 198.18.1.1 198.18.1.1
  expect_lease udhcpc "$POOL_FIRST" "$POOL_LAST" 198.18.1.1 198.18.1.1
  expect_lease dhcpcd "$POOL_FIRST" "$POOL_LAST" 198.18.1.1 198.18.1.1
  check "reserved MAC 02:bb:00:00:00:04 gets $RESERVED_IP (got '$(lease_ip reserved)')" \
    [ "$(lease_ip reserved)" == "$RESERVED_IP" ]
  check "reserved client is told hostname counter-1 (got '$(event_field reserved "$BST_LEASE_EVENTS" hostname)')" \
    [ "$(event_field reserved "$BST_LEASE_EVENTS" hostname)" == counter-1 ]
  check "the four clients hold four different addresses" \
    [ "$(for name in "${CLIENTS[@]}"; do lease_ip "$name"; done | sort -u | wc -l)" -eq 4 ]
  for name in "${CLIENTS[@]}"; do
    ip=$(lease_ip "$name")
    check "lease table shows $ip ($name) assigned (state '$(lease_state "$CONF" "$ip")')" \
      lease_bound "$CONF" "$ip"
  done
}

# renewed NAME IP: NAME saw a renewal event carrying IP.
renewed() { has_event "$1" '^renew$' && [[ "$(event_field "$1" '^renew$' ip)" == "$2" ]]; }

check_renewals() {
  note "renewals (renew-timer 5 s; udhcpc is asked with SIGUSR1)"
  kill -USR1 "$UDHCPC_PID"
  check "dhclient renews and keeps ${FIRST_IP[dhclient]}" wait_for 20 renewed dhclient "${FIRST_IP[dhclient]}"
  check "dhcpcd renews and keeps ${FIRST_IP[dhcpcd]}" wait_for 20 renewed dhcpcd "${FIRST_IP[dhcpcd]}"
  check "udhcpc renews on SIGUSR1 and keeps ${FIRST_IP[udhcpc]}" wait_for 10 renewed udhcpc "${FIRST_IP[udhcpc]}"
}

check_restart() {
  local name
  note "server restart with the same config and lease database"
  stop_clients
  stop_server
  check "server exits 0 on SIGTERM (exit status $BST_SERVER_RC)" [ "$BST_SERVER_RC" -eq 0 ]
  for name in "${CLIENTS[@]}"; do mv "$(events_file "$name")" "$(events_file "$name").before-restart"; done
  if ! start_server "${BST_P}srv" "$CONF" "$BST_TMP/server-2.log"; then
    fail "server starts again on the same lease database"
    return
  fi
  pass "server starts again on the same lease database"
  start_clients
  check "all four clients get a lease after the restart" wait_for 45 all_have_leases
  for name in "${CLIENTS[@]}"; do
    check "$name keeps ${FIRST_IP[$name]} after the restart (got '$(lease_ip "$name")')" \
      [ "$(lease_ip "$name")" == "${FIRST_IP[$name]}" ]
  done
  check "dhclient's INIT-REBOOT is acknowledged (REBOOT event)" has_event dhclient '^reboot$'
  check "dhcpcd's INIT-REBOOT is acknowledged (REBOOT event)" has_event dhcpcd '^reboot$'
}

bst_office 4
CONF=$BST_TMP/blackstart.json
write_config >"$CONF"
check "blackstart -t accepts the config" "$BST_SERVER" -t "$CONF"
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/server-1.log"

start_clients
check "all four clients get a lease" wait_for 45 all_have_leases
check_first_leases
declare -A FIRST_IP
for name in "${CLIENTS[@]}"; do FIRST_IP[$name]=$(lease_ip "$name"); done
check_renewals
check_restart
stop_clients
stop_server
bst_finish test_clients
