# shellcheck shell=bash
# One blackstart server on side A, no HA (the benchmark's reference row,
# tests/ha/ha_powercut.sh -b): the same config as adapters/blackstart.sh
# without the libdhcp_ha entry. No partner, so nothing to cut.
# shellcheck source=tests/ha/adapters/blackstart.sh
source "$HA_DIR/adapters/blackstart.sh"
# shellcheck disable=SC2034  # read by blackstart.sh
BS_HA_MODE=single
ha_sides() { echo A; }
ha_normal() { [[ -n "${PID[A]:-}" ]]; }
ha_label() { echo "blackstart, one server (SQLite, fsync on)"; }
