#!/usr/bin/env bash
# make bench-pg: blackstart and Kea 2.2 on PostgreSQL 15, same machine, same
# run, same bs-load sweep (bs-load bench: new clients at a fixed rate, open
# loop, DORA, drops after 1 s). One throwaway PostgreSQL server (fsync and
# synchronous_commit on, its other settings PostgreSQL's defaults), one
# database for blackstart (Kea's lease4 + blackstart-admin's table) and one
# for Kea (kea-admin db-init). Rows:
#   blackstart, 1 server      one link, one generator
#   blackstart, 3 servers     three links (same pool), three generators at
#                             the same rate each, ACKs summed
#   Kea 2.2 (pgsql)           one link, one generator; Kea's default settings
#                             (single-threaded), synchronous_commit on
#   blackstart, 3 servers, no NOTIFY   the same with BLACKSTART_PG_ANNOUNCE=off
#                             (no LISTEN/NOTIFY: a server learns another's
#                             row only from a conflict), to measure what
#                             keeping the views costs
# For each: ACKs/s, drops, NAKs (a REQUEST that lost its address to another
# server), CPU per exchange of the DHCP server(s) and of the database
# (postmaster and every backend, from /proc), the database's transactions
# and WAL fsyncs per second (pg_stat_database, pg_stat_wal) and the load
# average beside them (the machine may be shared). `sync` runs before each
# row so one row's dirty pages are not flushed during the next. Root,
# namespaces only, 198.18.0.0/15.
# Usage: bench/pg_bench.sh build-dir [rate...]; the rates are totals: the
# three-server rows split each over three generators. RATES3 and RATES_KEA
# (space-separated) replace the list for those rows.
set -euo pipefail
BUILD=$(realpath "${1:-build}")
shift || true
RATES=("${@:-500 1000 2000}")
# shellcheck disable=SC2206
RATES=(${RATES[*]})
# shellcheck disable=SC2206
RATES3=(${RATES3:-${RATES[*]}})
# shellcheck disable=SC2206
RATES_KEA=(${RATES_KEA:-${RATES[*]}})
SECONDS_PER_STEP=${SECONDS_PER_STEP:-5}
BST_SERVER=$BUILD/blackstart
BS_LOAD=$BUILD/bs-load
BS_ADMIN=$BUILD/blackstart-admin
PG_BIN=${BS_PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
source "$(dirname "$0")/../tests/integration/lib.sh"
bst_require_root_netns
for tool in kea-dhcp4 kea-admin psql; do
  command -v "$tool" >/dev/null || { echo "bench-pg: $tool missing (scripts/install-deps.sh test)"; exit 1; }
done
bst_init

TICKS=$(getconf CLK_TCK)
# cpu_ticks PID...: utime+stime (+ reaped children's) of the processes.
cpu_ticks() {
  local pid total=0
  for pid in "$@"; do
    [[ -r /proc/$pid/stat ]] || continue
    total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pid/stat")))
  done
  echo "$total"
}
pg_pids() {
  local pm
  pm=$(head -n 1 "$BST_PG_DIR/data/postmaster.pid")
  # shellcheck disable=SC2046  # one PID per word
  echo "$pm" $(ps -o pid= --ppid "$pm")
}

bst_pg_start || { echo "bench-pg: PostgreSQL does not start"; exit 1; }
psql -qX -h "$BST_PG_DIR" -U blackstart -d postgres -c "CREATE DATABASE bs" -c "CREATE DATABASE kea" >/dev/null
"$BS_ADMIN" db-init pgsql -h "$BST_PG_DIR" -u blackstart -n bs >/dev/null
kea-admin db-init pgsql -h "$BST_PG_DIR" -u blackstart -n kea >/dev/null 2>&1

# Three links; server n is 198.18.0.n on link n, generator n on link n.
for n in 1 2 3; do
  bst_switch "${BST_P}w$n"
  bst_ns "${BST_P}srv$n"
  bst_plug "${BST_P}w$n" "${BST_P}srv$n" "${BST_P}s$n"
  ip -n "${BST_P}srv$n" addr add "198.18.0.$n/15" dev "${BST_P}s$n"
  bst_client "${BST_P}w$n" "$n"
done

config() { # IFNAME DATABASE
  cat <<JSON
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "$1" ] },
  "lease-database": { "type": "postgresql", "name": "$2", "host": "$BST_PG_DIR", "user": "blackstart" },
  "valid-lifetime": 7200, "renew-timer": 3600, "rebind-timer": 6300, "authoritative": true,
  "subnet4": [ { "id": 1, "subnet": "198.18.0.0/15", "pools": [ { "pool": "198.18.16.1 - 198.19.255.254" } ],
                 "option-data": [ { "name": "routers", "data": "198.18.0.1" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
                 "output_options": [ { "output": "$BST_TMP/kea.log" } ] } ]
} }
JSON
}
for n in 1 2 3; do config "${BST_P}s$n" bs >"$BST_TMP/bs$n.json"; done
config "${BST_P}s1" kea >"$BST_TMP/kea.json"

