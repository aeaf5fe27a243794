#!/usr/bin/env bash
# The script a drill device's DHCP client runs (drill/drilllib/office.py):
# the integration tests' hook (tests/integration/client-hook.sh: records the
# event, puts the address on the interface), then, when the client has just
# bound an address, the drill's device-side probe (drill/devprobe.c), which
# stamps the moment (CLOCK_MONOTONIC) into the device's stamp file and
# tries the mail host (and a phone's REGISTER) from the device until it
# succeeds. Environment: BST_DRILL_PROBE (the compiled probe),
# BST_DRILL_STAMPS (the device's stamp file), BST_DRILL_MAIL (the mail
# host's address), for phones BST_DRILL_SIP ("SIP_IP SCENARIO NAME").
# The lease variables come from the client (udhcpc: $1 and $ip; dhclient and
# dhcpcd: $reason, $new_ip_address, $old_ip_address).
# shellcheck disable=SC2154
set -uo pipefail

# Sourced in a subshell rather than run: a fork instead of a second bash
# (and no `dirname` process), since hundreds of devices boot at once on a
# few cores and every process a hook starts delays the device's first query.
# The subshell keeps client-hook.sh's `set -e` and its variables to itself.
# shellcheck source=../tests/integration/client-hook.sh
(source "${0%/*}/../tests/integration/client-hook.sh" "$@")
status=$?

address=
case "${BST_CLIENT:-}" in
  udhcpc) [[ "${1:-}" == bound ]] && address=${ip:-} ;;
  dhclient | dhcpcd)
    case "${reason:-}" in
      BOUND | REBOOT) address=${new_ip_address:-} ;;
      RENEW | REBIND)
        # An address that changed at a renewal is a new address too.
        [[ "${new_ip_address:-}" != "${old_ip_address:-}" ]] && address=${new_ip_address:-} ;;
    esac
    ;;
esac
if [[ -n "$address" && -n "${BST_DRILL_PROBE:-}" && -n "${BST_DRILL_STAMPS:-}" ]]; then
  # shellcheck disable=SC2086 # BST_DRILL_SIP is three words by design
  "$BST_DRILL_PROBE" bound "$BST_DRILL_STAMPS" "$address" "$BST_DRILL_MAIL" \
    ${BST_DRILL_SIP:-} </dev/null >/dev/null 2>&1
fi
exit "$status"
