#!/usr/bin/env bash
# The control API against a running daemon with real clients: every Kea-style
# command through curl, blackstart-ctl's commands and exit codes, bad input
# (which must change nothing), /metrics through `promtool check metrics`, a
# client whose hostname is not UTF-8 and holds escapes and a NUL, config reload by config-reload and by SIGHUP with a valid and an invalid
# file, and credentials for an API bound to a non-loopback address.
# Usage: tests/integration/test_control.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=control_lib.sh
source "$(dirname "$0")/control_lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
control_init "$BST_SERVER"
command -v promtool >/dev/null || { echo "FAIL: promtool is needed (Debian package prometheus)"; exit 1; }
bst_init

SRV="${BST_P}srv"
MAC1=02:bb:00:00:00:01
MAC2=02:bb:00:00:00:02

# write_config POOL CONTROL_SOCKETS: the office subnet plus subnet 2, which is
# on no link: its leases exist only through the API (for lease4-wipe).
LOOPBACK_SOCKETS='[{"socket-type": "http", "socket-address": "127.0.0.1", "socket-port": 8004}]'
write_config() {
  local sockets=${2:-$LOOPBACK_SOCKETS}
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 600,
  "control-sockets": $sockets,
  "subnet4": [
    {"id": 1, "subnet": "198.18.1.0/24", "pools": [{"pool": "$1"}],
     "option-data": [{"name": "routers", "data": "198.18.1.1"}],
     "reservations": [{"hw-address": "02:bb:00:00:00:09", "ip-address": "198.18.1.50",
                       "hostname": "printer"}]},
    {"id": 2, "subnet": "198.18.5.0/24", "pools": [{"pool": "198.18.5.10 - 198.18.5.20"}]}
  ]
}}
JSON
}

db_rows() { show_leases "$CONF" | awk 'NR > 1' | wc -l; }

take_leases() {
  note "real clients take leases"
  check "udhcpc (pc-one) gets a lease" udhcpc_once pc1 1 -x hostname:pc-one
  check "udhcpc (pc-two) gets a lease" udhcpc_once pc2 2 -x hostname:pc-two
  IP1=$(lease_ip pc1)
  IP2=$(lease_ip pc2)
}

check_read_commands() {
  note "read-only commands"
  expect_result "list-commands names every command" '{"command": "list-commands"}' 0 \
    '(.arguments | index("lease4-wipe")) != null and (.arguments | index("config-write")) != null'
  expect_result "version-get" '{"command": "version-get"}' 0 '.text | test("^[0-9]")'
  expect_result "build-report" '{"command": "build-report"}' 0 '.text | test("blackstart")'
  expect_result "status-get shows store health and recovery mode" '{"command": "status-get"}' 0 \
    '.arguments["lease-store"].healthy == true and .arguments["recovery-mode"].active == false and .arguments.uptime >= 0'
  expect_result "statistic-get-all counts the clients' ACKs" '{"command": "statistic-get-all"}' 0 \
    '.arguments["pkt4-ack-sent"][0][0] >= 2 and .arguments["subnet[1].assigned-addresses"][0][0] == 2'
  expect_result "statistic-get pkt4-received" \
    '{"command": "statistic-get", "arguments": {"name": "pkt4-received"}}' 0 \
    '.arguments["pkt4-received"][0][0] >= 4'
  expect_result "lease4-get by address shows pc-one" \
    "{\"command\": \"lease4-get\", \"arguments\": {\"ip-address\": \"$IP1\"}}" 0 \
    ".arguments[\"hw-address\"] == \"$MAC1\" and .arguments.hostname == \"pc-one\" and .arguments.state == 0"
  expect_result "lease4-get by identifier" \
    "{\"command\": \"lease4-get\", \"arguments\": {\"identifier-type\": \"hw-address\", \"identifier\": \"$MAC2\", \"subnet-id\": 1}}" 0 \
    ".arguments[\"ip-address\"] == \"$IP2\""
  expect_result "lease4-get of an unknown address is 'not found'" \
    '{"command": "lease4-get", "arguments": {"ip-address": "198.18.1.254"}}' 3
  expect_result "lease4-get-all lists both clients" '{"command": "lease4-get-all"}' 0 \
    '.arguments.leases | length == 2'
  expect_result "lease4-get-page, one at a time" \
    '{"command": "lease4-get-page", "arguments": {"from": "start", "limit": 1}}' 0 \
    ".arguments.count == 1 and .arguments.leases[0][\"ip-address\"] == \"$IP1\""
  expect_result "lease4-get-by-hw-address" \
    "{\"command\": \"lease4-get-by-hw-address\", \"arguments\": {\"hw-address\": \"$MAC2\"}}" 0 \
    ".arguments.leases[0][\"ip-address\"] == \"$IP2\""
  expect_result "lease4-get-by-client-id (udhcpc sends 01 + MAC)" \
    "{\"command\": \"lease4-get-by-client-id\", \"arguments\": {\"client-id\": \"01:$MAC1\"}}" 0 \
    ".arguments.leases[0][\"ip-address\"] == \"$IP1\""
  expect_result "lease4-get-by-hostname (case-insensitive)" \
    '{"command": "lease4-get-by-hostname", "arguments": {"hostname": "PC-TWO"}}' 0 \
    ".arguments.leases[0][\"ip-address\"] == \"$IP2\""
}

