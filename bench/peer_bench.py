#!/usr/bin/python3
"""Peer benchmark: perfdhcp against blackstart, Kea, dnsmasq and ISC dhcpd.

Every server runs in the same topology, two network namespaces joined by one
veth pair, with the same pool, lease time, options and simulated client count,
and each rate step starts it afresh with an empty lease file. perfdhcp sweeps
offered rates; the run writes bench/results/latest.{md,json,png} and small raw
logs under bench/results/raw/. Method and caveats: bench/README.md.

Usage (as root): bench/peer_bench.py --blackstart build/blackstart
                 (Debian's /usr/bin/python3: the plot uses python3-matplotlib)
                 [--servers blackstart,kea] [--rates 250,500] [--period 10]

Safety: all traffic stays inside the two namespaces this run creates,
addresses come from 198.18.0.0/15 only, every perfdhcp run is time-limited
(-p) and every sweep bounded; on any exit the run stops the processes it
started (by PID) and deletes its namespaces and temporary files.
"""

import argparse
import datetime
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
CONFIG_DIR = os.path.join(BENCH_DIR, "configs")

# The topology the configs in bench/configs assume: one /15 link.
SERVER_ADDR = "198.18.0.1/15"
CLIENT_ADDR = "198.18.0.2/15"  # perfdhcp sends as a relay from here (giaddr)

DEFAULT_RATES = [50, 100, 250, 500, 1000, 2000, 4000, 8000, 12000, 16000]
DEFAULT_SERVERS = ["blackstart", "blackstart-nofsync", "kea", "dnsmasq", "dhcpd"]
MAX_DROP_PCT = 0.1          # a step passes with fewer drops than this
GENERATOR_SHORTFALL = 0.97  # perfdhcp sent less than this share of the target: its limit
PERFDHCP_WAIT_US = 1000000  # -W: after -p ends, wait 1 s (the drop time) for late replies

PACKAGES = ["iproute2", "kea-dhcp4-server", "kea-admin", "isc-dhcp-server", "dnsmasq-base",
            "python3-matplotlib"]

CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"[peer-bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd, check=True, **kwargs):
    return subprocess.run(cmd, check=check, text=True, capture_output=True, **kwargs)


# --- set-up: packages ----------------------------------------------------------

def ensure_packages():
    missing = []
    for pkg in PACKAGES:
        status = run(["dpkg-query", "-W", "-f=${Status}", pkg], check=False).stdout
        if status != "install ok installed":
            missing.append(pkg)
    if not missing:
        return
    log(f"installing {' '.join(missing)} from Debian")
    # kea-dhcp4-server and isc-dhcp-server ship services: never let them start
    # on the host. Add a policy only if the machine has none; remove only ours.
    policy = "/usr/sbin/policy-rc.d"
    added_policy = False
    if not os.path.lexists(policy):
        with open(policy, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(policy, 0o755)
        added_policy = True
    try:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing,
                       check=True, env=env)
    finally:
        if added_policy:
            os.remove(policy)


# --- the run: namespaces, processes, cleanup --------------------------------------

