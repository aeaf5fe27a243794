# The drill's report: one markdown table per scenario with a row per server
# and device class (times after power back, duplicates, NAK loops, devices
# without service), the servers' own counters, and a verdict line per class.
import datetime
import ipaddress
import os

from . import plot
from .run import DISK_FREED, pct
from .site import CLASSES, FLOOR_NET

NAK_LOOP = 3  # NAKs after power back that count as a NAK loop
SCENARIO_TEXT = {
    "cut": "The day, the power cut (unsynced writes lost), power back: server and devices "
           "at once.",
    "lost-db": "As `cut`, and the lease store replaced by the morning's backup before the "
               "restart.",
    "rogue": "As `cut`, and a consumer router (dnsmasq, its own network 198.19.1.0/24, routing "
             "nowhere) plugged into floor 1 during the outage; blackstart's rogue probe every "
             "20 s (its 60 s, compressed 3:1).",
    "disk-full": "As `cut`, and the lease disk full at power back, freed after 20 s (the "
                 "issue's 60 s, time compressed 3:1); a server that exits is restarted a second "
                 "later, as systemd would.",
    "storm": "No cut: a fresh server and every device booting at the same instant; leases "
             "of 600 s (no day to compress, so no renewals during the storm).",
}


def _fmt(value):
    return "–" if value is None else f"{value:.1f}"


def foreign(w):
    """A device whose address is not of its floor's network (the rogue's)."""
    return w.address is not None and \
        ipaddress.ip_address(w.address) not in FLOOR_NET[w.d.floor]


def _class_row(server, klass, watches, rogue=False):
    n = len(watches)
    t_addr = [w.t_addr for w in watches if w.t_addr is not None]
    t_mail = [w.t_mail for w in watches if w.t_mail is not None]
    t_sip = [w.t_sip for w in watches if w.t_sip is not None]
    working = [w for w in watches if w.working()]
    t_work = [max(x for x in (w.t_addr, w.t_mail, w.t_sip) if x is not None) for w in working]
    dups = sum(w.dup_ever for w in watches)
    loops = sum(w.naks >= NAK_LOOP for w in watches)
    no_service = n - len(working)
    phones = sum(w.d.kind == "phone" for w in watches)
    sip = f"{len(t_sip)}/{phones}, {_fmt(pct(t_sip, 50))} / {_fmt(max(t_sip) if t_sip else None)}" \
        if phones else "n/a"
    t_confirm = [w.t_confirm for w in watches if w.t_addr is not None]
    return (f"| {server} | {klass} | {n} | {_fmt(pct(t_addr, 50))} / {_fmt(max(t_addr) if t_addr else None)}"
            f" | {len(t_mail)}/{n}, {_fmt(pct(t_mail, 50))} / {_fmt(max(t_mail) if t_mail else None)}"
            f" | {sip} | {_fmt(max(t_work) if len(t_work) == n and n else None)}"
            f" | {_fmt(max(t_confirm) if t_confirm else None)}"
            f" | {dups} | {loops} | {no_service} |" +
            (f" {sum(foreign(w) for w in watches)} |" if rogue else ""))


def _ms(value):
    return "–" if value is None else f"{value:.1f}"


def _span(values):
    return f"{_fmt(pct(values, 50))} / {_fmt(max(values) if values else None)}"


def _wire_row(server, klass, watches):
    """The server's port's view of one class: when the devices' first
    queries arrived, when their ACKs left, and the server's reply times."""
    seen = [w.wire for w in watches if w.wire is not None and w.wire.first_query_s is not None]
    first = [x.first_query_s for x in seen]
    acks = [x.ack_s for x in seen if x.ack_s is not None]
    reply = [ms for x in seen for ms in x.reply_ms]
    return (f"| {server} | {klass} | {len(seen)}/{len(watches)} | {_span(first)} | "
            f"{len(acks)}, {_span(acks)} | {_ms(pct(reply, 50))} / {_ms(pct(reply, 99))} / "
            f"{_ms(max(reply) if reply else None)} |")