check_lease_edits() {
  note "lease4-add, -update, -del, -wipe reach the lease database"
  expect_result "lease4-add 198.18.1.140" \
    '{"command": "lease4-add", "arguments": {"ip-address": "198.18.1.140", "hw-address": "02:00:5e:00:00:40", "hostname": "static-pc"}}' 0
  check "the added lease is in the database ($(lease_state "$CONF" 198.18.1.140))" lease_bound "$CONF" 198.18.1.140
  expect_result "lease4-add on a bound address is refused" \
    "{\"command\": \"lease4-add\", \"arguments\": {\"ip-address\": \"$IP1\", \"hw-address\": \"02:00:5e:00:00:41\"}}" 1 \
    '.text | test("already exists")'
  expect_result "lease4-add on another device's reservation is refused" \
    '{"command": "lease4-add", "arguments": {"ip-address": "198.18.1.50", "hw-address": "02:00:5e:00:00:41"}}' 1 \
    '.text | test("reserved for 02:bb:00:00:00:09")'
  expect_result "lease4-update changes the hostname" \
    '{"command": "lease4-update", "arguments": {"ip-address": "198.18.1.140", "hostname": "renamed-pc"}}' 0
  check "the update is in the database" grep -q renamed-pc <(show_leases "$CONF")
  expect_result "lease4-del 198.18.1.140" \
    '{"command": "lease4-del", "arguments": {"ip-address": "198.18.1.140"}}' 0
  check "the deleted lease is gone from the database" [ "$(lease_state "$CONF" 198.18.1.140)" == none ]
  expect_result "lease4-del again is 'not found'" \
    '{"command": "lease4-del", "arguments": {"ip-address": "198.18.1.140"}}' 3
  for address in 198.18.5.10 198.18.5.11; do
    expect_result "lease4-add $address in subnet 2" \
      "{\"command\": \"lease4-add\", \"arguments\": {\"ip-address\": \"$address\", \"hw-address\": \"02:00:5e:00:05:${address##*.}\"}}" 0
  done
  expect_result "lease4-wipe subnet 2" '{"command": "lease4-wipe", "arguments": {"subnet-id": 2}}' 0 \
    '.text == "Deleted 2 IPv4 lease(s) from subnet 2."'
  check "subnet 1 kept its two leases ($(db_rows) rows)" [ "$(db_rows)" -eq 2 ]
}

