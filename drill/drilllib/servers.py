# The DHCP server under test, started in the office's server namespace with
# its lease store in a directory that the power-cut shim
# (tools/powercut/README.md) watches: the cut is a SIGKILL followed by
# `bs-powercut restore`, which drops every byte the server never synced.
# Also: the "last night's backup" of the lease store, its restoration, and
# the server's own counters (blackstart's /metrics, Kea's statistic-get-all).
import json
import os
import shutil
import socket
import re
import subprocess
import threading
import time
import urllib.request

from . import netns
from .office import stop_proc
from .otherservers import dhcpd_conf, dnsmasq_args
from .site import server_config

ROGUE_PROBE_INTERVAL_S = 20


def _port_listening(ns, port):
    out = netns.run_in(ns, "ss", "-Hlun", f"sport = :{port}", check=False).stdout
    return bool(out.strip())


def _udp_bound_by(pid, port):
    """True once process `pid` holds a UDP socket bound to `port`: its own
    /proc (so its network namespace's table), read without a fork, so it
    can be polled every few milliseconds."""
    try:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        if not inodes:
            return False
        suffix = f":{port:04X}"
        with open(f"/proc/{pid}/net/udp") as f:
            next(f)
            for line in f:
                fields = line.split()
                if len(fields) > 9 and fields[1].endswith(suffix) and fields[9] in inodes:
                    return True
    except (OSError, StopIteration):
        return False
    return False


BIND_POLL_S = 0.002
BIND_WATCH_S = 120
# blackstart's start-up line (src/daemon/startup_timing.h).
SERVING_RE = re.compile(r"start-up: .*serving ([0-9.]+) ms after main(?:, ~([0-9]+) ms after exec)?")


# The server under test (every kind alike) runs at a higher CPU priority
# than the simulated office: on real hardware it has its own CPU, while
# here it starts at the same instant as 200 to 1,000 device processes on
# two cores. At equal priority, once the devices' hooks became cheap
# (2026-12-04), blackstart's start-up took 0.57 s in one run, its socket
# was not bound before the devices' first DISCOVERs, and udhcpc waited its
# 3 s before asking again.
SERVER_NICE = -10

