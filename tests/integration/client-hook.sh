#!/usr/bin/env bash
# The script every DHCP client in the integration tests and the demo runs
# instead of its distribution default (those would rewrite /etc/resolv.conf
# and the hostname). It appends one line per event to $BST_EVENTS, so tests
# see exactly what the client understood from the server, and, for dhclient
# and udhcpc, puts the leased address on the interface: that happens inside
# the client's own network namespace, and without it renewals could not be
# unicast to the server the way real clients do. dhcpcd configures the
# interface itself, so for it the hook only records.
# The lease variables (ip, subnet, reason, new_*) come from the client.
# shellcheck disable=SC2154
set -euo pipefail

client=${BST_CLIENT:-unknown}
events=${BST_EVENTS:-/dev/null}

# Lists such as "198.18.1.1 198.18.1.2" become comma-separated, so every
# recorded field is one word. Builtins only, no subshell: the drill boots
# hundreds of devices on a few cores, and each process a hook starts
# delays every device's first query.
join_words() {  # VAR TEXT
  local -n joined=$1
  local -a parts
  read -ra parts <<<"$2"
  local IFS=,
  joined="${parts[*]}"
}

record() {  # EVENT IP MASK ROUTERS DNS LEASE SERVER HOSTNAME
  local routers dns host
  join_words routers "$4"
  join_words dns "$5"
  join_words host "$8"
  printf 'client=%s event=%s if=%s ip=%s mask=%s routers=%s dns=%s lease=%s server=%s hostname=%s\n' \
    "$client" "${1,,}" "${interface:-}" "$2" "$3" "$routers" "$dns" "$6" "$7" "$host" >>"$events"
}

# One `ip` process per event: its commands go in as a batch.
set_address() {  # IFNAME ADDRESS MASK ROUTERS [fresh]
  local batch="" first_router=${4%% *}
  if [[ "${5:-}" == fresh ]]; then batch+="addr flush dev $1"$'\n'; fi
  batch+="addr replace $2/$3 dev $1"$'\n'
  if [[ -n "$first_router" ]]; then batch+="route replace default via $first_router dev $1"$'\n'; fi
  ip -4 -batch - <<<"$batch"
}

on_udhcpc() {
  case "$1" in
    deconfig)
      ip -4 -batch - <<<"addr flush dev $interface"$'\n'"link set dev $interface up"
      ;;
    bound) set_address "$interface" "$ip" "$subnet" "${router:-}" fresh ;;
    renew) set_address "$interface" "$ip" "$subnet" "${router:-}" ;;
  esac
  record "$1" "${ip:-}" "${subnet:-}" "${router:-}" "${dns:-}" "${lease:-}" "${serverid:-}" \
    "${hostname:-}"
}

on_dhclient() {
  case "$reason" in
    PREINIT) ip link set dev "$interface" up ;;
    BOUND | REBOOT)
      set_address "$interface" "$new_ip_address" "$new_subnet_mask" "${new_routers:-}" fresh ;;
    RENEW | REBIND)
      set_address "$interface" "$new_ip_address" "$new_subnet_mask" "${new_routers:-}" ;;
    EXPIRE | FAIL | RELEASE | STOP) ip -4 addr flush dev "$interface" ;;
  esac
  record_new
}

record_new() {
  record "$reason" "${new_ip_address:-}" "${new_subnet_mask:-}" "${new_routers:-}" \
    "${new_domain_name_servers:-}" "${new_dhcp_lease_time:-}" \
    "${new_dhcp_server_identifier:-}" "${new_host_name:-}"
}

case "$client" in
  udhcpc) on_udhcpc "${1:-unknown}" ;;
  dhclient) on_dhclient ;;
  *) record_new ;;
esac
