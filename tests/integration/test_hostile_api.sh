#!/usr/bin/env bash
# Hostile callers against a real daemon (issue #9, docs/SECURITY.md): every
# attack of the security review, sent to blackstart in a network namespace,
# and afterwards the proof that none of them crashed it, changed it or lost
# a lease, and that DHCP still serves a real client.
#   - a client whose hostname is invalid UTF-8 with terminal escapes;
#   - JSON nested 50,000 deep in three commands;
#   - commands in text/plain and form encoding, and with a foreign Origin;
#   - a foreign Host on every route (DNS rebinding);
#   - config-test reading /dev/zero as a password file;
#   - config-write onto the lease database and through a planted symlink;
#   - lease4-add of a network/broadcast address, a far expiry, a second MAC;
#   - a 100 MB chunked body, and 1,000 idle and slow-drip connections;
#   - a real headless Chromium on a page from another local port (CSRF)
#     and on a rebound name (tests/browser/hostile_page.test.mjs);
#   - the modes of the files the daemon creates.
# Usage: tests/integration/test_hostile_api.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=control_lib.sh
source "$(dirname "$0")/control_lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BROWSER_DIR=$ROOT/tests/browser
bst_require_root_netns
control_init "$BST_SERVER"
for tool in node npm /usr/bin/chromium python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is needed (scripts/install-deps.sh test)"; exit 1; }
done
bst_init

SRV="${BST_P}srv"
API_PORT=8004
ATTACK_PORT=8080
# Bytes a client chose: invalid UTF-8, then an OSC sequence that would set
# the terminal's title, then BEL.
EVIL_HOSTNAME=$'pc\xff\xfe\x1b]0;pwned\x07-x'
VICTIM_MAC=02:00:5e:66:66:66
VICTIM_IP=198.18.1.177

write_config() {
  cat <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 3600,
  "subnet4": [{
    "id": 1, "subnet": "198.18.1.0/24",
    "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}],
    "option-data": [{"name": "routers", "data": "198.18.1.1"}]
  }]
}}
JSON
}

# status_of ARGS...: the HTTP status curl saw for a request inside the
# server's namespace ("000" when nothing came back).
status_of() {
  ip netns exec "$SRV" curl -s -o /dev/null -w '%{http_code}' -m 15 "$@" || true
}

refused() { [[ "$1" =~ ^4[0-9][0-9]$ ]]; }

alive() { is_running "$BST_SERVER_PID" && api_ready; }

