#!/usr/bin/python3
"""Peer benchmark: blackstart, Kea, dnsmasq and ISC dhcpd under perfdhcp and
under bs-load, our own measuring generator.

Every server runs in the same topology, two network namespaces joined by one
veth pair, with the same pool, lease time, options and simulated client count,
and each rate step starts it afresh with an empty lease file. Each generator
sweeps offered rates against each server; then the steps both generators ran
against the same server at the same rate are set side by side (the
cross-check), running any that a sweep skipped. The run writes
bench/results/latest.{md,json}, one plot per generator (latest.png for
perfdhcp, latest-bsload.png for bs-load) and small raw logs under
bench/results/raw/. Method and caveats: bench/README.md.

Usage (as root): bench/peer_bench.py --blackstart build/blackstart --bs-load build/bs-load
                 (Debian's /usr/bin/python3: the plot uses python3-matplotlib)
                 [--servers blackstart,kea] [--generators perfdhcp,bs-load]
                 (--servers kea-ha: Kea 2.2's HA pair, not in the default list)
                 [--rates 250,500] [--bsload-rates 1000,4000] [--period 10]
                 [--results DIR]

Safety: all traffic stays inside the two namespaces this run creates,
addresses come from 198.18.0.0/15 only, every generator run is bounded (its
own period plus a watchdog) and every sweep is bounded; on any exit the run
stops the processes it started (by PID) and deletes its namespaces and
temporary files.
"""

import argparse
import json
import os
import shutil
import signal
import sys

from peer import env, generators, report, servers
from peer.env import log
from peer.report import fmt
from peer.step import run_step

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))

PERFDHCP_RATES = [50, 100, 250, 500, 1000, 2000, 4000, 8000, 12000, 16000]
# bs-load reaches further, and skips 500 to keep `make bench` under ~15 min.
BSLOAD_RATES = [50, 100, 250, 1000, 2000, 4000, 8000, 12000, 16000, 24000, 32000, 40000, 48000]
# Two perfdhcp processes (issue 16): one perfdhcp tops out near 12,000/s here.
PERFDHCP2_RATES = [1000, 2000, 4000, 8000, 12000, 16000, 24000]
GENERATORS = ["perfdhcp", "perfdhcp-2", "bs-load"]
# Rates both generators can reach, against the servers the targets compare.
CROSS_CHECK = "blackstart:1000,blackstart:4000,blackstart-nofsync:4000,kea:2000"
PLOTS = {"perfdhcp": "latest.png", "perfdhcp-2": "latest-perfdhcp2.png",
         "bs-load": "latest-bsload.png"}


def parse_rates(text):
    return sorted({int(r) for r in text.split(",") if r.strip()})


def sweep(bench, server, generator, rates, args, raw_dir):
    """One server under one generator, rising rates, until fail_limit steps fail."""
    failures, steps = 0, []
    for rate in rates:
        log(f"{server.name} at {rate}/s, {generator.name}")
        step = run_step(bench, server, rate, args, raw_dir, generator)
        steps.append(step)
        log_step(step)
        if not step.get("passed"):
            failures += 1
            if failures >= args.fail_limit or "served_rate" not in step:
                break
    return steps


