"""What the benchmark reads about a process or a namespace, from /proc."""

import math
import os

from .env import run

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid):
    """utime+stime of the process (all its threads) and of its reaped children."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14..17.
    return sum(int(x) for x in fields[11:15]) / CLK_TCK


def proc_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def proc_runqueue_wait_s(pid):
    """Time the process's threads spent runnable but waiting for a CPU
    (schedstat field 2), summed over threads: shows when other load on the
    machine, not the server itself, was the limit."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[1])
    except OSError:
        pass
    return total / 1e9


def udp_counters(ns):
    """The namespace's UDP counters from /proc/net/snmp (per network namespace):
    RcvbufErrors counts datagrams dropped because a socket's receive buffer
    was full, i.e. its reader did not keep up."""
    out = run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"], check=False).stdout
    rows = [line.split()[1:] for line in out.splitlines() if line.startswith("Udp:")]
    if len(rows) < 2:
        return {}
    return {k: int(v) for k, v in zip(rows[0], rows[1])}


def softnet_dropped():
    """Packets dropped because a CPU's input backlog was full (all namespaces)."""
    total = 0
    with open("/proc/net/softnet_stat") as f:
        for line in f:
            total += int(line.split()[1], 16)
    return total


def udp67_owned_by(bench, pid):
    out = run(["ip", "netns", "exec", bench.srv_ns, "ss", "-Hlunp", "sport = :67"],
              check=False).stdout
    return f"pid={pid}," in out


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)
