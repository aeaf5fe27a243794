#!/usr/bin/env bash
# Conflict probing with real clients on one link: a device squatting on a
# pool address answers the server's ARP probe and the client is given
# another address; after a power cut (SIGKILL) recovery mode probes what the
# server believes free; a client whose lease the server lost (database
# restored from an older backup, which recovery mode notices) is re-adopted
# when it renews, because it answers the probe for its own address itself;
# and an INIT-REBOOT for an address another device holds is NAKed, and the
# client is then steered around every address the restored table forgot.
# Usage: tests/integration/test_probe.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
bst_init

bst_office 4 # c1, c2: clients; c3: squatter; c4: INIT-REBOOT client
SQUATTER="${BST_P}c3"
SQUATTER_MAC=02:bb:00:00:00:03
DB=$BST_TMP/leases.sqlite3
write_config() { # MODE
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$DB"},
  "valid-lifetime": 600, "renew-timer": 300, "rebind-timer": 500,
  "decline-probation-period": 900,
  "conflict-probing": {"mode": "$1", "timeout-ms": 300},
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "198.18.1.100 - 198.18.1.110"}],
    "option-data": [{"name": "routers", "data": "198.18.1.1"}]}]
}}
JSON
}
CONF=$BST_TMP/blackstart.json
squat() { ip -n "$SQUATTER" addr add "$1/24" dev "$SQUATTER"; }

note "an empty database, kept as the 'old backup' for later"
write_config always >"$CONF"
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/server1.log"
stop_server
mkdir "$BST_TMP/backup"
cp "$DB" "$BST_TMP/backup/"

note "mode always: 198.18.1.100 is taken by a device the server never heard of"
squat 198.18.1.100
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/server2.log"
start_udhcpc first 1
FIRST_PID=$BST_LAST_PID
check "udhcpc gets a lease" wait_for 20 has_event first "$BST_LEASE_EVENTS"
FIRST=$(lease_ip first)
check "... not the squatted 198.18.1.100 (got '$FIRST')" ip_in_range "$FIRST" 198.18.1.101 198.18.1.110
check "the server logs the conflict with the squatter's MAC" \
  grep -q "198.18.1.100 answered a conflict probe (MAC $SQUATTER_MAC)" "$BST_TMP/server2.log"
check "198.18.1.100 is quarantined in the lease table (state '$(lease_state "$CONF" 198.18.1.100)')" \
  [ "$(lease_state "$CONF" 198.18.1.100)" == declined ]
check "metrics count one conflict (got '$(metric 'blackstart_conflict_probes_total{result="conflict"}')')" \
  [ "$(metric 'blackstart_conflict_probes_total{result="conflict"}')" == 1 ]

note "power cut (SIGKILL), a second squatter; restart in the default mode"
stop_pid "$BST_SERVER_PID" KILL 5
wait "$BST_SERVER_PID" 2>/dev/null || true
write_config uncertain >"$CONF"
NEXT_FREE=198.18.1.101
[[ "$FIRST" != 198.18.1.101 ]] || NEXT_FREE=198.18.1.102
squat "$NEXT_FREE"
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/server3.log"
check "restart after SIGKILL is in recovery mode" \
  wait_for 5 grep -q 'recovery mode' "$BST_TMP/server3.log"
check "metrics say recovery mode" [ "$(metric blackstart_recovery_mode)" == 1 ]
check "a second client gets a lease in recovery mode" udhcpc_once second 2 -t 5 -T 1
SECOND=$(lease_ip second)
check "... not $NEXT_FREE, which the squatter holds (got '$SECOND')" \
  bash -c "[[ '$SECOND' != '$NEXT_FREE' && '$SECOND' != 198.18.1.100 && '$SECOND' != '$FIRST' ]]"
check "recovery mode probed $NEXT_FREE and found the squatter" \
  grep -q "$NEXT_FREE answered a conflict probe (MAC $SQUATTER_MAC)" "$BST_TMP/server3.log"

note "the database is restored from the old backup: the server forgot $FIRST"
stop_server
rm -f "$DB" "$DB-wal" "$DB-shm"
cp "$BST_TMP/backup/leases.sqlite3" "$DB"
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/server4.log"
check "the restored table has no row for $FIRST" [ "$(lease_state "$CONF" "$FIRST")" == none ]
check "a database restored from a backup puts the server in recovery mode" \
  wait_for 5 grep -q 'lease database changed while the server was stopped' "$BST_TMP/server4.log"
RENEWS=$(event_count first '^renew$')
kill -USR1 "$FIRST_PID" # udhcpc renews now: a unicast REQUEST with ciaddr $FIRST
check "udhcpc's renewal is ACKed, not NAKed" wait_for 15 has_event first '^renew$' $((RENEWS + 1))
check "... for the same address (got '$(event_field first '^renew$' ip)')" \
  [ "$(event_field first '^renew$' ip)" == "$FIRST" ]
check "the server re-adopted $FIRST into its table" lease_bound "$CONF" "$FIRST"
check "the probe was answered by the client itself, not counted as a conflict" \
  [ "$(metric 'blackstart_conflict_probes_total{result="self"}')" -ge 1 ]
check "and udhcpc never saw a NAK" bash -c "! grep -qi nak '$BST_TMP/first.log'"

note "INIT-REBOOT for an address another device holds"
squat 198.18.1.108
CLIENT4="${BST_P}c4"
cat >"$BST_TMP/reboot.leases" <<LEASE
lease {
  interface "$CLIENT4";
  fixed-address 198.18.1.108;
  option subnet-mask 255.255.255.0;
  option dhcp-lease-time 600;
  option dhcp-server-identifier 198.18.1.1;
  renew 4 2037/12/31 00:00:00;
  rebind 4 2037/12/31 00:00:00;
  expire 4 2037/12/31 00:00:00;
}
LEASE
start_dhclient reboot 4
check "dhclient ends up with a lease" wait_for 30 has_event reboot "$BST_LEASE_EVENTS"
REBOOTED=$(lease_ip reboot)
check "... not 198.18.1.108 (squatter), $FIRST, $SECOND or what the squatter holds (got '$REBOOTED')" \
  bash -c "[[ ! '$REBOOTED' =~ ^(198.18.1.108|198.18.1.100|$NEXT_FREE|$FIRST|$SECOND)$ ]]"
check "the server found the squatter on 198.18.1.108" \
  grep -q "198.18.1.108 answered a conflict probe (MAC $SQUATTER_MAC)" "$BST_TMP/server4.log"
check "198.18.1.108 is quarantined (state '$(lease_state "$CONF" 198.18.1.108)')" \
  [ "$(lease_state "$CONF" 198.18.1.108)" == declined ]

stop_server_cleanly
bst_finish test_probe