# Transactions committed and WAL syncs (fsync/fdatasync), cluster-wide.
db_counts() {
  psql -qAtX -h "$BST_PG_DIR" -U blackstart -d postgres -F ' ' \
    -c "SELECT (SELECT sum(xact_commit) FROM pg_stat_database), wal_sync FROM pg_stat_wal"
}

FIRST=0
# step LABEL TOTAL_RATE GENERATORS SERVER_PID...: one step; prints a row.
step() {
  local label=$1 total=$2 gens=$3
  shift 3
  local rate=$((total / gens))
  local servers=("$@") n acks=0 drops=0 naks=0 planned=0 db0 db1 srv0 srv1 load c0 c1
  # shellcheck disable=SC2046  # one PID per word
  db0=$(cpu_ticks $(pg_pids)) srv0=$(cpu_ticks "${servers[@]}") c0=$(db_counts)
  local generators=()
  for ((n = 1; n <= gens; n++)); do
    ip netns exec "${BST_P}c$n" "$BS_LOAD" bench --iface "${BST_P}c$n" --rate "$rate" \
      --seconds "$SECONDS_PER_STEP" --first "$FIRST" --seed "$((FIRST + n))" >"$BST_TMP/step-$n.log" 2>&1 &
    generators+=($!)
    FIRST=$((FIRST + rate * SECONDS_PER_STEP + 1000))
  done
  wait "${generators[@]}"
  # shellcheck disable=SC2046  # one PID per word
  db1=$(cpu_ticks $(pg_pids)) srv1=$(cpu_ticks "${servers[@]}") c1=$(db_counts)
  load=$(cut -d' ' -f1 /proc/loadavg)
  for ((n = 1; n <= gens; n++)); do
    line=$(grep '^bs-load bench:' "$BST_TMP/step-$n.log" | tail -n 1)
    acks=$(awk -v a="$acks" '{ for (i = 1; i <= NF; i++) if ($i ~ /^acks_per_s=/) { split($i, kv, "="); print a + kv[2] } }' <<<"$line")
    planned=$((planned + rate))
    drops=$(awk -v d="$drops" '{ for (i = 1; i <= NF; i++) if ($i ~ /^drop_pct=/) { split($i, kv, "="); print d + kv[2] } }' <<<"$line")
    naks=$(awk -v k="$naks" '{ for (i = 1; i <= NF; i++) if ($i ~ /^naks=/) { split($i, kv, "="); print k + kv[2] } }' <<<"$line")
  done
  local exchanges
  exchanges=$(awk -v a="$acks" -v s="$SECONDS_PER_STEP" 'BEGIN { print int(a * s) }')
  read -r x0 w0 <<<"$c0"
  read -r x1 w1 <<<"$c1"
  awk -v l="$label" -v r="$planned" -v a="$acks" -v d="$drops" -v g="$gens" -v e="$exchanges" \
    -v sc=$((srv1 - srv0)) -v dc=$((db1 - db0)) -v t="$TICKS" -v la="$load" -v k="$naks" \
    -v x=$((x1 - x0)) -v w=$((w1 - w0)) -v s="$SECONDS_PER_STEP" 'BEGIN {
      per = e > 0 ? 1e6 / t / e : 0
      printf "| %-30s | %6d | %8.0f | %6.2f | %6d | %8.1f | %8.1f | %6.0f | %6.0f | %5s |\n",
        l, r, a, d / g, k, sc * per, dc * per, x / s, w / s, la }' |
    tee -a "$BST_TMP/rows"
}

