#!/usr/bin/env bash
# Control sockets as Kea writes them, three at once, against a running
# daemon with a real client's lease: a "unix" socket speaking Kea's command
# protocol, driven by socat and by Kea's own Control Agent (kea-ctrl-agent
# forwarding an HTTP command with "service": ["dhcp4"] to the socket file);
# the HTTP API; and an "https" socket with certificates made here by openssl,
# requiring client certificates (curl with one is served, curl without one
# is refused in the handshake). Then the socket file's mode, its removal at
# a clean stop, and a stale file left by a killed daemon replaced.
# Usage: tests/integration/test_control_sockets.sh path/to/blackstart
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=control_lib.sh
source "$(dirname "$0")/control_lib.sh"
BST_SERVER=$(realpath "${1:?usage: $0 path/to/blackstart}")
bst_require_root_netns
control_init "$BST_SERVER"
for tool in socat kea-ctrl-agent openssl; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is needed (scripts/install-deps.sh test)"; exit 1; }
done
bst_init

SRV="${BST_P}srv"
SOCKDIR="$BST_TMP/run"
SOCK="$SOCKDIR/kea4-ctrl-socket"
AGENT_PORT=8000
mkdir -m 750 "$SOCKDIR"
PKI="$BST_TMP/pki"
HTTPS_PORT=8443
mkdir -m 700 "$PKI"

# make_pki: a CA, a server certificate for 127.0.0.1 and a client one.
make_pki() {
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$PKI/ca.key" -out "$PKI/ca.pem" -days 2 \
    -subj /CN=blackstart-test-ca &&
    openssl req "${ec[@]}" -keyout "$PKI/server.key" -out "$PKI/server.csr" -subj /CN=127.0.0.1 &&
    printf 'subjectAltName=IP:127.0.0.1\n' >"$PKI/server.ext" &&
    openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
      -CAcreateserial -out "$PKI/server.pem" -days 2 -extfile "$PKI/server.ext" &&
    openssl req "${ec[@]}" -keyout "$PKI/client.key" -out "$PKI/client.csr" -subj /CN=admin &&
    openssl x509 -req -in "$PKI/client.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
      -CAcreateserial -out "$PKI/client.pem" -days 2
}
make_pki >"$BST_TMP/openssl.log" 2>&1 || { fail "openssl makes the test certificates"; exit 1; }

CONF="$BST_TMP/blackstart.json"
cat >"$CONF" <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["${BST_P}s0"]},
  "lease-database": {"type": "sqlite", "name": "$BST_TMP/leases.sqlite3"},
  "valid-lifetime": 600,
  "control-sockets": [
    {"socket-type": "unix", "socket-name": "$SOCK"},
    {"socket-type": "http", "socket-address": "127.0.0.1", "socket-port": 8004},
    {"socket-type": "https", "socket-address": "127.0.0.1", "socket-port": $HTTPS_PORT,
     "trust-anchor": "$PKI/ca.pem", "cert-file": "$PKI/server.pem",
     "key-file": "$PKI/server.key", "cert-required": true}
  ],
  "subnet4": [{"id": 1, "subnet": "198.18.1.0/24",
               "pools": [{"pool": "198.18.1.100 - 198.18.1.109"}]}]
}}
JSON

# Kea 2.2's Control Agent, pointed at blackstart's socket as at Kea's.
AGENT_CONF="$BST_TMP/kea-ctrl-agent.json"
cat >"$AGENT_CONF" <<JSON
{"Control-agent": {
  "http-host": "127.0.0.1", "http-port": $AGENT_PORT,
  "control-sockets": {"dhcp4": {"socket-type": "unix", "socket-name": "$SOCK"}},
  "loggers": [{"name": "kea-ctrl-agent", "severity": "INFO",
               "output_options": [{"output": "stdout"}]}]
}}
JSON

# unix_cmd JSON: one command over the socket with socat, as Kea's docs show.
unix_cmd() { printf '%s' "$1" | ip netns exec "$SRV" timeout 10 socat "UNIX-CONNECT:$SOCK" -; }

# jq_check DESCRIPTION ANSWER JQ_CONDITION: one PASS/FAIL line.
jq_check() {
  if jq -e "$3" <<<"$2" >/dev/null 2>&1; then pass "$1"; else fail "$1: got ${2:0:300}"; fi
}

socket_mode() { stat -c %a "$SOCK" 2>/dev/null; }
agent_ready() {
  ip netns exec "$SRV" curl -s -m 2 -o /dev/null "http://127.0.0.1:$AGENT_PORT/" \
    -H 'Content-Type: application/json' -d '{"command": "list-commands"}'
}

bst_office 1
start_server_or_exit "$SRV" "$CONF" "$BST_TMP/server.log"
check "the HTTP API answers" wait_for 10 api_ready
check "udhcpc gets a lease" udhcpc_once pc1 1
IP1=$(lease_ip pc1)