check_bad_input() {
  note "bad input gets a clear error and changes nothing"
  local before
  before=$(db_rows)
  expect_result "malformed JSON" '{"command": "lease4-add", ' 1 '.text | test("invalid JSON")'
  expect_result "unknown command" '{"command": "lease4-explode"}' 2 '.text | test("not supported")'
  expect_result "'command' of the wrong type" '{"command": ["status-get"]}' 1
  expect_result "'arguments' of the wrong type" '{"command": "lease4-get-all", "arguments": [1]}' 1
  expect_result "an address of the wrong type" \
    '{"command": "lease4-add", "arguments": {"ip-address": 42, "hw-address": "02:00:5e:00:00:42"}}' 1 \
    '.text | test("must be a string")'
  expect_result "a misspelt argument is named" \
    '{"command": "lease4-del", "arguments": {"ip_address": "198.18.1.100"}}' 1 \
    '.text | test("ip_address")'
  head -c 5000000 /dev/zero | tr '\0' ' ' >"$BST_TMP/huge.json"
  local status
  status=$(http_status POST / --data-binary "@$BST_TMP/huge.json")
  check "an oversized body is refused with 413 (got $status)" [ "$status" == 413 ]
  check "it comes with a JSON reason" \
    grep -q 'larger than' <(api "@$BST_TMP/huge.json" 2>/dev/null || true)
  status=$(http_status GET /no/such/page)
  check "an unknown endpoint is 404 (got $status)" [ "$status" == 404 ]
  check "nothing changed in the lease database" [ "$(db_rows)" -eq "$before" ]
  check "the server still answers" api_ready
}

check_metrics() {
  note "/metrics"
  api_get /metrics >"$BST_TMP/metrics.txt"
  check "promtool check metrics accepts the exposition" \
    bash -c "promtool check metrics <'$BST_TMP/metrics.txt' >'$BST_TMP/promtool.log' 2>&1"
  local family
  for family in 'blackstart_packets_received_total{type="discover"}' 'blackstart_packets_sent_total{type="ack"}' \
    'blackstart_packets_dropped_total{reason=' 'blackstart_leases{subnet="1"' \
    'blackstart_allocation_duration_seconds_bucket' 'blackstart_commit_duration_seconds_bucket' \
    'blackstart_commit_batch_leases_bucket' 'blackstart_conflicts_total' 'blackstart_declines_total' \
    'blackstart_rogue_server_sightings_total' 'blackstart_recovery_mode'; do
    check "metrics have $family" grep -qF "$family" "$BST_TMP/metrics.txt"
  done
}

# run_ctl NAME ARGS...: blackstart-ctl's output to $BST_TMP/NAME.out, its
# exit status to CTL_RC.
CTL_RC=0
run_ctl() {
  local name=$1
  shift
  CTL_RC=0
  ctl "$@" >"$BST_TMP/$name.out" 2>&1 || CTL_RC=$?
}

check_ctl() {
  note "blackstart-ctl"
  run_ctl leases leases
  check "ctl leases lists both clients (exit $CTL_RC)" \
    bash -c "[[ $CTL_RC == 0 ]] && grep -q '$IP1' '$BST_TMP/leases.out' && grep -q '$IP2' '$BST_TMP/leases.out'"
  run_ctl search leases pc-two
  check "ctl leases pc-two finds one lease (exit $CTL_RC)" \
    bash -c "[[ $CTL_RC == 0 && \$(grep -c 198.18 '$BST_TMP/search.out') == 1 ]]"
  run_ctl leases-json --json leases
  check "ctl --json leases is the server's answer (exit $CTL_RC)" \
    jq -e '.arguments.leases | length == 2' "$BST_TMP/leases-json.out"
  run_ctl show-ip lease show "$IP1"
  check "ctl lease show IP (exit $CTL_RC)" bash -c "[[ $CTL_RC == 0 ]] && grep -q pc-one '$BST_TMP/show-ip.out'"
  run_ctl show-mac lease show "$MAC2"
  check "ctl lease show MAC (exit $CTL_RC)" bash -c "[[ $CTL_RC == 0 ]] && grep -q '$IP2' '$BST_TMP/show-mac.out'"
  run_ctl show-none lease show 198.18.1.254
  check "ctl lease show of an unknown address exits 1 (got $CTL_RC)" [ "$CTL_RC" -eq 1 ]
  run_ctl show-bad lease show banana
  check "ctl lease show banana is a usage error, exit 2 (got $CTL_RC)" [ "$CTL_RC" -eq 2 ]
  run_ctl stats stats
  check "ctl stats (exit $CTL_RC)" bash -c "[[ $CTL_RC == 0 ]] && grep -q pkt4-received '$BST_TMP/stats.out'"
  run_ctl status status
  check "ctl status (exit $CTL_RC)" bash -c "[[ $CTL_RC == 0 ]] && grep -q 'lease store:   healthy' '$BST_TMP/status.out'"
  run_ctl raw command lease4-get "{\"ip-address\": \"$IP2\"}"
  check "ctl command sends any command (exit $CTL_RC)" jq -e '.result == 0' "$BST_TMP/raw.out"
  run_ctl help --help
  check "ctl --help explains itself (exit $CTL_RC)" \
    bash -c "[[ $CTL_RC == 0 ]] && grep -q 'Examples:' '$BST_TMP/help.out' && grep -q 'Exit status' '$BST_TMP/help.out'"
  run_ctl bogus --bogus
  check "ctl with an unknown option exits 2 (got $CTL_RC)" [ "$CTL_RC" -eq 2 ]
  run_ctl nothing --url http://127.0.0.1:9 --timeout 2 status
  check "ctl against no server exits 69 (got $CTL_RC)" [ "$CTL_RC" -eq 69 ]
  check "  ... and says why: $(cat "$BST_TMP/nothing.out")" grep -qxF \
    'blackstart-ctl: connection refused to 127.0.0.1:9; is blackstart running? (set --url)' \
    "$BST_TMP/nothing.out"
}

