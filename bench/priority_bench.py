#!/usr/bin/python3
"""Priority under overload: does a public counter get its address first when
the whole office asks at once?

One server namespace and one client namespace joined by a veth pair (the
peer benchmark's topology, bench/peer). Two bs-load generators run at the
same time from two relay addresses: the office's PCs (95% of the rate) and
the public counters (5%, sending vendor class "counter", which the config's
class "counters" matches). First the server's sustainable rate is measured
(a short run far above it; what it ACKs per second), then the office asks at
2x and 4x that rate, against:
  - blackstart with the class marked `"user-context": {"blackstart-priority": 5}`,
  - blackstart with the same class and no priority (plain FIFO),
  - Kea 2.2 on the same file (it ignores the user-context), memfile, MT.
Each prints, for counters and for PCs: completion (ACKs / exchanges started,
each exchange tried once, unanswered after the drop time = not completed)
and p50/p99 time to lease (DISCOVER sent to ACK received).

Usage (as root): bench/priority_bench.py --blackstart build/blackstart
                 --bs-load build/bs-load [--seconds 5] [--tiny] [--out FILE]
--tiny runs 0.5 s steps at low multiples, for `make test`: it checks that the
bench works, and its figures mean nothing.

Safety: traffic stays in the two namespaces this run creates, addresses come
from 198.18.0.0/15 only, every generator run is bounded by its own length
plus a watchdog, and on any exit the run stops what it started (by PID) and
deletes its namespaces and temporary files.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from peer import env, servers
from peer.env import log, run

# The topology's two relay addresses on the client link (peer/env.py).
PC_RELAY, COUNTER_RELAY = env.CLIENT_ADDR.split("/")[0], env.SECOND_RELAY.split("/")[0]
SERVER = "198.18.0.1"
COUNTER_SHARE = 0.05
DROP_TIME_MS = 1000

CLASS = {"name": "counters", "test": "option[60].text == 'counter'"}


def write_config(kind, state, iface, priority):
    """The office's file: the peer bench's pool plus the counters' class."""
    template = "kea-dhcp4.json" if kind == "kea" else "blackstart.json"
    with open(os.path.join(servers.CONFIG_DIR, template)) as f:
        text = f.read().replace("@IFACE@", iface).replace("@STATE@", state)
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    config = json.loads("\n".join(lines))
    counters = dict(CLASS)
    if priority:
        counters["user-context"] = {"blackstart-priority": 5}
    config["Dhcp4"]["client-classes"] = [counters]
    path = os.path.join(state, "kea-dhcp4.json" if kind == "kea" else "blackstart.json")
    with open(path, "w") as f:
        json.dump(config, f, indent=1)
    return path


class ConfiguredServer(servers.Server):
    def __init__(self, kind, binary, priority):
        label = {("blackstart", True): "blackstart, priority on",
                 ("blackstart", False): "blackstart, priority off",
                 ("kea", False): "Kea 2.2 (memfile, MT)"}[(kind, priority)]
        super().__init__(f"{kind}-{'on' if priority else 'off'}", label)
        self.kind, self.binary, self.priority = kind, binary, priority

    def command(self, bench, state):
        conf = write_config(self.kind, state, bench.srv_if, self.priority)
        if self.kind == "kea":
            env_vars = dict(os.environ, KEA_PIDFILE_DIR=state, KEA_LOCKFILE_DIR=state)
            return ["kea-dhcp4", "-c", conf], env_vars
        return [self.binary, "-c", conf], None


def generator(bs_load, bench, relay, rate, seconds, first_mac, vendor_class=None):
    cmd = [bs_load, "bench", "--iface", bench.cli_if, "--relay", relay, "--server", SERVER,
           "--rate", f"{max(rate, 1):.0f}", "--seconds", str(seconds), "--first", str(first_mac),
           "--drop-time-ms", str(DROP_TIME_MS), "--seed", str(first_mac + 1)]
    if vendor_class:
        cmd += ["--vendor-class", vendor_class]
    return cmd


def summary(text):
    lines = [line for line in text.splitlines() if line.startswith("bs-load bench:")]
    if not lines:
        return {}
    return {k: float(v) for k, v in
            (kv.split("=", 1) for kv in lines[-1].split(":", 1)[1].split())}


