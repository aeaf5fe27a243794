# The virtual office: two floors (bridges in their own namespaces) joined by
# a router that runs ISC dhcrelay for floor 2; on floor 1 the DHCP server,
# the mail host (real Postfix, its own config and queue in the run's temp
# dir) and the SIP registrar (sipp as UAS); one namespace per device with
# its real DHCP client. Everything is named after this run's prefix, and
# cleanup() removes what the run made (processes by PID, namespaces, dhcpcd's
# per-interface files) even after a failure.
import os
import pwd
import grp
import signal
import subprocess
import threading
import time

from . import netns
from .site import MAIL_IP, PREFIX_LEN, ROGUE_NET, ROUTER, SERVER_IP, SIP_IP

HERE = os.path.dirname(os.path.abspath(__file__))
DRILL_DIR = os.path.dirname(HERE)
REPO = os.path.dirname(DRILL_DIR)
PROBE_SRC = os.path.join(DRILL_DIR, "devprobe.c")
PHONE_XML = os.path.join(DRILL_DIR, "sip", "phone.xml")
POSTFIX_SBIN = "/usr/lib/postfix/sbin"


def stop_proc(proc, sig=signal.SIGTERM, timeout_s=5.0):
    """Stops a process this run started, by PID; SIGKILL if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(sig)
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


class Office:
    def __init__(self, tmp, devices, site):
        self.tmp = tmp
        self.devices = devices
        self.site = site
        self.p = f"dr{os.getpid() % 100000}"
        self.namespaces = []
        self.procs = []          # long-lived helpers: relay, mail, registrar
        self.clients = {}        # device n -> Popen of its DHCP client
        self.boot = 0            # how many times the devices have booted
        self.aux = []            # short-lived starters (laptops' mail checks)
        self.probe = os.path.join(tmp, "devprobe")
        # The devices' DHCP script: the same program under the name that
        # puts it in hook mode (drill/devprobe.c, hook_main).
        self.hook = os.path.join(tmp, "devhook")
        self._by_n = {d.n: d for d in devices}

    # --- names ---------------------------------------------------------------
    def sw(self, floor):
        return f"{self.p}f{floor}"

    @property
    def srv(self):
        return f"{self.p}srv"

    @property
    def srv_if(self):
        return f"{self.p}s0"

    def dev_ns(self, d):
        return f"{self.p}d{d.n}"

    dev_if = dev_ns  # globally unique, because dhcpcd keys files on it

    # --- topology ------------------------------------------------------------
    def _ns(self, name):
        netns.ip("netns", "add", name)
        self.namespaces.append(name)
        netns.ip("link", "set", "lo", "up", ns=name)

    def _plug(self, floor, ns, ifname, mac=None):
        sw = self.sw(floor)
        netns.ip("link", "add", ifname, "type", "veth", "peer", "name", ifname + "b",
                 "netns", sw, ns=ns)
        if mac:
            netns.ip("link", "set", ifname, "address", mac, ns=ns)
        netns.ip("link", "set", ifname + "b", "master", "br0", ns=sw)
        netns.ip("link", "set", ifname + "b", "up", ns=sw)
        netns.ip("link", "set", ifname, "up", ns=ns)

    def _host(self, name, ifname, address, prefix_len=PREFIX_LEN, gateway=ROUTER[1]):
        """A fixed host on floor 1 with a default route through the router."""
        self._ns(name)
        self._plug(1, name, ifname)
        netns.ip("addr", "add", f"{address}/{prefix_len}", "dev", ifname, ns=name)
        if gateway:
            netns.ip("route", "add", "default", "via", gateway, ns=name)

    def build(self):
        for floor in (1, 2):
            sw = self.sw(floor)
            self._ns(sw)
            netns.ip("link", "add", "br0", "type", "bridge", ns=sw)
            # A fixed MAC, the source of the drill's ARP checks.
            netns.ip("link", "set", "br0", "address", f"02:dd:ff:ff:00:0{floor}", ns=sw)
            netns.ip("link", "set", "br0", "up", ns=sw)
        rtr = f"{self.p}rtr"
        self._ns(rtr)
        for floor in (1, 2):
            self._plug(floor, rtr, f"{self.p}r{floor}")
            netns.ip("addr", "add", f"{ROUTER[floor]}/{PREFIX_LEN}", "dev", f"{self.p}r{floor}", ns=rtr)
        netns.run_in(rtr, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        self._host(self.srv, self.srv_if, SERVER_IP)
        self._host(f"{self.p}mail", f"{self.p}ml", MAIL_IP)
        self._host(f"{self.p}sip", f"{self.p}sp", SIP_IP)
        self._plug_devices()

    def _plug_devices(self):
        """The devices' namespaces and cables in a few `ip -batch` calls and
        ioctls rather than seven processes per device: at 1,000 devices
        that is the difference between seconds and minutes."""
        names = [self.dev_ns(d) for d in self.devices]
        _batch(None, "".join(f"netns add {n}\n" for n in names))
        self.namespaces += names
        _batch(None, "".join(
            f"link add {self.dev_if(d)} netns {self.dev_ns(d)} address {d.mac} type veth "
            f"peer name {self.dev_if(d)}b netns {self.sw(d.floor)}\n" for d in self.devices))
        for floor in (1, 2):
            ports = [f"{self.dev_if(d)}b" for d in self.devices if d.floor == floor]
            _batch(self.sw(floor), "".join(f"link set {p} master br0\nlink set {p} up\n"
                                           for p in ports))
        for d in self.devices:
            netns.set_up(self.dev_ns(d), "lo")
            netns.set_up(self.dev_ns(d), self.dev_if(d))

    def compile_probe(self):
        """The device-side probe (drill/devprobe.c), for this run."""
        done = subprocess.run(["cc", "-O2", "-o", self.probe, PROBE_SRC], capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"cc {PROBE_SRC}: {done.stderr.strip()[:500]}")
        if not os.path.lexists(self.hook):
            os.symlink(os.path.basename(self.probe), self.hook)

    # --- the office's services -----------------------------------------------
    def _spawn(self, ns, log, args, **kw):
        out = open(os.path.join(self.tmp, log), "ab")
        proc = subprocess.Popen(["ip", "netns", "exec", ns] + args, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kw)
        out.close()
        return proc

    def start_services(self):
        rtr = f"{self.p}rtr"
        self.procs.append(self._spawn(rtr, "dhcrelay.log", [
            "dhcrelay", "-4", "-d", "-pf", os.path.join(self.tmp, "dhcrelay.pid"),
            "-id", f"{self.p}r2", "-iu", f"{self.p}r1", SERVER_IP]))
        self.procs.append(self._start_postfix())
        self.procs.append(self._spawn(f"{self.p}sip", "registrar.log", [
            "sipp", "-sf", os.path.join(DRILL_DIR, "sip", "registrar.xml"),
            "-i", SIP_IP, "-p", "5060", "-nostdin", "-trace_err"], cwd=self.tmp))

    def _start_postfix(self):
        base = os.path.join(self.tmp, "postfix")
        conf, queue, data = (os.path.join(base, x) for x in ("conf", "queue", "data"))
        for path in (conf, queue, data):
            os.makedirs(path, exist_ok=True)
        os.chmod(base, 0o755)
        postfix_uid = pwd.getpwnam("postfix").pw_uid
        postdrop_gid = grp.getgrnam("postdrop").gr_gid
        for sub in ("active", "bounce", "corrupt", "defer", "deferred", "flush", "hold",
                    "incoming", "private", "saved", "trace"):
            os.makedirs(os.path.join(queue, sub), mode=0o700, exist_ok=True)
            os.chown(os.path.join(queue, sub), postfix_uid, -1)
        for sub, mode in (("maildrop", 0o730), ("public", 0o710)):
            os.makedirs(os.path.join(queue, sub), exist_ok=True)
            os.chown(os.path.join(queue, sub), postfix_uid, postdrop_gid)
            os.chmod(os.path.join(queue, sub), mode)
        os.makedirs(os.path.join(queue, "pid"), exist_ok=True)
        os.chown(data, postfix_uid, -1)
        with open(os.path.join(conf, "main.cf"), "w") as f:
            f.write(f"""# The drill's mail host: accepts connections, delivers nothing.
