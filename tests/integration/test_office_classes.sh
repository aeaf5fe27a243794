#!/usr/bin/env bash
# The office's special devices, with real clients and a Kea-syntax file
# (client classes, option definitions blackstart ships, class-guarded pools):
#   - a VoIP phone (busybox udhcpc sending vendor class "Yealink SIP-T46U"
#     and asking for 66/150/120) gets an address from the phones' pool and
#     its provisioning options; a PC on the same link does not;
#   - a PXE ROM (a scapy DISCOVER with option 93) gets next-server and the
#     UEFI or the BIOS boot file by its architecture;
#   - a client behind ISC dhcrelay, which adds option 82 with its port's
#     circuit id, gets the address reserved for that circuit.
# Usage: tests/integration/test_office_classes.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
PXE_PROBE=$(realpath "$(dirname "$0")/helpers/pxe_probe.py")
bst_require_root_netns
/usr/bin/python3 -c 'import scapy' 2>/dev/null || { echo "SKIP: python3-scapy is missing (scripts/install-deps.sh test)"; exit 0; }
bst_init

write_config() {
  cat <<JSON
// Kea syntax throughout; blackstart defines 120 and 150 itself.
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0", "${BST_P}s1"]},
  "lease-database": {"type": "memfile", "name": "$BST_TMP/leases4.csv"},
  "valid-lifetime": 600,
  "client-classes": [
    {"name": "phones", "test": "substring(option[60].hex, 0, 7) == 'Yealink'",
     "option-data": [{"name": "tftp-server-name", "data": "198.18.1.5"},
                     {"name": "tftp-server-address", "data": "198.18.1.5"},
                     {"name": "sip-server", "data": "198.18.1.6"}]},
    {"name": "uefi", "test": "option[93].hex == 0x0007",
     "next-server": "198.18.1.5", "boot-file-name": "uefi/shimx64.efi"},
    {"name": "bios", "test": "option[93].hex == 0x0000",
     "next-server": "198.18.1.5", "boot-file-name": "bios/pxelinux.0"}
  ],
  "subnet4": [
    {"id": 1, "subnet": "198.18.1.0/24", "interface": "${BST_P}s1",
     "pools": [{"pool": "198.18.1.50 - 198.18.1.59", "client-class": "phones"},
               {"pool": "198.18.1.100 - 198.18.1.120"}],
     "option-data": [{"name": "routers", "data": "198.18.1.1"}]},
    {"id": 2, "subnet": "198.18.3.0/24",
     "pools": [{"pool": "198.18.3.100 - 198.18.3.150"}],
     "relay": {"ip-addresses": ["198.18.3.1"]},
     "option-data": [{"name": "routers", "data": "198.18.3.1"}],
     "reservations": [{"circuit-id": "'${BST_P}rd'", "ip-address": "198.18.3.50"}]}
  ]
}}
JSON
}

# A hook that keeps everything udhcpc exported, so the test sees each
# option the phone received under whatever name busybox gives it.
write_env_hook() {
  cat >"$BST_TMP/env-hook.sh" <<'HOOK'
#!/bin/sh
[ "$1" = bound ] && env | sort >"$BST_ENV_OUT"
exit 0
HOOK
  chmod +x "$BST_TMP/env-hook.sh"
}

phone_env() { grep -s "^$1=" "$BST_TMP/phone.env" | head -1 | cut -d= -f2-; }

# Relayed part: server s0 198.18.2.1 -- relay -- switch with client c1.
bst_relayed_office 1
# Direct part: server s1 198.18.1.1 on a second switch with c2 (phone), c3
# (PXE) and c4 (a PC).
bst_switch "${BST_P}sw2"
bst_plug "${BST_P}sw2" "${BST_P}srv" "${BST_P}s1"
ip -n "${BST_P}srv" addr add 198.18.1.1/24 dev "${BST_P}s1"
for n in 2 3 4; do bst_client "${BST_P}sw2" "$n"; done

CONF=$BST_TMP/kea-dhcp4.conf
write_config >"$CONF"
check "blackstart -t accepts the office file" "$BST_SERVER" -t "$CONF"
start_server_or_exit "${BST_P}srv" "$CONF" "$BST_TMP/server.log"

note "a VoIP phone (udhcpc, vendor class Yealink)"
write_env_hook
check "the phone gets a lease" timeout 30 ip netns exec "${BST_P}c2" env BST_ENV_OUT="$BST_TMP/phone.env" \
  udhcpc -f -q -n -i "${BST_P}c2" -s "$BST_TMP/env-hook.sh" -V "Yealink SIP-T46U" \
  -O 66 -O 150 -O 120 -t 5 -T 1
PHONE_IP=$(phone_env ip)
check "the phone's address is in the phones' pool (got '${PHONE_IP:-none}')" \
  ip_in_range "${PHONE_IP:-x}" 198.18.1.50 198.18.1.59
check "option 66 names the provisioning server (tftp='$(phone_env tftp)')" \
  [ "$(phone_env tftp)" == 198.18.1.5 ]
check "option 120 (sip-server, address form) is sent (sipsrv='$(phone_env sipsrv)')" \
  grep -qsE '^(sipsrv|opt120)=.*(198\.18\.1\.6|01c6120106)' "$BST_TMP/phone.env"
check "option 150 (Cisco TFTP list) is sent" grep -qsiE '^opt150=c6120105$' "$BST_TMP/phone.env"

note "a PC on the same link"
check "the PC gets a lease" udhcpc_once pc 4 -t 5 -T 1
check "the PC's address is not in the phones' pool (got '$(lease_ip pc)')" \
  ip_in_range "$(lease_ip pc)" 198.18.1.100 198.18.1.120

note "PXE ROMs (scapy DISCOVER with option 93)"
UEFI=$(timeout 20 ip netns exec "${BST_P}c3" /usr/bin/python3 "$PXE_PROBE" "${BST_P}c3" 0007 02:bb:00:00:00:03 2>&1 | tail -1 || true)
check "UEFI x64 (arch 7) gets next-server and the UEFI file ($UEFI)" \
  [ "$UEFI" == "siaddr=198.18.1.5 file=uefi/shimx64.efi" ]
BIOS=$(timeout 20 ip netns exec "${BST_P}c3" /usr/bin/python3 "$PXE_PROBE" "${BST_P}c3" 0000 02:bb:00:00:00:03 2>&1 | tail -1 || true)
check "BIOS (arch 0) gets next-server and the BIOS file ($BIOS)" \
  [ "$BIOS" == "siaddr=198.18.1.5 file=bios/pxelinux.0" ]

note "a client behind ISC dhcrelay, which adds its port's circuit id"
bst_spawn "${BST_P}rly" "$BST_TMP/dhcrelay.log" \
  dhcrelay -4 -d -a -pf "$BST_TMP/dhcrelay.pid" -id "${BST_P}rd" -iu "${BST_P}ru" 198.18.2.1
check "dhcrelay starts" wait_for 10 udp_listening "${BST_P}rly" 67 "$BST_LAST_PID"
check "the relayed client gets a lease" udhcpc_once relayed 1 -t 5 -T 1
check "it is the address reserved for circuit '${BST_P}rd' (got '$(lease_ip relayed)')" \
  [ "$(lease_ip relayed)" == 198.18.3.50 ]

stop_server_cleanly
bst_finish test_office_classes