class Server:
    def __init__(self, kind, office, build_dir, blackstart, run_dir):
        self.kind = kind
        self.office = office
        self.build_dir = build_dir
        self.blackstart = blackstart
        self.run_dir = run_dir
        self.state = os.path.join(run_dir, "state")
        self.snap = os.path.join(run_dir, "durable")
        self.backup = os.path.join(run_dir, "backup")
        self.conf = os.path.join(run_dir, "server.json")
        self.proc = None
        self.starts = 0
        self.restarts = 0
        self.started_at = 0.0
        self.bound_at = None   # monotonic time its port 67 was first bound
        self.filler = None     # scenario disk-full: the file that fills the disk
        self.mounted = False
        for path in (self.state, self.snap, self.backup):
            os.makedirs(path, exist_ok=True)

    def configure(self, site, devices, probing=None):
        """Writes the office's configuration in the server's own language."""
        self.site, self.devices = site, devices
        if self.kind == "dhcpd":
            self.conf = os.path.join(self.run_dir, "dhcpd.conf")
            with open(self.conf, "w") as f:
                f.write(dhcpd_conf(site, devices))
            open(os.path.join(self.state, "dhcpd.leases"), "a").close()
            return
        if self.kind == "dnsmasq":
            return  # a command line only
        config = server_config(site, devices, self.kind, self.office.srv_if, self.state,
                               self.run_dir, probing)
        with open(self.conf, "w") as f:
            json.dump(config, f, indent=1)

    def _command(self):
        if self.kind == "kea":
            return ["env", f"KEA_PIDFILE_DIR={self.run_dir}", f"KEA_LOCKFILE_DIR={self.run_dir}",
                    "kea-dhcp4", "-c", self.conf]
        if self.kind == "dnsmasq":
            return dnsmasq_args(self.site, self.devices, self.office.srv_if, self.state)
        if self.kind == "dhcpd":
            # dhcpd needs its lease file to exist (a lost-db restore may remove it).
            lease_file = os.path.join(self.state, "dhcpd.leases")
            open(lease_file, "a").close()
            return ["dhcpd", "-4", "-f", "-q", "-cf", self.conf, "-lf", lease_file,
                    "-pf", os.path.join(self.run_dir, "dhcpd.pid"), self.office.srv_if]
        # The rogue probe's 60 s, time compressed 3:1 like the day.
        return ["env", f"BLACKSTART_ROGUE_PROBE_INTERVAL_S={ROGUE_PROBE_INTERVAL_S}",
                self.blackstart, "-c", self.conf]

    def start(self, shimmed):
        """Starts the server; with the shim, what it syncs from now on is all
        that a cut keeps of the state directory."""
        env = []
        if shimmed:
            subprocess.run([os.path.join(self.build_dir, "bs-powercut"), "baseline",
                            self.state, self.snap], check=True)
            env = ["env", f"LD_PRELOAD={os.path.join(self.build_dir, 'libbs_fsync_shim.so')}",
                   f"POWERCUT_DIR={self.state}", f"POWERCUT_SNAPSHOT={self.snap}"]
        log = open(os.path.join(self.run_dir, f"server.{self.starts}.log"), "ab")
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.office.srv,
                                      "nice", "-n", str(SERVER_NICE)] + env +
                                     self._command(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.run_dir)
        log.close()
        self.starts += 1
        self.started_at = time.monotonic()
        self.bound_at = None
        threading.Thread(target=self._watch_bind, args=(self.proc,), daemon=True).start()

    def _watch_bind(self, proc):
        """When the server's port 67 socket appears, to the poll (2 ms):
        `ss` once per watch round measured the rounds, not the server.
        `ip netns exec`, `nice` and `env` exec, so the PID is the server's."""
        deadline = time.monotonic() + BIND_WATCH_S
        while proc.poll() is None and time.monotonic() < deadline:
            if _udp_bound_by(proc.pid, 67):
                if proc is self.proc:
                    self.bound_at = time.monotonic()
                return
            time.sleep(BIND_POLL_S)

    def serving_after_s(self, t0):
        """blackstart's own figure: from its exec to serving (its start-up
        line), after t0; None for other servers or without the line."""
        if self.kind != "blackstart":
            return None
        log = os.path.join(self.run_dir, f"server.{self.starts - 1}.log")
        try:
            with open(log, errors="replace") as f:
                found = [SERVING_RE.search(line) for line in f]
        except OSError:
            return None
        found = [m for m in found if m]
        if not found:
            return None
        m = found[-1]
        ms = float(m.group(2)) if m.group(2) else float(m.group(1))
        return round(self.started_at - t0 + ms / 1000, 2)

    def supervise(self):
        """Restarts a server that exited, at most once a second, as
        systemd's Restart=on-failure with RestartSec=1 would; True if it did."""
        if self.proc is None or self.proc.poll() is None:
            return False
        if time.monotonic() - self.started_at < 1.0:
            return False
        self.restarts += 1
        self.start(shimmed=False)
        return True

    def wait_listening(self, timeout_s=15):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if _port_listening(self.office.srv, 67):
                return True
            time.sleep(0.1)
        return False

    def listening(self):
        return self.alive() and _port_listening(self.office.srv, 67)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cut(self):
        """The power cut: SIGKILL, then the state directory as the disk
        would have it (only what was synced)."""
        self.proc.kill()
        self.proc.wait(timeout=10)
        subprocess.run([os.path.join(self.build_dir, "bs-powercut"), "restore",
                        self.state, self.snap], check=True)

    def stop(self):
        stop_proc(self.proc, timeout_s=10)

    # --- scenario disk-full ---------------------------------------------------
    def fill_disk(self, size_mb=64):
        """The state directory moves to a small file system of its own
        (tmpfs, room for blackstart's default 16 MiB disk reserve), which a
        filler file then fills to the last byte."""
        keep = os.path.join(self.run_dir, "state-before-mount")
        shutil.copytree(self.state, keep)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755",
                        "bs-drill-disk", self.state], check=True)
        self.mounted = True
        for name in os.listdir(keep):
            shutil.copy2(os.path.join(keep, name), self.state)
        self.filler = os.path.join(self.state, "filler")
        with open(self.filler, "wb", buffering=0) as f:
            block = b"\0" * 65536
            try:
                while True:
                    f.write(block)
            except OSError:
                pass
            try:
                while True:
                    f.write(b"\0")
            except OSError:
                pass

    def free_disk(self):
        if self.filler and os.path.exists(self.filler):
            os.remove(self.filler)

    def cleanup(self):
        if self.mounted:
            subprocess.run(["umount", "-l", self.state], check=False)
            self.mounted = False

    # --- last night's backup ---------------------------------------------------
    def take_backup(self):
        shutil.rmtree(self.backup)
        os.makedirs(self.backup)
        if self.kind != "blackstart":
            for name in os.listdir(self.state):
                shutil.copy2(os.path.join(self.state, name), self.backup)
            return
        # SQLite's online backup: a consistent copy of a live WAL database.
        subprocess.run(["sqlite3", os.path.join(self.state, "leases.sqlite3"),
                        f".backup {os.path.join(self.backup, 'leases.sqlite3')}"], check=True)

    def restore_backup(self):
        """The operator's restore: the lease store replaced by the backup
        (whatever else the directory held is removed with it)."""
        for name in os.listdir(self.state):
            os.remove(os.path.join(self.state, name))
        for name in os.listdir(self.backup):
            shutil.copy2(os.path.join(self.backup, name), self.state)

    # --- the server's own view ------------------------------------------------
    def counters(self):
        if self.kind in ("dnsmasq", "dhcpd"):
            return {"error": "no statistics interface"}
        try:
            return self._kea_counters() if self.kind == "kea" else self._bs_counters()
        except (OSError, ValueError, KeyError) as err:
            return {"error": str(err)}

    def _bs_counters(self):
        with netns.inside(self.office.srv):
            body = urllib.request.urlopen("http://127.0.0.1:8004/metrics", timeout=5).read()
        values = {}
        for line in body.decode().splitlines():
            if line.startswith("#") or " " not in line:
                continue
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)

        def get(name):
            return int(values.get(name, 0))
        return {
            "acks": get('blackstart_packets_sent_total{type="ack"}'),
            "naks": get("blackstart_naks_total"),
            "offers": get('blackstart_packets_sent_total{type="offer"}'),
            "declines": get("blackstart_declines_total"),
            "conflicts": get("blackstart_conflicts_total"),
            "probes": get('blackstart_conflict_probes_total{result="sent"}'),
            "recovery_mode": get("blackstart_recovery_mode"),
            "rogue_servers": get("blackstart_rogue_servers"),
        }

    def _kea_counters(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(5)
        sock.connect(os.path.join(self.run_dir, "kea4.sock"))
        sock.sendall(b'{"command": "statistic-get-all"}')
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            try:
                reply = json.loads(data)
                break
            except ValueError:
                continue
        sock.close()
        stats = reply["arguments"]

        def get(name):
            samples = stats.get(name, [])
            return int(samples[0][0]) if samples else 0
        return {
            "acks": get("pkt4-ack-sent"), "naks": get("pkt4-nak-sent"),
            "offers": get("pkt4-offer-sent"), "declines": get("pkt4-decline-received"),
            "conflicts": 0, "probes": 0, "recovery_mode": 0, "rogue_servers": None,
        }
