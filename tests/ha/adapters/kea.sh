# shellcheck shell=bash
# The Kea 2.2 adapter of the HA harness (tests/ha/README.md): a hot-standby
# pair of kea-dhcp4 with Debian's libdhcp_ha.so and libdhcp_lease_cmds.so,
# memfile, peers on HA's dedicated HTTP listener (port 8001). Sourced by
# tests/ha/ha_powercut.sh, which provides HA_RUN, HA_NS_<SIDE>,
# HA_IF_<SIDE>, HA_ADDR_<SIDE>, HA_STATE_<SIDE>, HA_SHIM and the timings;
# SIDE is A (primary) or B (standby).

KEA_HOOKS_DIR=${KEA_HOOKS_DIR:-/usr/lib/x86_64-linux-gnu/kea/hooks}

# ha_available: 0 when the pair can run here; else prints why and fails.
ha_available() {
  command -v kea-dhcp4 >/dev/null || { echo "kea-dhcp4 is not installed (scripts/install-deps.sh powercut)"; return 1; }
  [[ -e "$KEA_HOOKS_DIR/libdhcp_ha.so" && -e "$KEA_HOOKS_DIR/libdhcp_lease_cmds.so" ]] ||
    { echo "Kea's HA or lease_cmds hook is missing in $KEA_HOOKS_DIR"; return 1; }
}

ha_label() { echo "Kea $(kea-dhcp4 -v 2>/dev/null) HA hot-standby (memfile)"; }

# ha_setup: writes each side's config.
ha_setup() {
  local side name
  for side in A B; do
    name=server1
    [[ $side == B ]] && name=server2
    local state_var="HA_STATE_$side" if_var="HA_IF_$side"
    sed -e "s|@NAME@|$name|g" -e "s|@IFACE@|${!if_var}|g" -e "s|@STATE@|${!state_var}|g" \
      -e "s|@RUN@|$HA_RUN|g" -e "s|@HOOKS@|$KEA_HOOKS_DIR|g" -e "s|@ADDR_A@|$HA_ADDR_A|g" \
      -e "s|@ADDR_B@|$HA_ADDR_B|g" -e "s|@HEARTBEAT_MS@|$HA_HEARTBEAT_MS|g" \
      -e "s|@MAX_RESPONSE_MS@|$HA_MAX_RESPONSE_MS|g" -e "s|@MAX_ACK_MS@|$HA_MAX_ACK_MS|g" \
      -e "s|@MAX_UNACKED@|$HA_MAX_UNACKED|g" "$HA_DIR/kea-ha.json" >"$HA_RUN/kea-$side.json"
  done
}

# ha_command SIDE: the server's command line (run in its namespace with the
# fsync shim preloaded by the harness).
ha_command() {
  mkdir -p "$HA_RUN/pid-$1"
  rm -f "$HA_RUN/pid-$1"/*.pid  # the killed server's pid file names a dead PID
  # shellcheck disable=SC2034  # read by the harness
  HA_CMD=(env "KEA_PIDFILE_DIR=$HA_RUN/pid-$1" "KEA_LOCKFILE_DIR=$HA_RUN/pid-$1"
    kea-dhcp4 -c "$HA_RUN/kea-$1.json")
}

# ha_api SIDE JSON: one command to the side's HA listener, from its own
# namespace; prints the response.
ha_api() {
  local ns_var="HA_NS_$1" addr_var="HA_ADDR_$1"
  ip netns exec "${!ns_var}" curl -s --max-time 2 -X POST -H 'Content-Type: application/json' \
    -d "$2" "http://${!addr_var}:8001/" 2>/dev/null
}

# ha_state SIDE: the side's HA state (hot-standby, partner-down, waiting,
# syncing, ready, ...), or "down".
ha_state() {
  local state
  state=$(ha_api "$1" '{"command": "ha-heartbeat", "service": ["dhcp4"]}' |
    jq -r '(if type == "array" then .[0] else . end).arguments.state // empty' 2>/dev/null)
  echo "${state:-down}"
}

# ha_normal: both sides back in the normal state after a sync.
ha_normal() { [[ $(ha_state A) == hot-standby && $(ha_state B) == hot-standby ]]; }

# ha_dump_leases SIDE: "ADDRESS MAC" of every lease the side holds bound
# and unexpired, from its lease file (memfile appends every change; the
# last line of an address wins; valid lifetime 0 is a delete).
ha_dump_leases() {
  local state_var="HA_STATE_$1"
  awk -F, -v now="$(date +%s)" 'NR > 1 { last[$1] = $0 }
    END { for (a in last) { split(last[a], f, ","); if (f[4] > 0 && f[5] > now && f[10] == 0) print a, f[2] } }' \
    "${!state_var}/kea-leases4.csv" 2>/dev/null | sort
}