def verdict(klass, watches):
    n = len(watches)
    working = [w for w in watches if w.working()]
    dups = sum(w.dup_ever for w in watches)
    if dups:
        return f"{dups} of {n} {klass} devices shared an address"
    if len(working) < n:
        rogue = sum(foreign(w) for w in watches)
        return (f"{n - len(working)} of {n} {klass} devices had no service at the end" +
                (f" ({rogue} with the rogue's address)" if rogue else ""))
    t = max(max(x for x in (w.t_addr, w.t_mail, w.t_sip) if x is not None) for w in working)
    return f"all {n} {klass} devices worked within {t:.1f} s"


def since_freed(watches, freed_s):
    """Scenario disk-full's clock from the moment the disk is freed: the
    slowest device of each class that was not working by then."""
    parts = []
    for klass in CLASSES:
        late = [w for w in watches if w.d.klass == klass]
        if not late:
            continue
        if not all(w.working() for w in late):
            parts.append(f"{klass} –")
            continue
        t = max(max(x for x in (w.t_addr, w.t_mail, w.t_sip) if x is not None) for w in late)
        parts.append(f"{klass} {max(0.0, t - freed_s):.1f} s")
    return "slowest device working " + ", ".join(parts)


def class_watches(result):
    by_class = {}
    for w in result["watches"]:
        by_class.setdefault(w.d.klass, []).append(w)
    return by_class


def render(results, site, args_line):
    lines = [
        "# Outage drill report", "",
        f"Run {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC: `{args_line}`. "
        f"{site['devices']} devices on two floors (floor 2 behind ISC dhcrelay; scenario "
        f"`storm`: {site.get('storm_devices', 1000)}), "
        f"lease time {site['lease_s']} s (time compressed: renewals every "
        f"{max(1, site['lease_s'] // 3)} s).", "",
        "Times are seconds after power back (server and every device started at the same "
        "instant), median / slowest, taken on the devices themselves (CLOCK_MONOTONIC, "
        "stamped by the device's DHCP hook and its probe; docs/DRILL.md, *What counts*). "
        "*address*: when the device put its final address on, counted only if an ARP scan "
        "from the bridge after that was answered by its MAC alone and none found another; "
        "*mail*: when the device first read the SMTP banner of the office's Postfix from that "
        "address; *REGISTER*: sipp's REGISTER from the phone answered 200 OK; *all working*: "
        "the last device of the class with everything; *ARP-confirmed*: the slowest device's "
        "first confirming ARP scan (the judge's round, an upper bound); "
        "*dup*: devices that at any scan shared their address; "
        f"*NAK loop*: {NAK_LOOP} or more NAKs after power back; *no service*: not working "
        "at the end.", "",
    ]
    for scenario in sorted({r["scenario"] for r in results}, key=lambda s: (s != "cut", s)):
        rogue = scenario == "rogue"
        lines += [f"## Scenario `{scenario}`", "", SCENARIO_TEXT.get(scenario, ""), "",
                  "| server | class | devices | address (s) | mail (s) | REGISTER (s) | "
                  "all working (s) | ARP-confirmed (s) | dup | NAK loop | no service |" +
                  (" rogue's address |" if rogue else ""),
                  "| --- | --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |" +
                  (" ---: |" if rogue else "")]
        chosen = [r for r in results if r["scenario"] == scenario]
        for r in chosen:
            if "watches" not in r:
                lines.append(f"| {r['server']} | (failed: {r.get('error', '?')}) |||||||||")
                continue
            by_class = class_watches(r)
            for klass in CLASSES:
                if klass in by_class:
                    lines.append(_class_row(r["server"], klass, by_class[klass], rogue))
            lines.append(_class_row(r["server"], "**office**", r["watches"], rogue))
        lines += ["", "At the server's port (the drill's wire tap, kernel timestamps, seconds "
                  "after power back, median / slowest): *first query*: the device's first "
                  "DHCP query reached the server (until then the device was still booting; "
                  "every simulated device shares this machine's cores); *ACK sent*: the "
                  "server's first ACK to it left; *reply*: each reply's time since the "
                  "latest query with its xid, all queries of the class. Laptops ran on "
                  "through the cut and mostly ask nothing.", "",
                  "| server | class | queried | first query (s) | ACK sent (s) | "
                  "reply (ms) p50 / p99 / max |",
                  "| --- | --- | ---: | --- | --- | --- |"]
        for r in chosen:
            if "watches" not in r:
                continue
            by_class = class_watches(r)
            for klass in CLASSES:
                if klass in by_class:
                    lines.append(_wire_row(r["server"], klass, by_class[klass]))
            lines.append(_wire_row(r["server"], "**office**", r["watches"]))
        lines += ["", "Server's own counters after power back (cumulative since its restart), "
                  "and the day before the cut:", "",
                  "| server | listening after (s) | serving after (s) | restarts | ACKs | NAKs | offers | declines | "
                  "conflicts | probes | recovery mode | rogue servers seen | "
                  "day: bound / mail / renewals | ARP rounds (mean s) | run (s) | "
                  "load average before / after | kernel ARP table full |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
                  "| --- | ---: | --- | ---: |"]
        for r in chosen:
            if "watches" not in r:
                continue
            c = r["counters"]
            day = r["day"]
            if "error" in c:
                cells = f"({c['error']}) ||||||||"
            else:
                seen = "n/a" if c.get("rogue_servers") is None else c["rogue_servers"]
                cells = (f"{c['acks']} | {c['naks']} | {c['offers']} | {c['declines']} | "
                         f"{c['conflicts']} | {c['probes']} | {c['recovery_mode']} | {seen}")
            day_cells = f"{day['bound']} / {day['mail']} / {day['renewals']}" if day else "(none)"
            load = " / ".join(f"{a[0]:.1f}" for a in (r.get("load_before"), r.get("load_after"))
                              if a)
            serving = r.get("server_serving_s")
            serving = "n/a" if serving is None else serving
            lines.append(f"| {r['server']} | {r['server_listening_s']} | {serving} | "
                         f"{r.get('restarts', 0)} | "
                         f"{cells} | {day_cells} | {r.get('rounds', '')} ({r.get('round_s', '')}) | "
                         f"{r.get('run_s', '')} | {load} | {r.get('neigh_table_fulls', '')} |")
        lines += ["", "Verdicts:", ""]
        for r in chosen:
            if "watches" not in r:
                continue
            if "rogue_seen_s" in r:
                seen_s = r["rogue_seen_s"]
                lines.append(f"- {r['server']}, rogue router: " + (
                    f"reported {seen_s} s after power back" if seen_s is not None else
                    "**not reported** within the drill's wait"))
            by_class = class_watches(r)
            for klass in CLASSES:
                if klass in by_class:
                    lines.append(f"- {r['server']}, {klass}: {verdict(klass, by_class[klass])}")
            freed_s = r.get("events_s", {}).get(DISK_FREED)
            if freed_s is not None:
                lines.append(f"- {r['server']}, counted from the freeing of the disk "
                             f"({freed_s:.1f} s after power back): " +
                             since_freed(r["watches"], freed_s))
        lines.append("")
    return "\n".join(lines)


