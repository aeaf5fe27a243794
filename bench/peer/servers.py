"""The servers under test: how each is configured (bench/configs, with
@IFACE@ and @STATE@ filled in) and started afresh for one step."""

import json
import os
import subprocess
import tempfile
import time

from . import probes
from .env import SERVER_ADDR, run, tail

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")
NAMES = ["blackstart", "blackstart-nofsync", "kea", "dnsmasq", "dhcpd", "floor"]  # make bench
PAIR_NAMES = ["kea-ha"]  # HA pairs, only when asked for (make bench-ha)


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

    # A pair's second server: started before, stopped after the one the
    # generator talks to (see KeaHa); nothing for a single server.
    def start_partner(self, bench, state):
        return None

    def wait_ready(self, bench):
        return None

    def stop_partner(self, bench):
        pass


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


class Floor(Server):
    """bs-floor (tools/floor): the irreducible work of a server that makes
    each ACK durable first, one recvmmsg, a patched reply, one pwrite and
    one fdatasync per wake-up. Its CPU per exchange is the best any such
    server can show here; a yardstick, not a DHCP server."""

    def __init__(self, binary):
        super().__init__("floor", "floor (bs-floor: durable replies, no DHCP logic)")
        self.binary = binary

    def command(self, bench, state):
        return [self.binary, "--address", SERVER_ADDR.split("/")[0], "--ring",
                os.path.join(state, "floor.ring"), "--max-seconds", "600"], None


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


class KeaHa(Server):
    """Kea 2.2 hot-standby pair: the primary in the server namespace (the
    generator's server), the standby in a namespace of its own on a
    dedicated HA link; the primary ACKs after the standby took the lease.
    A blackstart pair is added the same way (its own class and config)."""

    ADDR_A, ADDR_B = "198.18.15.1", "198.18.15.2"  # below the pool (198.18.16.1-)

    def __init__(self):
        super().__init__("kea-ha", "Kea 2.2 HA hot-standby pair (memfile, MT on)")
        self.partner = None
        self.partner_ns = None

    def _link(self, bench):
        if self.partner_ns:
            return
        tag = bench.srv_ns[:-3]
        self.partner_ns, ha_a, ha_b = f"{tag}ha", f"{tag}h", f"{tag}H"
        bench.netns(self.partner_ns)
        run(["ip", "-n", bench.srv_ns, "link", "add", ha_a, "type", "veth", "peer", "name", ha_b,
             "netns", self.partner_ns])
        run(["ip", "-n", bench.srv_ns, "addr", "add", self.ADDR_A + "/30", "dev", ha_a])
        run(["ip", "-n", self.partner_ns, "addr", "add", self.ADDR_B + "/30", "dev", ha_b])
        run(["ip", "-n", bench.srv_ns, "link", "set", ha_a, "up"])
        run(["ip", "-n", self.partner_ns, "link", "set", ha_b, "up"])
        self.partner_if = ha_b

    def _config(self, name, iface, state):
        with open(os.path.join(CONFIG_DIR, "kea-ha.json")) as f:
            text = f.read()
        for key, value in {"@NAME@": name, "@IFACE@": iface, "@STATE@": state,
                           "@ADDR_A@": self.ADDR_A, "@ADDR_B@": self.ADDR_B}.items():
            text = text.replace(key, value)
        path = os.path.join(state, "kea-ha.json")
        with open(path, "w") as f:
            f.write(text)
        return path

    def command(self, bench, state):
        conf = self._config("server1", bench.srv_if, state)
        env = dict(os.environ, KEA_PIDFILE_DIR=state, KEA_LOCKFILE_DIR=state)
        return ["kea-dhcp4", "-c", conf], env

    def start_partner(self, bench, state):
        self._link(bench)
        partner_state = os.path.join(state, "standby")
        os.makedirs(partner_state)
        conf = self._config("server2", self.partner_if, partner_state)
        env = dict(os.environ, KEA_PIDFILE_DIR=partner_state, KEA_LOCKFILE_DIR=partner_state)
        self.partner = bench.spawn(self.partner_ns, ["kea-dhcp4", "-c", conf],
                                   os.path.join(partner_state, "server.log"), env=env)
        return self.partner

    def _state(self, ns, addr):
        body = json.dumps({"command": "ha-heartbeat", "service": ["dhcp4"]})
        result = subprocess.run(["ip", "netns", "exec", ns, "curl", "-s", "--max-time", "2", "-X",
                                 "POST", "-H", "Content-Type: application/json", "-d", body,
                                 f"http://{addr}:8001/"], capture_output=True, text=True)
        try:
            reply = json.loads(result.stdout)
            reply = reply[0] if isinstance(reply, list) else reply
            return reply["arguments"]["state"]
        except (ValueError, KeyError, IndexError, TypeError):
            return "down"

    def wait_ready(self, bench):
        """Until both servers are in hot-standby (synced); else an error."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (self._state(bench.srv_ns, self.ADDR_A) == "hot-standby"
                    and self._state(self.partner_ns, self.ADDR_B) == "hot-standby"):
                return None
            time.sleep(0.3)
        return "the HA pair did not reach hot-standby in 60 s"

    def stop_partner(self, bench):
        if self.partner is not None:
            bench.stop(self.partner)
            self.partner = None


def make(names, blackstart):
    makers = {"blackstart": lambda: Blackstart(blackstart, True),
              "blackstart-nofsync": lambda: Blackstart(blackstart, False),
              "kea": Kea, "dnsmasq": Dnsmasq, "dhcpd": Dhcpd, "kea-ha": KeaHa,
              "floor": lambda: Floor(os.path.join(os.path.dirname(blackstart), "bs-floor"))}
    return [makers[name]() for name in names]


def start(bench, server, state, raw):
    """Starts the server in the server namespace and waits until it owns UDP
    port 67 and is idle. Returns (proc, cmd, log path, error or None); on an
    error the server is already stopped and `raw` holds its log tail."""
    server.start_partner(bench, state)
    cmd, env = server.command(bench, state)
    server_log = os.path.join(state, "server.log")
    proc = bench.spawn(bench.srv_ns, cmd, server_log, env=env)
    deadline = time.monotonic() + 60
    while not probes.udp67_owned_by(bench, proc.pid):
        if proc.poll() is not None or time.monotonic() > deadline:
            bench.stop(proc)
            server.stop_partner(bench)
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
    not_ready = server.wait_ready(bench)
    if proc.poll() is not None or not_ready:
        rc = bench.stop(proc)
        server.stop_partner(bench)
        if not_ready:
            return proc, cmd, server_log, not_ready
        with open(raw, "w") as f:
            f.write(f"$ {' '.join(cmd)}\n{tail(server_log, 40)}")
        return proc, cmd, server_log, f"server exited at start-up (status {rc}): " + tail(
            server_log, 3).replace("\n", " | ")
    return proc, cmd, server_log, None
