#!/usr/bin/python3
"""Compares the replies Kea and blackstart gave the same scripted client.

Reads the two JSON files dhcp_client.py wrote, aligns them case by case and
step by step, and compares every reply field by field (where it was sent,
the BOOTP header, sname/file) and option by option (code and exact bytes,
and the order). Prints one line per case: same, or each difference with
both values. A difference fails unless an entry of the allow-list matches
it; an allow-list entry that matched nothing fails too, so the list stays
true. Every entry names its section in docs/KEA_DIFFERENCES.md.
Exit status: 0 all explained, 1 otherwise.
"""
import argparse
import fnmatch
import json
import socket
import struct
import sys

HEADER_FIELDS = ["eth_dst", "ip_src", "ip_dst", "udp_sport", "udp_dport", "op", "htype", "hlen",
                 "hops", "secs", "flags", "ciaddr", "yiaddr", "siaddr", "giaddr", "chaddr",
                 "sname", "file"]
MESSAGE_TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK",
                 7: "RELEASE", 8: "INFORM"}
IP_LIST_OPTIONS = {1, 3, 4, 6, 28, 42, 54, 150}
U32_OPTIONS = {2, 51, 58, 59}
TEXT_OPTIONS = {12, 15, 56, 66, 67, 252}


def show_option(code, hex_value):
    """A readable rendering of an option's bytes, for the table only."""
    if hex_value is None:
        return "absent"
    data = bytes.fromhex(hex_value)
    if code == 53 and len(data) == 1:
        return MESSAGE_TYPES.get(data[0], str(data[0]))
    if code in IP_LIST_OPTIONS and data and len(data) % 4 == 0:
        return ",".join(socket.inet_ntoa(data[i:i + 4]) for i in range(0, len(data), 4))
    if code in U32_OPTIONS and len(data) == 4:
        return str(struct.unpack("!I", data)[0])
    if code in TEXT_OPTIONS:
        return repr(data.decode("latin-1"))
    return "0x" + hex_value if hex_value else "(empty)"


def options_by_code(reply):
    table = {}
    for code, value in reply["options"]:
        table[code] = table[code] + value if code in table else value
    return table


def diff_reply(kea, ours):
    """Yields (field, kea value, blackstart value) for one pair of replies."""
    for field in HEADER_FIELDS:
        if kea[field] != ours[field]:
            yield field, str(kea[field]), str(ours[field])
    kea_opts, our_opts = options_by_code(kea), options_by_code(ours)
    for code in sorted(set(kea_opts) | set(our_opts)):
        if kea_opts.get(code) != our_opts.get(code):
            yield (f"option {code}", show_option(code, kea_opts.get(code)),
                   show_option(code, our_opts.get(code)))
    kea_order = [c for c, _ in kea["options"] if c in our_opts]
    our_order = [c for c, _ in ours["options"] if c in kea_opts]
    if kea_order != our_order:
        yield "option order", ",".join(map(str, kea_order)), ",".join(map(str, our_order))


def summary(reply):
    kinds = [MESSAGE_TYPES.get(bytes.fromhex(v)[0], "?") for c, v in reply["options"] if c == 53]
    return f"{kinds[0] if kinds else 'BOOTREPLY'} {reply['yiaddr']}"


def diff_step(kea_step, our_step):
    kea_r, our_r = kea_step["replies"], our_step["replies"]
    if len(kea_r) != len(our_r):
        show = lambda rs: "; ".join(summary(r) for r in rs) or "no reply"  # noqa: E731
        yield "replies", show(kea_r), show(our_r)
    for kea, ours in zip(kea_r, our_r):
        yield from diff_reply(kea, ours)


