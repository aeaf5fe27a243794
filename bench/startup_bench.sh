#!/usr/bin/env bash
# Start-up timing (issue 14's "listening after"): blackstart started on a
# lease store of each kind and size, in network namespaces, with a client
# sending a DISCOVER every 5 ms from the server's exec on. Prints, per
# store and size, the server's own phases (its "start-up:" log line,
# src/daemon/startup_timing.h) and the client's view: how long after the
# exec the first OFFER came. Figures only, nothing asserted; the load
# average is printed beside each row. Needs root. About a minute.
# Usage: bench/startup_bench.sh path/to/blackstart [RUNS]
#   STARTUP_SIZES="0 200 10000 60000" STARTUP_STORES="sqlite memfile"
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
source "$here/../tests/integration/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart [RUNS]}")
RUNS=${2:-3}
SIZES=${STARTUP_SIZES:-0 200 10000 60000}
STORES=${STARTUP_STORES:-sqlite memfile}
MEMFILE_ROWS=${STARTUP_MEMFILE_ROWS:-3}
bst_require_root_netns
bst_init

SRV="${BST_P}srv"
CLI="${BST_P}c1"
CLIENT_MAC=02:cc:00:00:00:01
bst_switch "${BST_P}sw"
bst_ns "$SRV"
bst_plug "${BST_P}sw" "$SRV" "${BST_P}s0"
ip -n "$SRV" addr add 198.18.0.1/15 dev "${BST_P}s0"
bst_ns "$CLI"
bst_plug "${BST_P}sw" "$CLI" "$CLI" "$CLIENT_MAC"
ip -n "$CLI" addr add 198.18.0.2/15 dev "$CLI"

# phase LOG NAME: NAME's "at" figure (ms after main) from the start-up line.
phase() { grep -h "start-up:" "$1" | sed -n "s/.*$2 [0-9.]* ms (at \([0-9.]*\)).*/\1/p" | tail -n 1; }
exec_ms() { grep -h "start-up:" "$1" | sed -n 's/.*~\([0-9]*\) ms after exec.*/\1/p' | tail -n 1; }
to_main() { grep -h "start-up:" "$1" | sed -n 's/.*exec to main ~\([0-9]*\) ms.*/\1/p' | tail -n 1; }

echo "| store | leases | file | exec to main (ms) | sockets bound (ms after main) | store opened | leases loaded | serving (ms after exec) | first OFFER (ms after exec, client) | load average |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
for store in $STORES; do
  for size in $SIZES; do
    for ((run = 1; run <= RUNS; run++)); do
      dir=$BST_TMP/$store-$size-$run
      mkdir -p "$dir"
      if [[ $store == memfile ]]; then
        path=$dir/leases4.csv
        db="\"type\": \"memfile\", \"persist\": true, \"name\": \"$path\", \"lfc-interval\": 0"
        python3 "$BST_DIR/helpers/make_leases.py" memfile "$path" "$size" "$MEMFILE_ROWS"
      else
        path=$dir/leases.sqlite3
        db="\"type\": \"sqlite\", \"name\": \"$path\""
        ((size == 0)) || python3 "$BST_DIR/helpers/make_leases.py" sqlite "$path" "$size"
      fi
      cat >"$dir/conf.json" <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {$db},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/15",
               "pools": [{"pool": "198.19.0.1 - 198.19.255.254"}]}]
}}
JSON
      sync
      line=$(ip netns exec "$CLI" python3 "$BST_DIR/helpers/discover_at_start.py" "$CLI" \
        "$CLIENT_MAC" "$dir/pid" every 5 -- \
        ip netns exec "$SRV" "$BST_SERVER" -c "$dir/conf.json" 2>"$dir/server.log") || true
      pid=$(cat "$dir/pid" 2>/dev/null || echo "")
      if [[ -n "$pid" ]]; then
        BST_PIDS+=("$pid")
        stop_pid "$pid" TERM 20
      fi
      log=$dir/server.log
      size_text=$(du -h "$path" 2>/dev/null | cut -f1)
      offer=$(sed -n 's/.*offer_ms=\([^ ]*\).*/\1/p' <<<"$line")
      echo "| $store | $size | ${size_text:-0} | $(to_main "$log") | $(phase "$log" "DHCP sockets bound") | $(phase "$log" "lease store opened") | $(phase "$log" "leases loaded") | $(exec_ms "$log") | ${offer:-?} | $(cut -d' ' -f1-3 /proc/loadavg) |"
      rm -rf "$dir"
    done
  done
done
