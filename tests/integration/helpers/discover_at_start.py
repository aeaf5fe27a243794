#!/usr/bin/python3
"""Starts a DHCP server and sends DISCOVERs from the moment it starts, to
see whether a client that boots with the server loses its first DISCOVER.

Usage: discover_at_start.py IFACE MAC PID_FILE MODE MS -- COMMAND...
  MODE once:  one DISCOVER MS milliseconds after COMMAND was started, then
              waits up to 2.5 s (below udhcpc's 3 s retry) for its OFFER;
  MODE every: a DISCOVER every MS milliseconds (new xid each) until one
              is answered, at most 10 s.
Prints one line: "sent_ms=S offer_ms=O" (O: first OFFER, ms after the start;
"none" if none came) and, for every, "discovers=N". The server's PID goes to
PID_FILE at once, so the caller can stop it whatever happens here.
Runs in the client's network namespace (IFACE needs an address so the
kernel will send); COMMAND typically enters the server's namespace itself
(ip netns exec). Plain sockets: no scapy, whose import alone takes a second."""

import os
import random
import select
import socket
import struct
import subprocess
import sys
import time

ONCE_WAIT_S = 2.5
EVERY_LIMIT_S = 10.0


def discover(mac, xid):
    chaddr = bytes.fromhex(mac.replace(":", "")) + bytes(10)
    header = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000,
                         bytes(4), bytes(4), bytes(4), bytes(4), chaddr, bytes(64), bytes(128))
    options = bytes([99, 130, 83, 99, 53, 1, 1, 55, 3, 1, 3, 6, 255])
    return header + options


def offer_xid(data):
    """The xid of an OFFER, None for anything else."""
    if len(data) < 244 or data[0] != 2 or data[236:240] != bytes([99, 130, 83, 99]):
        return None
    i = 240
    while i < len(data) and data[i] != 255:
        if data[i] == 0:
            i += 1
            continue
        if i + 1 >= len(data):
            return None
        code, length = data[i], data[i + 1]
        if code == 53 and length == 1 and i + 2 < len(data) and data[i + 2] == 2:
            return struct.unpack("!I", data[4:8])[0]
        i += 2 + length
    return None


def main():
    iface, mac, pid_file, mode, ms = sys.argv[1:6]
    if sys.argv[6] != "--":
        sys.exit(__doc__)
    command = sys.argv[7:]
    interval_s = float(ms) / 1000
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    sock.bind(("0.0.0.0", 68))
    xids = {}
    base = random.getrandbits(24) << 8
    # The server's output goes to our stderr: our stdout is the caller's
    # $(...), which would otherwise wait for the server to exit.
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sys.stderr)
    started = time.monotonic()
    with open(pid_file, "w") as f:
        f.write(f"{server.pid}\n")

    def send():
        xid = base + len(xids)
        xids[xid] = time.monotonic() - started
        sock.sendto(discover(mac, xid), ("255.255.255.255", 67))

    if mode == "once":
        time.sleep(max(0.0, interval_s - (time.monotonic() - started)))
        send()
        deadline = time.monotonic() + ONCE_WAIT_S
    else:
        send()
        deadline = started + EVERY_LIMIT_S
    next_send = time.monotonic() + interval_s
    offer_ms = None
    while offer_ms is None and time.monotonic() < deadline:
        wait = deadline - time.monotonic()
        if mode == "every":
            wait = min(wait, max(0.0, next_send - time.monotonic()))
        ready, _, _ = select.select([sock], [], [], wait)
        if ready:
            data = sock.recv(4096)
            if offer_xid(data) in xids:
                offer_ms = (time.monotonic() - started) * 1000
        if mode == "every" and offer_ms is None and time.monotonic() >= next_send:
            send()
            next_send += interval_s
    sent_ms = min(xids.values()) * 1000
    line = f"sent_ms={sent_ms:.1f} offer_ms=" + ("none" if offer_ms is None else f"{offer_ms:.1f}")
    if mode == "every":
        line += f" discovers={len(xids)}"
    print(line, flush=True)


if __name__ == "__main__":
    main()