# The hostname a hostile client sends in option 12 (issue 9): not UTF-8
# (ff fe), an xterm "set title" escape (ESC ] 0 ; pwn BEL), a NUL, then
# "tail". The API shows it with the invalid bytes as \xNN (jq's string
# below), blackstart-ctl with every control byte as \xNN too.
HOSTILE_MAC=02:bb:00:00:00:04
HOSTILE_HEX=fffe1b5d303b70776e07007461696c
HOSTILE_API='"\\xff\\xfe\u001b]0;pwn\u0007\u0000tail"'
HOSTILE_CTL='\xff\xfe\x1b]0;pwn\x07\x00tail'

# no_control_bytes FILE: nothing in FILE could drive a terminal.
no_control_bytes() { ! LC_ALL=C grep -aqP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1"; }

check_hostile_client() {
  note "a client whose hostname is not UTF-8 and carries escapes and a NUL"
  check "udhcpc with that hostname gets a lease" udhcpc_once hostile 4 -x "0x0c:$HOSTILE_HEX"
  IP4=$(lease_ip hostile)
  check "the database holds the bytes as sent" grep -qix "$HOSTILE_HEX" \
    <(sqlite3 "$BST_TMP/leases.sqlite3" "SELECT hex(hostname) FROM leases WHERE address = $(ip_to_int "$IP4")")
  expect_result "lease4-get-all answers with every lease" '{"command": "lease4-get-all"}' 0 \
    ".arguments.leases | length == 3 and (map(select(.hostname == $HOSTILE_API)) | length == 1)"
  expect_result "lease4-get-by-hostname finds it by the name the API shows" \
    "{\"command\": \"lease4-get-by-hostname\", \"arguments\": {\"hostname\": $HOSTILE_API}}" 0 \
    ".arguments.leases[0][\"ip-address\"] == \"$IP4\""
  local path status
  for path in /api/leases /api/events "/api/history?client=$HOSTILE_MAC" /api/status; do
    status=$(http_status GET "$path")
    check "GET $path is 200 (got $status)" [ "$status" == 200 ]
    check "  ... with valid JSON" jq -e . <(api_get "$path")
  done
  check "/api/leases shows the name" jq -e ".leases | map(select(.hostname == $HOSTILE_API)) | length == 1" \
    <(api_get /api/leases)
  run_ctl hostile-leases leases
  check "ctl leases (exit $CTL_RC) lists all three leases" \
    bash -c "[[ $CTL_RC == 0 && \$(grep -ac '^198\.18\.' '$BST_TMP/hostile-leases.out') == 3 ]]"
  check "  ... the name as $HOSTILE_CTL" grep -aqF "$HOSTILE_CTL" "$BST_TMP/hostile-leases.out"
  check "  ... and no control byte" no_control_bytes "$BST_TMP/hostile-leases.out"
  run_ctl hostile-json leases --json
  check "ctl leases --json, option after the subcommand (exit $CTL_RC)" \
    jq -e ".arguments.leases | length == 3 and (map(select(.hostname == $HOSTILE_API)) | length == 1)" \
    "$BST_TMP/hostile-json.out"
  check "  ... and no control byte" no_control_bytes "$BST_TMP/hostile-json.out"
  run_ctl stats-json stats --json
  check "ctl stats --json (exit $CTL_RC)" jq -e '.arguments["pkt4-received"][0][0] > 0' \
    "$BST_TMP/stats-json.out"
  run_ctl hostile-show lease show "$IP4" --json
  check "ctl lease show IP --json (exit $CTL_RC)" jq -e ".arguments.hostname == $HOSTILE_API" \
    "$BST_TMP/hostile-show.out"
  show_leases "$CONF" >"$BST_TMP/hostile-show-leases.out"
  check "blackstart --show-leases shows it as $HOSTILE_CTL" \
    grep -aqF "$HOSTILE_CTL" "$BST_TMP/hostile-show-leases.out"
  check "  ... and no control byte" no_control_bytes "$BST_TMP/hostile-show-leases.out"
}

check_config_commands() {
  note "config-get, config-test, config-write, and ctl config check"
  expect_result "config-get returns the running file" '{"command": "config-get"}' 0 \
    '.arguments.Dhcp4.subnet4 | length == 2'
  local good bad
  good=$(write_config "198.18.1.100 - 198.18.1.139" | jq -c .)
  expect_result "config-test accepts a valid config" "{\"command\": \"config-test\", \"arguments\": $good}" 0
  bad=$(jq -c '.Dhcp4["valid-lifetime"] = "long"' <<<"$good")
  expect_result "config-test names the problem in an invalid one" \
    "{\"command\": \"config-test\", \"arguments\": $bad}" 1 '.text | test("valid-lifetime must be an integer")'
  expect_result "config-write into the config directory" \
    '{"command": "config-write", "arguments": {"filename": "written.json"}}' 0
  check "the written file is a valid config" "$BST_SERVER" -t "$BST_TMP/written.json"
  expect_result "config-write outside the config directory is refused" \
    '{"command": "config-write", "arguments": {"filename": "/etc/blackstart-test.json"}}' 1
  check "and nothing was written there" [ ! -e /etc/blackstart-test.json ]
  check "the written config is mode 0600 ($(stat -c %a "$BST_TMP/written.json"))" \
    [ "$(stat -c %a "$BST_TMP/written.json")" == 600 ]
  local file
  for file in leases.sqlite3 leases.sqlite3-wal leases.sqlite3.clean-shutdown; do
    expect_result "config-write over the lease database's $file is refused" \
      "{\"command\": \"config-write\", \"arguments\": {\"filename\": \"$file\"}}" 1 \
      '.text | test("lease database")'
  done
  expect_result "config-write over another existing file is refused" \
    '{"command": "config-write", "arguments": {"filename": "written.json"}}' 1 \
    '.text | test("not the running configuration file")'
  for file in leases.sqlite3 leases.sqlite3-wal leases.sqlite3-shm; do
    check "$file is not readable by others ($(stat -c %a "$BST_TMP/$file"))" \
      [ "$(($(stat -c '0%a' "$BST_TMP/$file") & 8#137))" -eq 0 ]
  done
  local secret_test
  secret_test=$(jq -c '.Dhcp4["control-sockets"] = [{"socket-type": "http", "authentication":
    {"type": "basic", "clients": [{"user": "a", "password-file": "/dev/zero"}]}}]' <<<"$good")
  expect_result "config-test does not read /dev/zero as a password file" \
    "{\"command\": \"config-test\", \"arguments\": $secret_test}" 1 '.text | test("not a regular file")'
  write_config "198.18.1.100 - 198.18.1.139" >"$BST_TMP/next.json"
  local out rc
  out=$(ctl config check "$BST_TMP/next.json" 2>&1) && rc=0 || rc=$?
  check "ctl config check FILE accepts a valid file (exit $rc: $out)" [ "$rc" -eq 0 ]
  printf '{"Dhcp4": {\n  "subnet4": [\n    {"id": 1, "subnet": "198.18.1.0/33"}\n  ]\n}}\n' >"$BST_TMP/broken.json"
  out=$(ctl config check "$BST_TMP/broken.json" 2>&1) && rc=0 || rc=$?
  check "ctl config check FILE rejects a bad one with FILE:LINE (exit $rc: $out)" \
    bash -c "[[ $rc == 1 ]] && grep -qF '$BST_TMP/broken.json:3:' <<<'$out'"
}

