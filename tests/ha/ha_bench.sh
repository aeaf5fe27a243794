# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153  # the globals of tests/ha/ha_powercut.sh, which sources this
# The HA benchmark (make bench-ha, tests/ha/README.md "The rate"), sourced
# by tests/ha/ha_powercut.sh when it is given -b SECONDS. Same switch, same
# adapters, same run: for each kind the pair starts without the power-cut
# shim (speed, not durability, is measured here; the servers fsync as they
# always do), then each generator (bs-load as clients broadcasting on the
# switch, perfdhcp as a relay broadcasting from 198.18.0.9, the way the peer
# benchmark drives it) sweeps HA_BENCH_RATES, SECONDS per step, until a step
# drops 0.1% or more; the highest step below that is the kind's rate. Then
# the pair starts again under the shim and the primary is cut
# HA_BENCH_CUTS times (primary_cut): the takeover time. Both generators
# broadcast, so in load-balancing both servers hear every client, as they
# would behind a relay that forwards to both. A generator served nothing at
# the first rate fails the run (exit 1): the benchmark itself broke.

HA_BENCH_RATES=${HA_BENCH_RATES:-250 500 1000 2000 4000 8000 16000}
HA_BENCH_CUTS=${HA_BENCH_CUTS:-3}
HA_BENCH_MACS=20000  # within half the pool: each load-balancing server's share
BENCH_ROWS=()
declare -A BENCH_RATE=()

# bench_step GEN RATE OUT: one step's output into OUT.
bench_step() {
  local gen=$1 rate=$2 out=$3
  if [[ $gen == bs-load ]]; then
    timeout $((BENCH_S + 60)) ip netns exec "$HA_NS_C" "$BS_LOAD" bench --iface "$HA_IF_C" \
      --rate "$rate" --seconds "$BENCH_S" --macs "$HA_BENCH_MACS" --drop-time-ms 1000 \
      --seed "$rate" >"$out" 2>&1 || true
  else
    timeout $((BENCH_S + 60)) ip netns exec "$HA_NS_C" perfdhcp -4 -l "$HA_IF_C" -r "$rate" \
      -R "$HA_BENCH_MACS" -p "$BENCH_S" -W 1000000 -x t >"$out" 2>&1 || true
  fi
}

# bench_sweep GEN: the sweep; adds a row.
bench_sweep() {
  local gen=$1 rate best=0 best_p99="-" served drop p99 load
  load=$(cut -d ' ' -f 1-3 /proc/loadavg)
  for rate in $HA_BENCH_RATES; do
    local out="$HA_RUN/bench-$gen-$rate.txt"
    bench_step "$gen" "$rate" "$out"
    read -r served drop p99 < <("$HA_DIR/ha_bench_parse.py" "$gen" "$out" "$BENCH_S")
    echo "$KIND $gen $rate/s: served $served/s, drops $drop%, REQUEST->ACK p99 $p99 ms"
    if [[ $rate == "${HA_BENCH_RATES%% *}" ]] && ((served == 0)); then
      # Not noise: the benchmark itself is broken (it must not rot).
      echo "FAIL: $KIND $gen: nothing served at $rate/s ($out)"
      VERDICT=1
    fi
    awk -v d="$drop" 'BEGIN { exit !(d < 0.1) }' || break
    best=$rate best_p99=$p99
  done
  BENCH_RATE["$KIND/$gen"]=$best
  BENCH_LAST=("$gen" "$best" "$best_p99" "$load")
}

