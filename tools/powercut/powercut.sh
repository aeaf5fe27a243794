#!/usr/bin/env bash
# The power-cut harness. For each SERVER[:CUTS] it builds a two-namespace
# link (server and clients, 198.18.0.0/15 only) and repeats CUTS times:
# bs-load starts new clients (and renews some old ones) against the server;
# at a random instant while that load runs the server is SIGKILLed and every
# byte it had not fsync'd is thrown away (the fsync shim's durable image is
# restored, tools/powercut/README.md); the server is started again on what
# is left ("the store opens every time"); then bs-load verify checks,
# through DHCP alone, every lease any client was ever ACKed. At the end it
# prints one table row per server and, with -o, writes the table as
# Markdown.
#
# Usage: tools/powercut/powercut.sh [-o FILE.md] SERVER[:CUTS[:MODE]]...
#   SERVER: blackstart, blackstart-memfile, blackstart-nofsync,
#   blackstart-memfile-nofsync, kea, dnsmasq (blackstart-memfile: Kea's CSV
#   lease file instead of SQLite; CUTS default 10;
#   MODE as POWERCUT_MODE below, for this server only)
# Environment:
#   POWERCUT_BUILD    directory with blackstart, bs-load, bs-powercut and
#                     libbs_fsync_shim.so (default: build)
#   POWERCUT_SEED     seed of every random choice (default: random, printed)
#   POWERCUT_MODE     lose (default): every unsynced byte is lost;
#                     torn: a random part of the unsynced writes survives;
#                     mixed: each cut picks one of the two
#   POWERCUT_BUDGET_S time limit per server, in seconds (default 600);
#                     the row then shows the cuts that were done
#   BST_KEEP=1        keep the temporary directory (logs, states)
# Exit status: 1 when blackstart forgets, duplicates, fails to open its
# store, leaves a client unanswered or dies under load before a cut; when blackstart-nofsync forgets
# nothing (the harness could not fail); or when a cut could not be run.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../../tests/integration/lib.sh
source "$REPO/tests/integration/lib.sh"

OUT_MD=""
while getopts "o:" flag; do
  case $flag in
    o) OUT_MD=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
(($# > 0)) || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

BUILD_DIR=$(realpath "${POWERCUT_BUILD:-$REPO/build}")
SEED=${POWERCUT_SEED:-$(((RANDOM << 15) | RANDOM))}
MODE=${POWERCUT_MODE:-lose}
BUDGET_S=${POWERCUT_BUDGET_S:-600}
SHIM=$BUILD_DIR/libbs_fsync_shim.so
BS_LOAD=$BUILD_DIR/bs-load
BS_POWERCUT=$BUILD_DIR/bs-powercut
BLACKSTART=$BUILD_DIR/blackstart
CONFIGS=$REPO/bench/powercut
[[ "$MODE" =~ ^(lose|torn|mixed)$ ]] || { echo "POWERCUT_MODE must be lose, torn or mixed" >&2; exit 2; }
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "POWERCUT_SEED must be a number" >&2; exit 2; }
for file in "$SHIM" "$BS_LOAD" "$BS_POWERCUT" "$BLACKSTART"; do
  [[ -e "$file" ]] || { echo "powercut: $file is missing; build first (make build)" >&2; exit 2; }
done

bst_require_root_netns
bst_init
SRV_NS="${BST_P}srv"
CLI_NS="${BST_P}cli"
SRV_IF="${BST_P}s0"
CLI_IF="${BST_P}c0"
bst_ns "$SRV_NS"
bst_ns "$CLI_NS"
bst_link "$SRV_NS" "$SRV_IF" "$CLI_NS" "$CLI_IF"
ip -n "$SRV_NS" addr add 198.18.0.1/15 dev "$SRV_IF"

# --- per-server settings ------------------------------------------------------

# set_profile SERVER: load rate, kill window and verify pace. dnsmasq
# rewrites its whole lease file for every ACK (about 50 ACK/s on the
# reference machine), so it gets a tenth of the load.
set_profile() {
  case $1 in
    blackstart | blackstart-memfile | blackstart-nofsync | blackstart-memfile-nofsync | kea)
      RATE=300 KILL_MIN_MS=200 KILL_MAX_MS=1200 VERIFY_RATE=3000 VERIFY_WINDOW=256 ;;
    dnsmasq)
      RATE=40 KILL_MIN_MS=500 KILL_MAX_MS=2500 VERIFY_RATE=200 VERIFY_WINDOW=16 ;;
    *)
      echo "powercut: unknown server '$1' (blackstart, blackstart-memfile, blackstart-nofsync, blackstart-memfile-nofsync, kea, dnsmasq)" >&2
      return 1 ;;
  esac
}

