#!/usr/bin/env bash
# Started as root with "run-as": {"user": "nobody", "group": "nogroup"},
# blackstart switches to that user before opening its lease database and
# keeps only CAP_NET_RAW and CAP_NET_BIND_SERVICE (daemon/privileges.h).
# The test prints the running process's uid, gid and capability sets from
# /proc/PID/status and checks them; a udhcpc client gets a lease; SIGHUP
# reloads (re-read as nobody) and the client renews; the lease database, on
# a tmpfs owned by nobody, is faulted (disk full) and the store reopens its
# files as nobody; and the sd_notify messages (READY=1, RELOADING=1,
# WATCHDOG=1, STOPPING=1) reach a datagram socket named in $NOTIFY_SOCKET,
# as systemd's would. With Kea's memfile, its cleanup rotates and reopens
# the lease file as nobody. Finally a state directory the user cannot write stops
# the start with a line saying so.
# Usage: tests/integration/test_privileges.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=control_lib.sh
source "$(dirname "$0")/control_lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
control_init "$BST_SERVER"
command -v python3 >/dev/null || { echo "FAIL: python3 is needed (scripts/install-deps.sh test)"; exit 1; }
bst_init

RUN_USER=nobody
RUN_GROUP=nogroup
RUN_UID=$(id -u "$RUN_USER")
RUN_GID=$(getent group "$RUN_GROUP" | cut -d: -f3)
DISK=$BST_TMP/state
NOTIFY=$BST_TMP/notify.sock
NOTIFIED=$BST_TMP/notify.messages
LISTENER_PID=""

bst_office 2
bst_mount_tmpfs "$DISK" 2m 0750
chown "$RUN_USER:$RUN_GROUP" "$DISK"
CONF=$BST_TMP/blackstart.json
LOG=$BST_TMP/server.log
# write_config LIFETIME_S
write_config() {
  cat >"$CONF" <<JSON
{"Dhcp4": {
  "run-as": {"user": "$RUN_USER", "group": "$RUN_GROUP"},
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$DISK/leases.sqlite3"},
  "valid-lifetime": $1,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "198.18.1.100 - 198.18.1.110"}]}]
}}
JSON
  chmod 0644 "$CONF"
}
write_config 600

# The service manager's end of sd_notify: one line per datagram. The socket
# is world-writable, as systemd's is, since the daemon sends as nobody.
python3 - "$NOTIFY" "$NOTIFIED" >"$BST_TMP/notify-listener.log" 2>&1 <<'PY' &
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " | ") + "\n")
PY
LISTENER_PID=$!
BST_PIDS+=("$LISTENER_PID")
check "the notify listener is up" wait_for 5 test -S "$NOTIFY"

# status_field PID NAME: "NAME:\tVALUE" from /proc/PID/status.
status_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
notified() { grep -c -- "$1" "$NOTIFIED" 2>/dev/null || true; }
notified_at_least() { (($(notified "$2") >= $1)); }
log_count() { grep -cF -- "$1" "$LOG" || true; }

note "start as root with run-as $RUN_USER:$RUN_GROUP, under a notify socket"
# WATCHDOG_USEC=2 s: a WATCHDOG=1 about every second.
bst_spawn "${BST_P}srv" "$LOG" env NOTIFY_SOCKET="$NOTIFY" WATCHDOG_USEC=2000000 \
  "$BST_SERVER" -c "$CONF"
BST_SERVER_PID=$BST_LAST_PID
if ! wait_for 10 udp_listening "${BST_P}srv" 67 "$BST_SERVER_PID"; then
  fail "server starts and listens on port 67"
  exit 1
fi
pass "server starts and listens on port 67"
check "control API answers" wait_for 10 api_ready
check "NOTIFY_SOCKET got READY=1 (with STATUS)" wait_for 5 notified_at_least 1 'READY=1 | STATUS=serving 1 subnets'

PID=$BST_SERVER_PID
echo "process $PID ($(status_field "$PID" Name)):"
grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' "/proc/$PID/status" | sed 's/^/    /'
for cap in CapEff CapPrm CapBnd; do
  echo "    $cap = $(capsh --decode="$(status_field "$PID" "$cap")" 2>/dev/null | cut -d= -f2 || true)"
