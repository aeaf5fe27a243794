#!/usr/bin/env bash
# The disk reserve (src/store/disk_reserve.h) on a full disk: the lease
# database lives on a small tmpfs this test mounts, with a 2 MiB reserve.
# Filled up by another writer while the server runs, the first commit that
# fails gives up the reserve and the client still gets its lease within
# its own retries; freed, the reserve comes back. Filled again while the
# server is stopped (a clean stop, which removes SQLite's WAL file, so the
# store cannot even open: a WAL left by a power cut keeps its room and
# would hide the full disk), the restarted server gives up the reserve at
# once instead of waiting for the disk, and serves.
# Usage: tests/integration/test_disk_reserve.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

DISK=$BST_TMP/disk
RESERVE=$DISK/leases.sqlite3.reserve

FINGERPRINT=$(host_fingerprint)
bst_office 4
bst_mount_tmpfs "$DISK" 8m
CONF=$BST_TMP/blackstart.json
LOG=$BST_TMP/server.log
bst_office_config "$CONF" "$DISK/leases.sqlite3" ', "disk-reserve-mb": 2'

fill_disk() { dd if=/dev/zero of="$DISK/filler$1" bs=64k 2>/dev/null || true; }
disk_full() { [[ $(stat -f -c %a "$DISK") -eq 0 ]]; }
reserve_held() { [[ -f "$RESERVE" && $(stat -c %b "$RESERVE") -ge 4096 ]]; }
log_count() { grep -cF -- "$1" "$LOG" || true; }
log_has() { (($(log_count "$2") >= $1)); }

start_server_or_exit "${BST_P}srv" "$CONF" "$LOG"
check "a client gets a lease while the disk is fine" udhcpc_once before 1 -t 5 -T 1
check "the 2 MiB reserve is allocated beside the database" wait_for 5 reserve_held

note "another writer fills the disk while the server runs"
fill_disk 1
check "the tmpfs is full" disk_full
check "a new client still gets its lease (its own retries, no restart)" \
  udhcpc_once full 2 -t 5 -T 1
check "the log says the reserve was given up at a commit" \
  log_has 1 'lease disk full (a commit failed): removed the 2 MiB disk reserve'
check "the reserve file is gone" test ! -e "$RESERVE"

note "the writer's file is removed: the reserve comes back"
rm -f "$DISK/filler1"
check "the reserve is allocated again within 15 s" wait_for 15 reserve_held

note "the server stops; the disk fills while it is down"
stop_server
check "SIGTERM exits 0" [ "$BST_SERVER_RC" -eq 0 ]
check "the clean stop removed the WAL" test ! -e "$DISK/leases.sqlite3-wal"
fill_disk 2
check "the tmpfs is full" disk_full
start_server_or_exit "${BST_P}srv" "$CONF" "$LOG"
check "a client gets a lease at once after the restart" udhcpc_once restart 3 -t 5 -T 1
check "the log says the reserve was given up as the store opened" \
  log_has 1 'lease disk full (the lease store could not open): removed the 2 MiB disk reserve'
check "the server did not wait for the disk" \
  test "$(log_count 'no DHCP service until the lease store opens')" -eq 0

stop_server
check "SIGTERM exits 0" [ "$BST_SERVER_RC" -eq 0 ]
for name in before full restart; do
  ip=$(lease_ip "$name")
  check "the lease $name got (${ip:-none}) is in the database" lease_bound "$CONF" "$ip"
done
check "root namespace links, routes and /etc/resolv.conf untouched" \
  [ "$(host_fingerprint)" == "$FINGERPRINT" ]
bst_finish test_disk_reserve
