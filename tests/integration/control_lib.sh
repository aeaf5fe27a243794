# shellcheck shell=bash
# Helpers for the control API tests (test_control.sh, test_status_page.sh):
# talk to the daemon's API inside the server namespace with curl and
# blackstart-ctl, and read answers with jq. Source after lib.sh.

BST_CTL=""      # path to blackstart-ctl, next to the daemon binary
BST_API_URL=http://127.0.0.1:8004

# control_init BLACKSTART: finds blackstart-ctl beside the daemon.
control_init() {
  BST_CTL="$(dirname "$1")/blackstart-ctl"
  if [[ ! -x "$BST_CTL" ]]; then
    echo "FAIL: $BST_CTL not found; build the blackstart-ctl target" >&2
    exit 1
  fi
  command -v jq >/dev/null || { echo "FAIL: jq is needed (scripts/install-deps.sh test)" >&2; exit 1; }
}

# api JSON [CURL_ARGS...]: POSTs a command inside the server namespace and
# prints the body.
api() {
  local body=$1
  shift
  ip netns exec "${BST_P}srv" curl -sS -m 15 -H 'Content-Type: application/json' \
    --data-binary "$body" "$@" "$BST_API_URL/"
}

# api_get PATH [CURL_ARGS...]: GET inside the server namespace.
api_get() {
  local path=$1
  shift
  ip netns exec "${BST_P}srv" curl -sS -m 15 "$@" "$BST_API_URL$path"
}

# http_status METHOD PATH [CURL_ARGS...]: only the HTTP status code.
http_status() {
  local method=$1 path=$2
  shift 2
  ip netns exec "${BST_P}srv" curl -s -o /dev/null -w '%{http_code}' -m 15 -X "$method" "$@" \
    "$BST_API_URL$path"
}

# ctl ARGS...: blackstart-ctl inside the server namespace.
ctl() { ip netns exec "${BST_P}srv" timeout 30 "$BST_CTL" "$@"; }

api_ready() { [[ "$(api '{"command": "version-get"}' 2>/dev/null | jq -r .result 2>/dev/null)" == 0 ]]; }

# expect_result DESCRIPTION JSON RESULT [JQ_CONDITION]: one PASS/FAIL line
# for a command's result code and, optionally, a jq test on the answer.
expect_result() {
  local description=$1 request=$2 want=$3 condition=${4:-true} answer got
  answer=$(api "$request" 2>&1) || true
  got=$(jq -r '.result' <<<"$answer" 2>/dev/null) || got="no answer"
  if [[ "$got" == "$want" ]] && jq -e "$condition" <<<"$answer" >/dev/null 2>&1; then
    pass "$description (result $got)"
  else
    fail "$description: wanted result $want and '$condition', got: ${answer:0:300}"
  fi
}

# lease_count_api: leases the server lists.
lease_count_api() { api '{"command": "lease4-get-all"}' | jq '.arguments.leases | length'; }