done
check "the process is blackstart" [ "$(status_field "$PID" Name)" == blackstart ]
check "real, effective, saved uid are $RUN_USER ($RUN_UID)" \
  [ "$(awk '$1 == "Uid:" { print $2, $3, $4 }' "/proc/$PID/status")" == "$RUN_UID $RUN_UID $RUN_UID" ]
check "real, effective, saved gid are $RUN_GROUP ($RUN_GID)" \
  [ "$(awk '$1 == "Gid:" { print $2, $3, $4 }' "/proc/$PID/status")" == "$RUN_GID $RUN_GID $RUN_GID" ]
# CAP_NET_BIND_SERVICE is bit 10, CAP_NET_RAW bit 13: 0x2400.
check "CapEff is cap_net_bind_service,cap_net_raw only" [ "$(status_field "$PID" CapEff)" == 0000000000002400 ]
check "CapPrm is the same two" [ "$(status_field "$PID" CapPrm)" == 0000000000002400 ]
check "CapBnd is cut to the same two" [ "$(status_field "$PID" CapBnd)" == 0000000000002400 ]
check "no inheritable or ambient capabilities" \
  [ "$(status_field "$PID" CapInh)$(status_field "$PID" CapAmb)" == 00000000000000000000000000000000 ]
check "no_new_privs is set" [ "$(status_field "$PID" NoNewPrivs)" == 1 ]
check "root's supplementary groups are gone (Groups: $(status_field "$PID" Groups))" \
  bash -c "! awk '\$1 == \"Groups:\"' /proc/$PID/status | grep -qw 0"
check "the log says whom it switched to" grep -qF "switched to user $RUN_USER group $RUN_GROUP" "$LOG"
check "the database files are $RUN_USER's" \
  [ "$(stat -c %U "$DISK"/leases.sqlite3*  | sort -u)" == "$RUN_USER" ]

note "a real client"
start_udhcpc held 1
HELD_PID=$BST_LAST_PID
check "udhcpc gets a lease (ACK) from the unprivileged server" wait_for 20 has_event held '^bound$'
HELD_IP=$(lease_ip held)
echo "    udhcpc holds ${HELD_IP:-none}"

note "SIGHUP reload, re-read as $RUN_USER"
write_config 900
kill -HUP "$BST_SERVER_PID"
check "SIGHUP reloads the config" wait_for 5 grep -qF 'configuration reloaded from' "$LOG"
check "the reload was not refused" [ "$(log_count 'reload refused')" -eq 0 ]
check "NOTIFY_SOCKET got RELOADING=1 with MONOTONIC_USEC" wait_for 5 notified_at_least 1 '^RELOADING=1 | MONOTONIC_USEC=[0-9]'
check "  ... then READY=1 again" wait_for 5 notified_at_least 2 '^READY=1'
kill -USR1 "$HELD_PID"
renewed() { has_event held '^renew$' && [[ "$(event_field held '^renew$' ip)" == "$HELD_IP" ]]; }
check "udhcpc renews (SIGUSR1) and keeps $HELD_IP" wait_for 10 renewed
check "  with the reloaded lifetime (900 s)" \
  [ "$(event_field held '^renew$' lease)" == 900 ]

note "lease store fault: disk full, then space again; the store reopens as $RUN_USER"
fill_disk() { dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null || true; }
no_lease() {
  ! timeout 10 ip netns exec "${BST_P}c2" env BST_EVENTS="$(events_file "$1")" BST_CLIENT=udhcpc \
    udhcpc -f -q -n -i "${BST_P}c2" -s "$BST_HOOK" -t 3 -T 1 >>"$BST_TMP/$1.log" 2>&1 &&
    ! has_event "$1" "$BST_LEASE_EVENTS"
}
fill_disk
check "no ACK while the disk is full" no_lease full
check "one line says the store is failing (disk full)" \
  wait_for 5 grep -qF 'failing (disk full): new leases withheld' "$LOG"
