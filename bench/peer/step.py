"""One rate step, the same for every server and both generators: a fresh
server, one generator run, the server's and the namespaces' counters read
around it, then the server stopped."""

import os
import subprocess
import tempfile
import time

from . import probes, servers
from .env import run, tail

MAX_DROP_PCT = 0.1          # a step passes with fewer drops than this
GENERATOR_SHORTFALL = 0.97  # the generator sent less than this share of the target: its limit


def raw_name(generator, server, rate):
    prefix = {"perfdhcp": "", "perfdhcp-2": "perfdhcp2-"}.get(generator.name, "bsload-")
    return f"{prefix}{server.name}-r{rate}.log"


def blackstart_latency(bench):
    """blackstart's own REQUEST→ACK figures for the step (issue 16's
    stall figure): the largest delay and the share of ACKs over 50 ms, from
    /metrics (the server was started for this step, so they are its)."""
    out = subprocess.run(["ip", "netns", "exec", bench.srv_ns, "curl", "-s", "--max-time", "5",
                          "http://127.0.0.1:8004/metrics"], capture_output=True,
                         text=True).stdout
    figures, over, total = {}, None, None
    for line in out.splitlines():
        if line.startswith("blackstart_request_to_ack_max_seconds "):
            figures["server_ra_max_ms"] = 1000.0 * float(line.split()[1])
        elif line.startswith('blackstart_request_to_ack_seconds_bucket{le="0.05"}'):
            over = float(line.split()[1])
        elif line.startswith("blackstart_request_to_ack_seconds_count "):
            total = float(line.split()[1])
    if over is not None and total:
        figures["server_ra_over_50ms_pct"] = 100.0 * (total - over) / total
    return figures


def run_step(bench, server, rate, args, raw_dir, generator):
    # The previous step's unsynced writes (Kea's and dnsmasq's lease files)
    # must not be flushed during this one, stalling this server's fsyncs.
    run(["sync"])
    state = tempfile.mkdtemp(prefix=f"{server.name}-{rate}.", dir=bench.tmp)
    raw = os.path.join(raw_dir, raw_name(generator, server, rate))
    step = {"server": server.name, "generator": generator.name, "target_rate": rate,
            "period_s": args.period}
    proc, cmd, server_log, error = servers.start(bench, server, state, raw)
    if error:
        step["error"] = error
        return step

    gen_out = os.path.join(bench.tmp, "generator.out")
    gen_cmd = generator.command(bench, rate, args)
    udp_srv0, udp_cli0, backlog0 = probes.udp_counters(bench.srv_ns), \
        probes.udp_counters(bench.cli_ns), probes.softnet_dropped()
    wait0 = probes.proc_runqueue_wait_s(proc.pid)
    cpu0 = probes.proc_cpu_s(proc.pid)
    t0 = time.monotonic()
    with open(gen_out, "wb") as out:
        gen = subprocess.Popen(["ip", "netns", "exec", bench.cli_ns] + gen_cmd, stdout=out,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    bench.children[gen.pid] = gen
    # `ip netns exec` execs the generator in place, so wait4 gives its rusage.
    limit = time.monotonic() + generator.time_limit_s(args)
    while True:
        wpid, status, usage = os.wait4(gen.pid, os.WNOHANG)
        if wpid == gen.pid:
            break
        if time.monotonic() > limit:
            gen.kill()
            wpid, status, usage = os.wait4(gen.pid, 0)
            step["error"] = f"{generator.name} did not finish in time"
            break
        time.sleep(0.05)
    gen.returncode = os.waitstatus_to_exitcode(status)
    bench.children.pop(gen.pid, None)
    wall = time.monotonic() - t0
    server_alive = proc.poll() is None
    cpu1 = probes.proc_cpu_s(proc.pid) if server_alive else cpu0
    wait1 = probes.proc_runqueue_wait_s(proc.pid) if server_alive else wait0
    udp_srv1, udp_cli1, backlog1 = probes.udp_counters(bench.srv_ns), \
        probes.udp_counters(bench.cli_ns), probes.softnet_dropped()
    hwm = probes.proc_hwm_kb(proc.pid) if server_alive else 0
    server_figures = blackstart_latency(bench) if server_alive and \
        server.name.startswith("blackstart") else {}
    rc = bench.stop(proc)
    server.stop_partner(bench)

    with open(raw, "w") as f:
        f.write(f"$ {' '.join(gen_cmd)}\n")
    figures = generator.parse(gen_out, raw, args)
    os.remove(gen_out)
    srv_drops = udp_srv1.get("RcvbufErrors", 0) - udp_srv0.get("RcvbufErrors", 0)
    gen_drops = udp_cli1.get("RcvbufErrors", 0) - udp_cli0.get("RcvbufErrors", 0)
    with open(raw, "a") as f:
        f.write(f"\n{generator.name} exit status {gen.returncode}, CPU user "
                f"{usage.ru_utime:.2f} s sys {usage.ru_stime:.2f} s, wall {wall:.2f} s\n")
        f.write(f"server CPU {cpu1 - cpu0:.2f} s, waiting for a CPU {wait1 - wait0:.2f} s; "
                f"UDP receive-buffer drops: server namespace {srv_drops}, generator namespace "
                f"{gen_drops}; input backlog drops (whole machine) {backlog1 - backlog0}\n")
        f.write(f"\n$ {' '.join(cmd)}   (exit status {rc})\n{tail(server_log, 20)}")

    disc, acks = figures["discover_sent"], figures["ack_received"]
    server_cpu = cpu1 - cpu0
    gen_cpu = usage.ru_utime + usage.ru_stime
    step.update(figures)
    step.update(server_figures)
    step.update({
        "server_cpu_s": server_cpu,
        "server_cpu_pct": 100.0 * server_cpu / wall if wall else None,
        "cpu_s_per_1000": 1000.0 * server_cpu / acks if acks else None,
        "server_hwm_kb": hwm, "server_exit": rc, "server_alive_at_end": server_alive,
        "generator_cpu_s": gen_cpu,
        "generator_cpu_pct": 100.0 * gen_cpu / wall if wall else None,
        "generator_exit": gen.returncode, "wall_s": wall,
        "server_runqueue_wait_pct": 100.0 * (wait1 - wait0) / wall if wall else None,
        "server_rcvbuf_drops": srv_drops, "generator_rcvbuf_drops": gen_drops,
        "backlog_drops": backlog1 - backlog0,
    })
    step["generator_limited"] = step["offered_rate"] < GENERATOR_SHORTFALL * rate
    if not server_alive:
        step["error"] = f"server exited during the run (status {rc})"
    elif not disc:
        step.setdefault("error", f"{generator.name} sent nothing (see raw log)")
    step["passed"] = ("error" not in step and step["drop_pct"] < MAX_DROP_PCT
                      and not step["generator_limited"])
    return step
