# What the drill checks on each device, from outside the device's DHCP
# client: the address on its interface (read in its namespace), whether that
# address is unique (ARP who-has from the floor's bridge: exactly one MAC,
# the device's own, may answer), whether the mail host's SMTP banner can be
# read from the device, and for phones whether a SIP REGISTER (sipp UAC) is
# answered 200 OK. Every wait is bounded.
import fcntl
import os
import selectors
import socket
import struct
import subprocess
import time

from . import netns
from .site import MAIL_IP, SIP_IP

SIOCGIFADDR = 0x8915
ETH_P_ARP = 0x0806
BROADCAST = b"\xff" * 6


def device_address(ns, ifname):
    """The interface's (first) IPv4 address, or None."""
    with netns.inside(ns):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        packed = fcntl.ioctl(sock.fileno(), SIOCGIFADDR,
                             struct.pack("256s", ifname.encode()[:15]))
        return socket.inet_ntoa(packed[20:24])
    except OSError:
        return None
    finally:
        sock.close()


def _mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def _mac_text(raw):
    return ":".join(f"{b:02x}" for b in raw)


class ArpChecker:
    """ARP from the floor's bridge (br0 in the switch namespace). The
    request is an ARP probe (sender address 0.0.0.0), so no device learns
    anything from it."""

    def __init__(self, switch_ns, bridge_mac):
        with netns.inside(switch_ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
            self.sock.bind(("br0", ETH_P_ARP))
        self.sock.setblocking(False)
        self.mac = _mac_bytes(bridge_mac)

    def who_has(self, addresses, listen_s=0.15):
        """For each address, the set of MACs that answered."""
        answers = {a: set() for a in addresses}
        self._drain()
        for address in addresses:
            frame = (BROADCAST + self.mac + struct.pack("!H", ETH_P_ARP) +
                     struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + self.mac + b"\0" * 4 +
                     b"\0" * 6 + socket.inet_aton(address))
            try:
                self.sock.send(frame)
            except BlockingIOError:
                time.sleep(0.01)
                self.sock.send(frame)
        deadline = time.monotonic() + listen_s
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not sel.select(left):
                break
            while True:
                try:
                    frame = self.sock.recv(128)
                except BlockingIOError:
                    break
                if len(frame) < 42 or frame[12:14] != b"\x08\x06":
                    continue
                if struct.unpack("!H", frame[20:22])[0] != 2:
                    continue
                sender_ip = socket.inet_ntoa(frame[28:32])
                if sender_ip in answers:
                    answers[sender_ip].add(_mac_text(frame[22:28]))
        sel.close()
        return answers

    def _drain(self):
        while True:
            try:
                self.sock.recv(128)
            except BlockingIOError:
                return

    def close(self):
        self.sock.close()


def smtp_banners(namespaces, timeout_s=0.8):
    """Connects to the mail host from each namespace at once; returns the
    set of namespaces that read a 220 banner within the timeout."""
    sel = selectors.DefaultSelector()
    pending = {}
    for ns in namespaces:
        with netns.inside(ns):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        err = sock.connect_ex((MAIL_IP, 25))
        if err not in (0, 115):  # EINPROGRESS
            sock.close()
            continue
        pending[sock] = [ns, b""]
        sel.register(sock, selectors.EVENT_READ)
    ok = set()
    deadline = time.monotonic() + timeout_s
    while pending and (left := deadline - time.monotonic()) > 0:
        for key, _ in sel.select(left):
            sock = key.fileobj
            ns, buf = pending[sock]
            try:
                chunk = sock.recv(512)
            except OSError:
                chunk = b""
            buf += chunk
            pending[sock][1] = buf
            if buf.startswith(b"220") and b"\n" in buf:
                ok.add(ns)
            if not chunk or ns in ok or len(buf) > 4096:
                sel.unregister(sock)
                sock.close()
                del pending[sock]
    for sock in pending:
        sock.close()
    sel.close()
    return ok


class SipRegistrations:
    """At most one sipp UAC REGISTER in flight per phone."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.scenario = os.path.join(os.path.dirname(os.path.dirname(__file__)), "sip", "phone.xml")
        self.running = {}

    def start(self, ns, name, address):
        if ns in self.running:
            return
        self.running[ns] = subprocess.Popen(
            ["ip", "netns", "exec", ns, "sipp", f"{SIP_IP}:5060", "-sf", self.scenario,
             "-s", name, "-i", address, "-p", "0", "-m", "1", "-timeout", "3s",
             "-timeout_error", "-nostdin"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
            cwd=self.tmp)

    def finished(self):
        """Namespaces whose REGISTER finished since the last call: {ns: ok}."""
        done = {}
        for ns, proc in list(self.running.items()):
            rc = proc.poll()
            if rc is not None:
                done[ns] = rc == 0
                del self.running[ns]
        return done

    def stop(self):
        for proc in self.running.values():
            proc.kill()
            proc.wait()
        self.running = {}
