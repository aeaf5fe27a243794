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
