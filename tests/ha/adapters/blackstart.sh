# shellcheck shell=bash
# The blackstart adapter of the HA harness: NOT READY. blackstart's own HA
# pair (issue #12, branch `ha`) is still being built. This stub keeps the
# seam visible: when the pair exists, fill in the same functions as
# adapters/kea.sh (ha_setup, ha_command, ha_state, ha_normal,
# ha_dump_leases), with the pair's config written the way a Kea HA config
# is (libdhcp_ha.so parameters), and ha_dump_leases from
# `blackstart --show-leases` or the control API. Until then the harness
# prints a SKIP row for it.

ha_available() {
  echo "blackstart's HA pair is not implemented yet (issue #12); adapter tests/ha/adapters/blackstart.sh is a stub"
  return 1
}

ha_label() { echo "blackstart HA hot-standby"; }