# reload_valid HOW POOL FIRST: HOW is "api" (config-reload) or "sighup";
# after it the leases are all kept and a new client gets FIRST from POOL.
reload_valid() {
  local how=$1 pool=$2 first=$3 events_before leases_before
  leases_before=$(lease_count_api)
  write_config "$pool" >"$CONF"
  if [[ $how == api ]]; then
    expect_result "config-reload with a valid file" '{"command": "config-reload"}' 0
  else
    events_before=$(grep -c 'configuration reloaded:' "$BST_TMP/server.log" || true)
    kill -HUP "$BST_SERVER_PID"
    check "SIGHUP reloads a valid file" wait_for 5 \
      bash -c "(( \$(grep -c 'configuration reloaded:' '$BST_TMP/server.log') > $events_before ))"
  fi
  check "after the $how reload all $leases_before leases are there ($(lease_count_api))" \
    [ "$(lease_count_api)" -eq "$leases_before" ]
  expect_result "after the $how reload the new pool is in force" '{"command": "config-get"}' 0 \
    ".arguments.Dhcp4.subnet4[0].pools[0].pool == \"$pool\""
  expect_result "pc-one's lease is unchanged" \
    "{\"command\": \"lease4-get\", \"arguments\": {\"ip-address\": \"$IP1\"}}" 0 \
    ".arguments[\"hw-address\"] == \"$MAC1\" and .arguments.hostname == \"pc-one\""
  check "a new client gets $first from the new pool" udhcpc_once "new-$how" 3 -r 0.0.0.0
  check "  (got $(lease_ip "new-$how"))" [ "$(lease_ip "new-$how")" == "$first" ]
}

