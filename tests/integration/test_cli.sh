#!/usr/bin/env bash
# The daemon's command line without a network: `-t` accepts the example
# config and rejects bad ones with FILE:LINE: message and a non-zero exit;
# `--show-leases` reads an SQLite lease database. Needs no namespaces.
set -euo pipefail
bin=${1:?usage: test_cli.sh BLACKSTART_BINARY}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then echo "PASS: $name"; else echo "FAIL: $name"; failures=$((failures + 1)); fi
}

check "-t accepts etc/blackstart.json" "$bin" -t "$root/etc/blackstart.json"

cat >"$work/bad.json" <<'JSON'
{"Dhcp4": {
  "valid-lifetime": 600,
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "198.18.2.10 - 198.18.2.20"}]}]
}}
JSON
rc=0; out=$("$bin" -t "$work/bad.json" 2>&1) || rc=$?
check "-t rejects a pool outside its subnet (exit $rc)" test "$rc" -ne 0
check "error names file and line: $out" grep -q "^$work/bad.json:4: " <<<"$out"

printf '{"Dhcp4": {"lease-database": {"type": "memfile"}}}\n' >"$work/memfile.json"
rc=0; out=$("$bin" -t "$work/memfile.json" 2>&1) || rc=$?
check "memfile is refused with advice (exit $rc): $out" grep -q sqlite <<<"$out"

printf '{"Dhcp4": {"shared-networks": []}}\n' >"$work/unsupported.json"
rc=0; out=$("$bin" -t "$work/unsupported.json" 2>&1) || rc=$?
check "unsupported Kea key is named (exit $rc): $out" grep -q shared-networks <<<"$out"

rc=0; out=$("$bin" -t "$work/missing.json" 2>&1) || rc=$?
check "missing file is named (exit $rc)" grep -q missing.json <<<"$out"

cat >"$work/leases.json" <<JSON
{"Dhcp4": {"lease-database": {"type": "sqlite", "name": "$work/leases.sqlite3"},
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24", "pools": [{"pool": "198.18.1.10 - 198.18.1.20"}]}]}}
JSON
check "--show-leases on a new database" "$bin" --show-leases -c "$work/leases.json"

echo "not a database" >"$work/garbage.sqlite3"
sed "s#leases.sqlite3#garbage.sqlite3#" "$work/leases.json" >"$work/garbage.json"
rc=0; out=$("$bin" --show-leases -c "$work/garbage.json" 2>&1) || rc=$?
check "a corrupt lease database is an error naming it (exit $rc): $out" grep -q garbage.sqlite3 <<<"$out"

[[ $failures -eq 0 ]]