class Run:
    """Everything this run creates, so cleanup removes exactly that."""

    def __init__(self):
        tag = f"pb{os.getpid()}"
        self.srv_ns, self.cli_ns = f"{tag}srv", f"{tag}cli"
        self.srv_if, self.cli_if = f"{tag}s", f"{tag}c"  # within 15 characters
        self.namespaces = []
        self.children = {}  # pid -> Popen, every process we started
        self.tmp = tempfile.mkdtemp(prefix="peer-bench.")
        self.shm_dirs = []

    def netns(self, name):
        run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        run(["ip", "-n", name, "link", "set", "lo", "up"])

    def build_topology(self):
        self.netns(self.srv_ns)
        self.netns(self.cli_ns)
        # Created inside the server namespace with the peer end moved straight
        # into the client namespace: nothing ever appears in the root namespace.
        run(["ip", "-n", self.srv_ns, "link", "add", self.srv_if, "type", "veth", "peer", "name",
             self.cli_if, "netns", self.cli_ns])
        run(["ip", "-n", self.srv_ns, "addr", "add", SERVER_ADDR, "dev", self.srv_if])
        run(["ip", "-n", self.cli_ns, "addr", "add", CLIENT_ADDR, "dev", self.cli_if])
        run(["ip", "-n", self.srv_ns, "link", "set", self.srv_if, "up"])
        run(["ip", "-n", self.cli_ns, "link", "set", self.cli_if, "up"])

    def spawn(self, ns, cmd, log_path, env=None):
        out = open(log_path, "ab")
        proc = subprocess.Popen(["ip", "netns", "exec", ns] + cmd, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        out.close()
        self.children[proc.pid] = proc
        return proc

    def stop(self, proc, timeout_s=10):
        """SIGTERM, then SIGKILL after timeout_s; returns the exit status."""
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.children.pop(proc.pid, None)
        return proc.returncode

    def cleanup(self):
        for proc in list(self.children.values()):
            try:
                self.stop(proc, timeout_s=5)
            except Exception:  # noqa: BLE001 - cleanup must go on
                pass
        for ns in reversed(self.namespaces):
            # Anything still inside a namespace of ours was started by us.
            pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run(["ip", "netns", "del", ns], check=False)
        self.namespaces = []
        for d in self.shm_dirs + [self.tmp]:
            shutil.rmtree(d, ignore_errors=True)


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


# --- servers ---------------------------------------------------------------------

def render(template, out_path, iface, state):
    with open(os.path.join(CONFIG_DIR, template)) as f:
        text = f.read()
    with open(out_path, "w") as f:
        f.write(text.replace("@IFACE@", iface).replace("@STATE@", state))
    return out_path


class Server:
    """How to start one server variant for one step in a fresh state dir."""

    def __init__(self, name, label, binary_for_version):
        self.name, self.label = name, label
        self.binary_for_version = binary_for_version
        self.note = ""

    def command(self, bench, state):  # -> (argv, env)
        raise NotImplementedError


class Blackstart(Server):
    def __init__(self, binary, fsync):
        name = "blackstart" if fsync else "blackstart-nofsync"
        label = "blackstart (SQLite, fsync on)" if fsync else "blackstart (SQLite, fsync off)"
        super().__init__(name, label, binary)
        self.binary, self.fsync = binary, fsync
        self.template = "blackstart.json" if fsync else "blackstart-nofsync.json"
        self.tmpfs_fallback = False

    def check_config(self, bench):
        """For the fsync-off variant: does this build know the "fsync" key?"""
        if self.fsync:
            return
        probe = render(self.template, os.path.join(bench.tmp, "nofsync-probe.json"), "lo",
                       bench.tmp)
        result = run([self.binary, "-t", probe], check=False)
        if result.returncode != 0:
            self.tmpfs_fallback = True
            self.template = "blackstart.json"
            self.label = "blackstart (SQLite on tmpfs, fsync a no-op)"
            self.note = ("this blackstart rejected `\"fsync\": false` ("
                         + (result.stdout + result.stderr).strip().splitlines()[-1]
                         + "), so the fsync-off figures come from the fsync-on config with the "
                         "lease database on tmpfs (/dev/shm), where fsync returns at once")

    def command(self, bench, state):
        if self.tmpfs_fallback:
            state = tempfile.mkdtemp(prefix="peer-bench.", dir="/dev/shm")
            bench.shm_dirs.append(state)
        conf = render(self.template, os.path.join(state, "blackstart.json"), bench.srv_if, state)
        return [self.binary, "-c", conf], None


class Kea(Server):
    def __init__(self):
        super().__init__("kea", "Kea 2.2 (memfile, MT on)", "kea-dhcp4")

    def command(self, bench, state):
        conf = render("kea-dhcp4.json", os.path.join(state, "kea-dhcp4.json"), bench.srv_if, state)
        env = dict(os.environ, KEA_PIDFILE_DIR=state, KEA_LOCKFILE_DIR=state)
        return ["kea-dhcp4", "-c", conf], env


class Dnsmasq(Server):
    def __init__(self):
        super().__init__("dnsmasq", "dnsmasq 2.90", "dnsmasq")

    def command(self, bench, state):
        conf = render("dnsmasq.conf", os.path.join(state, "dnsmasq.conf"), bench.srv_if, state)
        return ["dnsmasq", "-k", "-C", conf], None


class Dhcpd(Server):
    def __init__(self):
        super().__init__("dhcpd", "ISC dhcpd 4.4", "dhcpd")

    def command(self, bench, state):
        conf = render("dhcpd.conf", os.path.join(state, "dhcpd.conf"), bench.srv_if, state)
        leases = os.path.join(state, "dhcpd.leases")
        open(leases, "w").close()
        return ["dhcpd", "-4", "-f", "-d", "-cf", conf, "-lf", leases, "-pf",
                os.path.join(state, "dhcpd.pid"), bench.srv_if], None


# --- measurement -------------------------------------------------------------------

def proc_cpu_s(pid):
    """utime+stime of the process (all its threads) and of its reaped children."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14..17.
    return sum(int(x) for x in fields[11:15]) / CLK_TCK


def proc_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def proc_runqueue_wait_s(pid):
    """Time the process's threads spent runnable but waiting for a CPU
    (schedstat field 2), summed over threads: shows when other load on the
    machine, not the server itself, was the limit."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[1])
    except OSError:
        pass
    return total / 1e9


def udp_counters(ns):
    """The namespace's UDP counters from /proc/net/snmp (per network namespace):
    RcvbufErrors counts datagrams dropped because a socket's receive buffer
    was full, i.e. its reader did not keep up."""
    out = run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"], check=False).stdout
    rows = [line.split()[1:] for line in out.splitlines() if line.startswith("Udp:")]
    if len(rows) < 2:
        return {}
    return {k: int(v) for k, v in zip(rows[0], rows[1])}


def softnet_dropped():
    """Packets dropped because a CPU's input backlog was full (all namespaces)."""
    total = 0
    with open("/proc/net/softnet_stat") as f:
        for line in f:
            total += int(line.split()[1], 16)
    return total


def udp67_owned_by(bench, pid):
    out = run(["ip", "netns", "exec", bench.srv_ns, "ss", "-Hlunp", "sport = :67"],
              check=False).stdout
    return f"pid={pid}," in out


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


STAT_RE = re.compile(r"^(sent packets|received packets|drops|orphans|rejected leases|"
                     r"non unique addresses|min delay|avg delay|max delay|std deviation):\s*"
                     r"([0-9.]+)")
TS_RE = re.compile(r"sent / received:\s*([0-9.]+)\s*/\s*([0-9.]+)")


def parse_perfdhcp(path, trimmed_path):
    """Counters and delays per exchange (DO = DISCOVER-OFFER, RA = REQUEST-ACK).
    Copies the output without the per-packet timestamp lines to trimmed_path."""
    stats = {"DO": {}, "RA": {}}
    delays = {"DO": [], "RA": []}
    section, in_timestamps = None, False
    with open(path, errors="replace") as f, open(trimmed_path, "a") as out:
        for line in f:
            if line.startswith("***"):
                in_timestamps = "Timestamps" in line
                section = "DO" if "DISCOVER-OFFER" in line else (
                    "RA" if "REQUEST-ACK" in line else None)
                out.write(line)
                continue
            if in_timestamps and section:
                m = TS_RE.search(line)
                if m:
                    delays[section].append((float(m.group(2)) - float(m.group(1))) * 1000.0)
                continue
            out.write(line)
            m = STAT_RE.match(line.strip())
            if m and section:
                stats[section][m.group(1)] = float(m.group(2))
    for key in delays:
        delays[key].sort()
    return stats, delays


def run_step(bench, server, rate, args, raw_dir):
    """One rate step: fresh server, one perfdhcp run, measurements, stop."""
    state = tempfile.mkdtemp(prefix=f"{server.name}-{rate}.", dir=bench.tmp)
    raw = os.path.join(raw_dir, f"{server.name}-r{rate}.log")
    step = {"server": server.name, "target_rate": rate, "period_s": args.period}
    cmd, env = server.command(bench, state)
    server_log = os.path.join(state, "server.log")
    proc = bench.spawn(bench.srv_ns, cmd, server_log, env=env)
    deadline = time.monotonic() + 60
    while not udp67_owned_by(bench, proc.pid):
        if proc.poll() is not None or time.monotonic() > deadline:
            bench.stop(proc)
            step["error"] = "server did not start: " + tail(server_log, 3).replace("\n", " | ")
            with open(raw, "w") as f:
                f.write(f"$ {' '.join(cmd)}\n{tail(server_log, 40)}")
            return step
        time.sleep(0.1)
    # Let start-up work finish first (dhcpd writes its whole pool to the lease
    # file): wait until the server has used < 5% CPU over half a second.
    settle_deadline = time.monotonic() + 30
    last = proc_cpu_s(proc.pid)
    while time.monotonic() < settle_deadline and proc.poll() is None:
        time.sleep(0.5)
        try:
            now = proc_cpu_s(proc.pid)
        except OSError:
            break
        if now - last < 0.025:
            break
        last = now
    step["settle_s"] = round(time.monotonic() + 30 - settle_deadline, 1)
    if proc.poll() is not None:
        rc = bench.stop(proc)
        step["error"] = f"server exited at start-up (status {rc}): " + tail(
            server_log, 3).replace("\n", " | ")
        with open(raw, "w") as f:
            f.write(f"$ {' '.join(cmd)}\n{tail(server_log, 40)}")
        return step

    pd_out = os.path.join(bench.tmp, "perfdhcp.out")
    pd_cmd = ["perfdhcp", "-4", "-l", bench.cli_if, "-r", str(rate), "-R", str(args.clients),
              "-p", str(args.period), "-W", str(PERFDHCP_WAIT_US), "-x", "t"]
    udp_srv0, udp_cli0, backlog0 = udp_counters(bench.srv_ns), udp_counters(bench.cli_ns), \
        softnet_dropped()
    wait0 = proc_runqueue_wait_s(proc.pid)
    cpu0 = proc_cpu_s(proc.pid)
    t0 = time.monotonic()
    with open(pd_out, "wb") as out:
        pd = subprocess.Popen(["ip", "netns", "exec", bench.cli_ns] + pd_cmd, stdout=out,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    bench.children[pd.pid] = pd
    # `ip netns exec` execs perfdhcp in place, so wait4 gives perfdhcp's rusage.
    limit = time.monotonic() + args.period + 60
    while True:
        wpid, status, usage = os.wait4(pd.pid, os.WNOHANG)
        if wpid == pd.pid:
            break
        if time.monotonic() > limit:
            pd.kill()
            wpid, status, usage = os.wait4(pd.pid, 0)
            step["error"] = "perfdhcp did not finish in time"
            break
        time.sleep(0.05)
    pd.returncode = os.waitstatus_to_exitcode(status)
    bench.children.pop(pd.pid, None)
    wall = time.monotonic() - t0
    server_alive = proc.poll() is None
    cpu1 = proc_cpu_s(proc.pid) if server_alive else cpu0
    wait1 = proc_runqueue_wait_s(proc.pid) if server_alive else wait0
    udp_srv1, udp_cli1, backlog1 = udp_counters(bench.srv_ns), udp_counters(bench.cli_ns), \
        softnet_dropped()
    hwm = proc_hwm_kb(proc.pid) if server_alive else 0
    rc = bench.stop(proc)

    with open(raw, "w") as f:
        f.write(f"$ {' '.join(pd_cmd)}\n")
    stats, delays = parse_perfdhcp(pd_out, raw)
    os.remove(pd_out)
    with open(raw, "a") as f:
        f.write(f"\nperfdhcp exit status {pd.returncode}, CPU user {usage.ru_utime:.2f} s "
                f"sys {usage.ru_stime:.2f} s, wall {wall:.2f} s\n")
        f.write(f"server CPU {cpu1 - cpu0:.2f} s, waiting for a CPU {wait1 - wait0:.2f} s; "
                f"UDP receive-buffer drops: server namespace "
                f"{udp_srv1.get('RcvbufErrors', 0) - udp_srv0.get('RcvbufErrors', 0)}, "
                f"perfdhcp namespace "
                f"{udp_cli1.get('RcvbufErrors', 0) - udp_cli0.get('RcvbufErrors', 0)}; "
                f"input backlog drops (whole machine) {backlog1 - backlog0}\n")
        f.write(f"\n$ {' '.join(cmd)}   (exit status {rc})\n{tail(server_log, 20)}")

    do, ra = stats["DO"], stats["RA"]
    disc = do.get("sent packets", 0)
    acks = ra.get("received packets", 0)
    server_cpu = cpu1 - cpu0
    pd_cpu = usage.ru_utime + usage.ru_stime
    step.update({
        "discover_sent": int(disc), "offer_received": int(do.get("received packets", 0)),
        "request_sent": int(ra.get("sent packets", 0)), "ack_received": int(acks),
        "offered_rate": disc / args.period, "served_rate": acks / args.period,
        "drop_pct": 100.0 * (1 - acks / disc) if disc else 100.0,
        "do_drops": int(do.get("drops", 0)), "ra_drops": int(ra.get("drops", 0)),
        "do_avg_ms": do.get("avg delay"), "ra_avg_ms": ra.get("avg delay"),
        "do_p50_ms": percentile(delays["DO"], 50), "do_p99_ms": percentile(delays["DO"], 99),
        "ra_p50_ms": percentile(delays["RA"], 50), "ra_p99_ms": percentile(delays["RA"], 99),
        "server_cpu_s": server_cpu,
        "server_cpu_pct": 100.0 * server_cpu / wall if wall else None,
        "cpu_s_per_1000": 1000.0 * server_cpu / acks if acks else None,
        "server_hwm_kb": hwm, "server_exit": rc, "server_alive_at_end": server_alive,
        "perfdhcp_cpu_s": pd_cpu, "perfdhcp_cpu_pct": 100.0 * pd_cpu / wall if wall else None,
        "perfdhcp_exit": pd.returncode, "wall_s": wall,
        "server_runqueue_wait_pct": 100.0 * (wait1 - wait0) / wall if wall else None,
        "server_rcvbuf_drops": udp_srv1.get("RcvbufErrors", 0) - udp_srv0.get("RcvbufErrors", 0),
        "perfdhcp_rcvbuf_drops": udp_cli1.get("RcvbufErrors", 0) - udp_cli0.get("RcvbufErrors",
                                                                                0),
        "backlog_drops": backlog1 - backlog0,
    })
    step["generator_limited"] = disc < GENERATOR_SHORTFALL * rate * args.period
    if not server_alive:
        step["error"] = f"server exited during the run (status {rc})"
    elif not disc:
        step.setdefault("error", "perfdhcp sent nothing (see raw log)")
    step["passed"] = ("error" not in step and step["drop_pct"] < MAX_DROP_PCT
                      and not step["generator_limited"])
    return step


def tail(path, lines):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def calibrate_generator(bench, args):
    """perfdhcp alone (no server listening): how many DISCOVERs/s it can send."""
    pd_cmd = ["perfdhcp", "-4", "-l", bench.cli_if, "-r", str(args.calibration_rate), "-R",
              str(args.clients), "-p", "5"]
    t0, before = time.monotonic(), os.times()
    pd = subprocess.Popen(["ip", "netns", "exec", bench.cli_ns] + pd_cmd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    bench.children[pd.pid] = pd
    try:
        out, _ = pd.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pd.kill()
        out, _ = pd.communicate()
    bench.children.pop(pd.pid, None)
    wall = time.monotonic() - t0
    m = re.search(r"sent packets:\s*(\d+)", out)
    sent = int(m.group(1)) if m else 0
    after = os.times()  # perfdhcp is a reaped child: its CPU is in children_*
    cpu = (after.children_user + after.children_system
           - before.children_user - before.children_system)
    return {"target_rate": args.calibration_rate, "discover_per_s": sent / 5.0, "wall_s": wall,
            "perfdhcp_cpu_s": cpu, "perfdhcp_cpu_pct": 100.0 * cpu / wall}


# --- reporting ---------------------------------------------------------------------

def fmt(value, digits=1, none="–"):
    if value is None:
        return none
    return f"{value:,.{digits}f}"


def summarize(server, steps):
    ok = [s for s in steps if s.get("passed")]
    best = max(ok, key=lambda s: s["target_rate"]) if ok else None
    served = [s["served_rate"] for s in steps if "served_rate" in s]
    hwm = [s["server_hwm_kb"] for s in steps if s.get("server_hwm_kb")]
    gen_limited = [s for s in steps if s.get("generator_limited") and "error" not in s
                   and s["drop_pct"] < MAX_DROP_PCT]
    return {"server": server.name, "label": server.label, "best": best,
            "max_served": max(served) if served else None,
            "peak_rss_mib": max(hwm) / 1024.0 if hwm else None,
            "generator_limited_steps": [s["target_rate"] for s in gen_limited],
            "errors": [f"{s['target_rate']}/s: {s['error']}" for s in steps if "error" in s],
            "note": server.note}


def machine_info():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    debian = open("/etc/debian_version").read().strip() if os.path.exists(
        "/etc/debian_version") else "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": round(mem_kb / 1048576, 1),
            "kernel": os.uname().release, "debian": debian, "hostname": os.uname().nodename}


def versions(blackstart):
    def pkg(name):
        return run(["dpkg-query", "-W", "-f=${Version}", name], check=False).stdout.strip() or "?"
    rev = run(["git", "-C", REPO_DIR, "rev-parse", "--short", "HEAD"], check=False).stdout.strip()
    dirty = run(["git", "-C", REPO_DIR, "status", "--porcelain", "--untracked-files=no"],
                check=False).stdout.strip()
    return {"blackstart": f"{rev}{' + uncommitted changes' if dirty else ''} ({blackstart})",
            "kea-dhcp4-server": pkg("kea-dhcp4-server"), "perfdhcp (kea-admin)": pkg("kea-admin"),
            "dnsmasq-base": pkg("dnsmasq-base"), "isc-dhcp-server": pkg("isc-dhcp-server")}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def write_markdown(path, meta, summaries, all_steps, calibration):
    m = meta["machine"]
    lines = [
        "# Peer benchmark: latest run",
        "",
        f"Run {meta['started']} – {meta['finished']} (UTC) on {m['cpu']}, {m['cores']} cores, "
        f"{m['mem_gib']} GiB, Debian {m['debian']}, Linux {m['kernel']}. "
        f"Load average at start {meta['load_start']}, at end {meta['load_end']}.",
        "",
        f"perfdhcp `-R {meta['clients']}` clients, `-p {meta['period_s']}` s per step, "
        f"rates {', '.join(str(r) for r in meta['rates'])} /s; a server's sweep stops after "
        f"{meta['fail_limit']} failing steps. Each step starts the server afresh with an empty "
        "lease file. Method: [bench/README.md](../README.md).",
        "",
        "| server | max rate sustained, exchanges/s (< 0.1% drops) | REQUEST→ACK p50 / p99, ms "
        "| DISCOVER→OFFER p50 / p99, ms | server CPU s per 1,000 exchanges | peak RSS, MiB "
        "| highest rate served at any step, ACK/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in summaries:
        b = s["best"]
        if b:
            rate = f"{b['target_rate']:,}"
            if b["target_rate"] == max(meta["rates"]):
                rate = f"≥ {rate} (top of sweep)"
            ra = f"{fmt(b['ra_p50_ms'], 2)} / {fmt(b['ra_p99_ms'], 2)}"
            do = f"{fmt(b['do_p50_ms'], 2)} / {fmt(b['do_p99_ms'], 2)}"
            cpu = fmt(b["cpu_s_per_1000"], 3)
        else:
            rate = f"< {min(meta['rates'])}"
            ra = do = cpu = "–"
        lines.append(f"| {s['label']} | {rate} | {ra} | {do} | {cpu} | "
                     f"{fmt(s['peak_rss_mib'], 1)} | {fmt(s['max_served'], 0)} |")
    lines += [
        "",
        "Latency and CPU are those of the highest sustained step. Peak RSS is the largest "
        "VmHWM over all steps. One run of 10 s steps: if the load average above is well over "
        "0, other work shared the machine, the `server waiting for CPU` column below shows "
        "how much it held the server back, and the figures are noisy (caveats: "
        "[bench/README.md](../README.md#caveats)).",
        "",
        "![offered vs served](latest.png)",
        "",
        "## The load generator",
        "",
        f"perfdhcp alone, no server listening, asked for {calibration['target_rate']:,} "
        f"DISCOVER/s for 5 s: it sent {calibration['discover_per_s']:,.0f}/s, using "
        f"{calibration['perfdhcp_cpu_pct']:.0f}% CPU. With a server "
        "answering it must also receive and match every reply and send the REQUESTs, and it "
        "shares the two cores with the server. The `perfdhcp CPU` column below is its user+sys "
        "time over the step's wall time (it runs a sender and a receiver thread, so 200% is "
        "both cores); a step where perfdhcp sent fewer than "
        f"{GENERATOR_SHORTFALL:.0%} of the asked DISCOVERs is marked `gen-limited` and does not "
        "count as sustained.",
        "",
    ]
    strained = [st for st in all_steps if "served_rate" in st and (
        st["perfdhcp_rcvbuf_drops"] > 0 or st["offered_rate"] < GENERATOR_SHORTFALL
        * st["target_rate"])]
    if strained:
        lines.append("Steps where perfdhcp itself fell behind, so the result there is not the "
                     "server's limit alone: " + "; ".join(
                         f"{st['server']} at {st['target_rate']:,}/s asked: sent "
                         f"{st['offered_rate']:,.0f}/s, {st['perfdhcp_rcvbuf_drops']:,} replies "
                         f"lost in perfdhcp's full receive buffer, perfdhcp CPU "
                         f"{st['perfdhcp_cpu_pct']:.0f}%" for st in strained) + ".")
        lines.append("")
    limited = [(s["label"], s["generator_limited_steps"]) for s in summaries
               if s["generator_limited_steps"]]
    if limited:
        lines.append("Steps where perfdhcp, not the server, was the limit (no drops, but it "
                     "could not send the asked rate): " + "; ".join(
                         f"{label} at {', '.join(map(str, rates))}/s" for label, rates in limited)
                     + ".")
        lines.append("")
    notes = [s for s in summaries if s["note"] or s["errors"]]
    if notes:
        lines += ["## Notes", ""]
        for s in notes:
            if s["note"]:
                lines.append(f"- {s['label']}: {s['note']}.")
            for e in s["errors"]:
                lines.append(f"- {s['label']}: {e}")
        lines.append("")
    lines += [
        "## Every step",
        "",
        "drops = 1 − ACKs received / DISCOVERs sent (both as perfdhcp counts them). "
        "Offered and served rates are DISCOVERs sent and ACKs received per second of the "
        "`-p` period.",
        "",
        "| server | asked /s | offered /s | served ACK/s | drops % | DO drops | RA drops "
        "| D→O p50 / p99 ms | R→A p50 / p99 ms | server CPU % | server waiting for CPU % "
        "| CPU s / 1,000 | perfdhcp CPU % | full socket drops: server / perfdhcp | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | --- |",
    ]
    for st in all_steps:
        if "served_rate" not in st:
            lines.append(f"| {st['server']} | {st['target_rate']:,} | | | | | | | | | | | | | "
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
            f"{fmt(st['server_cpu_pct'], 0)} | {fmt(st['server_runqueue_wait_pct'], 0)} | "
            f"{fmt(st['cpu_s_per_1000'], 3)} | {fmt(st['perfdhcp_cpu_pct'], 0)} | "
            f"{st['server_rcvbuf_drops']:,} / {st['perfdhcp_rcvbuf_drops']:,} | {result} |")
    lines += ["", "Versions: " + "; ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".",
              "", "Raw perfdhcp output and server log tails: [raw/](raw/).", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def write_plot(path, meta, summaries, all_steps):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401 - used as matplotlib.ticker

    fig, ax = plt.subplots(figsize=(9, 6), dpi=110)
    top = max(meta["rates"]) * 1.3
    ax.plot([10, top], [10, top], color="0.75", linestyle="--", linewidth=1,
            label="served = offered")
    styles = [("o", "-"), ("s", "--"), ("^", "-"), ("D", "-."), ("v", ":")]
    for i, s in enumerate(summaries):
        pts = sorted((st["offered_rate"], st["served_rate"], st["passed"]) for st in all_steps
                     if st["server"] == s["server"] and "served_rate" in st)
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
    ax.set_xlim(min(meta["rates"]) * 0.7, top)
    ax.set_ylim(10, top)
    plain = matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:,.0f}")
    ax.set_xticks(meta["rates"])
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.yaxis.set_major_formatter(plain)
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    ax.set_xlabel("offered: DISCOVERs sent per second (perfdhcp)")
    ax.set_ylabel("served: 4-way exchanges completed (ACKs) per second")
    m = meta["machine"]
    ax.set_title(f"DHCPv4 peer benchmark, {meta['started'][:10]}, {m['cores']} cores, "
                 f"{meta['clients']:,} clients\n(hollow marker: ≥ 0.1% drops or "
                 "generator-limited)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# --- main --------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blackstart", default=os.path.join(REPO_DIR, "build", "blackstart"))
    parser.add_argument("--servers", default=",".join(DEFAULT_SERVERS),
                        help="comma-separated subset of " + ",".join(DEFAULT_SERVERS))
    parser.add_argument("--rates", default=",".join(map(str, DEFAULT_RATES)),
                        help="offered rates to sweep, exchanges/s")
    parser.add_argument("--period", type=int, default=10, help="seconds per step (perfdhcp -p)")
    parser.add_argument("--clients", type=int, default=100000, help="perfdhcp -R")
    parser.add_argument("--fail-limit", type=int, default=2,
                        help="stop a server's sweep after this many failing steps")
    parser.add_argument("--calibration-rate", type=int, default=100000)
    parser.add_argument("--results", default=os.path.join(BENCH_DIR, "results"))
    parser.add_argument("--no-install", action="store_true",
                        help="do not install missing Debian packages")
    args = parser.parse_args()

    rates = sorted({int(r) for r in args.rates.split(",") if r.strip()})
    servers_wanted = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = set(servers_wanted) - set(DEFAULT_SERVERS)
    if unknown or not rates or not 1 <= args.period <= 60 or len(rates) > 30:
        parser.error(f"bad --servers {sorted(unknown)} or --rates/--period out of bounds")
    if os.geteuid() != 0:
        sys.exit("peer-bench: needs root (network namespaces, port 67)")
    blackstart = os.path.abspath(args.blackstart)
    if any(s.startswith("blackstart") for s in servers_wanted) and not os.access(blackstart,
                                                                                 os.X_OK):
        sys.exit(f"peer-bench: no blackstart binary at {blackstart} (build it first)")
    if not args.no_install:
        ensure_packages()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    bench = Run()
    try:
        bench.build_topology()
        makers = {"blackstart": lambda: Blackstart(blackstart, True),
                  "blackstart-nofsync": lambda: Blackstart(blackstart, False),
                  "kea": Kea, "dnsmasq": Dnsmasq, "dhcpd": Dhcpd}
        servers = [makers[name]() for name in servers_wanted]
        for s in servers:
            if isinstance(s, Blackstart):
                s.check_config(bench)
        raw_dir = os.path.join(bench.tmp, "raw")
        os.makedirs(raw_dir)
        meta = {"started": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"),
                "machine": machine_info(), "versions": versions(blackstart),
                "load_start": loadavg(), "rates": rates, "period_s": args.period,
                "clients": args.clients, "fail_limit": args.fail_limit}
        log(f"perfdhcp alone at {args.calibration_rate}/s for 5 s")
        calibration = calibrate_generator(bench, args)
        log(f"  sent {calibration['discover_per_s']:,.0f} DISCOVER/s")
        all_steps, summaries = [], []
        for server in servers:
            failures, steps = 0, []
            for rate in rates:
                log(f"{server.name} at {rate}/s")
                step = run_step(bench, server, rate, args, raw_dir)
                steps.append(step)
                if "served_rate" in step:
                    log(f"  offered {step['offered_rate']:,.0f}/s served "
                        f"{step['served_rate']:,.0f}/s drops {step['drop_pct']:.3f}% "
                        f"R->A p50 {fmt(step['ra_p50_ms'], 2)} ms p99 "
                        f"{fmt(step['ra_p99_ms'], 2)} ms server CPU "
                        f"{fmt(step['server_cpu_pct'], 0)}% (waiting "
                        f"{fmt(step['server_runqueue_wait_pct'], 0)}%) perfdhcp CPU "
                        f"{fmt(step['perfdhcp_cpu_pct'], 0)}% socket drops "
                        f"{step['server_rcvbuf_drops']}/{step['perfdhcp_rcvbuf_drops']} "
                        f"{'pass' if step['passed'] else 'FAIL'}")
                else:
                    log(f"  error: {step['error']}")
                if not step.get("passed"):
                    failures += 1
                    if failures >= args.fail_limit or "served_rate" not in step:
                        break
            all_steps += steps
            summaries.append(summarize(server, steps))
        meta["finished"] = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M")
        meta["load_end"] = loadavg()

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
            json.dump({"meta": meta, "calibration": calibration, "summary": [
                {k: v for k, v in s.items()} for s in summaries], "steps": all_steps}, f,
                indent=1)
        write_markdown(os.path.join(args.results, "latest.md"), meta, summaries, all_steps,
                       calibration)
        write_plot(os.path.join(args.results, "latest.png"), meta, summaries, all_steps)
        log(f"wrote {os.path.join(args.results, 'latest.md')} and latest.png")
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
