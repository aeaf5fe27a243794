# Network namespaces for the drill: creating and deleting them with iproute2,
# and entering one from this very thread (setns) so that sockets made inside
# belong to it. The measurements use that to open hundreds of sockets in the
# devices' namespaces without starting a process per device; a socket keeps
# its namespace after the thread returns to the root one.
import contextlib
import ctypes
import fcntl
import os
import socket
import struct
import subprocess

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_ROOT_FD = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
_ns_fds = {}


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


@contextlib.contextmanager
def inside(name):
    """Runs the body in namespace NAME (this thread only), then returns."""
    fd = _ns_fds.get(name)
    if fd is None:
        fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
        _ns_fds[name] = fd
    _setns(fd)
    try:
        yield
    finally:
        _setns(_ROOT_FD)


def forget(name):
    fd = _ns_fds.pop(name, None)
    if fd is not None:
        os.close(fd)


def ip(*args, ns=None, check=True):
    """Runs `ip [-n NS] ARGS...`; raises on failure unless check is False."""
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()}")
    return done


def run_in(ns, *args, check=True):
    cmd = ["ip", "netns", "exec", ns] + list(args)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()}")
    return done


def pids_in(ns):
    done = ip("netns", "pids", ns, check=False)
    return [int(p) for p in done.stdout.split() if p.isdigit()]


SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def set_up(name, ifname):
    """`ip link set IFNAME up` in namespace NAME without a process (ioctl)."""
    with inside(name):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        req = struct.pack("16sH", ifname.encode()[:15], 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, req)[:18])[1]
        fcntl.ioctl(sock.fileno(), SIOCSIFFLAGS, struct.pack("16sH", ifname.encode()[:15],
                                                             flags | IFF_UP))
    finally:
        sock.close()


def pids_by_ns(names):
    """{namespace: [pid, ...]} for every process in one of NAMES, from one
    pass over /proc (`ip netns pids` is a process per namespace)."""
    inodes = {}
    for name in names:
        try:
            inodes[os.stat(f"/run/netns/{name}").st_ino] = name
        except OSError:
            pass
    found = {name: [] for name in names}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ino = os.stat(f"/proc/{entry}/ns/net").st_ino
        except OSError:
            continue
        if ino in inodes:
            found[inodes[ino]].append(int(entry))
    return found


# One kernel plays every host of the office, and Linux keeps one neighbour
# (ARP) table for all network namespaces: past gc_thresh3 (1,024 by
# default) it refuses new entries and drops the packets waiting for them,
# which no office of separate machines suffers. At 1,000 devices (each
# device's own entries, and one per device on the mail host, the server,
# the router and the bridges' neighbours) the 2026-12-04 storm hit it
# about 66,000 times, and mail stalled for 20 s with either server. The
# drill raises the limits for its run and puts the old values back.
_NEIGH = "/proc/sys/net/ipv4/neigh/default/gc_thresh{}"
NEIGH_ENTRIES_PER_DEVICE = 8


def _read_int(path):
    with open(path) as f:
        return int(f.read().split()[0])


def _write_int(path, value):
    with open(path, "w") as f:
        f.write(f"{value}\n")


@contextlib.contextmanager
def neighbour_room(devices):
    """gc_thresh2/3 raised to fit `devices` devices, restored afterwards."""
    want3 = 1024 + NEIGH_ENTRIES_PER_DEVICE * devices
    saved = {}
    try:
        for n, value in ((3, want3), (2, want3 // 2)):
            current = _read_int(_NEIGH.format(n))
            if current < value:
                saved[n] = current
        # 3 before 2 going up (the kernel keeps 2 <= 3 only by convention).
        for n in sorted(saved, reverse=True):
            _write_int(_NEIGH.format(n), want3 if n == 3 else want3 // 2)
        yield saved
    finally:
        for n in sorted(saved):
            _write_int(_NEIGH.format(n), saved[n])


def neighbour_table_fulls():
    """Times the kernel's ARP table refused an entry since boot (all CPUs)."""
    try:
        with open("/proc/net/stat/arp_cache") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    column = lines[0].split().index("table_fulls")
    return sum(int(line.split()[column], 16) for line in lines[1:])
