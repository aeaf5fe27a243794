#!/usr/bin/env bash
# The daemon's command line without a network: `-t` accepts the example
# config and rejects bad ones with FILE:LINE: message and a non-zero exit;
# `--show-leases` reads an SQLite lease database; a damaged database stops
# the daemon with the file named; `--recover-db` salvages the valid rows of
# one and keeps the old file. Needs no namespaces.
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
check "Kea's memfile is accepted as it is (exit $rc)" test "$rc" -eq 0
printf '{"Dhcp4": {"lease-database": {"type": "memfile", "persist": false}}}\n' >"$work/nopersist.json"
rc=0; out=$("$bin" -t "$work/nopersist.json" 2>&1) || rc=$?
check "memfile with persist false is refused, naming the key (exit $rc): $out" \
  bash -c '[ "$1" -ne 0 ] && grep -q persist <<<"$2"' _ "$rc" "$out"

printf '{"Dhcp4": {"config-control": {}}}\n' >"$work/unsupported.json"
rc=0; out=$("$bin" -t "$work/unsupported.json" 2>&1) || rc=$?
check "unsupported Kea key is named (exit $rc): $out" grep -q config-control <<<"$out"

# -t also checks this host: a lease directory that does not exist is a
# warning (exit 0, FILE:LINE: warning:), an error with --strict (exit 1).
cat >"$work/nodir.json" <<JSON
{"Dhcp4": {
  "lease-database": {"type": "memfile",
                     "name": "$work/no-such-dir/leases4.csv"},
  "control-sockets": []
}}
JSON
rc=0; out=$("$bin" -t "$work/nodir.json" 2>&1) || rc=$?
check "-t warns about a missing lease directory, exit 0 (exit $rc)" test "$rc" -eq 0
check "  ... as FILE:LINE: warning: naming the directory: $out" \
  grep -q "^$work/nodir.json:3: warning: .*\"$work/no-such-dir\" does not exist" <<<"$out"
rc=0; out=$("$bin" -t "$work/nodir.json" --strict 2>&1) || rc=$?
check "-t --strict makes it an error (exit $rc): $out" \
  bash -c '[ "$1" -eq 1 ] && grep -q "^$2:3: lease-database" <<<"$3"' _ "$rc" "$work/nodir.json" "$out"
mkdir "$work/no-such-dir"
rc=0; out=$("$bin" -t "$work/nodir.json" --strict 2>&1) || rc=$?
check "-t --strict passes once the directory exists (exit $rc): $out" test "$rc" -eq 0

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

# The daemon binds its DHCP sockets before it opens the store, so it needs
# an interface: a veth, in a network namespace of its own.
sed 's#"lease-database"#"interfaces-config": {"interfaces": ["bscli0"]}, "lease-database"#' \
  "$work/garbage.json" >"$work/garbage-daemon.json"
rc=0
out=$(unshare -n sh -c 'ip link add bscli0 type veth peer name bscli1 && ip addr add 198.18.9.1/24 dev bscli0 &&
  ip link set bscli0 up && exec "$0" -c "$1"' "$bin" "$work/garbage-daemon.json" 2>&1) || rc=$?
check "the daemon refuses a corrupt database (exit $rc)" test "$rc" -ne 0
check "  ... naming it and pointing at --recover-db: $out" \
  grep -q "garbage.sqlite3.*--recover-db\|--recover-db.*garbage.sqlite3" <<<"$out"
rc=0; out=$("$bin" --recover-db "$work/garbage.sqlite3" 2>&1) || rc=$?
check "--recover-db refuses a file without an SQLite header (exit $rc): $out" test "$rc" -ne 0
check "  ... and leaves it alone" grep -qx "not a database" "$work/garbage.sqlite3"

# Three good rows and one that start-up must refuse (state 7 does not exist).
for n in 1 2 3 4; do
  state=$([[ $n -eq 4 ]] && echo 7 || echo 0)
  sqlite3 "$work/leases.sqlite3" "INSERT INTO leases VALUES ($((3323068672 + 10 + n)), 1,
    x'02bb0000000$n', x'', 'pc-$n', 1, 600, 1800000000, $state);"
done
rc=0; out=$("$bin" --show-leases -c "$work/leases.json" 2>&1) || rc=$?
check "a bad row is an error naming file and row (exit $rc): $out" \
  grep -q "leases.sqlite3: row 4 (address 198.18.1.14): state 7 is out of range" <<<"$out"
rc=0; out=$("$bin" --recover-db "$work/leases.json" 2>&1) || rc=$?
check "--recover-db with the config succeeds (exit $rc)" test "$rc" -eq 0
check "  ... reports kept and dropped rows: $out" grep -q "kept 3 rows, dropped 1 rows" <<<"$out"
check "  ... and why the row was dropped" grep -q "dropped 1: state N is out of range" <<<"$out"
kept=("$work"/leases.sqlite3.corrupt-*)
check "  ... keeps the old file as ${kept[0]##*/}" test -s "${kept[0]}"
rc=0; out=$("$bin" --show-leases -c "$work/leases.json" 2>&1) || rc=$?
check "the recovered database loads (exit $rc)" test "$rc" -eq 0
check "  ... with the three good leases" test "$(grep -c '^198\.18\.1\.1[123] ' <<<"$out")" -eq 3

[[ $failures -eq 0 ]]
