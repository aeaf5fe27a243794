#!/usr/bin/env bash
# The Debian package end to end (issue #15): lintian and the unit's
# `systemd-analyze security` score are printed; the .deb is installed into a
# fresh Debian 12 root made by debootstrap (minbase plus systemd, adduser,
# man-db and the package's dependencies), where `blackstart -t` passes on the
# example config, `systemd-analyze verify` passes on the unit and the man
# pages render; the daemon is started from the installed files, as the
# unit's User= with only the unit's capabilities, in a network namespace and
# gives udhcpc an address; then systemd itself, booted in the root by
# systemd-nspawn, starts the unit with all its hardening and udhcpc gets an
# address again; the package is then upgraded (restart, not start), removed
# (user, leases and config stay) and purged (nothing left).
#
# deb-systemd-invoke is diverted to a logger inside the root, since no
# systemd runs there; that is how start/restart/stop are observed.
# Downloaded .debs are kept in BUILD/deb-test/cache (nothing outside the
# build dir); the root itself is made afresh every run and deleted after.
# Usage: tests/package/test_deb.sh BUILD_DIR   (after `make deb`)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../integration/lib.sh
source "$repo/tests/integration/lib.sh"

build=$(realpath "${1:?usage: $0 BUILD_DIR}")
mirror=${BS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
deb=$(find "$build" -maxdepth 1 -name 'blackstart_*_amd64.deb' | sort | tail -n 1)
if [[ -z "$deb" ]]; then
  echo "test_deb: no blackstart_*.deb in $build; run make deb first" >&2
  exit 1
fi
for tool in debootstrap lintian chroot setpriv udhcpc systemd-nspawn; do
  command -v "$tool" >/dev/null || { echo "test_deb: $tool missing (scripts/install-deps.sh deb)" >&2; exit 1; }
done
bst_require_root_netns

work="$build/deb-test"
root="$work/root"
mounted=0
nspawn_pid=""
nspawn_mount=""
nspawn_made_run_systemd=0
unmount_nspawn_run() {
  [[ -n "$nspawn_mount" ]] || return 0
  umount "$nspawn_mount" && rmdir "$nspawn_mount"
  ((nspawn_made_run_systemd == 0)) || rmdir /run/systemd
  nspawn_mount=""
}
deb_cleanup() {
  [[ -z "$BST_SERVER_PID" ]] || stop_pid "$BST_SERVER_PID" TERM 5
  [[ -z "$nspawn_pid" ]] || stop_pid "$nspawn_pid" TERM 20
  unmount_nspawn_run
  if ((mounted)); then umount "$root/proc" 2>/dev/null || umount -l "$root/proc"; fi
  [[ "${BST_KEEP:-0}" == 1 ]] || rm -rf --one-file-system "$root"
}
bst_init
# bst_cleanup reads the exit status from $?, so it is handed on.
on_exit() {
  local rc=$?
  deb_cleanup
  (exit "$rc")
  bst_cleanup
}
trap on_exit EXIT

in_root() { chroot "$root" "$@"; }

note "package: $(basename "$deb")"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'

note "lintian"
lintian_out=$(lintian --info --display-info --pedantic "$deb" 2>&1)
lintian_rc=$?
echo "${lintian_out:-lintian: no tags}"
overridden=$(lintian --show-overrides "$deb" 2>/dev/null | grep -c '^O:' || true)
echo "lintian: $overridden tag(s) overridden with a reason in packaging/deb/blackstart.lintian-overrides"
lintian_clean() { [ "$lintian_rc" -eq 0 ] && ! grep -qE '^[EW]:' <<<"$lintian_out"; }
check "lintian reports no errors or warnings" lintian_clean

note "systemd-analyze security (offline) on packaging/blackstart.service"
security=$(cd "$repo/packaging" && systemd-analyze security --offline=true --no-pager blackstart.service 2>&1)
score=$(awk '/Overall exposure level/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) print $i }' <<<"$security")
echo "$security" | grep -E '✗|Overall'
echo "security score: ${score:-unknown}"
check "systemd-analyze security scores under 3.0 (${score:-none})" \
  awk -v s="${score:-99}" 'BEGIN { exit !(s < 3.0) }'

# --- a fresh Debian 12 root ---------------------------------------------------
# debootstrap cannot resolve virtual packages (libspdlog1.10-fmt9): their
# provider is looked up in this machine's apt cache, also bookworm's.
real_package() {
  if [[ -n "$(apt-cache show "$1" 2>/dev/null)" ]]; then
    echo "$1"
  else
    apt-cache showpkg "$1" | awk '/^Reverse Provides:/ { f = 1; next } f && NF { print $1; exit }'
  fi
}
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*//; s/[[:space:]]//g' | grep . |
  while read -r dep; do real_package "$dep"; done | paste -sd,)
