#!/usr/bin/env bash
# Drop-in for Kea, both ways, on one kea-dhcp4.conf-style file and one
# memfile lease file: a real Kea 2.2 (Debian's kea-dhcp4) serves two real
# clients (ISC dhclient, busybox udhcpc) and LEASES simulated ones (bs-load)
# and writes its CSV lease file; Kea stops and blackstart starts on the same
# config and file: every client renews or re-asks and keeps its address.
# Then blackstart stops and Kea starts on the file blackstart left (after its
# lease file cleanup ran, so Kea reads blackstart's .2 too): every client
# keeps its address again, and Kea reports no unreadable row.
# Usage: tests/integration/test_kea_memfile.sh path/to/blackstart
#        LEASES=10000 for the issue's figure (default 300; bs-load comes
#        from the same build directory)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
BS_LOAD=$(dirname "$BST_SERVER")/bs-load
LEASES=${LEASES:-300}
bst_require_root_netns
command -v kea-dhcp4 >/dev/null || { echo "SKIP: kea-dhcp4 is not installed (scripts/install-deps.sh test)"; exit 0; }
[[ -x "$BS_LOAD" ]] || { echo "SKIP: $BS_LOAD is missing (make build)"; exit 0; }
bst_init

SRV="${BST_P}srv"
LEASE_FILE=$BST_TMP/state/kea-leases4.csv
CONF=$BST_TMP/kea-dhcp4.conf
MEMORY=$BST_TMP/clients.log
mkdir -p "$BST_TMP/state"

# One file both servers run on unchanged: only keys they share.
write_config() {
  cat <<JSON
// The same file for Kea 2.2 and blackstart.
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "${BST_P}s0" ] },
    "lease-database": {
      "type": "memfile",
      "persist": true,
      "name": "$LEASE_FILE",
      "lfc-interval": 3
    },
    "valid-lifetime": 3600,
    "renew-timer": 5,
    "rebind-timer": 3000,
    "authoritative": true,
    "subnet4": [
      {
        "id": 1,
        "subnet": "198.18.0.0/15",
        "pools": [ { "pool": "198.19.0.1 - 198.19.255.254" } ],
        "option-data": [ { "name": "routers", "data": "198.18.0.1" },
                         { "name": "domain-name-servers", "data": "198.18.0.1" } ]
      }
    ]
  }
}
JSON
}

start_kea() {
  local log=$1
  bst_spawn "$SRV" "$log" env "KEA_PIDFILE_DIR=$BST_TMP" "KEA_LOCKFILE_DIR=$BST_TMP" \
    kea-dhcp4 -c "$CONF"
  KEA_PID=$BST_LAST_PID
  wait_for 20 udp_listening "$SRV" 67 "$KEA_PID" && is_running "$KEA_PID"
}

stop_kea() {
  stop_pid "$KEA_PID" TERM 15
  # kea-lfc runs as Kea's child; a run still going would race the next server.
  wait_for 20 bash -c "! [ -e '$LEASE_FILE.pid' ] || ! kill -0 \$(cat '$LEASE_FILE.pid') 2>/dev/null"
}