echo "| server | offered/s | ACKs/s | drop % | NAKs | server CPU us/exchange | database CPU us/exchange | db commits/s | WAL fsyncs/s | load avg |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
# start_servers COUNT [ENV=VALUE...]: blackstart servers 1..COUNT on an
# emptied lease4 (each row group starts from the same empty pool, which
# the whole sweep would otherwise exhaust); their PIDs in PIDS.
start_servers() {
  local count=$1 n
  shift
  psql -qX -h "$BST_PG_DIR" -U blackstart -d bs -c "TRUNCATE lease4" >/dev/null
  PIDS=()
  for ((n = 1; n <= count; n++)); do
    bst_spawn "${BST_P}srv$n" "$BST_TMP/bs$n.log" env "$@" "$BST_SERVER" -c "$BST_TMP/bs$n.json"
    PIDS+=("$BST_LAST_PID")
    wait_for 10 udp_listening "${BST_P}srv$n" 67 "$BST_LAST_PID"
  done
  sync
}
stop_servers() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid" TERM 10; done
}
# The servers' own count of conflicts (the database refused a change) and
# of rows learnt from the others' announcements, from their stop lines.
conflict_note() {
  local n
  for n in "$@"; do
    sed -n 's/.*shared lease database: \([0-9]*\) store conflicts, \([0-9]*\) rows learnt.*/server '"$n"': \1 conflicts, \2 rows learnt/p' "$BST_TMP/bs$n.log"
  done | paste -sd ';' -
}

start_servers 1
for rate in "${RATES[@]}"; do step "blackstart, 1 server" "$rate" 1 "${PIDS[@]}"; done
stop_servers
start_servers 3
for rate in "${RATES3[@]}"; do step "blackstart, 3 servers" "$rate" 3 "${PIDS[@]}"; done
stop_servers
NOTES=("3 servers: $(conflict_note 1 2 3)")
if [[ ${SKIP_NO_NOTIFY:-0} != 1 ]]; then
  start_servers 3 BLACKSTART_PG_ANNOUNCE=off
  for rate in "${RATES3[@]}"; do step "blackstart, 3 servers, no NOTIFY" "$rate" 3 "${PIDS[@]}"; done
  stop_servers
  NOTES+=("3 servers, no NOTIFY: $(conflict_note 1 2 3)")
fi
sync
bst_spawn "${BST_P}srv1" "$BST_TMP/kea-out.log" env "KEA_PIDFILE_DIR=$BST_TMP" "KEA_LOCKFILE_DIR=$BST_TMP" \
  kea-dhcp4 -c "$BST_TMP/kea.json"
KEA_PID=$BST_LAST_PID
wait_for 20 udp_listening "${BST_P}srv1" 67 "$KEA_PID"
for rate in "${RATES_KEA[@]}"; do step "Kea 2.2, pgsql" "$rate" 1 "$KEA_PID"; done
stop_pid "$KEA_PID" TERM 10
echo
# The best ACKs/s of each server row, and the ratios the issue asks for.
awk -F'|' '{ gsub(/^ +| +$/, "", $2); if ($4 + 0 > best[$2]) best[$2] = $4 + 0 }
  END {
    one = best["blackstart, 1 server"]; three = best["blackstart, 3 servers"]; kea = best["Kea 2.2, pgsql"]
    quiet = best["blackstart, 3 servers, no NOTIFY"]
    printf "best ACKs/s: blackstart 1 server %.0f, 3 servers %.0f (no NOTIFY %.0f), Kea %.0f; blackstart/Kea %.2fx, 3 servers/1 server %.2fx\n",
      one, three, quiet, kea, (kea > 0 ? one / kea : 0), (one > 0 ? three / one : 0) }' "$BST_TMP/rows"
printf '%s\n' "${NOTES[@]}"
# The disk under the database: one 8 kB write + fdatasync, as a commit
# does, repeated for a second (PostgreSQL's pg_test_fsync).
fsyncs=$("$PG_BIN/pg_test_fsync" -s 1 -f "$BST_TMP/fsync.test" 2>/dev/null |
  awk '/one 8kB write/ { f = 1 } f && $1 == "fdatasync" { print $2; exit }')
echo "disk: ${fsyncs:-?} fdatasync/s for one 8 kB write (pg_test_fsync -s 1, same disk)"
echo "PostgreSQL $(psql -qAtX -h "$BST_PG_DIR" -U blackstart -d postgres -c 'SHOW server_version'), synchronous_commit $(psql -qAtX -h "$BST_PG_DIR" -U blackstart -d postgres -c 'SHOW synchronous_commit'), fsync $(psql -qAtX -h "$BST_PG_DIR" -U blackstart -d postgres -c 'SHOW fsync'); $(nproc) CPUs; steps of ${SECONDS_PER_STEP} s; ACKs/s summed over generators; load average = 1-minute, at the end of the step."
