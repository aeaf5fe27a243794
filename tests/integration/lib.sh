# shellcheck shell=bash
# Shared helpers for the network-namespace integration tests and the demo:
# topologies built only from namespaces, veth pairs and bridges this run
# creates (addresses from 198.18.0.0/15), drivers for the real DHCP clients,
# bounded waits, PASS/FAIL bookkeeping, and a cleanup trap that removes
# everything the run made, even when it fails or is interrupted.
#
# Every name starts with BST_P ("bs" + the script's PID), so parallel runs do
# not collide; the longest interface name, "${BST_P}c9b", stays within
# Linux's 15-character limit. Veth pairs are created with both ends already
# in their namespaces, so nothing ever appears in the root namespace unless a
# caller asks for it (the demo's server link, bst_root_link).

BST_P="bs$$"
BST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BST_HOOK="$BST_DIR/client-hook.sh"
BST_TMP=""
BST_NETNS=()      # namespaces to delete, in creation order
BST_PIDS=()       # processes we started, stopped by PID at cleanup
BST_ROOT_LINKS=() # devices created in the root namespace (demo only)
BST_PG_DIRS=()    # PostgreSQL test servers (bst_pg_start), stopped at cleanup
BST_MOUNTS=()     # tmpfs mounts of ours (bst_mount_tmpfs), unmounted at cleanup
BST_PASSED=0
BST_FAILED=0
BST_INTERRUPTED=0
BST_MADE_RUN_DHCPCD=0

# --- reporting ---------------------------------------------------------------

pass() {
  BST_PASSED=$((BST_PASSED + 1))
  echo "PASS: $*"
}

fail() {
  BST_FAILED=$((BST_FAILED + 1))
  echo "FAIL: $*"
}

# check DESCRIPTION COMMAND...: one PASS or FAIL line for the command's status.
check() {
  local description=$1
  shift
  if "$@"; then pass "$description"; else fail "$description"; fi
}

note() { echo "---- $*"; }

# --- bounded waiting ---------------------------------------------------------

# wait_for TIMEOUT_S COMMAND...: polls COMMAND every 0.2 s until it succeeds;
# returns 1 if it still fails after TIMEOUT_S seconds.
wait_for() {
  local timeout_s=$1
  shift
  local deadline_s=$((SECONDS + timeout_s))
  until "$@"; do
    ((SECONDS < deadline_s)) || return 1
    ((BST_INTERRUPTED == 0)) || return 1
    sleep 0.2 || return 1
  done
}

# A zombie still answers kill -0, so its state is read from /proc as well.
is_running() {
  local pid=$1 state
  kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z ]]
}

# gone_within PID TIMEOUT_S: waits for PID to exit. Unlike wait_for it keeps
# waiting after Ctrl-C, because it is what shutting down gracefully needs.
gone_within() {
  local pid=$1 tries=$(($2 * 5))
  while is_running "$pid"; do
    ((tries-- > 0)) || return 1
    sleep 0.2 || true
  done
}

# stop_pid PID [SIGNAL] [TIMEOUT_S]: signals a process we started and waits
# for it; escalates to SIGKILL when it outlives the timeout.
stop_pid() {
  local pid=$1 signal=${2:-TERM} timeout_s=${3:-5}
  is_running "$pid" || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  if ! gone_within "$pid" "$timeout_s"; then
    kill -KILL "$pid" 2>/dev/null || true
    gone_within "$pid" 2 || true
  fi
}

# --- setup and cleanup -------------------------------------------------------

# bst_require_root_netns: exits 0 with SKIP when namespaces cannot be made.
bst_require_root_netns() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: integration tests need root (network namespaces)"
    exit 0
  fi
  if ! ip netns add "${BST_P}probe" 2>/dev/null; then
    echo "SKIP: this machine does not support network namespaces"
    exit 0
  fi
  ip netns del "${BST_P}probe"
}

bst_init() {
  [[ -d /run/dhcpcd ]] || BST_MADE_RUN_DHCPCD=1
  BST_TMP=$(mktemp -d "/tmp/bst.${BST_P}.XXXXXX")
  chmod 755 "$BST_TMP"
  trap bst_cleanup EXIT
  # What the tests promise not to touch, as it was before they began.
  BST_FINGERPRINT=$(host_fingerprint)
  trap 'BST_INTERRUPTED=1; exit 130' INT
  trap 'BST_INTERRUPTED=1; exit 143' TERM
}

