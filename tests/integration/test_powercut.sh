#!/usr/bin/env bash
# The short power-cut run of `make test` (the long one is `make powercut`):
# five simulated power cuts under DHCP load, each a SIGKILL plus the loss of
# every unsynced byte (or, in half of them, torn writes), must leave
# blackstart with every ACKed lease, no address bound twice and a store that
# opens every time. Then the harness must be able to fail: blackstart with
# its fsync-off knob must be caught forgetting leases.
# Usage: tests/integration/test_powercut.sh path/to/blackstart
#        (bs-load, bs-powercut and the shim come from the same build directory;
#        POWERCUT_SEED=N repeats a run, the seed is printed)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
REPO=$(cd "$(dirname "$0")/../.." && pwd)
bst_require_root_netns
bst_init

OUT=$BST_TMP/powercut.out
SEED=${POWERCUT_SEED:-$(((RANDOM << 15) | RANDOM))}
note "tools/powercut/powercut.sh blackstart:5 blackstart-nofsync:2 (seed $SEED, mode mixed)"
POWERCUT_BUILD=$(dirname "$SERVER") POWERCUT_SEED=$SEED POWERCUT_MODE=mixed POWERCUT_BUDGET_S=60 \
  "$REPO/tools/powercut/powercut.sh" blackstart:5 blackstart-nofsync:2 >"$OUT" 2>&1 || true
sed 's/^/    /' "$OUT"

# stat SERVER NAME: NAME=VALUE from the harness's summary line for SERVER.
stat() {
  grep "^powercut: server=$1 " "$OUT" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -n 1
}
is() { [[ "$(stat "$1" "$2")" == "$3" ]]; }
positive() { [[ "$(stat "$1" "$2")" =~ ^[1-9][0-9]*$ ]]; }

check "blackstart: 5 power cuts under load (got '$(stat blackstart cuts)')" is blackstart cuts 5
check "blackstart: ACKed leases were checked after the cuts (got '$(stat blackstart checked)')" \
  positive blackstart checked
check "blackstart: no ACKed lease forgotten (got '$(stat blackstart forgotten)')" is blackstart forgotten 0
check "blackstart: no address bound to two clients (got '$(stat blackstart duplicates)')" \
  is blackstart duplicates 0
check "blackstart: the store opened after every cut (failures: '$(stat blackstart open_failures)')" \
  is blackstart open_failures 0
check "blackstart: every client got an answer (unanswered: '$(stat blackstart unanswered)')" \
  is blackstart unanswered 0
check "blackstart: never died under load (crashes: '$(stat blackstart crashes)')" \
  is blackstart crashes 0
check "fsync off: the harness catches forgotten leases (got '$(stat blackstart-nofsync forgotten)')" \
  positive blackstart-nofsync forgotten
bst_finish test_powercut
