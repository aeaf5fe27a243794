#!/usr/bin/env bash
# Self-test of the power-cut simulation (tools/powercut): the fsync shim
# and `bs-powercut restore` must keep exactly what was synced. A write with
# fsync survives the cut, a write without one is lost, a rename without a
# directory fsync is undone, SQLite in WAL mode keeps its committed rows
# with synchronous=FULL and loses them with synchronous=OFF (which a plain
# kill -9 would not show), and torn mode keeps whole pages of either
# version, the same ones for the same seed. No network is needed.
# Usage: tests/integration/test_powercut_shim.sh path/to/blackstart
#        (the shim and bs-powercut are taken from the same build directory)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BUILD_DIR=$(dirname "$(realpath "${1:?usage: $0 path/to/blackstart}")")
SHIM=$BUILD_DIR/libbs_fsync_shim.so
TOOL=$BUILD_DIR/bs-powercut
bst_init
for file in "$SHIM" "$TOOL"; do
  [[ -e "$file" ]] || { fail "$file is built"; bst_finish test_powercut_shim; }
done
DIR=$BST_TMP/state
SNAP=$BST_TMP/durable
mkdir -p "$DIR" "$SNAP"
export POWERCUT_DIR=$DIR POWERCUT_SNAPSHOT=$SNAP

shimmed() { LD_PRELOAD=$SHIM "$@"; }
content() { cat "$DIR/$1" 2>/dev/null || echo "<absent>"; }
cut() { "$TOOL" restore "$DIR" "$SNAP" "${1:-0}"; }

check_files() {
  note "plain files"
  "$TOOL" baseline "$DIR" "$SNAP"
  echo one | shimmed dd of="$DIR/synced" conv=fsync status=none
  echo lost | shimmed dd of="$DIR/never-synced" status=none
  echo two | shimmed dd of="$DIR/synced" oflag=append conv=notrunc status=none
  echo old | shimmed dd of="$DIR/moved" conv=fsync status=none
  mv "$DIR/moved" "$DIR/moved-away"
  cut
  check "fsync'd content survives (got '$(content synced)')" [ "$(content synced)" == one ]
  check "a file never synced is gone (got '$(content never-synced)')" [ "$(content never-synced)" == "<absent>" ]
  check "a rename without a directory fsync is undone" [ "$(content moved)" == old ]
  check "  and the new name is gone" [ "$(content moved-away)" == "<absent>" ]
  mv "$DIR/moved" "$DIR/renamed"
  shimmed sync "$DIR"  # coreutils sync DIR: fsync of the directory itself
  cut
  check "a rename followed by a directory fsync survives, content too (got '$(content renamed)')" \
    [ "$(content renamed)" == old ]
}

# sqlite_rows DB: row count of table t, or "none" when there is no table.
sqlite_rows() { sqlite3 "$DIR/$1" "SELECT count(*) FROM t" 2>/dev/null || echo none; }

# sqlite_then_kill DB SYNCHRONOUS: three committed rows, then SIGKILL, the
# way the server dies in the harness (the journal mode is set first, as
# blackstart does).
sqlite_then_kill() {
  shimmed sqlite3 "$DIR/$1" >/dev/null 2>&1 <<SQL || true
PRAGMA journal_mode=WAL;
PRAGMA synchronous=$2;
CREATE TABLE t(x);
INSERT INTO t VALUES (1);
INSERT INTO t VALUES (2);
INSERT INTO t VALUES (3);
.shell kill -9 \$PPID
SQL
}

check_sqlite() {
  note "SQLite in WAL mode, killed with the transactions committed"
  command -v sqlite3 >/dev/null || { fail "sqlite3 is installed"; return; }
  "$TOOL" baseline "$DIR" "$SNAP"
  sqlite_then_kill full.db FULL
  sqlite_then_kill off.db OFF
  check "after a plain kill -9 the page cache still has all 3 rows of synchronous=OFF" \
    [ "$(sqlite_rows off.db)" == 3 ]
  cut
  check "synchronous=FULL keeps its 3 rows (got $(sqlite_rows full.db))" [ "$(sqlite_rows full.db)" == 3 ]
  check "synchronous=OFF loses them (got $(sqlite_rows off.db))" [ "$(sqlite_rows off.db)" != 3 ]
}

# pages FILE: one letter per 4 KiB page, the page's first byte.
pages() { od -An -c -w4096 -v "$DIR/$1" | awk '{ printf "%s", $1 }'; }
whole_pages() { [[ "$1" =~ ^[AB]{16}$ ]]; }
both_kinds() { [[ "$1" == *A* && "$1" == *B* ]]; }

check_torn() {
  note "torn writes"
  "$TOOL" baseline "$DIR" "$SNAP"
  head -c $((4096 * 16)) /dev/zero | tr '\0' A | shimmed dd of="$DIR/pages" conv=fsync status=none
  head -c $((4096 * 16)) /dev/zero | tr '\0' B | dd of="$DIR/pages" status=none
  cp -a "$DIR" "$BST_TMP/again" && cp -a "$SNAP" "$BST_TMP/again-durable"
  cut 42
  local first
  first=$(pages pages)
  check "every page is all old or all new (got $first)" whole_pages "$first"
  check "some pages are new, some old" both_kinds "$first"
  rm -rf "$DIR" "$SNAP" && mv "$BST_TMP/again" "$DIR" && mv "$BST_TMP/again-durable" "$SNAP"
  cut 42
  check "the same seed tears the same way" [ "$(pages pages)" == "$first" ]
}

check_files
check_sqlite
check_torn
bst_finish test_powercut_shim
