# The server's port, seen from the wire: every DHCP packet the server under
# test receives or sends after power back, timestamped by the kernel as it
# crosses the server's interface. It splits a device's time in two: its own
# boot (power back until its first query reaches the server; on the drill's
# machine every simulated device shares the same few cores, so this part
# grows with the office) and the server's part (query to reply, and when the
# ACK left). The device-side stamps stay the judge of "working"; the tap only
# says where the time went. Every read is bounded.
import socket
import struct
import threading
import time

from . import netns

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SO_RCVBUFFORCE = 33  # Linux; Python's socket module does not name it
BOOTP_FIXED = 236  # the BOOTP header up to the magic cookie
MAGIC_COOKIE = b"\x63\x82\x53\x63"
OPT_MESSAGE_TYPE = 53
DHCPACK = 5
MAX_PACKETS = 200_000
RCVBUF_BYTES = 8 << 20


def parse_dhcp(frame):
    """(op, message type, xid, client MAC) of an Ethernet frame carrying
    DHCPv4 to or from port 67/68, or None for anything else or anything
    malformed (the tap sees whatever the server's link carries)."""
    if len(frame) < 14 + 20 + 8 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[0] >> 4 != 4 or ihl < 20 or ip[9] != 17 or len(ip) < ihl + 8:
        return None
    src_port, dst_port = struct.unpack("!HH", ip[ihl:ihl + 4])
    if dst_port not in (67, 68) and src_port not in (67, 68):
        return None
    bootp = ip[ihl + 8:]
    if len(bootp) < BOOTP_FIXED + 4 or bootp[BOOTP_FIXED:BOOTP_FIXED + 4] != MAGIC_COOKIE:
        return None
    op, xid = bootp[0], bootp[4:8].hex()
    mac = ":".join(f"{b:02x}" for b in bootp[28:34])
    return op, _message_type(bootp), xid, mac


def _message_type(bootp):
    i = BOOTP_FIXED + 4
    while i + 1 < len(bootp):
        code = bootp[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        length = bootp[i + 1]
        if code == OPT_MESSAGE_TYPE and length >= 1 and i + 2 < len(bootp):
            return bootp[i + 2]
        i += 2 + length
    return 0


class DeviceWire:
    """One client MAC as the server's port saw it after power back."""

    def __init__(self):
        self.first_query_s = None  # its first query reached the server
        self.ack_s = None          # the server's first ACK to it left
        self.reply_ms = []         # each reply: ms since the latest query of that xid


def summarize(records, t0):
    """Per MAC, from (monotonic s, op, message type, xid, mac) records in
    arrival order: when its first query arrived and its first ACK left
    (seconds after t0), and how long the server took over each reply
    (from the latest query with the same xid, so a client's own retries
    are not counted against the server)."""
    wire, pending = {}, {}
    for t, op, mtype, xid, mac in records:
        if t < t0:
            continue
        dev = wire.setdefault(mac, DeviceWire())
        if op == 1:
            if dev.first_query_s is None:
                dev.first_query_s = t - t0
            pending[(mac, xid)] = t
        elif op == 2:
            asked = pending.pop((mac, xid), None)
            if asked is not None:
                dev.reply_ms.append((t - asked) * 1000)
            if mtype == DHCPACK and dev.ack_s is None:
                dev.ack_s = t - t0
    return wire


class WireTap:
    """A packet socket on the server's interface, read by a thread from
    before power back until stop(). Kernel receive timestamps (realtime)
    are moved onto the drill's monotonic clock, so a slow read under load
    does not shift them."""

    def __init__(self, ns, ifname):
        with netns.inside(ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                      socket.htons(ETH_P_ALL))
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF_BYTES)
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_BYTES)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.bind((ifname, 0))
        self.sock.settimeout(0.2)
        self.offset_s = time.time() - time.monotonic()
        self.records = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        while not self._stop.is_set() and len(self.records) < MAX_PACKETS:
            try:
                frame, ancillary, _, _ = self.sock.recvmsg(2048, 64)
            except (socket.timeout, BlockingIOError, InterruptedError):
                continue
            except OSError:
                return
            parsed = parse_dhcp(frame)
            if parsed is None:
                continue
            self.records.append((self._stamp(ancillary),) + parsed)

    def _stamp(self, ancillary):
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
                sec, nsec = struct.unpack("qq", data[:16])
                return sec + nsec / 1e9 - self.offset_s
        return time.monotonic()

    def stop(self):
        """Stops the reader and returns the records (bounded wait)."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
        return list(self.records)
