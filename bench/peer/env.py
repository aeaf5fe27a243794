"""The run's environment: Debian packages, the two network namespaces and
every process started in them (so cleanup removes exactly that), and facts
about the machine and versions for the report."""

import contextlib
import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The topology the configs in bench/configs assume: one /15 link.
SERVER_ADDR = "198.18.0.1/15"
CLIENT_ADDR = "198.18.0.2/15"  # the generators send as a relay from here (giaddr)
SECOND_RELAY = "198.18.0.3/15"  # the second perfdhcp of generator perfdhcp-2

PACKAGES = ["iproute2", "kea-dhcp4-server", "kea-admin", "isc-dhcp-server", "dnsmasq-base",
            "python3-matplotlib"]


def log(message):
    print(f"[peer-bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd, check=True, **kwargs):
    return subprocess.run(cmd, check=check, text=True, capture_output=True, **kwargs)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")


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
        run(["ip", "-n", self.cli_ns, "addr", "add", SECOND_RELAY, "dev", self.cli_if])
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


@contextlib.contextmanager
def topology_run(tool, needs="network namespaces, port 67"):
    """The frame of a one-topology bench script: root, SIGTERM/SIGINT ending
    the run through its cleanup, the two namespaces, and the run's facts for
    the report. Yields (bench, meta); the namespaces, processes and temporary
    files are gone afterwards, whatever happened inside."""
    if os.geteuid() != 0:
        sys.exit(f"{tool}: needs root ({needs})")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    bench = Run()
    try:
        bench.build_topology()
        yield bench, {"started": utc_now(), "machine": machine_info(), "load_start": loadavg()}
    finally:
        bench.cleanup()


def tail(path, lines):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


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
    return {"blackstart and bs-load": f"{rev}{' + uncommitted changes' if dirty else ''} "
                                      f"({blackstart})",
            "kea-dhcp4-server": pkg("kea-dhcp4-server"), "perfdhcp (kea-admin)": pkg("kea-admin"),
            "dnsmasq-base": pkg("dnsmasq-base"), "isc-dhcp-server": pkg("isc-dhcp-server")}