# bench_kind: the sweeps, then the takeover cuts.
bench_kind() {
  local side sides rows=()
  read -r -a sides <<<"$(ha_sides)"
  ip -n "$HA_NS_C" addr replace 198.18.0.9/15 dev "$HA_IF_C"  # perfdhcp's giaddr
  BENCH_NO_SHIM=1
  for side in "${sides[@]}"; do power_on "$side" || return 1; done
  wait_normal >/dev/null || { echo "ha_bench: $KIND: the pair does not start" >&2; return 1; }
  for gen in bs-load perfdhcp; do
    bench_sweep "$gen"
    rows+=("${BENCH_LAST[*]}")
  done
  for side in "${sides[@]}"; do power_off "$side"; done
  BENCH_NO_SHIM=0
  local takeover="n/a (one server)"
  ((${#sides[@]} == 2)) && takeover="not measured (HA_BENCH_CUTS=0)"
  if ((${#sides[@]} == 2)) && ((HA_BENCH_CUTS > 0)); then
    TAKEOVERS=() MISSING_SURVIVOR=0 MISSING_AFTER=0 DISAGREE=0 LIVE_DUPLICATES=0
    power_on A && power_on B && wait_normal >/dev/null || return 1
    load_once "$RATE" 0
    local n
    for ((n = 1; n <= HA_BENCH_CUTS; n++)); do primary_cut "$n" || return 1; done
    takeover="$(median "${TAKEOVERS[@]}") / $(maximum "${TAKEOVERS[@]}")"
    power_off A
    power_off B
  fi
  local row gen best p99 l1 l2 l3
  for row in "${rows[@]}"; do
    read -r gen best p99 l1 l2 l3 <<<"$row"
    BENCH_ROWS+=("| $(ha_label) | $gen | $best | $p99 | $takeover | $l1 $l2 $l3 |")
  done
}

# ratio A B: A / B to one decimal, "-" when B is 0; "≥" when A topped the sweep.
ratio() {
  local top=${HA_BENCH_RATES##* }
  awk -v a="$1" -v b="$2" -v top="$top" \
    'BEGIN { if (b == 0) print "-"; else printf "%s%.1f\n", (a == top ? "≥ " : ""), a / b }'
}

bench_table() {
  echo "| server | generator | max rate sustained, ACK/s (< 0.1% drops) | REQUEST→ACK p99 at it, ms | takeover after a power cut, ms (median / max) | load average at the sweep's start |"
  echo "| --- | --- | ---: | ---: | ---: | --- |"
  printf '%s\n' "${BENCH_ROWS[@]}"
  echo
  echo "Targets (issue #12): the pair ≥ half a single blackstart's rate, ≥ 3× Kea's HA pair."
  echo
  echo "| pair | generator | ÷ single blackstart (target ≥ 0.5) | ÷ Kea 2.2 HA pair (target ≥ 3) |"
  echo "| --- | --- | ---: | ---: |"
  local kind gen
  for kind in blackstart blackstart-lb; do
    for gen in bs-load perfdhcp; do
      [[ -n "${BENCH_RATE[$kind/$gen]:-}" ]] || continue
      echo "| $kind | $gen | $(ratio "${BENCH_RATE[$kind/$gen]}" "${BENCH_RATE[blackstart-single/$gen]:-0}") |" \
        "$(ratio "${BENCH_RATE[$kind/$gen]}" "${BENCH_RATE[kea/$gen]:-0}") |"
    done
  done
}

bench_markdown() {
  echo "# HA benchmark: latest run"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M') UTC on $(nproc) cores, Linux $(uname -r), in $((SECONDS - STARTED_S)) s;" \
    "load average at the end $(cut -d ' ' -f 1-3 /proc/loadavg)."
  echo "Command: \`tests/ha/ha_powercut.sh -b $BENCH_S $COMMAND\`; steps of $BENCH_S s at $HA_BENCH_RATES/s," \
    "$HA_BENCH_MACS client MACs; takeover from $HA_BENCH_CUTS power cuts of the primary per pair" \
    "(heartbeat-delay $HA_HEARTBEAT_MS ms, max-response-delay $HA_MAX_RESPONSE_MS ms)."
  echo
  bench_table
  echo
  echo "Method: [tests/ha/README.md](../../tests/ha/README.md), \"The rate\". One run of short steps" \
    "on a shared machine: read the load average before the figures."
}
