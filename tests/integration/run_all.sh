#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh against one blackstart binary, one
# after another, each under a time limit, and prints a summary. Skips (exit
# 0) only where the tests cannot run at all: not root, or no network
# namespaces. Usage: tests/integration/run_all.sh path/to/blackstart [test_name...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
server=$(realpath "${1:?usage: $0 path/to/blackstart [test_name...]}")
shift
limit_s=${BST_TEST_TIMEOUT_S:-300}

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: integration tests need root (they build network namespaces)"
  exit 0
fi
probe="bsprobe$$"
if ! ip netns add "$probe" 2>/dev/null; then
  echo "SKIP: this machine does not support network namespaces"
  exit 0
fi
ip netns del "$probe"
if [[ ! -x "$server" ]]; then
  echo "run_all: $server is not an executable; build it first" >&2
  exit 1
fi

if (($# > 0)); then
  tests=()
  for name in "$@"; do tests+=("$here/${name%.sh}.sh"); done
else
  tests=("$here"/test_*.sh)
fi

passed=0
failed=0
summary=()
for test in "${tests[@]}"; do
  name=$(basename "$test" .sh)
  echo "=== $name"
  start_s=$SECONDS
  # timeout signals the whole process group, so the test's own trap still
  # runs and removes its namespaces; SIGKILL follows only if that hangs.
  if timeout -k 30 "$limit_s" bash "$test" "$server"; then
    passed=$((passed + 1))
    summary+=("PASS $name ($((SECONDS - start_s)) s)")
  else
    failed=$((failed + 1))
    summary+=("FAIL $name ($((SECONDS - start_s)) s)")
  fi
done

echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "integration: $passed passed, $failed failed"
((failed == 0))
