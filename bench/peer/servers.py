"""The servers under test: how each is configured (bench/configs, with
@IFACE@ and @STATE@ filled in) and started afresh for one step."""

import os
import tempfile
import time

from . import probes
from .env import run, tail

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")
NAMES = ["blackstart", "blackstart-nofsync", "kea", "dnsmasq", "dhcpd"]


def render(template, out_path, iface, state):
    with open(os.path.join(CONFIG_DIR, template)) as f:
        text = f.read()
    with open(out_path, "w") as f:
        f.write(text.replace("@IFACE@", iface).replace("@STATE@", state))
    return out_path


class Server:
    """How to start one server variant for one step in a fresh state dir."""

    def __init__(self, name, label):
        self.name, self.label = name, label
        self.note = ""

    def command(self, bench, state):  # -> (argv, env)
        raise NotImplementedError


class Blackstart(Server):
    def __init__(self, binary, fsync):
        name = "blackstart" if fsync else "blackstart-nofsync"
        label = "blackstart (SQLite, fsync on)" if fsync else "blackstart (SQLite, fsync off)"
        super().__init__(name, label)
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
        super().__init__("kea", "Kea 2.2 (memfile, MT on)")

    def command(self, bench, state):
        conf = render("kea-dhcp4.json", os.path.join(state, "kea-dhcp4.json"), bench.srv_if, state)
        env = dict(os.environ, KEA_PIDFILE_DIR=state, KEA_LOCKFILE_DIR=state)
        return ["kea-dhcp4", "-c", conf], env


class Dnsmasq(Server):
    def __init__(self):
        super().__init__("dnsmasq", "dnsmasq 2.90")

    def command(self, bench, state):
        conf = render("dnsmasq.conf", os.path.join(state, "dnsmasq.conf"), bench.srv_if, state)
        return ["dnsmasq", "-k", "-C", conf], None


class Dhcpd(Server):
    def __init__(self):
        super().__init__("dhcpd", "ISC dhcpd 4.4")

    def command(self, bench, state):
        conf = render("dhcpd.conf", os.path.join(state, "dhcpd.conf"), bench.srv_if, state)
        leases = os.path.join(state, "dhcpd.leases")
        open(leases, "w").close()
        return ["dhcpd", "-4", "-f", "-d", "-cf", conf, "-lf", leases, "-pf",
                os.path.join(state, "dhcpd.pid"), bench.srv_if], None


def make(names, blackstart):
    makers = {"blackstart": lambda: Blackstart(blackstart, True),
              "blackstart-nofsync": lambda: Blackstart(blackstart, False),
              "kea": Kea, "dnsmasq": Dnsmasq, "dhcpd": Dhcpd}
    return [makers[name]() for name in names]


def start(bench, server, state, raw):
    """Starts the server in the server namespace and waits until it owns UDP
    port 67 and is idle. Returns (proc, cmd, log path, error or None); on an
    error the server is already stopped and `raw` holds its log tail."""
    cmd, env = server.command(bench, state)
    server_log = os.path.join(state, "server.log")
    proc = bench.spawn(bench.srv_ns, cmd, server_log, env=env)
    deadline = time.monotonic() + 60
    while not probes.udp67_owned_by(bench, proc.pid):
        if proc.poll() is not None or time.monotonic() > deadline:
            bench.stop(proc)
            with open(raw, "w") as f:
                f.write(f"$ {' '.join(cmd)}\n{tail(server_log, 40)}")
            return proc, cmd, server_log, "server did not start: " + tail(
                server_log, 3).replace("\n", " | ")
        time.sleep(0.1)
    # Let start-up work finish first (dhcpd writes its whole pool to the lease
    # file): wait until the server has used < 5% CPU over half a second.
    settle_deadline = time.monotonic() + 30
    last = probes.proc_cpu_s(proc.pid)
    while time.monotonic() < settle_deadline and proc.poll() is None:
        time.sleep(0.5)
        try:
            now = probes.proc_cpu_s(proc.pid)
        except OSError:
            break
        if now - last < 0.025:
            break
        last = now
    if proc.poll() is not None:
        rc = bench.stop(proc)
        with open(raw, "w") as f:
            f.write(f"$ {' '.join(cmd)}\n{tail(server_log, 40)}")
        return proc, cmd, server_log, f"server exited at start-up (status {rc}): " + tail(
            server_log, 3).replace("\n", " | ")
    return proc, cmd, server_log, None