# reload_invalid HOW: a broken file is refused and changes nothing.
reload_invalid() {
  local how=$1 failed_before
  cp "$CONF" "$BST_TMP/good.json"
  printf '{"Dhcp4": {\n  "valid-lifetime": -5\n}}\n' >"$CONF"
  if [[ $how == api ]]; then
    expect_result "config-reload with an invalid file is refused with FILE:LINE" \
      '{"command": "config-reload"}' 1 ".text | contains(\"$CONF:2:\")"
  else
    failed_before=$(grep -c 'reload refused' "$BST_TMP/server.log" || true)
    kill -HUP "$BST_SERVER_PID"
    check "SIGHUP with an invalid file logs the refusal" wait_for 5 \
      bash -c "(( \$(grep -c 'reload refused' '$BST_TMP/server.log') > $failed_before ))"
    check "  naming FILE:LINE" grep -qF "$CONF:2:" "$BST_TMP/server.log"
  fi
  check "the server is still running" is_running "$BST_SERVER_PID"
  expect_result "the running config stays" '{"command": "config-get"}' 0 \
    '.arguments.Dhcp4.subnet4 | length == 2'
  expect_result "status-get counts the refused reload" '{"command": "status-get"}' 0 \
    '.arguments.reloads.failed >= 1'
  check "leases are untouched ($(lease_count_api))" [ "$(lease_count_api)" -ge 2 ]
  cp "$BST_TMP/good.json" "$CONF"
}

check_reload() {
  note "reload by config-reload and by SIGHUP"
  reload_valid api "198.18.1.110 - 198.18.1.139" 198.18.1.110
  reload_invalid api
  reload_valid sighup "198.18.1.120 - 198.18.1.139" 198.18.1.120
  reload_invalid sighup
}