mkdir -p "$work/cache"
rm -rf --one-file-system "$root"
note "debootstrap --variant=minbase bookworm from $mirror (with $deps)"
start_s=$SECONDS
if [[ -n "${BS_DEB_TEST_ROOT_FROM:-}" ]]; then
  # Development shortcut: a copy of a root debootstrapped earlier.
  cp -a "$BS_DEB_TEST_ROOT_FROM" "$root"
elif ! debootstrap --variant=minbase --cache-dir="$work/cache" \
  --include="systemd,adduser,man-db,$deps" bookworm "$root" "$mirror" >"$BST_TMP/debootstrap.log" 2>&1; then
  fail "debootstrap makes a Debian 12 root"
  exit 1
fi
echo "debootstrap took $((SECONDS - start_s)) s"
pass "debootstrap makes a Debian 12 root ($((SECONDS - start_s)) s)"
mount -t proc proc "$root/proc" && mounted=1

# Everything on the root's file system before the package, to compare with
# what the purge leaves. dpkg's and apt's own records and logs are not ours,
# and /run is emptied at every boot (adduser leaves its lock file there).
listing() {
  in_root find / -xdev \( -path /proc -o -path /var/lib/dpkg -o -path /var/log \
    -o -path /var/cache -o -path /tmp -o -path /run -o -path /var/lib/apt \) -prune -o -print |
    # adduser's backups of the account files; their content is checked.
    grep -vxE '/etc/(passwd|group|shadow|gshadow)-' | sort
}
listing >"$BST_TMP/before.list"

# deb-systemd-invoke logs what it is asked; postinst calls it only where
# /run/systemd/system exists, so the root pretends systemd is running.
in_root dpkg-divert --quiet --local --rename --add /usr/bin/deb-systemd-invoke
printf '#!/bin/sh\necho "$*" >>/tmp/invoke.log\n' >"$root/usr/bin/deb-systemd-invoke"
chmod 755 "$root/usr/bin/deb-systemd-invoke"
mkdir -p "$root/run/systemd/system"
invoked() { tail -n 1 "$root/tmp/invoke.log" 2>/dev/null; }

# --- install -------------------------------------------------------------------
cp "$deb" "$root/tmp/blackstart.deb"
check "dpkg -i installs the package" in_root dpkg -i /tmp/blackstart.deb
check "a fresh install asks for a start (got: $(invoked))" [ "$(invoked)" == "start blackstart.service" ]
stat_of() { in_root stat -c '%U:%G %a' "$1"; }
check "_blackstart is a system user without a login shell" \
  sh -c "chroot '$root' getent passwd _blackstart | awk -F: '\$3 < 1000 && \$7 ~ /nologin|false/ { ok = 1 } END { exit !ok }'"
check "/etc/blackstart is root's, 0755 ($(stat_of /etc/blackstart))" [ "$(stat_of /etc/blackstart)" == "root:root 755" ]
check "the config is root:_blackstart 0640 ($(stat_of /etc/blackstart/blackstart.json))" \
  [ "$(stat_of /etc/blackstart/blackstart.json)" == "root:_blackstart 640" ]
check "/var/lib/blackstart is _blackstart's, 0750 ($(stat_of /var/lib/blackstart))" \
  [ "$(stat_of /var/lib/blackstart)" == "_blackstart:_blackstart 750" ]
check "the config is a conffile" \
  sh -c "chroot '$root' dpkg-query -W -f='\${Conffiles}' blackstart | grep -q /etc/blackstart/blackstart.json"
check "blackstart -t passes on the example config" in_root blackstart -t /etc/blackstart/blackstart.json
check "systemd-analyze verify passes on the installed unit" \
  in_root systemd-analyze verify /lib/systemd/system/blackstart.service
for page in man8/blackstart.8.gz man8/blackstart-ctl.8.gz man5/blackstart.json.5.gz; do
  check "man page $page renders without warnings" \
    sh -c "chroot '$root' env MANWIDTH=80 man --warnings -l /usr/share/man/$page 2>&1 >/dev/null | (! grep .)"
