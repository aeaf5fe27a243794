# What the drill checks from outside the devices: the address on a device's
# interface (read in its namespace; the day's figures) and whether an
# address is unique (ARP who-has from the floor's bridge: exactly one MAC,
# the device's own, may answer). The mail banner and the phones' REGISTER
# are tried by the devices themselves (drill/devprobe.c). Every wait is
# bounded.
import ctypes
import fcntl
import selectors
import socket
import struct
import time

from . import netns

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


# Frames read in one go before the deadline is looked at again: the loops
# stay bounded however much ARP the office sends.
MAX_BURST = 256
SO_ATTACH_FILTER = 26
SO_RCVBUFFORCE = 33


def _attach_reply_filter(sock, mac):
    """A classic BPF filter: the socket sees only ARP replies addressed to
    the bridge's MAC (the answers to its own probes), not the office's ARP
    requests and broadcasts, which at 1,000 devices under load arrive faster
    than the drill can read them."""
    high, low = struct.unpack("!IH", mac)
    prog = [(0x28, 0, 0, 20),      # ldh [20]: the ARP operation
            (0x15, 0, 5, 2),       # jeq #2 (reply), else drop
            (0x20, 0, 0, 32),      # ld [32]: target MAC, first 4 bytes
            (0x15, 0, 3, high),
            (0x28, 0, 0, 36),      # ldh [36]: target MAC, last 2 bytes
            (0x15, 0, 1, low),
            (0x06, 0, 0, 0xffff),  # accept
            (0x06, 0, 0, 0)]       # drop
    code = b"".join(struct.pack("HBBI", *insn) for insn in prog)
    buf = ctypes.create_string_buffer(code)
    fprog = struct.pack("HL", len(prog), ctypes.addressof(buf))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)


# The socket's receive buffer: every answer of a round (up to a thousand
# devices, ~1 KB of kernel memory each) must fit while the probes go out.
RCVBUF_BYTES = 4 << 20
# Broadcast probes per floor and round, and the pause after each. A
# broadcast is copied to every port of the bridge; sent back to back, 500
# of them put 250,000 frames into the kernel's per-CPU backlog (1,000 by
# default), which dropped most of them, and with them the answers (the
# 2026-12-04 storm: 477 of 1,000 devices were never confirmed). Paced and
# few, they still look at every address over the rounds for a holder the
# drill does not know of.
BROADCASTS_PER_ROUND = 8
BROADCAST_PAUSE_S = 0.002


class ArpChecker:
    """ARP from the floor's bridge (br0 in the switch namespace). Requests
    are ARP probes (sender address 0.0.0.0), so no device learns anything
    from them. Every device that claims an address is asked by a probe sent
    to its own MAC (the bridge forwards it to that port alone); a slice of
    the addresses is also asked by broadcast each round, in turn."""

    def __init__(self, switch_ns, bridge_mac):
        with netns.inside(switch_ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
            self.sock.bind(("br0", ETH_P_ARP))
        self.mac = _mac_bytes(bridge_mac)
        _attach_reply_filter(self.sock, self.mac)
        try:  # root may exceed net.core.rmem_max
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF_BYTES)
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_BYTES)
        self.sock.setblocking(False)
        self.next_broadcast = 0  # where the rotating broadcast slice starts

    def who_has(self, claims, listen_s=0.3):
        """claims: (address, MAC) pairs, a device and the address it says
        it holds. For each address, the set of MACs that answered."""
        addresses = sorted({a for a, _ in claims})
        answers = {a: set() for a in addresses}
        self._drain()
        for address, mac in claims:
            self._send(_mac_bytes(mac), address)
        for address in self._broadcast_slice(addresses):
            self._send(BROADCAST, address)
            time.sleep(BROADCAST_PAUSE_S)
            self._read(answers, 0)
        self._read(answers, listen_s)
        return answers

    def _broadcast_slice(self, addresses):
        if not addresses:
            return []
        start = self.next_broadcast % len(addresses)
        count = min(BROADCASTS_PER_ROUND, len(addresses))
        self.next_broadcast = start + count
        return [addresses[(start + i) % len(addresses)] for i in range(count)]

    def _send(self, dest_mac, address):
        frame = (dest_mac + self.mac + struct.pack("!H", ETH_P_ARP) +
                 struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + self.mac + b"\0" * 4 +
                 b"\0" * 6 + socket.inet_aton(address))
        for _ in range(50):  # a full send queue drains in microseconds
            try:
                self.sock.send(frame)
                return
            except BlockingIOError:
                time.sleep(0.01)

    def _read(self, answers, listen_s):
        """Answers that arrive within listen_s (0: those already here)."""
        deadline = time.monotonic() + listen_s
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        try:
            while True:
                for _ in range(MAX_BURST):
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
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return
        finally:
            sel.close()

    def _drain(self):
        for _ in range(MAX_BURST):
            try:
                self.sock.recv(128)
            except BlockingIOError:
                return

    def close(self):
        self.sock.close()