def log_step(step):
    if "served_rate" not in step:
        log(f"  error: {step['error']}")
        return
    log(f"  offered {step['offered_rate']:,.0f}/s served {step['served_rate']:,.0f}/s drops "
        f"{step['drop_pct']:.3f}% D->O p99 {fmt(step['do_p99_ms'], 2)} ms R->A p50 "
        f"{fmt(step['ra_p50_ms'], 2)} ms p99 {fmt(step['ra_p99_ms'], 2)} ms server CPU "
        f"{fmt(step['server_cpu_pct'], 0)}% (waiting {fmt(step['server_runqueue_wait_pct'], 0)}%)"
        f" {step['generator']} CPU {fmt(step['generator_cpu_pct'], 0)}% socket drops "
        f"{step['server_rcvbuf_drops']}/{step['generator_rcvbuf_drops']} "
        f"{'pass' if step['passed'] else 'FAIL'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blackstart", default=os.path.join(env.REPO_DIR, "build", "blackstart"))
    parser.add_argument("--bs-load", default=os.path.join(env.REPO_DIR, "build", "bs-load"))
    parser.add_argument("--servers", default=",".join(servers.NAMES),
                        help="comma-separated subset of "
                        + ",".join(servers.NAMES + servers.PAIR_NAMES))
    parser.add_argument("--generators", default=",".join(GENERATORS),
                        help="comma-separated subset of " + ",".join(GENERATORS))
    parser.add_argument("--rates", default=",".join(map(str, PERFDHCP_RATES)),
                        help="rates perfdhcp sweeps, exchanges/s")
    parser.add_argument("--perfdhcp2-rates", default=",".join(map(str, PERFDHCP2_RATES)),
                        help="rates two perfdhcp sweep together, exchanges/s")
    parser.add_argument("--bsload-rates", default=",".join(map(str, BSLOAD_RATES)),
                        help="rates bs-load sweeps, exchanges/s")
    parser.add_argument("--cross-check", default=CROSS_CHECK,
                        help="server:rate pairs run with both generators ('' for none)")
    parser.add_argument("--period", type=int, default=10,
                        help="seconds of new exchanges per step")
    parser.add_argument("--clients", type=int, default=100000,
                        help="MACs each exchange draws from (perfdhcp -R)")
    parser.add_argument("--fail-limit", type=int, default=2,
                        help="stop a server's sweep after this many failing steps")
    parser.add_argument("--calibration-rate", type=int, default=100000)
    parser.add_argument("--results", default=os.path.join(BENCH_DIR, "results"))
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 if any step failed (make bench-tiny)")
    parser.add_argument("--no-install", action="store_true",
                        help="do not install missing Debian packages")
    args = parser.parse_args()

    rates = {"perfdhcp": parse_rates(args.rates), "perfdhcp-2": parse_rates(args.perfdhcp2_rates),
             "bs-load": parse_rates(args.bsload_rates)}
    servers_wanted = [s.strip() for s in args.servers.split(",") if s.strip()]
    gens_wanted = [g.strip() for g in args.generators.split(",") if g.strip()]
    pairs = [(p.split(":")[0], int(p.split(":")[1])) for p in args.cross_check.split(",")
             if p.strip()]
    pairs = [(s, r) for s, r in pairs if s in servers_wanted]
    unknown = ((set(servers_wanted) - set(servers.NAMES + servers.PAIR_NAMES))
               | (set(gens_wanted) - set(GENERATORS)))
    if (unknown or not gens_wanted or not all(rates[g] for g in gens_wanted)
            or not 1 <= args.period <= 60 or any(len(r) > 30 for r in rates.values())):
        parser.error(f"unknown {sorted(unknown)}, or rates/period out of bounds")
    if os.geteuid() != 0:
        sys.exit("peer-bench: needs root (network namespaces, port 67)")
    blackstart = os.path.abspath(args.blackstart)
    bs_load = os.path.abspath(args.bs_load)
    if any(s.startswith("blackstart") for s in servers_wanted) and not os.access(blackstart,
                                                                                 os.X_OK):
        sys.exit(f"peer-bench: no blackstart binary at {blackstart} (build it first)")
    if "bs-load" in gens_wanted and not os.access(bs_load, os.X_OK):
        sys.exit(f"peer-bench: no bs-load binary at {bs_load} (build it first)")
    if not args.no_install:
        env.ensure_packages()

    signal.signal(signal.SIGTERM, env.on_signal)
    signal.signal(signal.SIGINT, env.on_signal)
    signal.signal(signal.SIGHUP, env.on_signal)
    bench = env.Run()
    try:
        bench.build_topology()
        server_list = servers.make(servers_wanted, blackstart)
        for s in server_list:
            if isinstance(s, servers.Blackstart):
                s.check_config(bench)
        makers = {"perfdhcp": generators.Perfdhcp, "perfdhcp-2": generators.TwoPerfdhcp,
                  "bs-load": lambda: generators.BsLoad(bs_load)}
        gen_list = [makers[g]() for g in GENERATORS if g in gens_wanted]
        raw_dir = os.path.join(bench.tmp, "raw")
        os.makedirs(raw_dir)
        meta = {"started": env.utc_now(), "machine": env.machine_info(),
                "versions": env.versions(blackstart), "load_start": env.loadavg(),
                "rates": {g.name: rates[g.name] for g in gen_list}, "period_s": args.period,
                "clients": args.clients, "fail_limit": args.fail_limit,
                "plots": {g.name: PLOTS[g.name] for g in gen_list}}
        calibrations = {}
        for g in gen_list:
            log(f"{g.name} alone at {args.calibration_rate}/s for 5 s")
            calibrations[g.name] = g.calibrate(bench, args.calibration_rate, args)
            log(f"  sent {calibrations[g.name]['discover_per_s']:,.0f} DISCOVER/s")
        steps = []
        for g in gen_list:
            for server in server_list:
                steps += sweep(bench, server, g, rates[g.name], args, raw_dir)
        crossed = [g for g in gen_list if g.name in ("perfdhcp", "bs-load")]
        if len(crossed) == 2:
            by_name = {s.name: s for s in server_list}
            for server_name, rate in pairs:
                for g in crossed:
                    if not report.step_at(steps, server_name, g.name, rate):
                        log(f"cross-check: {server_name} at {rate}/s, {g.name}")
                        step = run_step(bench, by_name[server_name], rate, args, raw_dir, g)
                        log_step(step)
                        steps.append(step)
        summaries = [report.summarize(s, g.name, steps) for g in gen_list for s in server_list]
        meta["finished"] = env.utc_now()
        meta["load_end"] = env.loadavg()

        os.makedirs(args.results, exist_ok=True)
        results_raw = os.path.join(args.results, "raw")
        if os.path.isdir(results_raw):
            for name in os.listdir(results_raw):
                if name.endswith(".log"):
                    os.remove(os.path.join(results_raw, name))
        os.makedirs(results_raw, exist_ok=True)
        for name in os.listdir(raw_dir):
            shutil.copy(os.path.join(raw_dir, name), results_raw)
        with open(os.path.join(args.results, "latest.json"), "w") as f:
            json.dump({"meta": meta, "calibration": calibrations, "summary": summaries,
                       "steps": steps}, f, indent=1)
        report.write_markdown(os.path.join(args.results, "latest.md"), meta, summaries, steps,
                              calibrations, pairs)
        for g in gen_list:
            report.write_plot(os.path.join(args.results, PLOTS[g.name]), meta,
                              [s for s in summaries if s["generator"] == g.name], steps, g.name)
        log(f"wrote {os.path.join(args.results, 'latest.md')} and the plots")
        failed = [s for s in steps if not s.get("passed")]
        if args.strict and failed:
            log("failed steps: " + ", ".join(f"{s['server']} {s['generator']} "
                                              f"{s['target_rate']}/s" for s in failed))
            sys.exit(1)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
