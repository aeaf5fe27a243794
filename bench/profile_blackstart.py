#!/usr/bin/python3
"""Where blackstart's time goes at a high rate: one bs-load run against a
fresh blackstart (fsync on, then off) in the peer benchmark's topology, with
`perf record -g` attached to the server, and the server's own stage timers
(/metrics: handling per query, commit per batch, leases per commit) read at
the end. Writes a Markdown summary (default bench/results/profile.md) and
keeps perf.data files in the temporary directory only.

Usage (as root): bench/profile_blackstart.py --blackstart build/blackstart
                 --bs-load build/bs-load [--rate 16000] [--seconds 8]
                 [--variants blackstart,blackstart-nofsync] [--out FILE]

Safety: as bench/peer_bench.py (its own namespaces, 198.18.0.0/15 only,
every process started by PID and stopped on exit); perf is bounded by
`sleep` and attaches only to the server this script started.
"""

import argparse
import os
import re
import subprocess
import tempfile

from peer import env, generators, probes, servers
from peer.env import log

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
METRIC_RE = re.compile(r"^(blackstart_[a-z_]+?)(?:\{[^}]*\})?\s+([0-9.e+-]+)$")


def metrics(bench):
    out = env.run(["ip", "netns", "exec", bench.srv_ns, "curl", "-s", "--max-time", "5",
                   "http://127.0.0.1:8004/metrics"], check=False).stdout
    values = {}
    for line in out.splitlines():
        m = METRIC_RE.match(line)
        if m and not line.startswith("blackstart_packets"):
            values[m.group(1)] = float(m.group(2))
    return values


def perf_tables(data, top):
    def report(sort):
        out = env.run(["perf", "report", "-i", data, "--no-children", "--sort", sort, "--stdio",
                       "--percent-limit", "0.5"], check=False).stdout
        rows = []
        for line in out.splitlines():
            m = re.match(r"^\s+([0-9.]+)%\s+(.*\S)\s*$", line)
            if m:
                what = re.sub(r"\s+", " ", m.group(2))
                rows.append((float(m.group(1)), re.sub(r"( -)+$", "", what)))
        return rows[:top]
    return report("dso"), report("dso,symbol")


