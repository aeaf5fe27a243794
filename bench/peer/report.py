"""The report: bench/results/latest.md (summary per generator, the issue's
targets, the generator cross-check, every step) and one plot per generator."""

from .step import GENERATOR_SHORTFALL, MAX_DROP_PCT

GENERATOR_TITLES = {
    "perfdhcp": "perfdhcp as the generator",
    "perfdhcp-2": "Two perfdhcp as the generator (each half the rate, its own relay address and "
                  "half of the clients)",
    "bs-load": "bs-load generator (ours, tools/loadgen)",
}


def fmt(value, digits=1, none="–"):
    if value is None:
        return none
    return f"{value:,.{digits}f}"


def summarize(server, generator, steps):
    steps = [s for s in steps if s["server"] == server.name and s["generator"] == generator]
    ok = [s for s in steps if s.get("passed")]
    best = max(ok, key=lambda s: s["target_rate"]) if ok else None
    served = [s["served_rate"] for s in steps if "served_rate" in s]
    hwm = [s["server_hwm_kb"] for s in steps if s.get("server_hwm_kb")]
    gen_limited = [s for s in steps if s.get("generator_limited") and "error" not in s
                   and s["drop_pct"] < MAX_DROP_PCT]
    return {"server": server.name, "generator": generator, "label": server.label, "best": best,
            "max_served": max(served) if served else None,
            "peak_rss_mib": max(hwm) / 1024.0 if hwm else None,
            "generator_limited_steps": [s["target_rate"] for s in gen_limited],
            "errors": [f"{s['target_rate']}/s: {s['error']}" for s in steps if "error" in s],
            "note": server.note}


def step_at(steps, server, generator, rate):
    for s in steps:
        if (s["server"], s["generator"], s["target_rate"]) == (server, generator, rate) \
                and "served_rate" in s:
            return s
    return None


