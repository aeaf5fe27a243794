#!/usr/bin/env bash
# Disk faults under a running server: the lease database lives on a small
# tmpfs that this test mounts. Filled up, the server stays up, ACKs nothing
# (a udhcpc client gets no lease), logs one "failing (disk full)" line and
# counts the failures in /metrics; with the filler deleted the same server
# grants the lease. Then the tmpfs is made read-only, with the same outcome,
# and writable again. Linux refuses to remount a file system read-only while
# a process has a file on it open for writing, so the read-only phase starts
# from a disk-full failure, after which the store has closed its files.
# Usage: tests/integration/test_disk_fault.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=control_lib.sh
source "$(dirname "$0")/control_lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
control_init "$BST_SERVER"
bst_init

DISK=$BST_TMP/disk

FINGERPRINT=$(host_fingerprint)
bst_office 3
bst_mount_tmpfs "$DISK" 2m
CONF=$BST_TMP/blackstart.json
LOG=$BST_TMP/server.log
bst_office_config "$CONF" "$DISK/leases.sqlite3"

# no_lease NAME N: one udhcpc run of at most 10 s gets no lease. udhcpc keeps
# cycling DISCOVER/REQUEST while OFFERs come, so the bound is timeout's.
no_lease() {
  local name=$1 n=$2
  ! timeout 10 ip netns exec "${BST_P}c$n" \
    env BST_EVENTS="$(events_file "$name")" BST_CLIENT=udhcpc \
    udhcpc -f -q -n -i "${BST_P}c$n" -s "$BST_HOOK" -t 3 -T 1 >>"$BST_TMP/$name.log" 2>&1 &&
    ! has_event "$name" "$BST_LEASE_EVENTS"
}

metric() { api_get /metrics 2>/dev/null | awk -v name="$1" '$1 == name { print $2 }'; }
log_count() { grep -cF -- "$1" "$LOG" || true; }
# log_count_is N TEXT: the server log has TEXT on exactly N lines.
log_count_is() { [[ $(log_count "$2") -eq $1 ]]; }
fill_disk() { dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null || true; }
disk_full() { [[ $(stat -f -c %a "$DISK") -eq 0 ]]; }

if ! start_server "${BST_P}srv" "$CONF" "$LOG"; then
  fail "server starts and listens on port 67"
  exit 1
fi
check "control API answers" wait_for 10 api_ready
check "the database was created on the tmpfs" test -s "$DISK/leases.sqlite3"
check "a client gets a lease while the disk is fine" udhcpc_once before 1 -t 5 -T 1

note "disk full"
fill_disk
check "the tmpfs is full" disk_full
check "no ACK while the disk is full" no_lease full 2
check "the server is still running" is_running "$BST_SERVER_PID"
check "one line says the store is failing (disk full)" \
  wait_for 5 log_count_is 1 'failing (disk full): new leases withheld until it recovers'
FAILURES=$(metric blackstart_commit_failures_total)
check "/metrics counts the failed commits (got '${FAILURES:-none}')" test "${FAILURES:-0}" -gt 0
check "/metrics says the store is unhealthy" test "$(metric blackstart_lease_store_healthy)" == 0

note "space again: the same server grants the lease"
rm -f "$DISK/filler"
check "the client gets its lease without a server restart" udhcpc_once after 2 -t 5 -T 1
check "one line says the store recovered" \
  wait_for 5 log_count_is 1 'recovered after '
check "/metrics says the store is healthy" test "$(metric blackstart_lease_store_healthy)" == 1
check "the failing line was not repeated" log_count_is 1 'failing (disk full)'

note "read-only file system"
fill_disk
check "a second outage starts (disk full)" no_lease full2 3
check "  ... and is told once more" \
  wait_for 5 log_count_is 2 'failing (disk full): new leases withheld'
rm -f "$DISK/filler"
if wait_for 10 mount -o remount,ro "$DISK"; then
  pass "the tmpfs is remounted read-only (the failed store has closed its files)"
else
  fail "the tmpfs is remounted read-only (the failed store has closed its files)"
fi
BEFORE=$(metric blackstart_commit_failures_total)
check "no ACK while the file system is read-only" no_lease readonly 3
check "the server is still running" is_running "$BST_SERVER_PID"
check "one line says the cause is now a read-only file system" \
  wait_for 5 log_count_is 1 'still failing, now (read-only file system)'
AFTER=$(metric blackstart_commit_failures_total)
check "/metrics counts the read-only failures ($BEFORE -> ${AFTER:-none})" \
  test "${AFTER:-0}" -gt "${BEFORE:-0}"
mount -o remount,rw "$DISK"
check "writable again: the client gets its lease without a restart" udhcpc_once writable 3 -t 5 -T 1
check "one more line says the store recovered" \
  wait_for 5 log_count_is 2 'recovered after '

stop_server
check "SIGTERM exits 0" [ "$BST_SERVER_RC" -eq 0 ]
for name in before after writable; do
  ip=$(lease_ip "$name")
  check "the lease $name got (${ip:-none}) is in the database" lease_bound "$CONF" "$ip"
done
check "root namespace links, routes and /etc/resolv.conf untouched" \
  [ "$(host_fingerprint)" == "$FINGERPRINT" ]
bst_finish test_disk_fault
