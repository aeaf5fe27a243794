# shellcheck shell=bash
# The blackstart adapter of the HA harness (tests/ha/README.md): two
# blackstart servers configured with Kea's libdhcp_ha.so parameters
# (tests/ha/blackstart-ha.json), SQLite with fsync on in the directory the
# power-cut shim watches, the HA state file beside it. Sourced by
# tests/ha/ha_powercut.sh, which provides HA_RUN, HA_NS_<SIDE>,
# HA_IF_<SIDE>, HA_ADDR_<SIDE>, HA_STATE_<SIDE> and the timings; SIDE is A
# (primary) or B (standby, or secondary in load-balancing).
#
# Two kinds share this file: "blackstart" (hot-standby; the primary is cut)
# and "blackstart-lb" (load-balancing, adapters/blackstart-lb.sh; either
# server is cut, alternately, and the takeover counts only clients of the
# dead server's hash bucket, since the survivor serves its own all along).
# The binaries come from HA_BUILD (the harness's BUILD_DIR).

BS_HA_MODE=hot-standby  # adapters/blackstart-lb.sh sets load-balancing after sourcing this

ha_available() {
  [[ -x "$BUILD_DIR/blackstart" ]] || { echo "$BUILD_DIR/blackstart is missing (make build)"; return 1; }
  command -v jq >/dev/null || { echo "jq is not installed (scripts/install-deps.sh ha)"; return 1; }
}

# The pair claims the guarantees: the harness judges every figure.
ha_judged() { return 0; }

ha_label() { echo "blackstart HA $BS_HA_MODE (SQLite, fsync on)"; }

# ha_setup: writes each side's config.
ha_setup() {
  local side name role_b=standby
  [[ $BS_HA_MODE == load-balancing ]] && role_b=secondary
  for side in A B; do
    name=server1
    [[ $side == B ]] && name=server2
    local state_var="HA_STATE_$side" if_var="HA_IF_$side"
    sed -e "s|@NAME@|$name|g" -e "s|@IFACE@|${!if_var}|g" -e "s|@STATE@|${!state_var}|g" \
      -e "s|@MODE@|$BS_HA_MODE|g" -e "s|@ROLE_B@|$role_b|g" -e "s|@ADDR_A@|$HA_ADDR_A|g" \
      -e "s|@ADDR_B@|$HA_ADDR_B|g" -e "s|@HEARTBEAT_MS@|$HA_HEARTBEAT_MS|g" \
      -e "s|@MAX_RESPONSE_MS@|$HA_MAX_RESPONSE_MS|g" -e "s|@MAX_ACK_MS@|$HA_MAX_ACK_MS|g" \
      -e "s|@MAX_UNACKED@|$HA_MAX_UNACKED|g" "$HA_DIR/blackstart-ha.json" >"$HA_RUN/blackstart-$side.json"
    if [[ $BS_HA_MODE == single ]]; then
      # No HA: without the hooks-libraries block (closed by a line "    ],").
      awk '/"hooks-libraries": \[/ { skip = 1 } !skip { print } skip && /^    \],$/ { skip = 0 }' \
        "$HA_RUN/blackstart-$side.json" >"$HA_RUN/single.json"
      mv "$HA_RUN/single.json" "$HA_RUN/blackstart-$side.json"
    fi
  done
}

# ha_command SIDE: the server's command line.
ha_command() {
  # shellcheck disable=SC2034  # read by the harness
  HA_CMD=("$BUILD_DIR/blackstart" -c "$HA_RUN/blackstart-$1.json")
}

# ha_cut_side N: the side the Nth power cut hits. Hot-standby: the
# primary. Load-balancing: either, alternately (the "either server").
ha_cut_side() {
  if [[ $BS_HA_MODE == load-balancing ]] && (($1 % 2 == 0)); then echo B; else echo A; fi
}

# ha_takeover_bucket SIDE: the RFC 3074 bucket (0 primary, 1 secondary)
# whose clients prove the survivor took over from SIDE; empty: any client
# (hot-standby, where the standby serves nobody before it takes over).
ha_takeover_bucket() {
  [[ $BS_HA_MODE == load-balancing ]] || return 0
  if [[ $1 == A ]]; then echo 0; else echo 1; fi
}

# ha_state SIDE: ha-heartbeat's state from the side's control API, or down.
ha_state() {
  local ns_var="HA_NS_$1" state
  state=$(ip netns exec "${!ns_var}" curl -s --max-time 2 http://127.0.0.1:8004/ \
    -H 'Content-Type: application/json' -d '{"command": "ha-heartbeat"}' 2>/dev/null |
    jq -r '.arguments.state // empty' 2>/dev/null)
  echo "${state:-down}"
}

ha_normal() { [[ $(ha_state A) == "$BS_HA_MODE" && $(ha_state B) == "$BS_HA_MODE" ]]; }

# ha_dump_leases SIDE: "ADDRESS MAC" of every assigned (state 0), unexpired
# lease, from the running server's lease4-get-all. Not --show-leases: a
# second process opening the live SQLite file may checkpoint its WAL, and
# that write, unseen by the power-cut shim, would make the next cut restore
# a main file and a WAL that do not belong together.
ha_dump_leases() {
  local ns_var="HA_NS_$1"
  ip netns exec "${!ns_var}" curl -s --max-time 30 http://127.0.0.1:8004/ \
    -H 'Content-Type: application/json' -d '{"command": "lease4-get-all"}' 2>/dev/null |
    jq -r --argjson now "$(date +%s)" '.arguments.leases[]? |
      select(.state == 0 and .cltt + .["valid-lft"] > $now) | "\(.["ip-address"]) \(.["hw-address"])"' |
    sort
}