def summary_table(meta, summaries):
    rates = meta["rates"][summaries[0]["generator"]] if summaries else [0]
    lines = [
        "| server | max rate sustained, exchanges/s (< 0.1% drops) | REQUEST→ACK p50 / p99, ms "
        "| DISCOVER→OFFER p50 / p99, ms | server CPU s per 1,000 exchanges | peak RSS, MiB "
        "| highest rate served at any step, ACK/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in summaries:
        b = s["best"]
        if b:
            rate = f"{b['target_rate']:,}"
            if b["target_rate"] == max(rates):
                rate = f"≥ {rate} (top of sweep)"
            ra = f"{fmt(b['ra_p50_ms'], 2)} / {fmt(b['ra_p99_ms'], 2)}"
            do = f"{fmt(b['do_p50_ms'], 2)} / {fmt(b['do_p99_ms'], 2)}"
            cpu = fmt(b["cpu_s_per_1000"], 3)
        else:
            rate = f"< {min(rates):,}"
            ra = do = cpu = "–"
        lines.append(f"| {s['label']} | {rate} | {ra} | {do} | {cpu} | "
                     f"{fmt(s['peak_rss_mib'], 1)} | {fmt(s['max_served'], 0)} |")
    return lines


def targets_table(summaries, steps, generator, rates):
    """Issue #3's targets, blackstart against Kea in the same run: max rate
    ≥ 3x Kea's, CPU per exchange ≤ 1/3 of Kea's and REQUEST→ACK p99 below
    Kea's, the last two at Kea's own highest sustained rate."""
    by_name = {s["server"]: s for s in summaries}
    kea = by_name.get("kea")
    if not kea or not kea["best"]:
        return []
    kea_best = kea["best"]
    kea_rate = kea_best["target_rate"]
    lines = [
        f"Targets (issue #3), against Kea's highest sustained rate in this run, "
        f"{kea_rate:,}/s (CPU {fmt(kea_best['cpu_s_per_1000'], 3)} s per 1,000, "
        f"REQUEST→ACK p99 {fmt(kea_best['ra_p99_ms'], 2)} ms):",
        "",
        "| server | max rate ÷ Kea's (target ≥ 3) | CPU per exchange at Kea's max rate ÷ Kea's "
        "(target ≤ 0.33) | REQUEST→ACK p99 at Kea's max rate, ms (target < Kea's) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in ("blackstart", "blackstart-nofsync"):
        s = by_name.get(name)
        if not s:
            continue
        ratio = "–"
        if s["best"]:
            top = s["best"]["target_rate"] >= max(rates)
            ratio = ("≥ " if top else "") + fmt(s["best"]["target_rate"] / kea_rate, 1)
        same = step_at(steps, name, generator, kea_rate)
        cpu = p99 = "–"
        if same and same.get("cpu_s_per_1000") and kea_best.get("cpu_s_per_1000"):
            cpu = fmt(same["cpu_s_per_1000"] / kea_best["cpu_s_per_1000"], 2)
        if same:
            p99 = fmt(same.get("ra_p99_ms"), 2) + ("" if same.get("passed") else " (step failed)")
        lines.append(f"| {s['label']} | {ratio} | {cpu} | {p99} |")
    lines += ["", "\"≥\": the server passed the top of the sweep, so the ratio is a lower bound."]
    if kea_rate >= max(rates):
        lines.append("Kea itself passed the top of the sweep, so its max rate is a lower bound "
                     "and the rate ratios above are not meaningful; sweep higher.")
    lines.append("")
    return lines


# Issue 16's targets: sustained rate against Kea's, per generator (one
# perfdhcp cannot load the servers enough to show a rate ratio).
STORM2_RATE_TARGET = {"bs-load": 5.0, "perfdhcp-2": 3.5}
STORM2_CPU_AT_KEA_MAX = 0.2
STORM2_CPU_AT_1000 = 1 / 3
STORM2_STALL_MS = 50.0


def _cpu_ratio(steps, generator, rate, server="blackstart"):
    ours = step_at(steps, server, generator, rate)
    kea = step_at(steps, "kea", generator, rate)
    if not ours or not kea or not ours.get("cpu_s_per_1000") or not kea.get("cpu_s_per_1000"):
        return None
    return ours["cpu_s_per_1000"] / kea["cpu_s_per_1000"]


def storm2_targets_table(summaries, steps, generator, rates):
    """Issue 16's targets for blackstart with every ACK durable, against
    Kea in the same run: the rate ratio, CPU per exchange at Kea's highest
    sustained rate and at 1,000/s, and the largest REQUEST→ACK blackstart
    measured itself in any step up to Kea's highest rate."""
    by_name = {s["server"]: s for s in summaries}
    kea, ours = by_name.get("kea"), by_name.get("blackstart")
    if not kea or not kea["best"] or not ours:
        return []
    kea_rate = kea["best"]["target_rate"]
    target = STORM2_RATE_TARGET.get(generator)
    ratio = "–"
    if ours["best"]:
        top = ours["best"]["target_rate"] >= max(rates)
        ratio = ("≥ " if top else "") + fmt(ours["best"]["target_rate"] / kea_rate, 1)
    at_max, at_1000 = _cpu_ratio(steps, generator, kea_rate), _cpu_ratio(steps, generator, 1000)
    floor_max = _cpu_ratio(steps, generator, kea_rate, "floor")
    floor_1000 = _cpu_ratio(steps, generator, 1000, "floor")
    stalls = [st.get("server_ra_max_ms") for st in steps
              if st["server"] == "blackstart" and st["generator"] == generator
              and st["target_rate"] <= kea_rate and st.get("server_ra_max_ms") is not None]
    worst = max(stalls) if stalls else None

    def met(value, limit, below=True, lower_bound=False):
        if value is None or limit is None:
            return "–"
        if below and value <= limit or not below and value >= limit:
            return "met"
        return "unknown: top of the sweep" if lower_bound else "**not met**"

    rate_value = ours["best"]["target_rate"] / kea_rate if ours["best"] else None
    at_top = bool(ours["best"]) and ours["best"]["target_rate"] >= max(rates)
    return [
        f"Targets (issue 16), blackstart with every ACK durable against Kea's highest "
        f"sustained rate in this run, {kea_rate:,}/s:",
        "",
        "| target | blackstart | floor (bs-floor) | |",
        "| --- | ---: | ---: | --- |",
        f"| max rate ÷ Kea's ≥ {fmt(target, 1) if target else 'n/a (generator-bound)'} | "
        f"{ratio} | | {met(rate_value, target, below=False, lower_bound=at_top)} |",
        f"| CPU per exchange at {kea_rate:,}/s ÷ Kea's ≤ {STORM2_CPU_AT_KEA_MAX:.2f} | "
        f"{fmt(at_max, 2)} | {fmt(floor_max, 2)} | {met(at_max, STORM2_CPU_AT_KEA_MAX)} |",
        f"| CPU per exchange at 1,000/s ÷ Kea's ≤ {STORM2_CPU_AT_1000:.2f} | {fmt(at_1000, 2)} | "
        f"{fmt(floor_1000, 2)} | {met(at_1000, STORM2_CPU_AT_1000)} |",
        f"| largest REQUEST→ACK in blackstart, steps up to {kea_rate:,}/s, ≤ "
        f"{STORM2_STALL_MS:.0f} ms | {fmt(worst, 1)} ms | | {met(worst, STORM2_STALL_MS)} |",
        "",
        "The floor column is bs-floor (tools/floor) in the same run: one recvmmsg, a reply "
        "patched in place, one pwrite and one fdatasync per wake-up, no DHCP logic. It is "
        "the least CPU per exchange of any server here that makes each ACK durable before "
        "it leaves and starts each commit at once (bench/README.md, \"The floor\"); a "
        "CPU target below it cannot be met by work on the server's code.",
        "",
    ]


def cross_check_table(steps, pairs, labels):
    lines = [
        "| server | asked /s | generator | offered /s | served ACK/s | drops % "
        "| D→O p50 / p99 ms | R→A p50 / p99 ms | server CPU s / 1,000 | generator CPU % "
        "| socket drops: server / generator |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for server, rate in pairs:
        for generator in ("perfdhcp", "bs-load"):
            st = step_at(steps, server, generator, rate)
            if not st:
                lines.append(f"| {labels.get(server, server)} | {rate:,} | {generator} "
                             "| | | | | | | | not run |")
                continue
            lines.append(
                f"| {labels.get(server, server)} | {rate:,} | {generator} | "
                f"{fmt(st['offered_rate'], 0)} | {fmt(st['served_rate'], 0)} | "
                f"{fmt(st['drop_pct'], 2)} | {fmt(st['do_p50_ms'], 2)} / "
                f"{fmt(st['do_p99_ms'], 2)} | {fmt(st['ra_p50_ms'], 2)} / "
                f"{fmt(st['ra_p99_ms'], 2)} | {fmt(st['cpu_s_per_1000'], 3)} | "
                f"{fmt(st['generator_cpu_pct'], 0)} | {st['server_rcvbuf_drops']:,} / "
                f"{st['generator_rcvbuf_drops']:,} |")
    return lines


def server_max(st):
    """blackstart's own largest REQUEST→ACK and its share over 50 ms (other
    servers do not report it)."""
    if st.get("server_ra_max_ms") is None:
        return "–"
    over = st.get("server_ra_over_50ms_pct")
    return fmt(st["server_ra_max_ms"], 1) + (f" ({fmt(over, 2)})" if over is not None else "")


def every_step_table(steps):
    lines = [
        "| server | asked /s | offered /s | served ACK/s | drops % | DO drops | RA drops "
        "| D→O p50 / p99 ms | R→A p50 / p99 ms | R→A max in server ms (% > 50 ms) "
        "| server CPU % | server waiting for CPU % "
        "| CPU s / 1,000 | generator CPU % | full socket drops: server / generator | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | --- |",
    ]
    for st in steps:
        if "served_rate" not in st:
            lines.append(f"| {st['server']} | {st['target_rate']:,} | | | | | | | | | | | | | | "
                         f"error: {st.get('error', '?')} |")
            continue
        result = "pass" if st["passed"] else (
            "error" if "error" in st else ("gen-limited" if st["generator_limited"]
                                           and st["drop_pct"] < MAX_DROP_PCT else "drops"))
        lines.append(
            f"| {st['server']} | {st['target_rate']:,} | {fmt(st['offered_rate'], 0)} | "
            f"{fmt(st['served_rate'], 0)} | {fmt(st['drop_pct'], 2)} | {st['do_drops']:,} | "
            f"{st['ra_drops']:,} | {fmt(st['do_p50_ms'], 2)} / {fmt(st['do_p99_ms'], 2)} | "
            f"{fmt(st['ra_p50_ms'], 2)} / {fmt(st['ra_p99_ms'], 2)} | "
            f"{server_max(st)} | "
            f"{fmt(st['server_cpu_pct'], 0)} | {fmt(st['server_runqueue_wait_pct'], 0)} | "
            f"{fmt(st['cpu_s_per_1000'], 3)} | {fmt(st['generator_cpu_pct'], 0)} | "
            f"{st['server_rcvbuf_drops']:,} / {st['generator_rcvbuf_drops']:,} | {result} |")
    return lines


def generator_notes(steps, generator, calibration):
    """What the generator itself managed, and the steps where it, not the
    server, fell behind (it lost replies in its own full receive buffer
    while the server lost none, or could not send the asked rate)."""
    gen_steps = [st for st in steps if st["generator"] == generator and "served_rate" in st]
    lines = []
    if calibration:
        lines.append(
            f"{generator} alone, no server listening, asked for "
            f"{calibration['target_rate']:,} DISCOVER/s for 5 s: it sent "
            f"{calibration['discover_per_s']:,.0f}/s, using {calibration['cpu_pct']:.0f}% CPU.")
        lines.append("")
    # The generator's own losses explain a step when they are at least half
    # of the exchanges that did not complete and the server's socket lost none.
    own = [st for st in gen_steps if st["generator_rcvbuf_drops"] > 0
           and st["server_rcvbuf_drops"] == 0 and 2 * st["generator_rcvbuf_drops"]
           >= st["discover_sent"] - st["ack_received"]]
    if own:
        lines.append(
            f"Steps where {generator} lost replies in its own full receive buffer while the "
            "server's socket lost none, and those losses are at least half the exchanges "
            "that did not complete, so the drops there are mostly the generator's, not the "
            "server's: " + "; ".join(
                f"{st['server']} at {st['target_rate']:,}/s: {st['generator_rcvbuf_drops']:,} "
                f"replies lost ({fmt(st['drop_pct'], 2)}% drops), {generator} CPU "
                f"{fmt(st['generator_cpu_pct'], 0)}%, server CPU {fmt(st['server_cpu_pct'], 0)}%"
                for st in own) + ".")
        lines.append("")
    short = [st for st in gen_steps if st["offered_rate"] < GENERATOR_SHORTFALL
             * st["target_rate"]]
    if short:
        lines.append(
            f"Steps where {generator} could not send the asked rate (`gen-limited`, not "
            "counted as sustained): " + "; ".join(
                f"{st['server']} at {st['target_rate']:,}/s asked, "
                f"{st['offered_rate']:,.0f}/s sent" for st in short) + ".")
        lines.append("")
    return lines


def write_markdown(path, meta, summaries, steps, calibrations, cross_pairs):
    m = meta["machine"]
    labels = {s["server"]: s["label"] for s in summaries}
    gens = [g for g in GENERATOR_TITLES if any(s["generator"] == g for s in summaries)]
    rates = meta["rates"]
    lines = [
        "# Peer benchmark: latest run",
        "",
        f"Run {meta['started']} – {meta['finished']} (UTC) on {m['cpu']}, {m['cores']} cores, "
        f"{m['mem_gib']} GiB, Debian {m['debian']}, Linux {m['kernel']}. "
        f"Load average at start {meta['load_start']}, at end {meta['load_end']}.",
        "",
        f"{meta['clients']:,} clients (each exchange draws its MAC at random out of them), "
        f"{meta['period_s']} s of new exchanges per step, then 1 s for late replies; a "
        f"server's sweep stops after {meta['fail_limit']} failing steps. Each step starts the "
        "server afresh with an empty lease file. Rates swept: "
        + "; ".join(f"{g} {', '.join(f'{r:,}' for r in rates[g])} /s" for g in gens)
        + ". Method: [bench/README.md](../README.md).",
        "",
    ]
    for g in gens:
        lines += [f"## {GENERATOR_TITLES[g]}", ""]
        gen_summaries = [s for s in summaries if s["generator"] == g]
        lines += summary_table(meta, gen_summaries)
        lines += ["", f"![offered vs served, {g}]({meta['plots'][g]})", ""]
        lines += targets_table(gen_summaries, steps, g, rates[g])
        lines += storm2_targets_table(gen_summaries, steps, g, rates[g])
    lines += [
        "Latency and CPU are those of the highest sustained step. Peak RSS is the largest "
        "VmHWM over all steps. One run of short steps: if the load average above is well over "
        "0, other work shared the machine, the `server waiting for CPU` column below shows "
        "how much it held the server back, and the figures are noisy (caveats: "
        "[bench/README.md](../README.md#caveats)).",
        "",
    ]
    if cross_pairs and "perfdhcp" in gens and "bs-load" in gens:
        lines += [
            "## Cross-check: perfdhcp and bs-load against the same server at the same rate",
            "",
            "The same steps from the two sweeps (each a fresh server), side by side. Both "
            "generators send as a relay, draw MACs out of the same client count, never "
            "retransmit and drop after 1 s. bs-load times a reply by the kernel's receive "
            "timestamp, so its own delay in reading replies is not counted; we have not "
            "checked whether perfdhcp's timestamps include its reading delay, which under "
            "load would make its latencies the higher.",
            "",
        ]
        lines += cross_check_table(steps, cross_pairs, labels)
        lines.append("")
    lines += ["## The load generators", ""]
    for g in gens:
        lines += generator_notes(steps, g, calibrations.get(g))
    lines += [
        "The `generator CPU` columns are the generator's user+sys time over the step's wall "
        "time (perfdhcp runs a sender and a receiver thread, so up to 200%; bs-load one "
        "thread). A step where the generator sent fewer than "
        f"{GENERATOR_SHORTFALL:.0%} of the asked DISCOVERs per second is marked `gen-limited` "
        "and does not count as sustained.",
        "",
    ]
    notes = [s for s in summaries if s["note"] or s["errors"]]
    if notes:
        lines += ["## Notes", ""]
        for s in notes:
            if s["note"]:
                lines.append(f"- {s['label']} ({s['generator']}): {s['note']}.")
            for e in s["errors"]:
                lines.append(f"- {s['label']} ({s['generator']}): {e}")
        lines.append("")
    for g in gens:
        lines += [
            f"## Every step, {g}",
            "",
            "drops = 1 − ACKs received / DISCOVERs sent (both as the generator counts them). "
            "Offered and served rates are DISCOVERs sent and ACKs received per second of "
            "the sending period.",
            "",
        ]
        lines += every_step_table([st for st in steps if st["generator"] == g])
        lines.append("")
    lines += ["Versions: " + "; ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".",
              "", "Raw generator output and server log tails: [raw/](raw/) (bs-load steps "
              "are `bsload-*.log`).", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def write_plot(path, meta, summaries, steps, generator):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401 - used as matplotlib.ticker

    rates = meta["rates"][generator]
    fig, ax = plt.subplots(figsize=(9, 6), dpi=110)
    top = max(rates) * 1.3
    ax.plot([10, top], [10, top], color="0.75", linestyle="--", linewidth=1,
            label="served = offered")
    styles = [("o", "-"), ("s", "--"), ("^", "-"), ("D", "-."), ("v", ":")]
    for i, s in enumerate(summaries):
        pts = sorted((st["offered_rate"], st["served_rate"], st["passed"]) for st in steps
                     if st["server"] == s["server"] and st["generator"] == generator
                     and "served_rate" in st)
        if not pts:
            continue
        xs, ys = [p[0] for p in pts], [max(p[1], 1) for p in pts]
        # Overlapping lines stay visible: each is narrower than the one before.
        marker, style = styles[i % len(styles)]
        line, = ax.plot(xs, ys, marker=marker, linestyle=style, alpha=0.85,
                        linewidth=max(4.0 - 0.7 * i, 1.2), markersize=max(9 - i, 5),
                        label=s["label"])
        bad = [(x, y) for (x, _, ok), y in zip(pts, ys) if not ok]
        if bad:
            ax.scatter([b[0] for b in bad], [b[1] for b in bad], s=70, facecolors="white",
                       edgecolors=line.get_color(), zorder=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(min(rates) * 0.7, top)
    ax.set_ylim(10, top)
    plain = matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:,.0f}")
    ax.set_xticks(rates)
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.yaxis.set_major_formatter(plain)
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    ax.set_xlabel(f"offered: DISCOVERs sent per second ({generator})")
    ax.set_ylabel("served: 4-way exchanges completed (ACKs) per second")
    m = meta["machine"]
    ax.set_title(f"DHCPv4 peer benchmark, generator {generator}, {meta['started'][:10]}, "
                 f"{m['cores']} cores, load avg {meta['load_start'].split()[0]}, "
                 f"{meta['clients']:,} clients\n(hollow marker: ≥ 0.1% drops or "
                 "generator-limited)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