# open_db_fds: how many of the server's descriptors are on the database file.
open_db_fds() { find "/proc/$PID/fd" -lname "$DISK/leases.sqlite3" 2>/dev/null | wc -l; }
check "the failing store has closed the database (no descriptor on it)" [ "$(open_db_fds)" -eq 0 ]
rm -f "$DISK/filler"
check "space again: a client gets its lease without a restart" udhcpc_once after 2 -t 5 -T 1
check "one line says the store recovered" wait_for 5 grep -qF 'recovered after ' "$LOG"
check "the store has reopened the database ($(open_db_fds) descriptor(s) on it)" \
  [ "$(open_db_fds)" -ge 1 ]
check "the reopened files are still $RUN_USER's" \
  [ "$(stat -c %U "$DISK"/leases.sqlite3* | sort -u)" == "$RUN_USER" ]
check "still uid $RUN_UID after the reopen" \
  [ "$(awk '$1 == "Uid:" { print $3 }' "/proc/$PID/status")" == "$RUN_UID" ]

check "NOTIFY_SOCKET got WATCHDOG=1 pings (1 s apart)" wait_for 5 notified_at_least 3 '^WATCHDOG=1$'
stop_pid "$HELD_PID" TERM 5
stop_server
check "SIGTERM exits 0" [ "$BST_SERVER_RC" -eq 0 ]
check "NOTIFY_SOCKET got STOPPING=1" wait_for 5 notified_at_least 1 '^STOPPING=1$'
check "the clean-shutdown marker was written as $RUN_USER" \
  bash -c "ls -A '$DISK' | grep -q . && ! find '$DISK' -mindepth 1 ! -user $RUN_USER | grep -q ."
echo "notify messages received:"
sort "$NOTIFIED" | uniq -c | sed 's/^/    /'

note "memfile (Kea's CSV lease file): its cleanup rotates and reopens the file as $RUN_USER"
# A cleanup starts at the first commit after lfc-interval (it renames the
# file and the commit creates a new one) and is reported at a later commit.
rm -f "$DISK"/leases.sqlite3*
sed -i 's|"lease-database": {[^}]*}|"lease-database": {"type": "memfile", "name": "'"$DISK"'/leases4.csv", "lfc-interval": 1}|' "$CONF"
LOG=$BST_TMP/server-memfile.log
start_server_or_exit "${BST_P}srv" "$CONF" "$LOG"
PID=$BST_SERVER_PID
check "memfile: a client gets a lease" udhcpc_once mem1 1 -t 5 -T 1
sleep 1.5
check "memfile: a second client gets a lease (this commit starts the cleanup)" \
  udhcpc_once mem2 2 -t 5 -T 1
sleep 0.5
check "memfile: the first client again (this commit reports it)" udhcpc_once mem3 1 -t 5 -T 1
check "memfile: the cleanup, done as $RUN_USER, says it is done" \
  wait_for 5 grep -qF 'lease file cleanup done' "$LOG"
check "memfile: no cleanup failed" [ "$(log_count 'cleanup failed')$(log_count 'cleanup not started')" == 00 ]
check "memfile: every file in the state directory is $RUN_USER's ($(find "$DISK" -mindepth 1 -printf '%u:%f ' | sort))" \
  bash -c "! find '$DISK' -mindepth 1 ! -user $RUN_USER | grep -q ."
stop_server
check "memfile: SIGTERM exits 0" [ "$BST_SERVER_RC" -eq 0 ]

note "a state directory $RUN_USER cannot write stops the start"
mkdir -m 0755 "$BST_TMP/rootonly"
sed -i "s|$DISK/leases4.csv|$BST_TMP/rootonly/leases4.csv|" "$CONF"
LOG=$BST_TMP/server-rootonly.log
bst_spawn "${BST_P}srv" "$LOG" "$BST_SERVER" -c "$CONF"
check "the server exits" gone_within "$BST_LAST_PID" 10
check "  saying the directory is not writable by $RUN_USER" \
  grep -qF "run-as: user $RUN_USER cannot write $BST_TMP/rootonly" "$LOG"
check "  and nothing was created there as root" [ -z "$(ls -A "$BST_TMP/rootonly")" ]

bst_finish test_privileges