def profile(bench, server, bs_load, args, tmp):
    state = tempfile.mkdtemp(prefix=f"{server.name}.", dir=tmp)
    raw = os.path.join(tmp, f"{server.name}.log")
    proc, cmd, _, error = servers.start(bench, server, state, raw)
    if error:
        return {"error": error}
    perf_data = os.path.join(tmp, f"{server.name}.perf.data")
    cpu0 = probes.proc_cpu_s(proc.pid)
    perf = subprocess.Popen(["perf", "record", "-F", str(args.frequency), "-g", "-p",
                             str(proc.pid), "-o", perf_data, "--", "sleep", str(args.seconds + 1)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bench.children[perf.pid] = perf
    load_cmd = bs_load.base_command(bench, args.rate) + [
        "--seconds", str(args.seconds), "--macs", "100000", "--drop-time-ms", "1000"]
    load = env.run(["ip", "netns", "exec", bench.cli_ns] + load_cmd, check=False,
                   timeout=2 * args.seconds + 60).stdout
    perf.wait(timeout=args.seconds + 30)
    bench.children.pop(perf.pid, None)
    with open(f"/proc/{proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    user_s, sys_s = int(fields[11]) / probes.CLK_TCK, int(fields[12]) / probes.CLK_TCK
    cpu = probes.proc_cpu_s(proc.pid) - cpu0
    values = metrics(bench)
    bench.stop(proc)
    dsos, symbols = perf_tables(perf_data, args.top)
    return {"load": generators.BsLoad.summary(load), "metrics": values, "cpu_s": cpu,
            "user_s": user_s, "sys_s": sys_s, "dsos": dsos, "symbols": symbols}


def per(values, name):
    count = values.get(f"{name}_count", 0)
    return values.get(f"{name}_sum", 0) / count if count else None


def write(path, args, results, meta):
    lines = [
        "# Where blackstart's time goes at a high rate",
        "",
        f"Run {meta['started']} UTC on {meta['machine']['cpu']}, {meta['machine']['cores']} "
        f"cores; load average at start {meta['load_start']}, at end {env.loadavg()}. "
        f"`bench/profile_blackstart.py --rate {args.rate} --seconds {args.seconds}` "
        f"(perf at {args.frequency} samples/s): bs-load "
        "(relay mode, 100,000 MACs) against a fresh blackstart, `perf record -g` on "
        "the server for the whole run, the server's /metrics read at the end.",
        "",
    ]
    for name, r in results.items():
        lines += [f"## {name}", ""]
        if "error" in r:
            lines += [f"error: {r['error']}", ""]
            continue
        s, v = r["load"], r["metrics"]
        acks = s.get("acks", 0)
        handle = per(v, "blackstart_allocation_duration_seconds")
        commit = per(v, "blackstart_commit_duration_seconds")
        batch = per(v, "blackstart_commit_batch_leases")
        commits = v.get("blackstart_commits_total", 0)
        wall = s.get("wall_s", 0)
        lines += [
            f"bs-load: asked {args.rate:,}/s, offered {s.get('offered_per_s', 0):,.0f}/s, "
            f"ACKs {s.get('acks_per_s', 0):,.0f}/s, drops {s.get('drop_pct', 0):.2f}%, "
            f"REQUEST→ACK p50 / p99 {s.get('ack_p50_ms', 0):.2f} / {s.get('ack_p99_ms', 0):.2f} "
            f"ms, bs-load CPU {s.get('cpu_pct', 0):.0f}%.",
            "",
            "| figure | value |",
            "| --- | ---: |",
            f"| server CPU over the run (user + sys, all threads) | {r['cpu_s']:.2f} s "
            f"({100 * r['cpu_s'] / wall if wall else 0:.0f}% of {wall:.1f} s) |",
            f"| of which user / system (whole life) | {r['user_s']:.2f} / {r['sys_s']:.2f} s |",
            f"| server CPU per exchange | {1e6 * r['cpu_s'] / acks if acks else 0:.1f} µs |",
            f"| handling one query (subnet, allocation, reply; mean) | "
            f"{1e6 * handle if handle else 0:.2f} µs |",
            f"| commits (transactions) | {commits:,.0f} ({commits / wall if wall else 0:,.0f}/s) |",
            f"| one commit, fsync included (mean) | {1e3 * commit if commit else 0:.3f} ms |",
            f"| leases per commit (mean) | {batch if batch else 0:.1f} |",
            f"| share of the run the loop spent inside commit | "
            f"{100 * commits * commit / wall if commit and wall else 0:.0f}% |",
            "",
            "perf, share of the server's samples by binary or library (self time):",
            "",
            "| % | where |",
            "| ---: | --- |",
        ]
        lines += [f"| {pct:.1f} | {what} |" for pct, what in r["dsos"]]
        lines += ["", "perf, top functions (self time):", "", "| % | where |", "| ---: | --- |"]
        lines += [f"| {pct:.1f} | {what.replace('|', '/')} |" for pct, what in r["symbols"]]
        lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blackstart", default=os.path.join(env.REPO_DIR, "build", "blackstart"))
    parser.add_argument("--bs-load", default=os.path.join(env.REPO_DIR, "build", "bs-load"))
    parser.add_argument("--rate", type=int, default=16000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--variants", default="blackstart,blackstart-nofsync")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--frequency", type=int, default=4999, help="perf samples per second")
    parser.add_argument("--out", default=os.path.join(BENCH_DIR, "results", "profile.md"))
    args = parser.parse_args()
    variants = [v for v in args.variants.split(",") if v]
    if not set(variants) <= {"blackstart", "blackstart-nofsync"} or not 1 <= args.seconds <= 60:
        parser.error("variants: blackstart, blackstart-nofsync; seconds 1..60")
    with env.topology_run("profile", "network namespaces, perf") as (bench, meta):
        bs_load = generators.BsLoad(os.path.abspath(args.bs_load))
        results = {}
        for server in servers.make(variants, os.path.abspath(args.blackstart)):
            if isinstance(server, servers.Blackstart):
                server.check_config(bench)
            log(f"{server.label} at {args.rate}/s for {args.seconds} s under perf")
            results[server.label] = profile(bench, server, bs_load, args, bench.tmp)
        write(args.out, args, results, meta)
        log(f"wrote {args.out}")

if __name__ == "__main__":
    main()
