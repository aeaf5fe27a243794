#!/usr/bin/env bash
# The HA power-cut harness (tests/ha/README.md): judges a DHCP server pair
# the way an office on two power circuits would. For each KIND[:CUTS] it
# builds one switch (a bridge) with the two servers (198.18.0.1 primary,
# 198.18.0.2 standby) and a client namespace, starts the pair through the
# adapter tests/ha/adapters/KIND.sh, and then:
#   1. CUTS times, under bs-load: the primary (in load-balancing either
#      server, alternately: the adapter's ha_cut_side) loses power at a random
#      instant (SIGKILL, its link goes dark, every byte it had not fsync'd is
#      lost: the fsync shim of tools/powercut). Measured: the takeover time
#      (cut to the survivor's first ACK), ACKed leases missing on the
#      survivor; after the primary is back and the pair is normal again,
#      ACKed leases missing on either server, addresses two clients hold,
#      and addresses the two servers give to different clients.
#   2. Split brain: the link between the servers is cut (blackhole routes)
#      while both see the clients, until both serve; then healed.
#   3. Both servers lose power at once: ACKed leases neither holds after.
# Prints one table row per kind; -o writes the table as Markdown. A kind
# whose adapter says it cannot run here gets a SKIP row.
#
# Usage: tests/ha/ha_powercut.sh [-o FILE.md] [-b STEP_S] KIND[:CUTS]...
#        (KIND: kea, blackstart (hot-standby), blackstart-lb (load-balancing),
#        blackstart-single (one server, -b only))
# -b STEP_S: the benchmark instead (tests/ha/ha_bench.sh): each kind's
#        highest rate under bs-load and perfdhcp in steps of STEP_S seconds,
#        p99 REQUEST->ACK, and the takeover time from HA_BENCH_CUTS cuts.
# Environment:
#   HA_BUILD            directory with bs-load, bs-powercut, libbs_fsync_shim.so (build)
#   HA_SEED             seed of the random instants (default random, printed)
#   HA_RATE             new clients per second under load (default 200)
#   HA_HEARTBEAT_MS, HA_MAX_RESPONSE_MS, HA_MAX_ACK_MS, HA_MAX_UNACKED
#                       the pair's failure detection, Kea's HA parameters
#                       (default 1000, 3000, 1000, 0)
#   HA_LIMIT_S          longest wait for a takeover or a resync (default 60)
#   BST_KEEP=1          keep the temporary directory
# Exit status: 2 on bad usage or a missing build, 1 when a kind could not
# be run through (pair does not start or come back) or a judged kind (its
# adapter's ha_judged: blackstart's) broke a guarantee (judge below); other
# kinds' figures (Kea's) are reported, not judged.
set -euo pipefail
HA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HA_DIR/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$REPO/tests/integration/lib.sh"

OUT_MD=""
BENCH_S=0
while getopts "o:b:" flag; do
  case $flag in
    o) OUT_MD=$OPTARG ;;
    b) BENCH_S=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