# write_config SERVER: the server's config from bench/powercut, filled in.
write_config() {
  local template
  case $1 in
    blackstart) template=blackstart.json ;;
    blackstart-memfile) template=blackstart-memfile.json ;;
    blackstart-memfile-nofsync) template=blackstart-memfile-nofsync.json ;;
    blackstart-nofsync) template=blackstart-nofsync.json ;;
    kea) template=kea-dhcp4.json ;;
    dnsmasq) template=dnsmasq.conf ;;
  esac
  sed -e "s|@IFACE@|$SRV_IF|g" -e "s|@STATE@|$STATE|g" -e "s|@RUN@|$RUN|g" \
    "$CONFIGS/$template" >"$RUN/server.conf"
}

server_command() {
  case $SERVER in
    blackstart*) SERVER_CMD=("$BLACKSTART" -c "$RUN/server.conf") ;;
    kea) SERVER_CMD=(env "KEA_PIDFILE_DIR=$RUN" "KEA_LOCKFILE_DIR=$RUN" kea-dhcp4 -c "$RUN/server.conf") ;;
    dnsmasq) SERVER_CMD=(dnsmasq -k -C "$RUN/server.conf") ;;
  esac
}

# --- the server ---------------------------------------------------------------

SERVER_PID=""

shim_loaded() { grep -q "libbs_fsync_shim.so" "/proc/$1/maps" 2>/dev/null; }

# Stops waiting as soon as the server exits: a store that does not open
# ends the process at once.
# shellcheck disable=SC2317  # called through wait_for
serving_or_gone() { udp_listening "$SRV_NS" 67 "$SERVER_PID" || ! is_running "$SERVER_PID"; }