# nested DEPTH PREFIX SUFFIX: PREFIX, DEPTH brackets, SUFFIX (as a file).
nested() {
  python3 -c 'import sys; d = int(sys.argv[1]); sys.stdout.write(sys.argv[2] + "[" * d + "]" * d + sys.argv[3])' "$@"
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$BST_SERVER_PID/status" 2>/dev/null || echo 0; }

# holds JQ_EXPR: the JSON on stdin satisfies JQ_EXPR (no output).
holds() { jq -e "$1" >/dev/null 2>&1; }

attack_client_strings() {
  note "a client whose hostname is invalid UTF-8 with terminal escapes"
  check "udhcpc with that hostname gets a lease" udhcpc_once evil 1 -x "hostname:$EVIL_HOSTNAME"
  EVIL_IP=$(lease_ip evil)
  local answer out
  answer=$(api '{"command": "lease4-get-all"}')
  check "lease4-get-all still answers (result $(jq -r .result <<<"$answer"))" \
    holds '.result == 0 and (.arguments.leases | length) == 1' <<<"$answer"
  check "  with the hostname's invalid bytes escaped ($(jq -r '.arguments.leases[0].hostname' <<<"$answer" | cat -v))" \
    holds '.arguments.leases[0].hostname | test("\\\\xff\\\\xfe")' <<<"$answer"
  for path in "/api/leases?q=pc" "/api/events" "/api/history?client=02:bb:00:00:00:01"; do
    check "GET $path answers 200" [ "$(status_of "http://127.0.0.1:$API_PORT$path")" == 200 ]
  done
  out=$(ctl leases 2>&1) || true
  check "blackstart-ctl leases shows the lease" grep -q "$EVIL_IP" <<<"$out"
  check "  without an ESC or BEL byte reaching the terminal" \
    bash -c '! LC_ALL=C grep -q $'"'"'[\x1b\x07\xff]'"'"' <<<"$1"' _ "$out"
  check "  with the bytes shown as \\xNN" grep -qF '\x1b]0;pwned\x07' <<<"$out"
  check "blackstart-ctl leases --json (options after the subcommand) is valid JSON" \
    bash -c 'set -o pipefail; ip netns exec "$1" timeout 30 "$2" leases --json | jq -e "length >= 1" >/dev/null' _ "$SRV" "$BST_CTL"
  check "blackstart-ctl stats --json works" \
    bash -c 'set -o pipefail; ip netns exec "$1" timeout 30 "$2" stats --json | jq -e . >/dev/null' _ "$SRV" "$BST_CTL"
}

attack_nesting() {
  note "JSON nested 50,000 deep"
  nested 50000 '{"command": "version-get", "service": ' '}' >"$BST_TMP/deep1.json"
  nested 50000 '{"command": "lease4-get-all", "arguments": {"subnets": ' '}}' >"$BST_TMP/deep2.json"
  nested 50000 '{"command": "config-test", "arguments": {"Dhcp4": {"subnet4": ' '}}}' >"$BST_TMP/deep3.json"
  local file answer
  for file in deep1 deep2 deep3; do
    answer=$(api "@$BST_TMP/$file.json" 2>&1) || true
    check "$file: an error answer, not a crash (${answer:0:100})" \
      holds '(if type == "array" then .[0] else . end) | .result == 1' <<<"$answer"
    check "  the daemon still runs and answers" alive
  done
}

attack_csrf_and_rebinding() {
  note "commands without application/json, with a foreign Origin or Host"
  local url="http://127.0.0.1:$API_PORT" code
  code=$(status_of -H 'Content-Type: text/plain' --data-binary '{"command": "lease4-wipe", "arguments": {"subnet-id": 1}}' "$url/")
  check "text/plain lease4-wipe is refused (HTTP $code)" refused "$code"
  code=$(status_of --data-binary '{"command": "shutdown"}' "$url/")
  check "form-encoded shutdown (curl's default type) is refused (HTTP $code)" refused "$code"
  local body
  body=$(ip netns exec "$SRV" curl -s -m 15 --data-binary "@$BST_TMP/deep1.json" "$url/" || true)
  check "  a large form-typed body is told its type, not its size (${body:0:90})" \
    bash -c '! grep -q "larger than" <<<"$1" && grep -qi "content-type" <<<"$1"' _ "$body"
  code=$(status_of -H 'Content-Type: application/json' -H 'Origin: http://evil.example' \
    --data-binary '{"command": "lease4-wipe", "arguments": {"subnet-id": 1}}' "$url/")
  check "a JSON command with a foreign Origin is refused (HTTP $code)" refused "$code"
  code=$(status_of -H 'Origin: null' "$url/api/leases")
  check "GET /api/leases with Origin: null is refused (HTTP $code)" refused "$code"
  for path in / /metrics /api/status /api/leases /api/events; do
    code=$(status_of -H "Host: rebind.test:$API_PORT" "$url$path")
    check "GET $path with a foreign Host is refused (HTTP $code)" refused "$code"
  done
  code=$(status_of -H "Host: rebind.test:$API_PORT" -H 'Content-Type: application/json' \
    --data-binary '{"command": "config-get"}' "$url/")
  check "config-get with a foreign Host is refused (HTTP $code)" refused "$code"
  code=$(status_of -H "Host: 127.0.0.1:9999" "$url/api/status")
  check "the right name with the wrong port is refused (HTTP $code)" refused "$code"
  for host in "127.0.0.1:$API_PORT" "localhost:$API_PORT"; do
    code=$(status_of -H "Host: $host" "$url/api/status")
    check "Host: $host is served (HTTP $code)" [ "$code" == 200 ]
  done
  code=$(status_of -H "Origin: http://127.0.0.1:$API_PORT" -H 'Content-Type: application/json' \
    --data-binary '{"command": "version-get"}' "$url/")
  check "the page's own Origin is served (HTTP $code)" [ "$code" == 200 ]
}

attack_files() {
  note "config-test and config-write against the file system"
  cat >"$BST_TMP/zero-secret.json" <<JSON
{"command": "config-test", "arguments": {"Dhcp4": {
  "control-sockets": [{"socket-type": "http", "socket-address": "127.0.0.1", "socket-port": 8004,
    "authentication": {"type": "basic", "clients": [{"user": "a", "password-file": "/dev/zero"}]}}],
  "subnet4": []}}}
JSON
  local before after answer
  before=$(rss_kib)
  answer=$(api "@$BST_TMP/zero-secret.json" 2>&1) || true
  after=$(rss_kib)
  check "config-test with password-file /dev/zero is an error (${answer:0:120})" \
    holds '.result == 1' <<<"$answer"
  check "  and the daemon grew by less than 16 MiB (RSS ${before} -> ${after} KiB)" \
    [ $((after - before)) -lt 16384 ]
  check "  and still answers" alive

  local db=$BST_TMP/leases.sqlite3 inode
  inode=$(stat -c %i "$db")
  answer=$(api "{\"command\": \"config-write\", \"arguments\": {\"filename\": \"$db\"}}") || true
  check "config-write onto the lease database is refused (${answer:0:120})" holds '.result == 1' <<<"$answer"
  check "  the database is the same file" [ "$(stat -c %i "$db")" == "$inode" ]
  echo "outside" >"$BST_TMP/outside-target"
  mkdir -p "$BST_TMP/elsewhere"
  ln -s "$BST_TMP/elsewhere/victim" "$BST_TMP/planted.json"
  answer=$(api "{\"command\": \"config-write\", \"arguments\": {\"filename\": \"$BST_TMP/planted.json\"}}") || true
  check "config-write through a planted symlink is refused (${answer:0:120})" holds '.result == 1' <<<"$answer"
  check "  nothing was written where it points" [ ! -e "$BST_TMP/elsewhere/victim" ]
  answer=$(api "{\"command\": \"config-write\", \"arguments\": {\"filename\": \"$BST_TMP/outside-target\"}}") || true
  check "config-write over another existing file is refused (${answer:0:120})" holds '.result == 1' <<<"$answer"
  check "  which is unchanged" grep -qx outside "$BST_TMP/outside-target"
}

attack_lease_add() {
  note "lease4-add with addresses and times no lease can have"
  local args
  for args in '"ip-address": "198.18.1.0", "hw-address": "02:00:5e:00:00:01"' \
    '"ip-address": "198.18.1.255", "hw-address": "02:00:5e:00:00:02"' \
    '"ip-address": "198.18.1.150", "hw-address": "02:00:5e:00:00:03", "expire": 6122000000' \
    "\"ip-address\": \"198.18.1.151\", \"hw-address\": \"02:bb:00:00:00:01\""; do
    expect_result "lease4-add {$args} is refused" "{\"command\": \"lease4-add\", \"arguments\": {$args}}" 1
  done
}

attack_transport() {
  note "a 100 MB chunked body"
  local before after code
  before=$(rss_kib)
  code=$(head -c 100000000 /dev/zero | tr '\0' ' ' |
    ip netns exec "$SRV" curl -s -o /dev/null -w '%{http_code}' -m 60 -H 'Transfer-Encoding: chunked' \
      -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$API_PORT/" || true)
  after=$(rss_kib)
  check "is refused (HTTP $code)" refused "$code"
  check "  and the daemon grew by less than 16 MiB (RSS ${before} -> ${after} KiB)" \
    [ $((after - before)) -lt 16384 ]

  note "1,000 idle and slow-drip connections"
  cat >"$BST_TMP/hold.py" <<'PY'
import socket, sys, time
port, count, ready, hold_s = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
socks = []
for i in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    socks.append(s)
open(ready, "w").write(f"{len(socks)}\n")
request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
deadline = time.monotonic() + hold_s
step = 0
while time.monotonic() < deadline:
    for s in socks[1::2]:  # every other one drips a byte; the rest stay idle
        try:
            s.send(request[step % len(request):step % len(request) + 1])
        except OSError:
            pass
    step += 1
    time.sleep(0.5)
PY
  bst_spawn "$SRV" "$BST_TMP/hold.log" timeout 60 python3 "$BST_TMP/hold.py" "$API_PORT" 1000 "$BST_TMP/held" 40
  local holder=$BST_LAST_PID
  check "1,000 connections are open" wait_for 30 test -s "$BST_TMP/held"
  sleep 2
  local timing
  timing=$(ip netns exec "$SRV" curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' \
    "http://127.0.0.1:$API_PORT/api/status" || true)
  check "GET /api/status is answered meanwhile (HTTP, seconds: $timing)" [ "${timing%% *}" == 200 ]
  code=$(ip netns exec "$SRV" curl -s -o /dev/null -m 5 -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary '{"command": "status-get"}' "http://127.0.0.1:$API_PORT/" || true)
  check "and so is status-get (HTTP $code)" [ "$code" == 200 ]
  stop_pid "$holder" TERM 5
  wait "$holder" 2>/dev/null || true
}

attack_browser() {
  note "a real browser: a page from another local port, and a rebound name"
  if ! (cd "$BROWSER_DIR" && timeout 180 npm ci --no-audit --no-fund --loglevel=error) >"$BST_TMP/npm.log" 2>&1; then
    fail "npm ci in tests/browser"
    cat "$BST_TMP/npm.log"
    return
  fi
  mkdir -p "$BST_TMP/home"
  local rc=0
  ip netns exec "$SRV" timeout 120 env HOME="$BST_TMP/home" BS_API_PORT="$API_PORT" \
    BS_ATTACK_PORT="$ATTACK_PORT" BS_VICTIM_MAC="$VICTIM_MAC" BS_VICTIM_IP="$VICTIM_IP" \
    node "$BROWSER_DIR/hostile_page.test.mjs" >"$BST_TMP/browser.log" 2>&1 || rc=$?
  sed 's/^/  browser: /' "$BST_TMP/browser.log"
  check "the browser's own checks pass (exit $rc)" [ "$rc" -eq 0 ]
}

check_nothing_changed() {
  note "afterwards"
  check "the daemon still runs and answers" alive
  check "the client's lease is still there ($EVIL_IP)" lease_bound "$CONF" "$EVIL_IP"
  check "the attacker's lease $VICTIM_IP was never added" [ "$(lease_state "$CONF" "$VICTIM_IP")" == none ]
  local address
  for address in 198.18.1.0 198.18.1.255 198.18.1.150; do
    check "no lease for $address" [ "$(lease_state "$CONF" "$address")" == none ]
  done
  check "DHCP still serves a real client (udhcpc)" udhcpc_once after 2
  local file mode
  for file in "$BST_TMP/leases.sqlite3" "$BST_TMP/leases.sqlite3-wal" "$BST_TMP/leases.sqlite3-shm"; do
    [[ -e "$file" ]] || continue
    mode=$(stat -c %a "$file")
    check "$(basename "$file") is mode $mode (0640 or tighter)" [ $((8#$mode & 8#027)) -eq 0 ]
  done
}

bst_office 2
CONF=$BST_TMP/blackstart.json
write_config >"$CONF"
start_server_or_exit "$SRV" "$CONF" "$BST_TMP/server.log"
check "the control API answers" wait_for 10 api_ready
attack_client_strings
attack_nesting
attack_csrf_and_rebinding
attack_files
attack_lease_add
attack_transport
attack_browser
check_nothing_changed
stop_server_cleanly
marker=$BST_TMP/leases.sqlite3.clean-shutdown
mode=$(stat -c %a "$marker" 2>/dev/null || echo missing)
check "the clean-shutdown marker is mode $mode (0640 or tighter)" \
  bash -c '[[ "$1" != missing ]] && [ $((8#$1 & 8#027)) -eq 0 ]' _ "$mode"
bst_finish test_hostile_api
