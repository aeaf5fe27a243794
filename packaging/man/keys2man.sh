#!/bin/sh
# Writes blackstart.json(5): the prose in TEMPLATE with @KEYS@ replaced by
# the key list that `BLACKSTART --list-config-keys` prints (SECTION, KEY,
# ORIGIN, tab-separated), so the page lists exactly what the loader accepts.
# Usage: keys2man.sh BLACKSTART TEMPLATE VERSION OUT
set -eu
blackstart=$1 template=$2 version=$3 out=$4
keys=$(mktemp)
trap 'rm -f "$keys"' EXIT
"$blackstart" --list-config-keys >"$keys"
[ -s "$keys" ] || { echo "keys2man: $blackstart listed no keys" >&2; exit 1; }
# SOURCE_DATE_EPOCH keeps the page reproducible.
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)
awk -F '\t' -v keyfile="$keys" -v version="$version" -v date="$date" '
  function flush() {
    if (section == "") return
    # \: lets troff break a long section path after a dot (the HA
    # sections are wider than an 80-column page).
    heading = section; gsub(/\./, ".\\:", heading)
    print ".SS \"" heading "\""
    if (accepted != "") print accepted
    if (refused != "") print ".br\nRefused (Kea, not supported yet): " refused
  }
  function add(list, item) { return list == "" ? item : list ", " item }
  /^@KEYS@$/ {
    # Left-aligned: a long section path broken at a dot leaves too few
    # words on the line to justify.
    print ".ad l"
    section = ""
    while ((getline line < keyfile) > 0) {
      split(line, f, "\t")
      if (f[1] != section) { flush(); section = f[1]; accepted = ""; refused = "" }
      key = f[2]; gsub(/-/, "\\-", key)
      if (f[3] == "blackstart") accepted = add(accepted, "\\fB" key "\\fR (blackstart)")
      else if (f[3] == "kea-unsupported") refused = add(refused, "\\fI" key "\\fR")
      else accepted = add(accepted, key)
    }
    flush()
    print ".ad b"
    next
  }
  { gsub(/@VERSION@/, version); gsub(/@DATE@/, date); print }
' "$template" >"$out"