check_auth() {
  note "an API on a non-loopback address needs credentials"
  local open_sockets='[{"socket-type": "http", "socket-address": "198.18.1.1", "socket-port": 8004}]'
  write_config "198.18.1.100 - 198.18.1.139" "$open_sockets" >"$BST_TMP/open.json"
  local out rc
  out=$("$BST_SERVER" -t "$BST_TMP/open.json" 2>&1) && rc=0 || rc=$?
  check "a config that opens the API without credentials is refused (exit $rc)" \
    bash -c "[[ $rc != 0 ]] && grep -q 'needs \"authentication\"' <<<'$out'"
  out=$(ip netns exec "$SRV" timeout 10 "$BST_SERVER" -c "$BST_TMP/open.json" 2>&1) && rc=0 || rc=$?
  check "the daemon refuses to start with it (exit $rc)" [ "$rc" -ne 0 ]
  expect_result "shutdown" '{"command": "shutdown"}' 0
  check "the daemon exits after shutdown" gone_within "$BST_SERVER_PID" 10
  stop_server
  check "with exit status 0 (got $BST_SERVER_RC)" [ "$BST_SERVER_RC" -eq 0 ]

  printf 'correct-horse-battery-staple\n' >"$BST_TMP/token"
  chmod 600 "$BST_TMP/token"
  write_config "198.18.1.100 - 198.18.1.139" '[{"socket-type": "http", "socket-address": "198.18.1.1", "socket-port": 8004,
    "authentication": {"type": "basic", "clients": [{"user": "admin", "password": "s3cret"}]}}]' >"$CONF"
  start_server "$SRV" "$CONF" "$BST_TMP/server-auth.log" || fail "server starts with basic auth on 198.18.1.1"
  BST_API_URL=http://198.18.1.1:8004
  check "the API answers on 198.18.1.1" wait_for 10 bash -c "[[ \$(ip netns exec $SRV curl -s -o /dev/null -w '%{http_code}' $BST_API_URL/) == 401 ]]"
  check "no credentials: 401 for commands" [ "$(http_status POST / --data-binary '{"command": "status-get"}')" == 401 ]
  check "no credentials: 401 for the page" [ "$(http_status GET /)" == 401 ]
  check "no credentials: 401 for /metrics" [ "$(http_status GET /metrics)" == 401 ]
  check "wrong password: 401" [ "$(http_status GET /api/status -u admin:wrong)" == 401 ]
  check "right password: 200" [ "$(http_status GET /api/status -u admin:s3cret)" == 200 ]
  ctl --url "$BST_API_URL" status >/dev/null 2>&1 && rc=0 || rc=$?
  check "ctl without credentials exits 77 (got $rc)" [ "$rc" -eq 77 ]
  out=$(BLACKSTART_PASSWORD=s3cret ctl --url "$BST_API_URL" --user admin leases) && rc=0 || rc=$?
  check "ctl --user with BLACKSTART_PASSWORD lists the leases kept across the restart (exit $rc)" \
    bash -c "[[ $rc == 0 ]] && grep -q '$IP1' <<<'$out'"
  check "  ... the hostile one loaded back from the database, shown the same" \
    bash -c "grep -a '^$IP4 ' <<<\"\$1\" | grep -aqF '$HOSTILE_CTL'" _ "$out"
  stop_server

  write_config "198.18.1.100 - 198.18.1.139" "[{\"socket-type\": \"http\", \"socket-address\": \"198.18.1.1\",
    \"authentication\": {\"type\": \"bearer\", \"token-file\": \"$BST_TMP/token\"}}]" >"$CONF"
  start_server "$SRV" "$CONF" "$BST_TMP/server-token.log" || fail "server starts with a bearer token"
  check "the API answers with a token" wait_for 10 bash -c "[[ \$(ip netns exec $SRV curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer correct-horse-battery-staple' $BST_API_URL/api/status) == 200 ]]"
  check "a wrong token: 401" [ "$(http_status GET /api/status -H 'Authorization: Bearer wrong-horse-battery-staple')" == 401 ]
  ctl --url "$BST_API_URL" --token correct-horse-battery-staple status >/dev/null && rc=0 || rc=$?
  check "ctl --token works (exit $rc)" [ "$rc" -eq 0 ]
  stop_server
  BST_API_URL=http://127.0.0.1:8004
}

bst_office 4
CONF=$BST_TMP/blackstart.json
write_config "198.18.1.100 - 198.18.1.139" >"$CONF"
if ! start_server "$SRV" "$CONF" "$BST_TMP/server.log"; then
  fail "server starts"
  exit 1
fi
check "the control API answers on 127.0.0.1:8004" wait_for 10 api_ready
take_leases
check_read_commands
check_lease_edits
check_bad_input
check_metrics
check_ctl
check_hostile_client
check_config_commands
check_reload
check_auth
bst_finish test_control