def write(results, site, args_line, out_dir, timeout_s):
    os.makedirs(out_dir, exist_ok=True)
    text = render(results, site, args_line)
    png = plot.draw(results, out_dir, timeout_s)
    text += ("\n![devices working over time](timeline.png)\n" if png else
             "\n(no timeline plot: python3-matplotlib is missing)\n")
    path = os.path.join(out_dir, "report.md")
    with open(path, "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "devices.csv"), "w") as f:
        f.write(devices_csv(results))
    return path, text


def devices_csv(results):
    """One line per device and run, for plots and for finding the slow ones."""
    rows = ["server,scenario,device,kind,client,floor,mac,address,address_s,mail_s,register_s,"
            "arp_confirmed_s,dup_ever,dup_final,naks,first_query_s,ack_sent_s"]
    for r in results:
        for w in r.get("watches", []):
            d = w.d
            rows.append(",".join(str(x) for x in (
                r["server"], r["scenario"], d.n, d.kind, d.client, d.floor, d.mac,
                w.address or "", _csv(w.t_addr), _csv(w.t_mail), _csv(w.t_sip),
                _csv(w.t_confirm), int(w.dup_ever), int(w.dup_final), w.naks,
                _csv(w.wire.first_query_s if w.wire else None),
                _csv(w.wire.ack_s if w.wire else None))))
    return "\n".join(rows) + "\n"


def _csv(value):
    return "" if value is None else f"{value:.2f}"
