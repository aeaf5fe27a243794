"""The two load generators, perfdhcp (Kea's) and bs-load (ours,
tools/loadgen/measure.h), behind one interface: the command for a rate
step, and the step's figures read from the generator's output in the same
terms for both. Both act as a relay agent at 198.18.0.2 on the client link,
draw each exchange's MAC at random out of --clients, start new 4-way
exchanges at a fixed rate for --period seconds without retransmitting, and
count a message unanswered after 1 s as dropped."""

import os
import re
import subprocess
import time
import types

from .env import CLIENT_ADDR, SECOND_RELAY, SERVER_ADDR
from .probes import percentile

DROP_TIME_MS = 1000  # perfdhcp's default drop time; bs-load is told the same


class Perfdhcp:
    name = "perfdhcp"
    label = "perfdhcp (Kea 2.2)"
    WAIT_US = DROP_TIME_MS * 1000  # -W: after -p ends, wait for late replies

    STAT_RE = re.compile(r"^(sent packets|received packets|drops|orphans|rejected leases|"
                         r"non unique addresses|min delay|avg delay|max delay|std deviation):\s*"
                         r"([0-9.]+)")
    TS_RE = re.compile(r"sent / received:\s*([0-9.]+)\s*/\s*([0-9.]+)")

    def __init__(self, binary="perfdhcp"):
        self.binary = binary

    def command(self, bench, rate, args):
        return [self.binary, "-4", "-l", bench.cli_if, "-r", str(rate), "-R", str(args.clients),
                "-p", str(args.period), "-W", str(self.WAIT_US), "-x", "t"]

    def time_limit_s(self, args):
        return args.period + 60

    def parse(self, out_path, raw_path, args):
        """Counters and delays per exchange (DO = DISCOVER-OFFER, RA =
        REQUEST-ACK). Copies the output to raw_path without the per-packet
        timestamp lines."""
        stats, delays = self.read(out_path, raw_path)
        return self.figures([stats], delays, args)

    def read(self, out_path, raw_path):
        """One perfdhcp run's counters per exchange and its delays (ms)."""
        stats = {"DO": {}, "RA": {}}
        delays = {"DO": [], "RA": []}
        section, in_timestamps = None, False
        with open(out_path, errors="replace") as f, open(raw_path, "a") as out:
            for line in f:
                if line.startswith("***"):
                    in_timestamps = "Timestamps" in line
                    section = "DO" if "DISCOVER-OFFER" in line else (
                        "RA" if "REQUEST-ACK" in line else None)
                    out.write(line)
                    continue
                if in_timestamps and section:
                    m = self.TS_RE.search(line)
                    if m:
                        delays[section].append((float(m.group(2)) - float(m.group(1))) * 1000.0)
                    continue
                out.write(line)
                m = self.STAT_RE.match(line.strip())
                if m and section:
                    stats[section][m.group(1)] = float(m.group(2))
        return stats, delays

    @staticmethod
    def figures(runs, delays, args):
        """The step's figures from one or more perfdhcp runs of the same
        period: counts add up, percentiles come from all delays together."""
        total = {}
        for key in ("DO", "RA"):
            for field in ("sent packets", "received packets", "drops"):
                total[(key, field)] = sum(r[key].get(field, 0) for r in runs)
        for key in delays:
            delays[key].sort()
        disc = total[("DO", "sent packets")]
        acks = total[("RA", "received packets")]
        return {
            "discover_sent": int(disc), "offer_received": int(total[("DO", "received packets")]),
            "request_sent": int(total[("RA", "sent packets")]), "ack_received": int(acks),
            "offered_rate": disc / args.period, "served_rate": acks / args.period,
            "drop_pct": 100.0 * (1 - acks / disc) if disc else 100.0,
            "do_drops": int(total[("DO", "drops")]), "ra_drops": int(total[("RA", "drops")]),
            "do_p50_ms": percentile(delays["DO"], 50), "do_p99_ms": percentile(delays["DO"], 99),
            "ra_p50_ms": percentile(delays["RA"], 50), "ra_p99_ms": percentile(delays["RA"], 99),
        }

    def calibrate(self, bench, rate, args):
        cmd = [self.binary, "-4", "-l", bench.cli_if, "-r", str(rate), "-R", str(args.clients),
               "-p", "5"]
        out, cpu, wall = run_alone(bench, cmd)
        m = re.search(r"sent packets:\s*(\d+)", out)
        sent = int(m.group(1)) if m else 0
        return {"generator": self.name, "target_rate": rate, "discover_per_s": sent / 5.0,
                "wall_s": wall, "cpu_s": cpu, "cpu_pct": 100.0 * cpu / wall}