# field LOG NAME: NAME=VALUE from bs-load's last summary line in LOG.
field() {
  local value
  value=$(grep '^bs-load ' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p")
  echo "${value:-?}"
}

# live_leases FILE...: addresses whose last row in Kea's load order has a
# non-zero lifetime (Kea's own rule), counted.
live_leases() {
  awk -F, 'FNR == 1 { next } { life[$1] = $4 } END { for (a in life) if (life[a] > 0) n++; print n + 0 }' "$@"
}

lease_files_in_order() {
  local base=$LEASE_FILE
  if [[ -e $base.completed ]]; then echo "$base.completed"; else
    [[ -e $base.2 ]] && echo "$base.2"
    [[ -e $base.1 ]] && echo "$base.1"
  fi
  echo "$base"
}

# verify LOG: every client bs-load remembers asks for its address again
# (INIT-REBOOT, else DORA), and strangers ask for held addresses.
verify() {
  local log=$1
  ip netns exec "${BST_P}c3" "$BS_LOAD" verify --iface "${BST_P}c3" --memory "$MEMORY" \
    --probe-first "$2" --rate 2000 --window 256 --max-seconds 300 --seed 7 >"$log" 2>&1 || true
  check "$3: all $(field "$log" checked) simulated clients keep their address (forgotten $(field "$log" forgotten))" \
    [ "$(field "$log" forgotten)" == 0 ]
  check "$3: the simulated clients checked are all $LEASES (got $(field "$log" checked))" \
    [ "$(field "$log" checked)" == "$LEASES" ]
  check "$3: no address bound twice (duplicates $(field "$log" duplicates))" \
    [ "$(field "$log" duplicates)" == 0 ]
  check "$3: every client got an answer (unanswered $(field "$log" unanswered))" \
    [ "$(field "$log" unanswered)" == 0 ]
}

renewed() { has_event "$1" '^renew$' && [[ "$(event_field "$1" '^renew$' ip)" == "$2" ]]; }

# real_clients_keep LABEL: dhclient renews by itself (renew-timer 5 s),
# udhcpc when told (SIGUSR1); both must keep their first address.
real_clients_keep() {
  local name
  for name in dhclient udhcpc; do mv "$(events_file "$name")" "$(events_file "$name").$1" 2>/dev/null || true; done
  kill -USR1 "$UDHCPC_PID"
  check "$1: dhclient renews and keeps ${FIRST_IP[dhclient]}" wait_for 30 renewed dhclient "${FIRST_IP[dhclient]}"
  check "$1: udhcpc renews and keeps ${FIRST_IP[udhcpc]}" wait_for 30 renewed udhcpc "${FIRST_IP[udhcpc]}"
}

# --- topology: one switch, the server, two real clients, bs-load ------------
bst_office 3
ip -n "$SRV" addr flush dev "${BST_P}s0"
ip -n "$SRV" addr add 198.18.0.1/15 dev "${BST_P}s0"
write_config >"$CONF"
check "blackstart -t accepts Kea's config unchanged" "$BST_SERVER" -t "$CONF"
check "kea-dhcp4 -t accepts the same config (in the server namespace, where its interface is)" \
  ip netns exec "$SRV" kea-dhcp4 -t "$CONF"

note "Kea $(kea-dhcp4 -v) serves, writes $LEASE_FILE"
start_kea "$BST_TMP/kea-1.log" || { fail "Kea starts"; exit 1; }
pass "Kea starts and listens on port 67"
start_dhclient dhclient 1
start_udhcpc udhcpc 2
UDHCPC_PID=$BST_LAST_PID
check "dhclient gets a lease from Kea" wait_for 45 has_event dhclient "$BST_LEASE_EVENTS"
check "udhcpc gets a lease from Kea" wait_for 45 has_event udhcpc "$BST_LEASE_EVENTS"
declare -A FIRST_IP=([dhclient]=$(lease_ip dhclient) [udhcpc]=$(lease_ip udhcpc))
ip netns exec "${BST_P}c3" "$BS_LOAD" run --iface "${BST_P}c3" --memory "$MEMORY" \
  --clients "$LEASES" --rate 400 --max-seconds 120 --seed 1 >"$BST_TMP/load.log" 2>&1 || true
check "Kea ACKs all $LEASES simulated clients (acked $(field "$BST_TMP/load.log" acked))" \
  [ "$(field "$BST_TMP/load.log" acked)" == "$LEASES" ]
stop_kea
mapfile -t files < <(lease_files_in_order)
kea_live=$(live_leases "${files[@]}")
check "Kea's lease file holds $((LEASES + 2)) leases (got $kea_live)" [ "$kea_live" -eq $((LEASES + 2)) ]
cp -a "$BST_TMP/state" "$BST_TMP/state-from-kea"

note "blackstart takes over Kea's file"
started_s=$SECONDS
start_server_or_exit "$SRV" "$CONF" "$BST_TMP/blackstart.log"
loaded=$(show_leases "$CONF" | awk '$NF == "default"' | wc -l)
check "blackstart loads Kea's $((LEASES + 2)) leases (got $loaded)" [ "$loaded" -eq $((LEASES + 2)) ]
real_clients_keep "blackstart after Kea"
verify "$BST_TMP/verify-blackstart.log" 100000 "blackstart after Kea"
echo "    takeover of $LEASES leases: blackstart served the verify $((SECONDS - started_s)) s after it started"
# The cleanup (lfc-interval 3 s) has rotated and merged by now.
check "blackstart's lease file cleanup left a .2 for Kea to read" test -e "$LEASE_FILE.2"
stop_server_cleanly
mapfile -t files < <(lease_files_in_order)
bs_live=$(live_leases "${files[@]}")
check "blackstart's files hold every lease (got $bs_live)" [ "$bs_live" -ge $((LEASES + 2)) ]

note "Kea takes blackstart's files back"
start_kea "$BST_TMP/kea-2.log" || { fail "Kea starts on blackstart's files"; exit 1; }
pass "Kea starts on blackstart's files"
check "Kea reads every row of blackstart's files (no DHCPSRV_MEMFILE_LEASE_LOAD_ROW_ERROR)" \
  bash -c "! grep -q LEASE_LOAD_ROW_ERROR '$BST_TMP/kea-2.log'"
real_clients_keep "Kea after blackstart"
verify "$BST_TMP/verify-kea.log" 200000 "Kea after blackstart"
stop_kea
bst_finish test_kea_memfile
