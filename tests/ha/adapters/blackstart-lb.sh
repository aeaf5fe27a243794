# shellcheck shell=bash
# The blackstart adapter of the HA harness in load-balancing: the same as
# adapters/blackstart.sh with the pair in Kea's load-balancing mode (RFC 3074
# hash of client-id, else MAC); either server is cut, alternately.
# shellcheck source=tests/ha/adapters/blackstart.sh
source "$HA_DIR/adapters/blackstart.sh"
# shellcheck disable=SC2034  # read by blackstart.sh
BS_HA_MODE=load-balancing
