#!/usr/bin/env bash
# Style gates run by `make test`: clang-format must have nothing to change,
# and clang-tidy (checks in .clang-tidy) must report nothing, over src/ and
# tools/. Usage: scripts/lint.sh BUILD_DIR (needs its compile_commands.json).
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."

mapfile -t cxx_files < <(git ls-files '*.cpp' '*.h')
echo "lint: clang-format on ${#cxx_files[@]} files"
clang-format --dry-run --Werror "${cxx_files[@]}"

mapfile -t tidy_files < <(git ls-files 'src/*.cpp' 'tools/*.cpp')
echo "lint: clang-tidy on ${#tidy_files[@]} files"
# Two files per process, one process per core.
printf '%s\n' "${tidy_files[@]}" |
  xargs -P "$(nproc)" -n 2 clang-tidy -p "$build" --quiet --warnings-as-errors='*' \
    --extra-arg=-Wno-unknown-warning-option 2>/dev/null
echo "lint: clean"
