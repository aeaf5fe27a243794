#!/usr/bin/env bash
# The short outage drill (drill/, docs/DRILL.md) against blackstart: 20
# devices, scenarios `cut` and `lost-db`. Fails if any device ever shares
# its address with another or cannot read the mail host's SMTP banner after
# power back (drill --strict). About a minute and a half.
# Usage: tests/integration/test_drill_short.sh path/to/blackstart
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(dirname "$(realpath "${1:?usage: $0 path/to/blackstart}")")
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: the drill needs root"; exit 0; fi
for tool in sipp /usr/lib/postfix/sbin/master dhcrelay; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is missing (scripts/install-deps.sh test)"; exit 0; }
done
"$here/../../drill/drill" --build "$build" --server blackstart --scenario cut,lost-db \
  --devices 20 --timeout 45 --strict --no-report
