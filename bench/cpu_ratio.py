#!/usr/bin/python3
"""Issue 16's CPU targets, measured again and again: CPU per exchange of
blackstart (SQLite, fsync on), the durable-reply floor (bs-floor,
tools/floor) and Kea 2.2 at fixed rates under bs-load, in the peer
benchmark's topology and steps (bench/peer/step.py: a fresh server, an empty
lease file, `sync` first). One round runs every server at every rate, the
servers interleaved, so a drift of the machine hits all of them alike; the
report gives every round and the medians, and the ratios of the medians to
Kea's. Kea's own CPU per exchange moves by half between runs minutes apart
(its thread pool's wake-ups), which one sweep of `make bench` cannot show.

Usage (as root): bench/cpu_ratio.py [--rates 1000,4000] [--repeat 3]
                 [--period 10] [--out bench/results/cpu-ratio.md]
                 [--servers blackstart,floor,kea]

Safety: as bench/peer_bench.py (its own namespaces, 198.18.0.0/15 only,
every process started by PID and stopped on exit, every step bounded).
"""

import argparse
import os
import statistics
import sys

from peer import env, generators, servers
from peer.env import log
from peer.report import fmt
from peer.step import run_step

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
# Issue 16: CPU per exchange against Kea's at 1,000/s and at Kea's
# highest sustained rate (4,000/s in every sweep on this machine).
TARGETS = {1000: 1 / 3, 4000: 0.2}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blackstart", default=os.path.join(env.REPO_DIR, "build", "blackstart"))
    parser.add_argument("--bs-load", default=os.path.join(env.REPO_DIR, "build", "bs-load"))
    parser.add_argument("--servers", default="blackstart,floor,kea")
    parser.add_argument("--rates", default="1000,4000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--period", type=int, default=10, help="seconds of new exchanges per step")
    parser.add_argument("--clients", type=int, default=100000)
    parser.add_argument("--out", default=os.path.join(BENCH_DIR, "results", "cpu-ratio.md"))
    parser.add_argument("--strict", action="store_true", help="exit 1 if any step failed")
    args = parser.parse_args()
    args.server_names = [s for s in args.servers.split(",") if s]
    args.rate_list = [int(r) for r in args.rates.split(",") if r]
    if (not set(args.server_names) <= {"blackstart", "floor", "kea"} or not args.rate_list
            or not 1 <= args.repeat <= 10 or not 1 <= args.period <= 60
            or any(not 100 <= r <= 50000 for r in args.rate_list)):
        parser.error("servers: blackstart, floor, kea; repeat 1..10; period 1..60 s; "
                     "rates 100..50000")
    return args


def measure(bench, args, raw_dir):
    """{(server, rate): [step, ...]} over args.repeat rounds."""
    load = generators.BsLoad(os.path.abspath(args.bs_load))
    server_list = servers.make(args.server_names, os.path.abspath(args.blackstart))
    steps = {}
    for round_no in range(1, args.repeat + 1):
        for rate in args.rate_list:
            for server in server_list:
                log(f"round {round_no}: {server.name} at {rate}/s")
                step = run_step(bench, server, rate, args, raw_dir, load)
                log(f"  CPU {fmt(step.get('cpu_s_per_1000'), 3)} s per 1,000, "
                    f"{'pass' if step.get('passed') else 'FAIL ' + step.get('error', 'drops')}")
                steps.setdefault((server.name, rate), []).append(step)
    return steps


def median_cpu(steps):
    values = [s["cpu_s_per_1000"] for s in steps if s.get("passed") and s.get("cpu_s_per_1000")]
    return statistics.median(values) if values else None


def table(args, steps):
    names = args.server_names
    lines = ["| rate /s | round | " + " | ".join(names) + " |",
             "| ---: | --- | " + " | ".join("---:" for _ in names) + " |"]
    for rate in args.rate_list:
        for i in range(args.repeat):
            cells = []
            for name in names:
                st = steps[(name, rate)][i]
                cpu = fmt(st.get("cpu_s_per_1000"), 3)
                cells.append(cpu if st.get("passed") else f"{cpu} (failed)")
            lines.append(f"| {rate:,} | {i + 1} | " + " | ".join(cells) + " |")
        lines.append(f"| {rate:,} | **median** | "
                     + " | ".join(f"**{fmt(median_cpu(steps[(n, rate)]), 3)}**" for n in names)
                     + " |")
    return lines


def ratios(args, steps):
    if "kea" not in args.server_names:
        return []
    lines = ["| rate /s | target: blackstart ÷ Kea ≤ | blackstart ÷ Kea | floor ÷ Kea "
             "| blackstart ÷ floor |", "| ---: | ---: | ---: | ---: | ---: |"]
    for rate in args.rate_list:
        kea = median_cpu(steps[("kea", rate)])
        ours = median_cpu(steps.get(("blackstart", rate), []))
        floor = median_cpu(steps.get(("floor", rate), []))

        def div(a, b):
            return fmt(a / b, 2) if a and b else "–"
        target = fmt(TARGETS[rate], 2) if rate in TARGETS else "–"
        lines.append(f"| {rate:,} | {target} | {div(ours, kea)} | {div(floor, kea)} "
                     f"| {div(ours, floor)} |")
    return lines


def write(args, steps, meta):
    lines = [
        "# CPU per exchange, repeated (issue 16)",
        "",
        f"Run {meta['started']} – {env.utc_now()} (UTC) on {meta['machine']['cpu']}, "
        f"{meta['machine']['cores']} cores. Load average at start {meta['load_start']}, "
        f"at end {env.loadavg()}. `bench/cpu_ratio.py --rates {args.rates} --repeat "
        f"{args.repeat} --period {args.period}`: bs-load (relay mode, {args.clients:,} MACs), "
        "each step a fresh server with an empty lease file after a `sync`, the servers "
        "interleaved within each round.",
        "",
        "Server CPU seconds per 1,000 exchanges (user + system, all threads, over the "
        "step's wall time; DISCOVER→OFFER plus REQUEST→ACK):",
        "",
    ]
    lines += table(args, steps)
    lines += ["", "Ratios of the medians:", ""] + ratios(args, steps)
    lines += [
        "",
        "The floor (bs-floor) only receives, patches the query into a reply, writes 32 "
        "bytes and fdatasyncs per wake-up, and sends (bench/README.md, \"The floor\"). "
        "A target below floor ÷ Kea cannot be met by any server that fsyncs each ACK's "
        "lease and starts that commit at once.",
        "",
    ]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines))


def main():
    args = parse_args()
    with env.topology_run("cpu-ratio") as (bench, meta):
        raw_dir = os.path.join(bench.tmp, "raw")
        os.makedirs(raw_dir)
        steps = measure(bench, args, raw_dir)
        write(args, steps, meta)
        log(f"wrote {args.out}")
        failed = [k for k, v in steps.items() if not all(s.get("passed") for s in v)]
        if args.strict and failed:
            log(f"failed steps: {failed}")
            sys.exit(1)

if __name__ == "__main__":
    main()
