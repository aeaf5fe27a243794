#!/usr/bin/env bash
# The short power-cut run of `make test` (the long one is `make powercut`):
# five simulated power cuts under DHCP load, each a SIGKILL plus the loss of
# every unsynced byte (or, in half of them, torn writes), must leave
# blackstart with every ACKed lease, no address bound twice and a store that
# opens every time; four more with Kea's CSV memfile as the store (its
# cleanup running every second). Then the harness must be able to fail:
# blackstart with its fsync-off knob must be caught forgetting leases, on
# both stores.
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
RUNS=(blackstart:5 blackstart-memfile:4 blackstart-nofsync:2 blackstart-memfile-nofsync:2)
note "tools/powercut/powercut.sh ${RUNS[*]} (seed $SEED, mode mixed)"
POWERCUT_BUILD=$(dirname "$SERVER") POWERCUT_SEED=$SEED POWERCUT_MODE=mixed POWERCUT_BUDGET_S=60 \
  "$REPO/tools/powercut/powercut.sh" "${RUNS[@]}" >"$OUT" 2>&1 || true
sed 's/^/    /' "$OUT"

# stat SERVER NAME: NAME=VALUE from the harness's summary line for SERVER.
stat() {
  grep "^powercut: server=$1 " "$OUT" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -n 1
}
is() { [[ "$(stat "$1" "$2")" == "$3" ]]; }
positive() { [[ "$(stat "$1" "$2")" =~ ^[1-9][0-9]*$ ]]; }

for run in blackstart:5 blackstart-memfile:4; do
  server=${run%%:*} cuts=${run##*:}
  check "$server: $cuts power cuts under load (got '$(stat "$server" cuts)')" is "$server" cuts "$cuts"
  check "$server: ACKed leases were checked after the cuts (got '$(stat "$server" checked)')" \
    positive "$server" checked
  check "$server: no ACKed lease forgotten (got '$(stat "$server" forgotten)')" \
    is "$server" forgotten 0
  check "$server: no address bound to two clients (got '$(stat "$server" duplicates)')" \
    is "$server" duplicates 0
  check "$server: the store opened after every cut (failures: '$(stat "$server" open_failures)')" \
    is "$server" open_failures 0
  check "$server: every client got an answer (unanswered: '$(stat "$server" unanswered)')" \
    is "$server" unanswered 0
  check "$server: never died under load (crashes: '$(stat "$server" crashes)')" \
    is "$server" crashes 0
done
for server in blackstart-nofsync blackstart-memfile-nofsync; do
  check "$server: the harness catches forgotten leases (got '$(stat "$server" forgotten)')" \
    positive "$server" forgotten
done
bst_finish test_powercut