# Kills whatever still runs inside a namespace of ours (dhcpcd's privilege-
# separated helpers, for instance) by PID; no one else enters these.
bst_kill_ns_pids() {
  local ns=$1 pid
  for pid in $(ip netns pids "$ns" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# dhcpcd keeps pid files, sockets and leases under global paths named after
# the interface. dhcpcd only ever runs on our "${BST_P}c<N>" interfaces, and
# the "c" keeps run bs12 from matching run bs123's files.
bst_remove_dhcpcd_state() {
  local file
  for file in /run/dhcpcd/*"${BST_P}c"[0-9]* /var/lib/dhcpcd/*"${BST_P}c"[0-9]*; do
    [[ -e "$file" ]] && rm -rf -- "$file"
  done
  # dhcpcd creates its run directory; leave none behind if there was none.
  [[ "$BST_MADE_RUN_DHCPCD" != 1 ]] || rmdir /run/dhcpcd 2>/dev/null
  return 0
}

bst_dump_logs() {
  local file
  [[ -d "$BST_TMP" ]] || return 0
  for file in "$BST_TMP"/*.log "$BST_TMP"/*.events; do
    [[ -f "$file" ]] || continue
    echo "==== $(basename "$file") (last 40 lines)"
    tail -n 40 "$file"
  done
}

bst_cleanup() {
  local rc=$? pid ns link i dir
  set +e
  trap - EXIT INT TERM
  ((BST_FAILED == 0 && rc == 0)) || bst_dump_logs
  for pid in "${BST_PIDS[@]}"; do stop_pid "$pid" TERM 3; done
  # After the processes that had files open there, before the temp dir goes.
  for dir in "${BST_MOUNTS[@]}"; do
    if mountpoint -q "$dir" 2>/dev/null; then umount "$dir" 2>/dev/null || umount -l "$dir"; fi
  done
  for ((i = ${#BST_NETNS[@]} - 1; i >= 0; i--)); do
    ns=${BST_NETNS[i]}
    bst_kill_ns_pids "$ns"
    ip netns del "$ns" 2>/dev/null
  done
  for link in "${BST_ROOT_LINKS[@]}"; do ip link del "$link" 2>/dev/null; done
  for dir in "${BST_PG_DIRS[@]}"; do "$BST_DIR/../pg/pg-test-server.sh" stop "$dir"; done
  bst_remove_dhcpcd_state
  if [[ -n "$BST_TMP" && "${BST_KEEP:-0}" != 1 ]]; then rm -rf -- "$BST_TMP"; fi
  [[ -n "$BST_TMP" && "${BST_KEEP:-0}" == 1 ]] && echo "kept $BST_TMP"
  ((rc != 0)) || ((BST_FAILED == 0)) || rc=1
  exit "$rc"
}

# bst_mount_tmpfs DIR SIZE [MODE]: a small file system of the test's own at
# DIR (made if missing), for lease disks that fill up or go read-only;
# bst_cleanup unmounts it, also when the test fails or is interrupted.
bst_mount_tmpfs() {
  local dir=$1 size=$2 mode=${3:-0755}
  mkdir -p "$dir"
  mount -t tmpfs -o "size=$size,mode=$mode" "${BST_P}tmpfs" "$dir" || return 1
  BST_MOUNTS+=("$dir")
}

# bst_office_config FILE DB [LEASE_DB_EXTRA]: the small office's config
# into FILE: one /24 on ${BST_P}s0, pool .100-.110, 600 s leases, the leases
# in SQLite at DB. LEASE_DB_EXTRA goes inside "lease-database", written as
# ', "key": value'.
bst_office_config() {
  local file=$1 db=$2 db_extra=${3:-}
  cat >"$file" <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$db"$db_extra},
  "valid-lifetime": 600,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "198.18.1.100 - 198.18.1.110"}]}]
}}
JSON
}

# bst_pg_start: starts a throwaway PostgreSQL 15 (tests/pg/pg-test-server.sh:
# UNIX socket only, superuser "blackstart", trust auth) and sets BST_PG_DIR
# to its socket directory, the "host" for libpq, psql and kea-admin. Stopped
# by bst_cleanup, or by the script's watchdog if this shell is killed.
bst_pg_start() {
  BST_PG_DIR=$("$BST_DIR/../pg/pg-test-server.sh" start $$) || return 1
  BST_PG_DIRS+=("$BST_PG_DIR")
}

# bst_finish NAME: prints the test's tally; fails the script on any FAIL.
bst_finish() {
  check "root namespace links, routes and /etc/resolv.conf untouched" \
    [ "$(host_fingerprint)" == "$BST_FINGERPRINT" ]
  echo "$1: $BST_PASSED passed, $BST_FAILED failed"
  ((BST_FAILED == 0))
}

# --- topology ----------------------------------------------------------------

bst_ns() {
  ip netns add "$1"
  BST_NETNS+=("$1")
  ip -n "$1" link set lo up
}

# bst_switch NS: a namespace holding bridge br0, the office switch.
bst_switch() {
  bst_ns "$1"
  ip -n "$1" link add br0 type bridge
  ip -n "$1" link set br0 up
}

# bst_plug SWITCH_NS NS IFNAME [MAC]: a veth from NS into the switch's bridge.
# The bridge-side end is named IFNAME + "b".
bst_plug() {
  local switch=$1 ns=$2 ifname=$3 mac=${4:-}
  ip -n "$ns" link add "$ifname" type veth peer name "${ifname}b" netns "$switch"
  [[ -z "$mac" ]] || ip -n "$ns" link set "$ifname" address "$mac"
  ip -n "$switch" link set "${ifname}b" master br0
  ip -n "$switch" link set "${ifname}b" up
  ip -n "$ns" link set "$ifname" up
}

# bst_link NS_A IF_A NS_B IF_B: a point-to-point veth between two namespaces.
bst_link() {
  ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
}

# bst_root_link SWITCH_NS IFNAME ADDRESS/PREFIX: the demo's server link, a
# veth whose one end lives in the root namespace. Refuses when the name or
# the subnet is already in use there, so the host is never reconfigured.
bst_root_link() {
  local switch=$1 ifname=$2 cidr=$3
  if ip link show "$ifname" >/dev/null 2>&1; then
    echo "error: $ifname already exists in the root namespace (a demo still running?)" >&2
    return 1
  fi
  if [[ -n "$(ip -4 route show to "$cidr" 2>/dev/null)" ]]; then
    echo "error: the root namespace already routes $cidr; not touching it" >&2
    return 1
  fi
  ip link add "$ifname" type veth peer name "${ifname}b" netns "$switch"
  BST_ROOT_LINKS+=("$ifname")
  ip -n "$switch" link set "${ifname}b" master br0
  ip -n "$switch" link set "${ifname}b" up
  ip addr add "$cidr" dev "$ifname"
  ip link set "$ifname" up
}

# bst_office CLIENT_COUNT: switch "${BST_P}sw", server namespace
# "${BST_P}srv" on 198.18.1.1/24 (interface "${BST_P}s0"), and client
# namespaces "${BST_P}c<N>" with interface "${BST_P}c<N>", MAC 02:bb:00:00:00:0N.
bst_office() {
  local count=$1 n
  bst_switch "${BST_P}sw"
  bst_ns "${BST_P}srv"
  bst_plug "${BST_P}sw" "${BST_P}srv" "${BST_P}s0"
  ip -n "${BST_P}srv" addr add 198.18.1.1/24 dev "${BST_P}s0"
  for ((n = 1; n <= count; n++)); do bst_client "${BST_P}sw" "$n"; done
}

# bst_client SWITCH_NS N: client namespace and interface "${BST_P}c<N>".
bst_client() {
  local n=$2
  bst_ns "${BST_P}c$n"
  bst_plug "$1" "${BST_P}c$n" "${BST_P}c$n" "$(printf '02:bb:00:00:00:%02x' "$n")"
}

# bst_relayed_office CLIENT_COUNT: server "${BST_P}srv" (198.18.2.1/24 on
# "${BST_P}s0") -- relay "${BST_P}rly" (198.18.2.2 on "${BST_P}ru",
# 198.18.3.1 on "${BST_P}rd") -- switch "${BST_P}sw" -- clients. The relay
# forwards IP so renewals unicast to the server can travel through it.
bst_relayed_office() {
  local count=$1 n
  local srv="${BST_P}srv" rly="${BST_P}rly" sw="${BST_P}sw"
  bst_switch "$sw"
  bst_ns "$srv"
  bst_ns "$rly"
  bst_link "$srv" "${BST_P}s0" "$rly" "${BST_P}ru"
  ip -n "$srv" addr add 198.18.2.1/24 dev "${BST_P}s0"
  ip -n "$rly" addr add 198.18.2.2/24 dev "${BST_P}ru"
  ip -n "$srv" route add 198.18.3.0/24 via 198.18.2.2
  bst_plug "$sw" "$rly" "${BST_P}rd"
  ip -n "$rly" addr add 198.18.3.1/24 dev "${BST_P}rd"
  ip netns exec "$rly" sysctl -qw net.ipv4.ip_forward=1
  for ((n = 1; n <= count; n++)); do bst_client "$sw" "$n"; done
}

# --- processes ---------------------------------------------------------------

# bst_spawn NS LOG COMMAND...: starts COMMAND in namespace NS (or the root
# namespace for "-") in the background, output to LOG; sets BST_LAST_PID.
BST_LAST_PID=""
bst_spawn() {
  local ns=$1 log=$2
  shift 2
  if [[ "$ns" == - ]]; then
    "$@" >"$log" 2>&1 &
  else
    ip netns exec "$ns" "$@" >"$log" 2>&1 &
  fi
  BST_LAST_PID=$!
  BST_PIDS+=("$BST_LAST_PID")
}

# udp_listening NS PORT [PID]: a UDP socket in NS ("-" = root namespace) is
# bound to PORT, owned by PID when given.
udp_listening() {
  local ns=$1 port=$2 pid=${3:-} sockets
  if [[ "$ns" == - ]]; then
    sockets=$(ss -Hlunp "sport = :$port" 2>/dev/null)
  else
    sockets=$(ip netns exec "$ns" ss -Hlunp "sport = :$port" 2>/dev/null)
  fi
  [[ -n "$sockets" ]] || return 1
  [[ -z "$pid" ]] || grep -q "pid=$pid," <<<"$sockets"
}

# start_server NS CONFIG LOG: runs blackstart ($BST_SERVER) and waits until it
# listens on port 67; sets BST_SERVER_PID. Fails when it exits or times out.
BST_SERVER_PID=""
start_server() {
  local ns=$1 config=$2 log=$3
  bst_spawn "$ns" "$log" "$BST_SERVER" -c "$config"
  BST_SERVER_PID=$BST_LAST_PID
  wait_for 10 udp_listening "$ns" 67 "$BST_SERVER_PID" && is_running "$BST_SERVER_PID"
}

# start_server_or_exit NS CONFIG LOG: start_server, or one FAIL line and
# exit (the trap cleans up): a test without its server has nothing to show.
start_server_or_exit() {
  if ! start_server "$@"; then
    fail "server starts and listens on port 67 ($3)"
    exit 1
  fi
  pass "server starts and listens on port 67 ($3)"
}

# metric NAME{LABELS}: a sample from /metrics of the server in "${BST_P}srv"
# (the control API's default 127.0.0.1:8004), empty if absent.
metric() {
  ip netns exec "${BST_P}srv" curl -sS -m 10 http://127.0.0.1:8004/metrics 2>/dev/null |
    awk -v name="$1" '$1 == name { print $2 }'
}

# stop_server_cleanly: stop_server, and a PASS/FAIL line for exit status 0.
stop_server_cleanly() {
  stop_server
  check "server exits 0 on SIGTERM (exit status $BST_SERVER_RC)" [ "$BST_SERVER_RC" -eq 0 ]
}

# stop_server: SIGTERM; the exit status (0 expected) lands in
# BST_SERVER_RC. Not for $(...): only this shell can wait for its child.
BST_SERVER_RC=""
# shellcheck disable=SC2034  # BST_SERVER_RC is read by the test scripts
stop_server() {
  stop_pid "$BST_SERVER_PID" TERM 10
  BST_SERVER_RC=0
  wait "$BST_SERVER_PID" 2>/dev/null || BST_SERVER_RC=$?
}

# show_leases CONFIG: blackstart's lease table.
show_leases() { "$BST_SERVER" --show-leases -c "$1"; }

# lease_state CONFIG ADDRESS: the state column of ADDRESS's row, "none" if
# the table has no row for it.
lease_state() {
  local state
  state=$(show_leases "$1" 2>/dev/null | awk -v a="$2" '$1 == a { s = $NF } END { print s }')
  echo "${state:-none}"
}

# A lease counts as held while its row says so; every other state (released,
# expired-reclaimed, declined) or a missing row means the address is free.
lease_bound() {
  local state
  state=$(lease_state "$1" "$2")
  [[ "$state" == assigned || "$state" == default || "$state" == bound ]]
}

lease_free() { ! lease_bound "$1" "$2"; }

# --- DHCP clients --------------------------------------------------------------
# Every client runs inside its namespace with client-hook.sh as its script;
# the hook appends one line per event to $BST_TMP/<name>.events and never
# writes outside the temp dir (no resolv.conf, no hostname).

events_file() { echo "$BST_TMP/$1.events"; }

# start_dhclient NAME N [EXTRA...]: ISC dhclient as a foreground daemon in
# client N's namespace; its lease file survives restarts for INIT-REBOOT.
start_dhclient() {
  local name=$1 n=$2
  shift 2
  local ifname="${BST_P}c$n"
  cat >"$BST_TMP/$name.dhclient.conf" <<EOF
request subnet-mask, broadcast-address, routers, domain-name-servers,
  domain-name, host-name, dhcp-lease-time, dhcp-renewal-time, dhcp-rebinding-time;
timeout 30;
retry 2;
EOF
  bst_spawn "${BST_P}c$n" "$BST_TMP/$name.log" \
    dhclient -4 -d -v -cf "$BST_TMP/$name.dhclient.conf" -sf "$BST_HOOK" \
    -lf "$BST_TMP/$name.leases" -pf "$BST_TMP/$name.pid" \
    -e "BST_EVENTS=$(events_file "$name")" -e BST_CLIENT=dhclient "$@" "$ifname"
}

# release_dhclient NAME N: "dhclient -r" stops the running dhclient named by
# the pid file and sends DHCPRELEASE.
release_dhclient() {
  local name=$1 n=$2
  timeout 20 ip netns exec "${BST_P}c$n" \
    dhclient -4 -r -v -cf "$BST_TMP/$name.dhclient.conf" -sf "$BST_HOOK" \
    -lf "$BST_TMP/$name.leases" -pf "$BST_TMP/$name.pid" \
    -e "BST_EVENTS=$(events_file "$name")" -e BST_CLIENT=dhclient \
    "${BST_P}c$n" >>"$BST_TMP/$name.log" 2>&1
}

# start_udhcpc NAME N [EXTRA...]: busybox udhcpc in the foreground, staying
# on to renew (SIGUSR1) and release (SIGUSR2).
start_udhcpc() {
  local name=$1 n=$2
  shift 2
  bst_spawn "${BST_P}c$n" "$BST_TMP/$name.log" \
    env BST_EVENTS="$(events_file "$name")" BST_CLIENT=udhcpc \
    udhcpc -f -i "${BST_P}c$n" -s "$BST_HOOK" -t 5 -T 1 -A 2 -O hostname "$@"
}

# udhcpc_once NAME N [EXTRA...]: one DISCOVER cycle (-q -n); exit status 0
# only if a lease was obtained.
udhcpc_once() {
  local name=$1 n=$2
  shift 2
  timeout 30 ip netns exec "${BST_P}c$n" \
    env BST_EVENTS="$(events_file "$name")" BST_CLIENT=udhcpc \
    udhcpc -f -q -n -i "${BST_P}c$n" -s "$BST_HOOK" -O hostname "$@" \
    >>"$BST_TMP/$name.log" 2>&1
}

# dhcpcd's configuration: IPv4 only, no ARP probing (faster, and the
# server's answer is what is under test), the MAC as client id so no DUID
# file is created, and no /dev or udev plumbing inside a namespace.
write_dhcpcd_conf() {
  cat >"$BST_TMP/dhcpcd.conf" <<EOF
ipv4only
noipv6rs
noarp
noipv4ll
nodev
clientid
option subnet_mask, routers, domain_name_servers, domain_name, host_name
option dhcp_renewal_time, dhcp_rebinding_time
EOF
}

# start_dhcpcd NAME N [EXTRA...]: dhcpcd for one interface, not forking.
start_dhcpcd() {
  local name=$1 n=$2
  shift 2
  write_dhcpcd_conf
  bst_spawn "${BST_P}c$n" "$BST_TMP/$name.log" \
    dhcpcd -f "$BST_TMP/dhcpcd.conf" -c "$BST_HOOK" \
    -e "BST_EVENTS=$(events_file "$name")" -e BST_CLIENT=dhcpcd \
    -4 -B -d -t 30 "$@" "${BST_P}c$n"
}

# dhcpcd_ctl N ARGS...: talks to client N's running dhcpcd (e.g. -k release).
dhcpcd_ctl() {
  local n=$1
  shift
  timeout 20 ip netns exec "${BST_P}c$n" \
    dhcpcd -f "$BST_TMP/dhcpcd.conf" -4 "$@" "${BST_P}c$n" >/dev/null 2>&1
}

# --- reading client events ----------------------------------------------------

# A lease is in hand after these events (lower-cased by the hook).
BST_LEASE_EVENTS='^(bound|renew|rebind|reboot)$'

# event_count NAME EVENT_REGEX
event_count() {
  local file
  file=$(events_file "$1")
  [[ -f "$file" ]] || { echo 0; return; }
  awk -v re="$2" '{ for (i = 1; i <= NF; i++) if ($i ~ /^event=/) { split($i, kv, "="); if (kv[2] ~ re) n++ } } END { print n + 0 }' "$file"
}

# has_event NAME EVENT_REGEX [MIN_COUNT]
has_event() { (($(event_count "$1" "$2") >= ${3:-1})); }

# event_field NAME EVENT_REGEX FIELD: FIELD of the latest matching event.
event_field() {
  local file
  file=$(events_file "$1")
  [[ -f "$file" ]] || return 0
  awk -v re="$2" -v f="$3" '
    { ev = ""; val = ""
      for (i = 1; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == "event") ev = kv[2]
        if (kv[1] == f) val = substr($i, length(f) + 2)
      }
      if (ev ~ re) last = val }
    END { print last }' "$file"
}

lease_ip() { event_field "$1" "$BST_LEASE_EVENTS" ip; }

# ip_in_range IP FIRST LAST (all dotted quads, same /24 or not).
ip_to_int() {
  local IFS=.
  # shellcheck disable=SC2086
  set -- $1
  echo $((($1 << 24) + ($2 << 16) + ($3 << 8) + $4))
}

ip_in_range() {
  [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || return 1
  local value first last
  value=$(ip_to_int "$1")
  first=$(ip_to_int "$2")
  last=$(ip_to_int "$3")
  ((value >= first && value <= last))
}

# expect_lease NAME FIRST LAST ROUTER DNS: the PASS/FAIL lines for a client's
# first lease as its script saw it.
expect_lease() {
  local name=$1 first=$2 last=$3 router=$4 dns=$5 ip
  ip=$(lease_ip "$name")
  check "$name gets a lease in $first-$last (got '${ip:-none}')" ip_in_range "$ip" "$first" "$last"
  check "$name sees routers $router (got '$(event_field "$name" "$BST_LEASE_EVENTS" routers)')" \
    [ "$(event_field "$name" "$BST_LEASE_EVENTS" routers)" == "$router" ]
  check "$name sees DNS $dns (got '$(event_field "$name" "$BST_LEASE_EVENTS" dns)')" \
    [ "$(event_field "$name" "$BST_LEASE_EVENTS" dns)" == "$dns" ]
}

# --- host safety ------------------------------------------------------------

# A fingerprint of what the tests promise not to touch: the root namespace's
# links, addresses and routes, and /etc/resolv.conf.
host_fingerprint() {
  {
    ip -o link show | awk '{ print $2 }'
    ip -o -4 addr show
    ip -4 route show
    cat /etc/resolv.conf 2>/dev/null
  } | md5sum
}