(($# > 0)) || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

BUILD_DIR=$(realpath "${HA_BUILD:-$REPO/build}")
SEED=${HA_SEED:-$(((RANDOM << 15) | RANDOM))}
RATE=${HA_RATE:-200}
HA_HEARTBEAT_MS=${HA_HEARTBEAT_MS:-1000}
HA_MAX_RESPONSE_MS=${HA_MAX_RESPONSE_MS:-3000}
HA_MAX_ACK_MS=${HA_MAX_ACK_MS:-1000}
HA_MAX_UNACKED=${HA_MAX_UNACKED:-0}
LIMIT_S=${HA_LIMIT_S:-60}
HA_SHIM=$BUILD_DIR/libbs_fsync_shim.so
BS_LOAD=$BUILD_DIR/bs-load
BS_POWERCUT=$BUILD_DIR/bs-powercut
CHECK=$HA_DIR/ha_check.py
for file in "$HA_SHIM" "$BS_LOAD" "$BS_POWERCUT"; do
  [[ -e "$file" ]] || { echo "ha_powercut: $file is missing; build first (make build)" >&2; exit 2; }
done
export HA_DIR HA_HEARTBEAT_MS HA_MAX_RESPONSE_MS HA_MAX_ACK_MS HA_MAX_UNACKED

bst_require_root_netns
bst_init
HA_ADDR_A=198.18.0.1
HA_ADDR_B=198.18.0.2
HA_NS_A="${BST_P}a" HA_NS_B="${BST_P}b" HA_NS_C="${BST_P}c"
HA_IF_A="${BST_P}a0" HA_IF_B="${BST_P}b0" HA_IF_C="${BST_P}c0"
bst_switch "${BST_P}sw"
for side in A B C; do
  ns_var="HA_NS_$side" if_var="HA_IF_$side"
  bst_ns "${!ns_var}"
  bst_plug "${BST_P}sw" "${!ns_var}" "${!if_var}"
done
ip -n "$HA_NS_A" addr add "$HA_ADDR_A/15" dev "$HA_IF_A"
ip -n "$HA_NS_B" addr add "$HA_ADDR_B/15" dev "$HA_IF_B"

now_ms() { date +%s%3N; }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# --- the servers: power on, power off -------------------------------------------

declare -A PID=()
BENCH_NO_SHIM=0

# power_on SIDE: restores the link and starts the server with the fsync
# shim; waits until it listens on port 67.
power_on() {
  local side=$1 ns_var="HA_NS_$1" if_var="HA_IF_$1" state_var="HA_STATE_$1"
  ip -n "${!ns_var}" link set "${!if_var}" up
  ha_command "$side"
  local preload=("LD_PRELOAD=$HA_SHIM")
  ((BENCH_NO_SHIM)) && preload=()  # the benchmark's sweeps: speed, no cuts
  ip netns exec "${!ns_var}" env "${preload[@]}" "POWERCUT_DIR=${!state_var}" \
    "POWERCUT_SNAPSHOT=$HA_RUN/durable-$side" "${HA_CMD[@]}" >>"$HA_RUN/server-$side.log" 2>&1 &
  PID[$side]=$!
  BST_PIDS+=("${PID[$side]}")
  wait_for 15 udp_listening "${!ns_var}" 67 "${PID[$side]}" ||
    { echo "ha_powercut: server $side did not start; $HA_RUN/server-$side.log" >&2; return 1; }
  ((BENCH_NO_SHIM)) && return 0
  # Without the shim a cut would lose nothing: refuse to report on it.
  grep -q libbs_fsync_shim.so "/proc/${PID[$side]}/maps" 2>/dev/null ||
    { echo "ha_powercut: the fsync shim is not loaded into server $side; refusing" >&2; exit 1; }
}

# power_off SIDE: the power cut. SIGKILL, the link goes dark (no RST, no
# ARP: a powered-off host is silent), and the state directory becomes what
# the fsync shim recorded as durable.
power_off() {
  local side=$1 ns_var="HA_NS_$1" if_var="HA_IF_$1" state_var="HA_STATE_$1"
  if [[ -n "${PID[$side]:-}" ]]; then kill -KILL "${PID[$side]}" 2>/dev/null || true; fi
  ip -n "${!ns_var}" link set "${!if_var}" down
  { wait "${PID[$side]}" || true; } 2>/dev/null  # no "Killed" job notice
  PID[$side]=""
  "$BS_POWERCUT" restore "${!state_var}" "$HA_RUN/durable-$side" 0
}

# --- load ----------------------------------------------------------------------

NEXT_CLIENT=1

field() {
  local value
  value=$(grep '^bs-load ' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p")
  echo "${value:-0}"
}

# load_start LOG CLIENTS RENEW: bs-load in the background (LOAD_PID).
load_start() {
  local known=0 seed=$RANDOM
  [[ -f "$MEMORY" ]] && known=$(wc -l <"$MEMORY")
  local renew=$(($3 < known ? $3 : known))
  ip netns exec "$HA_NS_C" "$BS_LOAD" run --iface "$HA_IF_C" --memory "$MEMORY" \
    --clients "$2" --first "$NEXT_CLIENT" --renew "$renew" --rate "$RATE" \
    --max-seconds $((LIMIT_S + 60)) --seed "$seed" >"$1" 2>&1 &
  LOAD_PID=$!
  NEXT_CLIENT=$((NEXT_CLIENT + $2))
}

load_stop() {
  kill -TERM "$LOAD_PID" 2>/dev/null || true
  wait "$LOAD_PID" || true
  LIVE_DUPLICATES=$((LIVE_DUPLICATES + $(field "$1" duplicates)))
}

# load_once CLIENTS RENEW: a load run to its end.
load_once() {
  local log="$HA_RUN/load-from-$NEXT_CLIENT.log"
  load_start "$log" "$1" "$2"
  wait "$LOAD_PID" || true
  LIVE_DUPLICATES=$((LIVE_DUPLICATES + $(field "$log" duplicates)))
}

# --- checks ----------------------------------------------------------------------

# dump SIDE TAG: the side's leases into a file kept for the post-mortem
# (BST_KEEP=1); prints its path.
dump() { ha_dump_leases "$1" >"$HA_RUN/dump-$2-$1.txt"; echo "$HA_RUN/dump-$2-$1.txt"; }
checked() { awk '{ newest[$1] = $2 } END { print length(newest) }' "$MEMORY"; }
# took_over CUT_MS SURVIVOR_IP [BUCKET]: the survivor ACKed a client (of
# the RFC 3074 bucket, when given) after the cut.
# shellcheck disable=SC2317  # called through wait_for
took_over() { (($("$CHECK" takeover "$MEMORY" "$@") >= 0)); }

# wait_normal: the pair is back in its normal state; prints the seconds.
wait_normal() {
  local began_s=$SECONDS
  wait_for "$LIMIT_S" ha_normal || return 1
  echo $((SECONDS - began_s))
}

# after_return N: both servers hold every ACKed lease, no address is held by
# two clients, the servers agree. Adds to the totals.
after_return() {
  load_once $((RATE / 2)) $((RATE / 4))  # the returned pair serves new and old clients
  local a b
  a=$(dump A "return-$1") b=$(dump B "return-$1")
  MISSING_AFTER=$((MISSING_AFTER + $("$CHECK" missing "$MEMORY" "$a") + $("$CHECK" missing "$MEMORY" "$b")))
  DISAGREE=$((DISAGREE + $("$CHECK" disagree "$a" "$b")))
}

# --- the three scenarios -------------------------------------------------------

# primary_cut N: one power cut of the primary (or of the side the adapter's
# ha_cut_side names) under load.
primary_cut() {
  local n=$1 kill_ms cut_ms takeover_ms=-1 log="$HA_RUN/load-cut-$1.log" dead live bucket
  dead=$(ha_cut_side "$n")
  live=A
  [[ $dead == A ]] && live=B
  local live_addr="HA_ADDR_$live"
  bucket=$(ha_takeover_bucket "$dead")
  kill_ms=$((200 + RANDOM % 1001))
  load_start "$log" $((RATE * (LIMIT_S + 5))) $((RATE / 4))
  sleep_ms "$kill_ms"
  cut_ms=$(now_ms)
  power_off "$dead"
  # shellcheck disable=SC2086  # no bucket: no argument
  if wait_for "$LIMIT_S" took_over "$cut_ms" "${!live_addr}" $bucket; then
    # shellcheck disable=SC2086
    takeover_ms=$("$CHECK" takeover "$MEMORY" "$cut_ms" "${!live_addr}" $bucket)
    sleep 1  # the survivor serves for a while alone
  fi
  load_stop "$log"
  local lost reassigned survivor_dump
  survivor_dump=$(dump "$live" "survivor-$n")
  lost=$("$CHECK" missing "$MEMORY" "$survivor_dump")
  reassigned=$("$CHECK" reassigned "$MEMORY" "$survivor_dump")
  MISSING_SURVIVOR=$((MISSING_SURVIVOR + lost))
  power_on "$dead"
  local resync_s
  resync_s=$(wait_normal) || { echo "ha_powercut: cut $n: the pair did not return to normal in $LIMIT_S s" >&2; return 1; }
  after_return "$n"
  TAKEOVERS+=("$takeover_ms")
  printf '%s cut %d: %s killed %d ms into the load (%s ACKs), takeover %s ms, missing on survivor %d (%d of them: the address held for another client), back to normal in %d s\n' \
    "$KIND" "$n" "$dead" "$kill_ms" "$(field "$log" acked)" "$takeover_ms" "$lost" "$reassigned" "$resync_s"
}

# split_brain: the servers lose each other while both see the clients.
split_brain() {
  local log="$HA_RUN/load-split.log" before=$LIVE_DUPLICATES doubles_before
  doubles_before=$("$CHECK" doubles "$MEMORY")
  load_start "$log" $((RATE * (LIMIT_S + 10))) $((RATE / 4))
  sleep 0.5
  ip -n "$HA_NS_A" route add blackhole "$HA_ADDR_B/32"
  ip -n "$HA_NS_B" route add blackhole "$HA_ADDR_A/32"
  local cut_ms began_s=$SECONDS
  cut_ms=$(now_ms)
  # Both serve once the standby has taken over (the primary never stops).
  local bucket
  bucket=$(ha_takeover_bucket A)
  # shellcheck disable=SC2086  # no bucket: no argument
  wait_for "$LIMIT_S" took_over "$cut_ms" "$HA_ADDR_B" $bucket || true
  # shellcheck disable=SC2086
  SPLIT_TAKEOVER_MS=$("$CHECK" takeover "$MEMORY" "$cut_ms" "$HA_ADDR_B" $bucket)
  sleep 5  # both serve
  load_stop "$log"
  ip -n "$HA_NS_A" route del blackhole "$HA_ADDR_B/32"
  ip -n "$HA_NS_B" route del blackhole "$HA_ADDR_A/32"
  wait_normal >/dev/null || { echo "ha_powercut: split brain: the pair did not return to normal" >&2; return 1; }
  load_once $((RATE / 2)) $((RATE / 4))
  SPLIT_DOUBLES=$(($("$CHECK" doubles "$MEMORY") - doubles_before))
  SPLIT_DISAGREE=$("$CHECK" disagree "$(dump A split)" "$(dump B split)")
  SPLIT_LIVE=$((LIVE_DUPLICATES - before))
  echo "$KIND split brain: $((SECONDS - began_s)) s, standby serving after $SPLIT_TAKEOVER_MS ms;" \
    "addresses two clients hold $SPLIT_DOUBLES (seen live $SPLIT_LIVE), servers disagree on $SPLIT_DISAGREE"
}

# both_cut: both servers lose power at once, under load.
both_cut() {
  local log="$HA_RUN/load-both.log" kill_ms
  kill_ms=$((200 + RANDOM % 1001))
  load_start "$log" $((RATE * 3)) $((RATE / 4))
  sleep_ms "$kill_ms"
  power_off A
  power_off B
  sleep 0.3
  load_stop "$log"
  BOTH_CHECKED=$(checked)
  power_on A
  power_on B
  wait_normal >/dev/null || { echo "ha_powercut: both cut: the pair did not return to normal" >&2; return 1; }
  local a b
  a=$(dump A both) b=$(dump B both)
  BOTH_LOST=$("$CHECK" missing "$MEMORY" "$a" "$b")
  echo "$KIND both cut: killed $kill_ms ms into the load; $BOTH_LOST of $BOTH_CHECKED ACKed leases on neither server" \
    "($("$CHECK" reassigned "$MEMORY" "$a" "$b") of them: the address held for another client)"
}

# --- one kind --------------------------------------------------------------------

ROWS=()
VERDICT=0

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
maximum() { printf '%s\n' "$@" | sort -n | tail -n 1; }

run_kind() {
  KIND=$1
  local cuts=$2 started_s=$SECONDS n
  # The adapter seam: each kind defines the same ha_* functions; the
  # optional ones fall back to the primary-only defaults.
  unset -f ha_cut_side ha_takeover_bucket ha_judged ha_sides
  ha_sides() { echo A B; }
  ha_cut_side() { echo A; }
  ha_takeover_bucket() { :; }
  ha_judged() { return 1; }
  # shellcheck source=/dev/null
  source "$HA_DIR/adapters/$KIND.sh"
  local why
  if ! why=$(ha_available); then
    echo "SKIP: $KIND: $why"
    ROWS+=("| $(ha_label) | SKIP: $why | | | | | | | | |")
    return 0
  fi
  HA_RUN="$BST_TMP/$KIND"
  HA_STATE_A="$HA_RUN/state-A" HA_STATE_B="$HA_RUN/state-B"
  MEMORY="$HA_RUN/clients.log"
  mkdir -p "$HA_STATE_A" "$HA_STATE_B" "$HA_RUN/durable-A" "$HA_RUN/durable-B"
  "$BS_POWERCUT" baseline "$HA_STATE_A" "$HA_RUN/durable-A"
  "$BS_POWERCUT" baseline "$HA_STATE_B" "$HA_RUN/durable-B"
  ha_setup
  if ((BENCH_S > 0)); then
    bench_kind
    return
  fi
  TAKEOVERS=() MISSING_SURVIVOR=0 MISSING_AFTER=0 DISAGREE=0 LIVE_DUPLICATES=0
  note "$KIND: $cuts primary cuts, seed $SEED, $RATE clients/s"
  if ! power_on A || ! power_on B || ! wait_normal >/dev/null; then
    echo "ha_powercut: $KIND: the pair does not start" >&2
    return 1
  fi
  load_once "$RATE" 0
  for ((n = 1; n <= cuts; n++)); do primary_cut "$n" || return 1; done
  local cut_doubles
  cut_doubles=$("$CHECK" doubles "$MEMORY")
  split_brain || return 1
  both_cut || return 1
  power_off A
  power_off B
  local takeover="none"
  ((${#TAKEOVERS[@]} == 0)) || takeover="$(median "${TAKEOVERS[@]}") / $(maximum "${TAKEOVERS[@]}")"
  echo "ha_powercut: kind=$KIND cuts=$cuts takeover_ms_median_max=${takeover// /} missing_survivor=$MISSING_SURVIVOR" \
    "missing_after_return=$MISSING_AFTER doubles=$cut_doubles live_duplicates=$LIVE_DUPLICATES" \
    "servers_disagree=$DISAGREE split_doubles=$SPLIT_DOUBLES split_disagree=$SPLIT_DISAGREE" \
    "both_lost=$BOTH_LOST both_checked=$BOTH_CHECKED seed=$SEED seconds=$((SECONDS - started_s))"
  local verdict="measured"
  if ha_judged; then
    verdict="PASS"
    judge "$cut_doubles" || { verdict="FAIL"; VERDICT=1; }
  fi
  ROWS+=("| $(ha_label) | $cuts | $takeover | $MISSING_SURVIVOR | $MISSING_AFTER | $cut_doubles | $DISAGREE | $SPLIT_DOUBLES ($SPLIT_DISAGREE) | $BOTH_LOST of $BOTH_CHECKED | $verdict |")
}

# judge CUT_DOUBLES: for a kind that claims the issue's guarantees (its
# adapter's ha_judged), one line per broken one; fails if any is.
# Takeover must come within max-response-delay + heartbeat-delay + 1 s
# (the silence that makes partner-down, the last heartbeat's age, one
# exchange).
judge() {
  local limit_ms=$((HA_MAX_RESPONSE_MS + HA_HEARTBEAT_MS + 1000)) broken=() t
  for t in "${TAKEOVERS[@]}" "$SPLIT_TAKEOVER_MS"; do
    ((t >= 0 && t <= limit_ms)) || broken+=("takeover $t ms, limit $limit_ms ms (-1: never)")
  done
  ((MISSING_SURVIVOR == 0)) || broken+=("$MISSING_SURVIVOR ACKed leases missing on the survivor")
  ((MISSING_AFTER == 0)) || broken+=("$MISSING_AFTER ACKed leases missing on a server after the return and resync")
  (($1 == 0)) || broken+=("$1 addresses held by two clients after the cuts")
  ((LIVE_DUPLICATES == 0)) || broken+=("$LIVE_DUPLICATES addresses bs-load saw ACKed to two clients")
  ((DISAGREE == 0)) || broken+=("the servers disagree on $DISAGREE addresses after the returns")
  ((SPLIT_DOUBLES == 0)) || broken+=("split brain: $SPLIT_DOUBLES addresses held by two clients")
  ((SPLIT_DISAGREE == 0)) || broken+=("split brain: the servers disagree on $SPLIT_DISAGREE addresses after healing")
  ((BOTH_LOST == 0)) || broken+=("both cut: $BOTH_LOST ACKed leases on neither server")
  ((BOTH_CHECKED > 0)) || broken+=("both cut: no ACKed lease to check")
  if ((${#broken[@]} == 0)); then
    echo "PASS: $KIND: every guarantee held"
    return 0
  fi
  local line
  for line in "${broken[@]}"; do echo "FAIL: $KIND: $line"; done
  return 1
}

table() {
  echo "| pair | cuts | takeover ms (median / max) | ACKed missing on survivor | ACKed missing after return | addresses two clients hold | servers disagree | split brain: two clients (servers disagree) | both cut: ACKed lost | verdict |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  printf '%s\n' "${ROWS[@]}"
}

markdown() {
  echo "# HA power-cut harness: latest run"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M') UTC on $(nproc) cores, Linux $(uname -r), in $((SECONDS - STARTED_S)) s."
  echo "Command: \`tests/ha/ha_powercut.sh $COMMAND\`, seed $SEED (\`HA_SEED=$SEED\` repeats the instants);" \
    "$RATE new clients/s; heartbeat-delay $HA_HEARTBEAT_MS ms, max-response-delay $HA_MAX_RESPONSE_MS ms," \
    "max-ack-delay $HA_MAX_ACK_MS ms, max-unacked-clients $HA_MAX_UNACKED."
  echo
  table
  echo
  echo "Method and columns: [tests/ha/README.md](../../tests/ha/README.md)."
}

if ((BENCH_S > 0)); then
  # shellcheck source=./ha_bench.sh
  source "$HA_DIR/ha_bench.sh"
fi
STARTED_S=$SECONDS
COMMAND="$*"
for spec in "$@"; do
  IFS=: read -r kind count <<<"$spec"
  count=${count:-30}
  [[ -e "$HA_DIR/adapters/$kind.sh" ]] || { echo "ha_powercut: no adapter tests/ha/adapters/$kind.sh" >&2; exit 2; }
  [[ "$count" =~ ^[0-9]+$ ]] || { echo "ha_powercut: bad cut count in '$spec'" >&2; exit 2; }
  RANDOM=$SEED
  if ! run_kind "$kind" "$count"; then
    VERDICT=1
    ROWS+=("| $kind | FAILED to run through (log above) | | | | | | | | |")
    for side in A B; do [[ -z "${PID[$side]:-}" ]] || power_off "$side"; done
  fi
done
echo
if ((BENCH_S > 0)); then
  echo "HA benchmark: $((SECONDS - STARTED_S)) s, load average $(cut -d ' ' -f 1-3 /proc/loadavg)"
  bench_table
  [[ -z "$OUT_MD" ]] || bench_markdown >"$OUT_MD"
  exit "$VERDICT"
fi
echo "HA power-cut harness: seed $SEED, $((SECONDS - STARTED_S)) s"
table
[[ -z "$OUT_MD" ]] || markdown >"$OUT_MD"
exit "$VERDICT"