done
keys=$(in_root blackstart --list-config-keys | cut -f2 | sort -u)
page=$(in_root env MANWIDTH=200 man -l /usr/share/man/man5/blackstart.json.5.gz 2>/dev/null)
missing=$(while read -r key; do grep -qF -- "$key" <<<"$page" || echo "$key"; done <<<"$keys")
check "blackstart.json(5) names all $(wc -l <<<"$keys") keys --list-config-keys prints${missing:+ (missing: $missing)}" [ -z "$missing" ]
condition=$(sed -n 's/^ExecCondition=//p' "$root/lib/systemd/system/blackstart.service")
check "the unit skips its start while the config is the shipped example" \
  sh -c "! chroot '$root' $condition"

# --- configure and upgrade -------------------------------------------------------
bst_office 1
srv_if="${BST_P}s0"
sed -i "s/\"eth0\"/\"$srv_if\"/" "$root/etc/blackstart/blackstart.json"
check "the unit starts once the config is edited" sh -c "chroot '$root' $condition"
check "dpkg -i again (an upgrade) succeeds" in_root dpkg -i /tmp/blackstart.deb
check "an upgrade asks for a restart (got: $(invoked))" [ "$(invoked)" == "restart blackstart.service" ]
check "the upgrade keeps the edited config" grep -q "\"$srv_if\"" "$root/etc/blackstart/blackstart.json"
check "the config is still root:_blackstart 0640 ($(stat_of /etc/blackstart/blackstart.json))" \
  [ "$(stat_of /etc/blackstart/blackstart.json)" == "root:_blackstart 640" ]

# --- serve a real client from the installed files -----------------------------------
# The unit's ExecStart, run as its User= with only its AmbientCapabilities,
# the way systemd would start it (no systemd in the root to do it).
unit="$root/lib/systemd/system/blackstart.service"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit" | tr '[:upper:]' '[:lower:]' | sed 's/cap_/+/g; s/ /,/g')
note "running '$exec_start' as $user with capabilities $caps"
# shellcheck disable=SC2086  # ExecStart's words
bst_spawn "${BST_P}srv" "$BST_TMP/server.log" chroot "$root" setpriv --reuid="$user" \
  --regid="$user" --init-groups --inh-caps="-all,$caps" --ambient-caps="-all,$caps" \
  --bounding-set="-all,$caps" --no-new-privs $exec_start
BST_SERVER_PID=$BST_LAST_PID
if wait_for 15 udp_listening "${BST_P}srv" 67 "$BST_SERVER_PID"; then
  pass "the installed daemon listens on port 67 as $user"
else
  fail "the installed daemon listens on port 67 as $user"
  exit 1
fi
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$BST_SERVER_PID/status")
cap_eff=$(awk '/^CapEff:/ { print $2 }' "/proc/$BST_SERVER_PID/status")
echo "daemon: uid $uid, CapEff $cap_eff ($(capsh --decode="$cap_eff" 2>/dev/null | cut -d= -f2))"
check "the daemon runs as $user (uid $uid)" [ "$uid" == "$(in_root id -u "$user")" ]
# CAP_NET_BIND_SERVICE (10) and CAP_NET_RAW (13): 0x2400.
check "the daemon holds only CAP_NET_RAW and CAP_NET_BIND_SERVICE ($cap_eff)" \
  [ "$((16#$cap_eff))" -eq $((0x2400)) ]
if udhcpc_once udhcpc 1; then pass "udhcpc gets an address"; else fail "udhcpc gets an address"; fi
address=$(lease_ip udhcpc)
echo "udhcpc: ${address:-no address}; events: $(tr '\n' ' ' <"$(events_file udhcpc)" 2>/dev/null)"
stop_server
check "the daemon exits 0 on SIGTERM ($BST_SERVER_RC)" [ "$BST_SERVER_RC" -eq 0 ]
BST_SERVER_PID=""
check "the lease is in /var/lib/blackstart ($address)" \
  sh -c "chroot '$root' blackstart --show-leases -c /etc/blackstart/blackstart.json | grep -q '^$address '"

