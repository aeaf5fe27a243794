#!/usr/bin/env bash
# Rogue DHCP server detection (issue #4): a second DHCP server, dnsmasq with
# its own pool, on blackstart's bridged link is reported exactly once, with
# its address and MAC. Three phases:
#  1. no other server: a client is served, and nothing is reported;
#  2. dnsmasq starts after blackstart's start-up probe, so only listening
#     can find it: a client asking for broadcast answers makes dnsmasq's
#     OFFER visible, and it is reported;
#  3. blackstart restarts probing every second with no client around: its
#     own broadcast DISCOVER draws dnsmasq's OFFER, reported once however
#     often it is repeated.
# Usage: tests/integration/test_rogue.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
if ! command -v dnsmasq >/dev/null; then
  echo "FAIL: dnsmasq is not installed (scripts/install-deps.sh test installs dnsmasq-base)"
  exit 1
fi
bst_init

ROGUE_NS="${BST_P}rg"
ROGUE_IF="${BST_P}r0"
ROGUE_IP=198.18.1.2
ROGUE_MAC=02:dd:00:00:00:02
# What blackstart logs for it; the MAC in the brackets.
ROGUE_LINE="foreign DHCP server $ROGUE_IP ($ROGUE_MAC) answered on ${BST_P}s0"

write_config() {
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 120,
  "subnet4": [{
    "id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}],
    "option-data": [{"name": "routers", "data": "198.18.1.1"}]
  }]
}}
JSON
}

# The rogue: a namespace on the same switch, dnsmasq with DNS off and its
# own pool, answering only on its interface. -d keeps it in the foreground
# as root, logging to stderr; nothing is read from /etc.
start_rogue() {
  bst_ns "$ROGUE_NS"
  bst_plug "${BST_P}sw" "$ROGUE_NS" "$ROGUE_IF" "$ROGUE_MAC"
  ip -n "$ROGUE_NS" addr add "$ROGUE_IP/24" dev "$ROGUE_IF"
  bst_spawn "$ROGUE_NS" "$BST_TMP/dnsmasq.log" \
    dnsmasq -d --conf-file=/dev/null --port=0 --bind-interfaces --interface="$ROGUE_IF" \
    --dhcp-range=198.18.1.200,198.18.1.250,255.255.255.0,2m --no-ping --log-dhcp \
    --log-facility=- --dhcp-leasefile="$BST_TMP/dnsmasq.leases" --pid-file="$BST_TMP/dnsmasq.pid"
  ROGUE_PID=$BST_LAST_PID
  wait_for 10 udp_listening "$ROGUE_NS" 67 "$ROGUE_PID"
}

# reports LOG: how many rogue warnings LOG holds for dnsmasq.
reports() { grep -cF "$ROGUE_LINE" "$1" || true; }
reported() { (($(reports "$1") >= 1)); }
any_report() { grep -c "foreign DHCP server [0-9]" "$1" || true; }

# The probe's DISCOVERs as dnsmasq logged them (chaddr = blackstart's MAC).
probes_answered() {
  local mac
  mac=$(ip -n "${BST_P}srv" -o link show "${BST_P}s0" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
  grep -c "DHCPOFFER($ROGUE_IF) [0-9.]* $mac" "$BST_TMP/dnsmasq.log" || true
}
at_least_probes_answered() { (($(probes_answered) >= $1)); }

# metric NAME_WITH_LABELS: its value from blackstart's control API inside
# the server namespace; empty when the binary has no control API.
metric() {
  ip netns exec "${BST_P}srv" curl -sf --max-time 2 http://127.0.0.1:8004/metrics 2>/dev/null |
    awk -v name="$1" '$1 == name { print $2 }'
}

bst_office 2
CONF=$BST_TMP/blackstart.json
write_config >"$CONF"

note "phase 1: blackstart alone on the link"
export BLACKSTART_ROGUE_PROBE_INTERVAL_S=3600 # the start-up probe only
LOG1=$BST_TMP/server-1.log
start_server_or_exit "${BST_P}srv" "$CONF" "$LOG1"
check "server watches its link for other DHCP servers" \
  wait_for 5 grep -q "watching for foreign DHCP servers on ${BST_P}s0" "$LOG1"
check "a client asking for broadcast replies gets a lease" udhcpc_once phase1 1 -B
sleep 1
check "no foreign server reported while blackstart is alone (got $(any_report "$LOG1"))" \
  [ "$(any_report "$LOG1")" -eq 0 ]
if [[ -n "$(metric blackstart_uptime_seconds)" ]]; then
  check "control API: no rogue-server sightings" \
    [ "$(metric blackstart_rogue_server_sightings_total)" == 0 ]
fi

note "phase 2: dnsmasq joins the link; only listening can find it"
if ! start_rogue; then
  fail "dnsmasq starts on $ROGUE_IP"
  exit 1
fi
pass "dnsmasq starts on $ROGUE_IP"
# Whichever server's OFFER the client takes, both were broadcast.
udhcpc_once phase2 2 -B || true
check "blackstart reports dnsmasq by address and MAC" wait_for 10 reported "$LOG1"
check "the report says the server answered a client, not the probe" \
  bash -c "grep -F '$ROGUE_LINE' '$LOG1' | grep -qv \"blackstart's probe\""
stop_server_cleanly

note "phase 3: blackstart restarts and probes every second"
export BLACKSTART_ROGUE_PROBE_INTERVAL_S=1
LOG2=$BST_TMP/server-2.log
if ! start_server "${BST_P}srv" "$CONF" "$LOG2"; then
  fail "server starts again"
  exit 1
fi
pass "server starts again"
check "its probe draws dnsmasq's OFFER and blackstart reports it" wait_for 10 reported "$LOG2"
check "the report names the probe" grep -qF "$ROGUE_LINE: DHCPOFFER (to blackstart's probe)" "$LOG2"
before=$(probes_answered)
check "the probe is repeated (dnsmasq answered $before, waiting for $((before + 2)))" \
  wait_for 10 at_least_probes_answered $((before + 2))
sleep 0.5 # let the last answer reach blackstart
check "dnsmasq is reported exactly once (got $(reports "$LOG2"))" [ "$(reports "$LOG2")" -eq 1 ]
check "nothing else is reported as a foreign server (got $(any_report "$LOG2"))" \
  [ "$(any_report "$LOG2")" -eq 1 ]
if [[ -n "$(metric blackstart_uptime_seconds)" ]]; then
  # Every answer counts; only the first is logged and recorded as an event.
  sightings=$(metric blackstart_rogue_server_sightings_total)
  check "control API counts every answer (blackstart_rogue_server_sightings_total ${sightings:-none})" \
    [ "${sightings:-0}" -ge 2 ]
  check "control API lists one rogue server (blackstart_rogue_servers $(metric blackstart_rogue_servers))" \
    [ "$(metric blackstart_rogue_servers)" == 1 ]
  check "control API shows one rogue-server event" \
    [ "$(metric 'blackstart_events_total{kind="rogue-server"}')" == 1 ]
else
  note "this blackstart has no control API; counters not checked"
fi
stop_server_cleanly
stop_pid "$ROGUE_PID" TERM 5
bst_finish test_rogue
