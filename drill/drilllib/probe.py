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


class ArpChecker:
    """ARP from the floor's bridge (br0 in the switch namespace). The
    request is an ARP probe (sender address 0.0.0.0), so no device learns
    anything from it."""

    def __init__(self, switch_ns, bridge_mac):
        with netns.inside(switch_ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
            self.sock.bind(("br0", ETH_P_ARP))
        self.mac = _mac_bytes(bridge_mac)
        _attach_reply_filter(self.sock, self.mac)
        self.sock.setblocking(False)

    def who_has(self, addresses, listen_s=0.3):
        """For each address, the set of MACs that answered."""
        answers = {a: set() for a in addresses}
        self._drain()
        for address in addresses:
            frame = (BROADCAST + self.mac + struct.pack("!H", ETH_P_ARP) +
                     struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + self.mac + b"\0" * 4 +
                     b"\0" * 6 + socket.inet_aton(address))
            for _ in range(50):  # a full send queue drains in microseconds
                try:
                    self.sock.send(frame)
                    break
                except BlockingIOError:
                    time.sleep(0.01)
        deadline = time.monotonic() + listen_s
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not sel.select(left):
                break
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
        sel.close()
        return answers

    def _drain(self):
        for _ in range(MAX_BURST):
            try:
                self.sock.recv(128)
            except BlockingIOError:
                return

    def close(self):
        self.sock.close()