# --- the same under a real systemd --------------------------------------------------
# systemd-nspawn boots the root (a tmpfs overlay takes its writes, so the
# purge check below still sees the root as dpkg left it) in the server's
# namespace, where systemd starts the installed unit with all its
# hardening. A host without systemd has no tmpfs at /run/systemd/nspawn,
# which nspawn insists on; the test mounts one there and removes it after.
boot_root() {
  if [[ -d /run/systemd/system ]] || mountpoint -q /run/systemd/nspawn; then :; else
    [[ -d /run/systemd ]] || nspawn_made_run_systemd=1
    mkdir -p /run/systemd/nspawn && mount -t tmpfs bs-deb-test /run/systemd/nspawn &&
      nspawn_mount=/run/systemd/nspawn
  fi
  # Until the daemon sends READY=1 itself, a drop-in makes the unit simple.
  if ! grep -q 'READY=1' "$root/usr/sbin/blackstart"; then
    note "this blackstart sends no READY=1 (nor WATCHDOG=1): the booted unit runs as Type=simple"
    mkdir -p "$root/etc/systemd/system/blackstart.service.d"
    printf '[Service]\nType=simple\nWatchdogSec=0\n' >"$root/etc/systemd/system/blackstart.service.d/no-notify.conf"
  fi
  bst_spawn - "$BST_TMP/nspawn.log" systemd-nspawn --quiet --register=no --keep-unit \
    --volatile=overlay --directory="$root" --boot --console=pipe \
    --network-namespace-path="/run/netns/${BST_P}srv"
  nspawn_pid=$BST_LAST_PID
}
boot_root
if wait_for 30 udp_listening "${BST_P}srv" 67; then
  pass "systemd in the booted root starts the unit and it listens on port 67"
  daemon=$(ip netns exec "${BST_P}srv" ss -Hlunp 'sport = :67' | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
  status=$(grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' "/proc/$daemon/status" | tr -s '\t\n' '  ')
  echo "unit's daemon: $status"
  check "under the unit: uid of $user, CAP_NET_RAW+CAP_NET_BIND_SERVICE only, no new privileges, seccomp" \
    sh -c "echo '$status' | grep -q 'Uid: $(in_root id -u "$user") ' && echo '$status' | grep -q 'CapEff: 0000000000002400' && echo '$status' | grep -q 'CapBnd: 0000000000002400' && echo '$status' | grep -q 'NoNewPrivs: 1' && echo '$status' | grep -q 'Seccomp: 2'"
  if udhcpc_once udhcpc-unit 1; then pass "udhcpc gets an address from the unit's daemon ($(lease_ip udhcpc-unit))"; else fail "udhcpc gets an address from the unit's daemon"; fi
else
  fail "systemd in the booted root starts the unit and it listens on port 67"
fi
stop_pid "$nspawn_pid" TERM 30
nspawn_rc=0
wait "$nspawn_pid" 2>/dev/null || nspawn_rc=$?
check "the booted root shuts down cleanly ($nspawn_rc)" [ "$nspawn_rc" -eq 0 ]
rm -rf "$root/etc/systemd/system/blackstart.service.d"
unmount_nspawn_run

# --- remove, then purge -------------------------------------------------------------
check "dpkg -r removes the package" in_root dpkg -r blackstart
check "removal stops the service (got: $(invoked))" [ "$(invoked)" == "stop blackstart.service" ]
check "removal keeps the _blackstart user" in_root getent passwd _blackstart
check "removal keeps the leases" test -s "$root/var/lib/blackstart/leases.sqlite3"
check "removal keeps the config" test -f "$root/etc/blackstart/blackstart.json"
check "dpkg --purge purges the package" in_root dpkg --purge blackstart
check "purge deletes the _blackstart user and group" \
  sh -c "! chroot '$root' getent passwd _blackstart && ! chroot '$root' getent group _blackstart"
check "purge deletes /var/lib/blackstart and /etc/blackstart" \
  sh -c "[ ! -e '$root/var/lib/blackstart' ] && [ ! -e '$root/etc/blackstart' ]"

rmdir "$root/run/systemd/system"
rm -f "$root/usr/bin/deb-systemd-invoke"
in_root dpkg-divert --quiet --local --rename --remove /usr/bin/deb-systemd-invoke
# passwd-, shadow-, ... are the account tools' copies of the previous version.
check "no file under /etc names _blackstart any more" \
  sh -c "! grep -rqs --exclude='*-' _blackstart '$root/etc'"
listing >"$BST_TMP/after.list"
left=$(diff "$BST_TMP/before.list" "$BST_TMP/after.list")
echo "${left:-the root holds exactly the files it had before the install}"
check "purge leaves nothing behind" [ -z "$left" ]

bst_finish test_deb
