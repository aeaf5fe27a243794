#!/usr/bin/env bash
# Start-up (issue 14, the drill's "listening after"): a client that boots
# with the server does not lose its first DISCOVER to a port nobody listens
# on yet. The server starts on a SQLite lease database of STARTUP_ADDRESSES
# leases that opens slowly: another process holds its lock for
# STARTUP_LOCK_MS, as a backup or an `sqlite3` shell reading it would (a
# cold disk after a power cut is slow the same way, only less
# reproducibly). One DISCOVER is sent STARTUP_SEND_MS after the server's
# exec and must be OFFERed within 2.5 s, without a retry (udhcpc retries
# after 3 s). A server that opens its lease store before it binds port 67
# loses that DISCOVER. Then, without the lock, a DISCOVER every 5 ms from
# the exec on prints the time to the first OFFER, with the server's own
# start-up line (ms per phase): figures, not asserts.
# Usage: tests/integration/test_startup.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

ADDRESSES=${STARTUP_ADDRESSES:-10000}
LOCK_MS=${STARTUP_LOCK_MS:-800}
SEND_MS=${STARTUP_SEND_MS:-100}
SRV="${BST_P}srv"
CLI="${BST_P}c1"
CLIENT_MAC=02:cc:00:00:00:01
bst_switch "${BST_P}sw"
bst_ns "$SRV"
bst_plug "${BST_P}sw" "$SRV" "${BST_P}s0"
ip -n "$SRV" addr add 198.18.0.1/15 dev "${BST_P}s0"
bst_ns "$CLI"
bst_plug "${BST_P}sw" "$CLI" "$CLI" "$CLIENT_MAC"
# An address only so that the kernel sends from this link; the DISCOVER
# asks for a broadcast reply.
ip -n "$CLI" addr add 198.18.0.2/15 dev "$CLI"

LEASES=$BST_TMP/leases.sqlite3
CONF=$BST_TMP/blackstart.json
# Rollback journal (Python's default), so an exclusive lock keeps readers
# out; the server switches the file to WAL on its first start.
python3 "$BST_DIR/helpers/make_leases.py" sqlite "$LEASES" "$ADDRESSES"
cat >"$CONF" <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$LEASES"},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/15",
               "pools": [{"pool": "198.19.0.1 - 198.19.255.254"}]}]
}}
JSON
note "lease database: $ADDRESSES leases, $(du -h "$LEASES" | cut -f1)"

# run_start NAME MODE MS: starts the server through the helper from the
# client's namespace; prints the helper's line. The server is stopped
# cleanly afterwards (SIGTERM), so the next start is not in recovery.
run_start() {
  local name=$1 mode=$2 ms=$3 pid_file=$BST_TMP/$1.pid line
  line=$(ip netns exec "$CLI" python3 "$BST_DIR/helpers/discover_at_start.py" "$CLI" \
    "$CLIENT_MAC" "$pid_file" "$mode" "$ms" -- \
    ip netns exec "$SRV" "$BST_SERVER" -c "$CONF" 2>"$BST_TMP/$name.log") || true
  BST_SERVER_PID=$(cat "$pid_file" 2>/dev/null || echo "")
  if [[ -n "$BST_SERVER_PID" ]]; then
    BST_PIDS+=("$BST_SERVER_PID")
    stop_pid "$BST_SERVER_PID" TERM 20
  fi
  echo "$line"
}

offer_of() { sed -n 's/.*offer_ms=\([^ ]*\).*/\1/p' <<<"$1"; }

# hold_lock MS: another process takes the database's exclusive lock and
# keeps it MS milliseconds; returns once it holds it.
hold_lock() {
  local ready=$BST_TMP/locked
  rm -f "$ready"
  bst_spawn - "$BST_TMP/locker.log" python3 -c '
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(int(sys.argv[3]) / 1000)
db.execute("COMMIT")' "$LEASES" "$ready" "$1"
  wait_for 10 test -e "$ready"
}

hold_lock "$LOCK_MS"
line=$(run_start once once "$SEND_MS")
note "one DISCOVER $SEND_MS ms after exec, database locked for $LOCK_MS ms: $line (load average $(cut -d' ' -f1-3 /proc/loadavg))"
grep -h "start-up:\|loaded .* leases" "$BST_TMP/once.log" | sed 's/^/    /' || true
offer=$(offer_of "$line")
check "a DISCOVER sent $SEND_MS ms after the server's exec is OFFERed without a retry" \
  [ "${offer:-none}" != none ]

line=$(run_start every every 5)
note "a DISCOVER every 5 ms from exec: $line (load average $(cut -d' ' -f1-3 /proc/loadavg))"
grep -h "start-up:" "$BST_TMP/every.log" | sed 's/^/    /' || true
offer=$(offer_of "$line")
check "DISCOVERs from the server's exec on are answered" [ "${offer:-none}" != none ]

bst_finish test_startup