# start_server LOG: starts the server with the shim and waits until it
# serves; fails if it exits or does not listen on port 67 within 15 s.
start_server() {
  local log=$1
  # A pid file left by the killed Kea would name a dead (or reused) PID.
  rm -f "$RUN"/*.pid
  server_command
  ip netns exec "$SRV_NS" env "LD_PRELOAD=$SHIM" "POWERCUT_DIR=$STATE" \
    "POWERCUT_SNAPSHOT=$SNAP" "${SERVER_CMD[@]}" >"$log" 2>&1 &
  SERVER_PID=$!
  if ! wait_for 15 serving_or_gone || ! udp_listening "$SRV_NS" 67 "$SERVER_PID"; then
    stop_server_hard
    return 1
  fi
  if ! shim_loaded "$SERVER_PID"; then
    echo "powercut: the fsync shim is not loaded into $SERVER; refusing to simulate" >&2
    exit 1
  fi
}

# The power cut itself, and the cleanup of a server that failed to start.
stop_server_hard() {
  [[ -n "$SERVER_PID" ]] || return 0
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# --- bs-load ------------------------------------------------------------------

# field FILE NAME: NAME=VALUE from the last bs-load summary line in FILE.
field() {
  local value
  value=$(grep '^bs-load ' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p")
  echo "${value:-0}"
}

# Seeds are drawn here, in this shell: a background job or a $(...) reseeds
# RANDOM, and the run would no longer follow POWERCUT_SEED.
run_load_in_background() {
  local log=$1 clients=$2 renew=$3 seed=$RANDOM
  ip netns exec "$CLI_NS" "$BS_LOAD" run --iface "$CLI_IF" --memory "$MEMORY" \
    --clients "$clients" --first "$NEXT_CLIENT" --renew "$renew" --rate "$RATE" \
    --max-seconds 30 --seed "$seed" >"$log" 2>&1 &
  LOAD_PID=$!
}

verify() {
  local log=$1
  ip netns exec "$CLI_NS" "$BS_LOAD" verify --iface "$CLI_IF" --memory "$MEMORY" \
    --probe-first "$NEXT_PROBE" --rate "$VERIFY_RATE" --window "$VERIFY_WINDOW" \
    --max-seconds 300 --seed "$RANDOM" >"$log" 2>&1 || return 1
  NEXT_PROBE=$((NEXT_PROBE + $(field "$log" probes)))
}

# --- one cut ------------------------------------------------------------------

sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# pick_restore_seed: sets TORN_SEED, 0 to lose every unsynced byte, any
# other value to tear (a variable, not $(...), for the reason above).
pick_restore_seed() {
  TORN_SEED=0
  case $MODE in
    torn) TORN_SEED=$((RANDOM + 1)) ;;
    mixed) if ((RANDOM % 2)); then TORN_SEED=$((RANDOM + 1)); fi ;;
  esac
}

# After a store that would not open, the operator does what the error
# message says: keeps it aside and starts with an empty store. The clients
# still remember their leases, so the verify that follows counts every one
# of them the empty store no longer knows.
start_afresh() {
  local cut=$1
  cp -a "$STATE" "$RUN/state-unopenable-$cut"
  rm -f "$STATE"/*
  "$BS_POWERCUT" baseline "$STATE" "$SNAP"
  start_server "$RUN/server-$cut-afresh.log"
}

one_cut() {
  local cut=$1 kill_ms clients renew known load_log="$RUN/load-$1.log" began_s=$SECONDS
  kill_ms=$((KILL_MIN_MS + RANDOM % (KILL_MAX_MS - KILL_MIN_MS + 1)))
  # More clients than can start before the kill: the cut comes mid-load.
  clients=$((RATE * (KILL_MAX_MS + 1000) / 1000))
  known=$( [[ -f "$MEMORY" ]] && wc -l <"$MEMORY" || echo 0)
  renew=$((known / 10 < RATE / 4 ? known / 10 : RATE / 4))
  run_load_in_background "$load_log" "$clients" "$renew"
  sleep_ms "$kill_ms"
  if ! is_running "$SERVER_PID"; then
    CRASHES=$((CRASHES + 1))
    echo "    $SERVER DIED UNDER LOAD before the cut; log: $RUN/server-$((cut - 1)).log"
  fi
  stop_server_hard
  # Replies already on the wire still count; then the clients stop.
  sleep 0.3
  kill -TERM "$LOAD_PID" 2>/dev/null || true
  local load_rc=0
  wait "$LOAD_PID" || load_rc=$?
  if ((load_rc != 0)); then
    echo "powercut: bs-load run failed (exit $load_rc): $(tail -n 2 "$load_log")" >&2
    return 1
  fi
  NEXT_CLIENT=$((NEXT_CLIENT + clients))
  DUPLICATES=$((DUPLICATES + $(field "$load_log" duplicates)))
  pick_restore_seed
  "$BS_POWERCUT" restore "$STATE" "$SNAP" "$TORN_SEED"
  local status="restarted"
  if ! start_server "$RUN/server-$cut.log"; then
    OPEN_FAILURES=$((OPEN_FAILURES + 1))
    status="STORE DID NOT OPEN (kept in $RUN/state-unopenable-$cut)"
    tail -n 5 "$RUN/server-$cut.log" | sed 's/^/    /'
    start_afresh "$cut" || { echo "powercut: $SERVER does not start even afresh" >&2; return 1; }
  fi
  verify "$RUN/verify-$cut.log" || { echo "powercut: bs-load verify failed" >&2; return 1; }
  local v="$RUN/verify-$cut.log"
  CHECKED=$((CHECKED + $(field "$v" checked)))
  FORGOTTEN=$((FORGOTTEN + $(field "$v" forgotten)))
  DUPLICATES=$((DUPLICATES + $(field "$v" duplicates)))
  UNANSWERED=$((UNANSWERED + $(field "$v" unanswered)))
  printf '%s cut %d (%d s): killed at %d ms (%s ACKs in load), %s, %s; checked %s, forgotten %s, duplicates %s\n' \
    "$SERVER" "$cut" $((SECONDS - began_s)) "$kill_ms" "$(field "$load_log" acked)" \
    "$([[ $TORN_SEED == 0 ]] && echo "unsynced bytes lost" || echo "torn writes (seed $TORN_SEED)")" \
    "$status" "$(field "$v" checked)" "$(field "$v" forgotten)" \
    "$(($(field "$v" duplicates) + $(field "$load_log" duplicates)))"
  grep -h '^\(forgotten\|duplicate\):' "$v" "$load_log" | head -n 3 | sed 's/^/    /' || true
}

# --- one server ---------------------------------------------------------------

ROWS=()
VERDICT=0
RUN_INDEX=0

# run_server SERVER CUTS: the cut loop; appends a table row to ROWS.
run_server() {
  SERVER=$1
  local cuts=$2 cut started_s=$SECONDS
  set_profile "$SERVER"
  RUN_INDEX=$((RUN_INDEX + 1))
  RUN="$BST_TMP/$RUN_INDEX-$SERVER-$MODE"
  STATE="$RUN/state"
  SNAP="$RUN/durable"
  MEMORY="$RUN/clients.log"
  mkdir -p "$STATE" "$SNAP"
  write_config "$SERVER"
  "$BS_POWERCUT" baseline "$STATE" "$SNAP"
  CHECKED=0 FORGOTTEN=0 DUPLICATES=0 OPEN_FAILURES=0 UNANSWERED=0 CRASHES=0
  NEXT_CLIENT=1 NEXT_PROBE=1
  note "$SERVER: $cuts cuts, seed $SEED, mode $MODE"
  start_server "$RUN/server-0.log" || { echo "powercut: $SERVER does not start" >&2; return 1; }
  for ((cut = 1; cut <= cuts; cut++)); do
    if ((SECONDS - started_s > BUDGET_S)); then
      echo "powercut: $SERVER: time budget of $BUDGET_S s spent after $((cut - 1)) cuts"
      break
    fi
    one_cut "$cut" || return 1
  done
  stop_server_hard
  local done_cuts=$((cut - 1))
  echo "powercut: server=$SERVER cuts=$done_cuts checked=$CHECKED forgotten=$FORGOTTEN" \
    "duplicates=$DUPLICATES open_failures=$OPEN_FAILURES unanswered=$UNANSWERED crashes=$CRASHES" \
    "seed=$SEED mode=$MODE seconds=$((SECONDS - started_s))"
  ROWS+=("| $(label "$SERVER") | $done_cuts | $CHECKED | $FORGOTTEN | $DUPLICATES | $OPEN_FAILURES | $UNANSWERED |")
  judge "$SERVER" "$done_cuts" "$cuts"
}

label() {
  local name
  case $1 in
    blackstart) name="blackstart (SQLite WAL, fsync on)" ;;
    blackstart-memfile) name="blackstart (Kea's CSV memfile, fsync on, cleanup every second)" ;;
    blackstart-nofsync) name="blackstart, \`\"fsync\": false\`" ;;
    blackstart-memfile-nofsync) name="blackstart memfile, \`\"fsync\": false\`" ;;
    kea) name="Kea $(kea-dhcp4 -v 2>/dev/null || echo '?') (memfile)" ;;
    dnsmasq) name="dnsmasq $(dnsmasq -v 2>/dev/null | awk 'NR == 1 { print $3 }')" ;;
  esac
  case $MODE in
    torn) name+=", torn writes" ;;
    mixed) name+=", lost or torn writes" ;;
  esac
  echo "$name"
}

# judge SERVER CUTS_DONE CUTS_ASKED: blackstart must be clean; the fsync-off
# variant must be caught; the peers are only reported.
judge() {
  case $1 in
    blackstart | blackstart-memfile)
      if ((FORGOTTEN + DUPLICATES + OPEN_FAILURES + UNANSWERED + CRASHES > 0 || $2 < $3)); then
        echo "FAIL: $1 lost, duplicated or left unanswered leases, crashed, or ran short"
        VERDICT=1
      fi ;;
    blackstart-nofsync | blackstart-memfile-nofsync)
      if ((FORGOTTEN == 0)); then
        echo "FAIL: $1: with fsync off the harness caught no forgotten lease"
        VERDICT=1
      fi ;;
  esac
}

table() {
  echo "| server | cuts | ACKed leases checked | forgotten | duplicates | store failed to open | unanswered |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${ROWS[@]}"
}

# The Markdown report: what ran, where, and the table.
markdown() {
  echo "# Power-cut harness: latest run"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M') UTC on $(nproc) cores, Linux $(uname -r)," \
    "Debian $(cat /etc/debian_version 2>/dev/null || echo '?'), in $((SECONDS - STARTED_S)) s."
  echo "Command: \`tools/powercut/powercut.sh $COMMAND\` (what \`make powercut\` runs)," \
    "seed $SEED; \`POWERCUT_SEED=$SEED\` repeats it. Default mode $DEFAULT_MODE."
  echo
  table
  echo
  echo "Method, failure model and how to read the columns: [tools/powercut/README.md](../../tools/powercut/README.md)."
}

STARTED_S=$SECONDS
DEFAULT_MODE=$MODE
COMMAND="$*"
for spec in "$@"; do
  IFS=: read -r name count mode <<<"$spec"
  count=${count:-10}
  MODE=${mode:-$DEFAULT_MODE}
  [[ "$count" =~ ^[0-9]+$ ]] || { echo "powercut: bad cut count in '$spec'" >&2; exit 2; }
  [[ "$MODE" =~ ^(lose|torn|mixed)$ ]] || { echo "powercut: bad mode in '$spec'" >&2; exit 2; }
  set_profile "$name"
  RANDOM=$SEED  # each server sees the same sequence of choices
  run_server "$name" "$count" || { VERDICT=1; stop_server_hard; }
done
echo
echo "power-cut harness: seed $SEED, $((SECONDS - STARTED_S)) s"
table
[[ -z "$OUT_MD" ]] || markdown >"$OUT_MD"
exit "$VERDICT"