def run_load(bench, args, server, total_rate, seconds):
    """Starts `server` afresh, runs PCs and counters at once, returns both summaries."""
    state = os.path.join(bench.tmp, f"{server.name}-{int(total_rate)}-{time.monotonic_ns()}")
    os.makedirs(state)
    raw = os.path.join(state, "raw.log")
    proc, _cmd, server_log, error = servers.start(bench, server, state, raw)
    if error:
        return {"error": error}
    outputs = {}
    try:
        procs = {
            "pcs": bench.spawn(bench.cli_ns, generator(
                args.bs_load, bench, PC_RELAY, total_rate * (1 - COUNTER_SHARE), seconds, 0),
                os.path.join(state, "pcs.log")),
            "counters": bench.spawn(bench.cli_ns, generator(
                args.bs_load, bench, COUNTER_RELAY, total_rate * COUNTER_SHARE, seconds,
                8_000_000, "counter"), os.path.join(state, "counters.log")),
        }
        for name, p in procs.items():
            try:
                p.wait(timeout=2 * seconds + 60)
            except subprocess.TimeoutExpired:
                bench.stop(p)
            bench.children.pop(p.pid, None)
            with open(os.path.join(state, f"{name}.log"), errors="replace") as f:
                outputs[name] = summary(f.read())
    finally:
        bench.stop(proc)
        run(["sync"])  # the next server must not pay for this one's writes
    return outputs


def sustainable_rate(bench, args, server):
    """What the server ACKs per second when asked far more than it can do."""
    out = run_load(bench, args, server, args.probe_rate, args.seconds)
    pcs, counters = out.get("pcs", {}), out.get("counters", {})
    return pcs.get("acks_per_s", 0) + counters.get("acks_per_s", 0)


def row(label, multiple, rate, out):
    cells = [label, f"{multiple}x", f"{rate:,.0f}"]
    for group in ("counters", "pcs"):
        s = out.get(group, {})
        if not s:
            cells += ["–", "–", "–"]
            continue
        cells += [f"{s['completed_pct']:.1f}%", f"{s['lease_p50_ms']:.1f}",
                  f"{s['lease_p99_ms']:.1f}"]
    return "| " + " | ".join(cells) + " |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blackstart", required=True)
    parser.add_argument("--bs-load", required=True)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--probe-rate", type=float, default=60000)
    parser.add_argument("--multiples", default="2,4")
    parser.add_argument("--no-kea", action="store_true")
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    args.blackstart, args.bs_load = os.path.abspath(args.blackstart), os.path.abspath(args.bs_load)
    if args.tiny:
        args.seconds, args.probe_rate, args.multiples = 0.5, 2000, "2"
    multiples = [float(m) for m in args.multiples.split(",")]
    if os.geteuid() != 0:
        sys.exit("priority_bench: needs root (network namespaces)")
    signal.signal(signal.SIGTERM, env.on_signal)
    env.ensure_packages()
    bench = env.Run()
    try:
        bench.build_topology()  # the client link carries both relay addresses
        candidates = [ConfiguredServer("blackstart", args.blackstart, True),
                      ConfiguredServer("blackstart", args.blackstart, False)]
        if not args.no_kea:
            candidates.append(ConfiguredServer("kea", None, False))
        capacity = sustainable_rate(bench, args, candidates[1])
        log(f"blackstart sustains {capacity:,.0f} exchanges/s (asked {args.probe_rate:,.0f}/s)")
        if capacity <= 0:
            sys.exit("priority_bench: the server answered nothing; see the logs above")
        lines = [f"Sustainable rate (blackstart, priority off, asked {args.probe_rate:,.0f}/s): "
                 f"{capacity:,.0f} exchanges/s. Counters are {COUNTER_SHARE:.0%} of the load; "
                 f"each exchange is tried once, drop time {DROP_TIME_MS} ms, "
                 f"{args.seconds} s per step.", "",
                 "| server | load | asked/s | counters done | counters p50 ms | "
                 "counters p99 ms | PCs done | PCs p50 ms | PCs p99 ms |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for multiple in multiples:
            rate = capacity * multiple
            for server in candidates:
                log(f"{server.label} at {multiple}x ({rate:,.0f}/s)")
                out = run_load(bench, args, server, rate, args.seconds)
                if "error" in out:
                    log(f"  error: {out['error']}")
                lines.append(row(server.label, f"{multiple:g}", rate, out))
                log("  " + lines[-1])
        report = "\n".join(lines) + "\n"
        print(report)
        if args.out:
            with open(args.out, "w") as f:
                f.write(report)
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