note "socat over the unix socket"
check "the socket file is a socket with mode 660" [ "$(socket_mode)" = 660 ]
answer=$(unix_cmd '{"command": "lease4-get-all"}' || true)
jq_check "lease4-get-all over the unix socket answers one map with the client's lease" \
  "$answer" "type == \"object\" and .result == 0 and (.arguments.leases | map(.\"ip-address\")) == [\"$IP1\"]"
answer=$(unix_cmd '{"command": "no-such-command"}' || true)
jq_check "an unknown command is Kea's result 2" "$answer" '.result == 2'
answer=$(unix_cmd 'GET / HTTP/1.1' || true)
jq_check "HTTP spoken to the unix socket is refused with an answer" "$answer" '.result == 1'
check "blackstart-ctl --url unix:PATH lists the lease" \
  bash -c "ip netns exec $SRV timeout 30 $BST_CTL leases --url unix:$SOCK | grep -qF $IP1"
check "blackstart-ctl --url unix:PATH to a missing socket exits 69" \
  bash -c "ip netns exec $SRV timeout 30 $BST_CTL status --url unix:$SOCKDIR/none >/dev/null 2>&1; [ \$? -eq 69 ]"
jq_check "the HTTP socket serves at the same time" "$(api '{"command": "lease4-get-all"}')" \
  "(.arguments.leases | map(.\"ip-address\")) == [\"$IP1\"]"

note "https with client certificates"
https_cmd() {
  ip netns exec "$SRV" curl -sS -m 15 --cacert "$PKI/ca.pem" -H 'Content-Type: application/json' \
    -d "$1" "${@:2}" "https://127.0.0.1:$HTTPS_PORT/"
}
answer=$(https_cmd '{"command": "lease4-get-all"}' --cert "$PKI/client.pem" --key "$PKI/client.key" 2>&1 || true)
jq_check "curl --cacert with a client certificate is served over https" "$answer" \
  "(.arguments.leases | map(.\"ip-address\")) == [\"$IP1\"]"
if answer=$(https_cmd '{"command": "version-get"}' 2>&1); then
  fail "a client without a certificate must be refused: got ${answer:0:200}"
else
  pass "a client without a certificate is refused in the TLS handshake"
fi
if answer=$(ip netns exec "$SRV" curl -sS -m 15 -H 'Content-Type: application/json' \
  -d '{"command": "version-get"}' "http://127.0.0.1:$HTTPS_PORT/" 2>&1); then
  fail "plain HTTP to the https socket must get no answer: got ${answer:0:200}"
else
  pass "plain HTTP to the https socket gets no answer"
fi
jq_check "the HTTP socket still answers after the refused clients" \
  "$(api '{"command": "version-get"}')" '.result == 0'

note "kea-ctrl-agent forwards to the unix socket"
bst_spawn "$SRV" "$BST_TMP/agent.log" env KEA_PIDFILE_DIR="$BST_TMP" KEA_LOCKFILE_DIR="$BST_TMP" \
  kea-ctrl-agent -c "$AGENT_CONF"
AGENT_PID=$BST_LAST_PID
if wait_for 15 agent_ready; then
  answer=$(ip netns exec "$SRV" curl -sS -m 15 -H 'Content-Type: application/json' \
    -d '{"command": "lease4-get-all", "service": ["dhcp4"]}' "http://127.0.0.1:$AGENT_PORT/" || true)
  jq_check "lease4-get-all through kea-ctrl-agent lists the client's lease" "$answer" \
    "type == \"array\" and .[0].result == 0 and (.[0].arguments.leases | map(.\"ip-address\")) == [\"$IP1\"]"
else
  fail "kea-ctrl-agent starts and listens on $AGENT_PORT (log: $(tail -3 "$BST_TMP/agent.log"))"
fi
stop_pid "$AGENT_PID"

note "the socket file's life"
stop_server_cleanly
check "a clean stop removes the socket file" [ ! -e "$SOCK" ]
start_server_or_exit "$SRV" "$CONF" "$BST_TMP/server2.log"
check "the unix socket answers after a restart" wait_for 10 \
  bash -c "[[ \$(printf '%s' '{\"command\": \"version-get\"}' | ip netns exec $SRV timeout 5 socat UNIX-CONNECT:$SOCK - | jq -r .result) == 0 ]]"
stop_pid "$BST_SERVER_PID" KILL
wait "$BST_SERVER_PID" 2>/dev/null || true
check "a killed daemon leaves its socket file behind" [ -S "$SOCK" ]
start_server_or_exit "$SRV" "$CONF" "$BST_TMP/server3.log"
answer=$(unix_cmd '{"command": "version-get"}' || true)
jq_check "the stale socket file is replaced and the new daemon answers on it" "$answer" '.result == 0'
stop_server_cleanly

bst_finish test_control_sockets