def diff_runs(kea_run, our_run):
    """Returns [(case, [(step, field, kea, blackstart)])] in the script's order."""
    ours_by_case = {c["case"]: c for c in our_run}
    result = []
    for kea_case in kea_run:
        name = kea_case["case"]
        our_case = ours_by_case.get(name, {"steps": []})
        diffs = []
        steps = max(len(kea_case["steps"]), len(our_case["steps"]))
        for i in range(steps):
            kea_step = kea_case["steps"][i] if i < len(kea_case["steps"]) else None
            our_step = our_case["steps"][i] if i < len(our_case["steps"]) else None
            label = (kea_step or our_step)["step"]
            if kea_step is None or our_step is None:
                diffs.append((label, "step", "ran" if kea_step else "not run",
                              "ran" if our_step else "not run"))
                continue
            for field, kea_value, our_value in diff_step(kea_step, our_step):
                diffs.append((label, field, kea_value, our_value))
        result.append((name, diffs))
    for name in ours_by_case:
        if name not in {c["case"] for c in kea_run}:
            result.append((name, [("-", "case", "not run", "ran")]))
    return result


def find_known(known, case, step, field, kea_value, our_value):
    """The first entry whose case, step and field patterns (and the value
    patterns, where it has them) all match the difference."""
    for entry in known:
        if (any(fnmatch.fnmatchcase(case, p) for p in entry["cases"])
                and fnmatch.fnmatchcase(step, entry.get("step", "*"))
                and any(fnmatch.fnmatchcase(field, p) for p in entry["fields"])
                and fnmatch.fnmatchcase(kea_value, entry.get("kea", "*"))
                and fnmatch.fnmatchcase(our_value, entry.get("blackstart", "*"))):
            return entry
    return None


def check_known(known, doc_text):
    ok = True
    for entry in known:
        for key in ("id", "cases", "fields", "reason"):
            if key not in entry:
                print(f"known_differences: entry {entry.get('id', '?')} lacks \"{key}\"")
                ok = False
        if f"`{entry.get('id')}`" not in doc_text:
            print(f"known_differences: {entry.get('id')} has no section in KEA_DIFFERENCES.md")
            ok = False
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kea")
    parser.add_argument("blackstart")
    parser.add_argument("--known", required=True)
    parser.add_argument("--doc", required=True)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also list the differences of cases marked same*")
    args = parser.parse_args()
    with open(args.kea) as f:
        kea_run = json.load(f)
    with open(args.blackstart) as f:
        our_run = json.load(f)
    with open(args.known) as f:
        known = json.load(f)["differences"]
    with open(args.doc) as f:
        doc_ok = check_known(known, f.read())

    used = set()
    counts = {"same": 0, "cosmetic": 0, "known": 0, "unexplained": 0}
    for case, diffs in diff_runs(kea_run, our_run):
        ids, lines = [], []
        unexplained = False
        for step, field, kea_value, our_value in diffs:
            entry = find_known(known, case, step, field, kea_value, our_value)
            if entry:
                used.add(entry["id"])
                ids += [] if entry["id"] in ids else [entry["id"]]
                tag = f"known: {entry['id']}"
            else:
                unexplained = True
                tag = "UNEXPLAINED"
            if args.verbose or not entry or not entry.get("cosmetic"):
                lines.append(f"    {step}: {field}: kea={kea_value}, blackstart={our_value}  [{tag}]")
        if unexplained:
            kind, label = "unexplained", "DIFFERS"
        elif not diffs:
            kind, label = "same", "same"
        elif all(e.get("cosmetic") for e in known if e["id"] in ids):
            kind, label = "cosmetic", "same*"
        else:
            kind, label = "known", "differs"
        counts[kind] += 1
        print(f"{label:<8} {case}" + (f"  ({', '.join(ids)})" if ids else ""))
        if kind != "cosmetic" or args.verbose:
            print("\n".join(lines)) if lines else None
    stale = [e["id"] for e in known if e["id"] not in used]
    for entry_id in stale:
        print(f"STALE     known difference {entry_id} no longer occurs; remove it from the list and the doc")
    total = sum(counts.values())
    print(f"differential: {total} cases: {counts['same']} identical, {counts['cosmetic']} same* "
          f"(differ only in option order or the test's MACs), {counts['known']} differ only as "
          f"documented, {counts['unexplained']} differ unexplained; "
          f"{len(stale)} stale allow-list entries")
    return 0 if counts["unexplained"] == 0 and not stale and doc_ok else 1


if __name__ == "__main__":
    sys.exit(main())