compatibility_level = 3.6
myhostname = mail.office.example
mydomain = office.example
smtpd_banner = $myhostname ESMTP blackstart-drill
queue_directory = {queue}
data_directory = {data}
meta_directory = /etc/postfix
daemon_directory = {POSTFIX_SBIN}
command_directory = /usr/sbin
shlib_directory = /usr/lib/postfix
inet_interfaces = {MAIL_IP}
inet_protocols = ipv4
mynetworks = 198.18.0.0/15
# No DNS in the office: a reverse lookup per client would delay the banner.
smtpd_peername_lookup = no
disable_dns_lookups = yes
mydestination =
alias_maps =
alias_database =
local_transport = error:local delivery is disabled
maillog_file = /dev/stdout
# Every device connects at once after power back: enough smtpd processes
# and a listen queue for the storm's 1,000.
default_process_limit = 400
inet_listen_backlog = 1024
""")
        # Debian's master.cf, with chroot off (the queue is not a chroot).
        with open("/etc/postfix/master.cf") as src, \
                open(os.path.join(conf, "master.cf"), "w") as dst:
            for line in src:
                fields = line.split()
                if len(fields) >= 8 and not line.startswith((" ", "\t", "#")) and \
                        fields[1] in ("inet", "unix", "unix-dgram", "fifo", "pass"):
                    fields[4] = "n"
                    line = " ".join(fields[:8]) + (" " + " ".join(fields[8:]) if fields[8:] else "") + "\n"
                dst.write(line)
        return self._spawn(f"{self.p}mail", "postfix.log",
                           [os.path.join(POSTFIX_SBIN, "master"), "-c", conf, "-d"])

    def start_rogue(self):
        """Scenario `rogue`: a consumer router plugged into floor 1 (where
        the server listens) at power back, its DHCP server (dnsmasq, as in
        many home routers) handing out its own network; it routes nowhere."""
        name, ifname = f"{self.p}rog", f"{self.p}rg"
        self._host(name, ifname, f"{ROGUE_NET}.1", prefix_len=24, gateway=None)
        self.procs.append(self._spawn(name, "rogue.log", [
            "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--user=root",
            f"--interface={ifname}", "--bind-interfaces", "--dhcp-authoritative",
            f"--dhcp-range={ROGUE_NET}.50,{ROGUE_NET}.250,255.255.255.0,2m",
            f"--dhcp-option=3,{ROGUE_NET}.1", f"--dhcp-option=6,{ROGUE_NET}.1",
            f"--dhcp-leasefile={os.path.join(self.tmp, 'rogue.leases')}",
            f"--pid-file={os.path.join(self.tmp, 'rogue.pid')}"]))

    def services_alive(self):
        return all(p.poll() is None for p in self.procs)

    # --- devices -------------------------------------------------------------
    def _probe_env(self, d):
        """What the device's hook needs to start the device-side probe."""
        env = {"BST_DRILL_PROBE": self.probe, "BST_DRILL_STAMPS": self.stamps_path(d),
               "BST_DRILL_MAIL": MAIL_IP}
        if d.kind == "phone":
            env["BST_DRILL_SIP"] = f"{SIP_IP} {PHONE_XML} phone{d.n}"
        return env

    def _client_args(self, d, events):
        ifname = self.dev_if(d)
        env = self._probe_env(d)
        if d.client == "dhclient":
            conf = os.path.join(self.tmp, f"d{d.n}.dhclient.conf")
            with open(conf, "w") as f:
                f.write("request subnet-mask, broadcast-address, routers, domain-name,\n"
                        "  host-name, dhcp-lease-time, dhcp-renewal-time, dhcp-rebinding-time;\n")
            return ["dhclient", "-4", "-d", "-v", "-cf", conf, "-sf", self.hook,
                    "-lf", os.path.join(self.tmp, f"d{d.n}.leases"),
                    "-pf", os.path.join(self.tmp, f"d{d.n}.pid"),
                    "-e", f"BST_EVENTS={events}", "-e", "BST_CLIENT=dhclient"] + \
                [x for k, v in env.items() for x in ("-e", f"{k}={v}")] + [ifname]
        if d.client == "dhcpcd":
            conf = os.path.join(self.tmp, "dhcpcd.conf")
            with open(conf, "w") as f:
                f.write("ipv4only\nnoipv6rs\nnoarp\nnoipv4ll\nnodev\nclientid\n"
                        "option subnet_mask, routers, domain_name, host_name\n"
                        "option dhcp_renewal_time, dhcp_rebinding_time\n")
            return ["dhcpcd", "-f", conf, "-c", self.hook, "-e", f"BST_EVENTS={events}",
                    "-e", "BST_CLIENT=dhcpcd"] + \
                [x for k, v in env.items() for x in ("-e", f"{k}={v}")] + \
                ["-4", "-B", "-d", "-t", "0", ifname]
        args = ["env", f"BST_EVENTS={events}", "BST_CLIENT=udhcpc"] + \
            [f"{k}={v}" for k, v in env.items()] + [
                "udhcpc", "-f", "-i", ifname, "-s", self.hook, "-O", "hostname"]
        if d.kind == "phone":
            args += ["-V", self.site["phone_vendor_class"], "-O", "66"]
        elif d.kind == "counter":
            args += ["-V", self.site["counter_vendor_class"]]
        return args

    def boot_devices(self, devices, gate=None):
        """Powers devices on: each starts its DHCP client. With a gate (a
        path), the clients are started but wait until the file exists, so
        that hundreds of them begin within 50 ms of each other however long
        starting the processes took. The gate is a FIFO held open for
        writing (open_gate); each client's shell blocks reading it, without
        using CPU, until release_gate() closes it and they all read EOF."""
        for d in devices:
            events = os.path.join(self.tmp, f"d{d.n}.boot{self.boot}.events")
            args = self._client_args(d, events)
            if gate:
                args = ["sh", "-c", 'read -r _ <"$0"; exec "$@"', gate] + args
            self.clients[d.n] = self._spawn(self.dev_ns(d), f"d{d.n}.boot{self.boot}.log",
                                            args, cwd=self.tmp)

    def start_laptop_mail(self, gate):
        """Laptops ran on through the cut with their address; at power back
        (behind the same gate as the booting devices) each starts the
        device-side mail check, as its mail client would retry."""
        for d in self.devices:
            if d.kind == "laptop":
                self.aux.append(self._spawn(
                    self.dev_ns(d), f"d{d.n}.mailcheck.log",
                    ["sh", "-c", 'read -r _ <"$0"; exec "$@"', gate, self.probe, "mail",
                     self.stamps_path(d), MAIL_IP], cwd=self.tmp))

    @staticmethod
    def open_gate(path):
        os.mkfifo(path, 0o600)
        return os.open(path, os.O_RDWR)

    @staticmethod
    def release_gate(path, fd):
        os.close(fd)
        # A shell that opened the FIFO only after the close waits for a
        # writer; one more open and close a little later lets it through.
        threading.Timer(0.2, lambda: os.close(os.open(path, os.O_RDWR))).start()

    def power_off_devices(self):
        """A cold stop: the client dies at once, the link drops, the address
        is gone; only what the client wrote to disk (dhclient's and dhcpcd's
        lease files) survives, as on a PC's disk. Laptops run on: only their
        switch port goes dark until power_on_switches()."""
        for n, proc in self.clients.items():
            if proc.poll() is None and self._by_n[n].kind != "laptop":
                proc.kill()
        for n in list(self.clients):
            if self._by_n[n].kind != "laptop":
                self.clients.pop(n).wait(timeout=10)
        self._ports("down")
        cold = [d for d in self.devices if d.kind != "laptop"]
        # The device's address run ends here (docs/DRILL.md, "What counts").
        now = time.monotonic()
        for d in cold:
            with open(self.stamps_path(d), "a") as f:
                f.write(f"down {now:.6f} -\n")
        pids = netns.pids_by_ns([self.dev_ns(d) for d in cold])
        for d in cold:
            for pid in pids[self.dev_ns(d)]:
                _kill(pid)
            ifname = self.dev_if(d)
            _batch(self.dev_ns(d), f"link set {ifname} down\naddr flush dev {ifname}\n"
                                   f"link set {ifname} up\n")
        self.boot += 1

    def power_on_switches(self):
        self._ports("up")

    def _ports(self, state):
        for floor in (1, 2):
            _batch(self.sw(floor), "".join(f"link set {self.dev_if(d)}b {state}\n"
                                           for d in self.devices if d.floor == floor))

    def cold_devices(self):
        return [d for d in self.devices if d.kind != "laptop"]

    def log_path(self, d, boot):
        return os.path.join(self.tmp, f"d{d.n}.boot{boot}.log")

    def stamps_path(self, d):
        """The device-side probe's stamps (bound/mail/sip/down), all boots."""
        return os.path.join(self.tmp, f"d{d.n}.stamps")

    def events_path(self, d, boot):
        return os.path.join(self.tmp, f"d{d.n}.boot{boot}.events")

    # --- cleanup -------------------------------------------------------------
    def cleanup(self):
        for proc in list(self.clients.values()) + self.aux:
            stop_proc(proc, signal.SIGKILL)
        for proc in self.procs:
            stop_proc(proc)
        pids = netns.pids_by_ns(self.namespaces)
        for name in reversed(self.namespaces):
            for pid in pids[name]:
                _kill(pid)
            netns.forget(name)
        if self.namespaces:
            _batch(None, "".join(f"netns del {n}\n" for n in self.namespaces), check=False)
        self.namespaces = []
        for d in ("/run/dhcpcd", "/var/lib/dhcpcd"):
            if not os.path.isdir(d):
                continue
            for name in os.listdir(d):
                if f"{self.p}d" in name:
                    try:
                        os.remove(os.path.join(d, name))
                    except OSError:
                        pass


def _batch(ns, commands, check=True):
    cmd = ["ip"] + (["-n", ns] if ns else []) + (["-force"] if not check else []) + ["-batch", "-"]
    done = subprocess.run(cmd, input=commands, text=True, capture_output=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()[:500]}")


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def wait_until(predicate, timeout_s, step_s=0.2):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step_s)
    return predicate()