class TwoPerfdhcp(Perfdhcp):
    """Two perfdhcp processes side by side, each at half the rate, each a
    relay of its own (198.18.0.2 and SECOND_RELAY on the same link) with
    its own half of the clients (their MACs differ in the first octet):
    one perfdhcp tops out near 12,000 replies/s on this machine, below
    what the servers can take. A shell starts both and waits for both, so
    the step's wait4 counts both generators' CPU."""
    name = "perfdhcp-2"
    label = "two perfdhcp (Kea 2.2)"
    SPLIT = "=== second perfdhcp ==="
    BASE_MACS = ("02:a0:00:00:00:00", "02:b0:00:00:00:00")

    def _one(self, bench, local, rate, clients, mac, args, out):
        return (f"{self.binary} -4 -l {local} -b mac={mac} -r {rate} -R {clients} "
                f"-p {args.period} -W {self.WAIT_US} -x t {SERVER_ADDR.split('/')[0]} > {out} 2>&1")

    def command(self, bench, rate, args):
        first, second = (rate + 1) // 2, rate // 2
        clients = max(1, args.clients // 2)
        a, b = os.path.join(bench.tmp, "perfdhcp-a.out"), os.path.join(bench.tmp, "perfdhcp-b.out")
        script = (self._one(bench, CLIENT_ADDR.split("/")[0], first, clients, self.BASE_MACS[0],
                            args, a) + " & " +
                  self._one(bench, SECOND_RELAY.split("/")[0], second, clients,
                            self.BASE_MACS[1], args, b) +
                  f" & wait; cat {a}; echo '{self.SPLIT}'; cat {b}; rm -f {a} {b}")
        return ["sh", "-c", script]

    def parse(self, out_path, raw_path, args):
        with open(out_path, errors="replace") as f:
            halves = f.read().split(self.SPLIT + "\n")
        runs, delays = [], {"DO": [], "RA": []}
        for i, text in enumerate(halves):
            part = f"{out_path}.{i}"
            with open(part, "w") as f:
                f.write(text)
            with open(raw_path, "a") as out:
                out.write(f"--- perfdhcp {i + 1} of {len(halves)} ---\n")
            stats, d = self.read(part, raw_path)
            os.remove(part)
            runs.append(stats)
            for key in delays:
                delays[key] += d[key]
        return self.figures(runs, delays, args)

    def calibrate(self, bench, rate, args):
        five = types.SimpleNamespace(period=5, clients=args.clients)
        out, cpu, wall = run_alone(bench, self.command(bench, rate, five))
        sent = 0
        for half in out.split(self.SPLIT):
            m = re.search(r"sent packets:\s*(\d+)", half)  # the first: DISCOVERs
            sent += int(m.group(1)) if m else 0
        return {"generator": self.name, "target_rate": rate, "discover_per_s": sent / 5.0,
                "wall_s": wall, "cpu_s": cpu, "cpu_pct": 100.0 * cpu / wall}


class BsLoad:
    name = "bs-load"
    label = "bs-load (ours)"

    def __init__(self, binary):
        self.binary = binary

    def base_command(self, bench, rate):
        return [self.binary, "bench", "--iface", bench.cli_if, "--relay",
                CLIENT_ADDR.split("/")[0], "--server", SERVER_ADDR.split("/")[0], "--rate",
                str(rate), "--seed", str(rate)]

    def command(self, bench, rate, args):
        return self.base_command(bench, rate) + ["--seconds", str(args.period), "--macs",
                                                 str(args.clients), "--drop-time-ms",
                                                 str(DROP_TIME_MS)]

    def time_limit_s(self, args):
        return 2 * args.period + 60

    @staticmethod
    def summary(text):
        lines = [line for line in text.splitlines() if line.startswith("bs-load bench:")]
        if not lines:
            return {}
        fields = dict(kv.split("=", 1) for kv in lines[-1].split(":", 1)[1].split())
        return {k: float(v) for k, v in fields.items()}

    def parse(self, out_path, raw_path, args):
        with open(out_path, errors="replace") as f:
            text = f.read()
        with open(raw_path, "a") as out:
            out.write(text)
        s = self.summary(text)
        if not s:
            return {"discover_sent": 0, "ack_received": 0, "offered_rate": 0.0,
                    "served_rate": 0.0, "drop_pct": 100.0, "do_drops": 0, "ra_drops": 0}
        return {
            "discover_sent": int(s["discovers"]), "offer_received": int(s["offers"]),
            "request_sent": int(s["requests"]), "ack_received": int(s["acks"]),
            "offered_rate": s["offered_per_s"], "served_rate": s["acks_per_s"],
            "drop_pct": s["drop_pct"], "do_drops": int(s["offer_drops"]),
            "ra_drops": int(s["ack_drops"]),
            "do_p50_ms": s["offer_p50_ms"] if s["offers"] else None,
            "do_p99_ms": s["offer_p99_ms"] if s["offers"] else None,
            "ra_p50_ms": s["ack_p50_ms"] if s["acks"] else None,
            "ra_p99_ms": s["ack_p99_ms"] if s["acks"] else None,
            "bsload_send_s": s["send_s"], "bsload_late": int(s["late"]),
            "bsload_socket_overflows": int(s["socket_overflows"]),
            "bsload_self_cpu_pct": s["cpu_pct"],
            "bsload_user_stamped": int(s["user_stamped"]),
        }

    def calibrate(self, bench, rate, args):
        cmd = self.base_command(bench, rate) + ["--seconds", "5", "--macs", str(args.clients),
                                                "--drop-time-ms", "100"]
        out, cpu, wall = run_alone(bench, cmd)
        s = self.summary(out)
        return {"generator": self.name, "target_rate": rate,
                "discover_per_s": s.get("offered_per_s", 0.0), "wall_s": wall, "cpu_s": cpu,
                "cpu_pct": 100.0 * cpu / wall}


def run_alone(bench, cmd):
    """A generator with no server listening: its output, CPU s and wall s."""
    t0, before = time.monotonic(), os.times()
    proc = subprocess.Popen(["ip", "netns", "exec", bench.cli_ns] + cmd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    bench.children[proc.pid] = proc
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    bench.children.pop(proc.pid, None)
    wall = time.monotonic() - t0
    after = os.times()  # the generator is a reaped child: its CPU is in children_*
    cpu = (after.children_user + after.children_system
           - before.children_user - before.children_system)
    return out, cpu, wall
