# One drill run: a server, a scenario, the office around it. The day (two
# boot waves, "last night's backup" between them, renewals), the power cut
# (server SIGKILLed with unsynced writes dropped, every device cold-stopped),
# for lost-db the restore of the backup, then power back: the server and all
# devices start at once and each device is watched until it works.
import os
import statistics
import time

from . import probe
from .office import Office, wait_until
from .servers import ROGUE_PROBE_INTERVAL_S, Server

ROUND_MIN_S = 0.25
SETTLE_ROUNDS = 4  # rounds after everyone works, to catch late duplicates
# Scenario disk-full: the lease disk is full when power comes back and is
# freed this long after (the 60 s, time compressed 3:1 like the day).
DISK_FULL_S = 20
# After the disk is freed, this long to recover before the run ends.
DISK_FULL_GRACE_S = 40
STORM_LEASE_S = 600
# Scenario rogue: how long after power back the drill waits for blackstart
# to report the router. Its probe goes out every ROGUE_PROBE_INTERVAL_S, and
# the router (dnsmasq) works through its queue of device DISCOVERs before
# it answers the probe, so one interval is not enough on a loaded machine.
ROGUE_REPORT_WAIT_S = 3 * ROGUE_PROBE_INTERVAL_S


class DeviceWatch:
    def __init__(self, d):
        self.d = d
        self.address = None
        self.t_addr = None    # first time its address was its own alone
        self.t_mail = None    # first SMTP banner (after t_addr)
        self.t_sip = None     # first 200 OK to REGISTER (phones)
        self.dup_ever = False
        self.dup_final = False
        self.naks = 0

    def working(self):
        return (self.t_addr is not None and self.t_mail is not None and not self.dup_final and
                (self.d.kind != "phone" or self.t_sip is not None))


def _say(msg):
    print(f"drill: {msg}", flush=True)


def _addresses(office, devices):
    return {d.n: probe.device_address(office.dev_ns(d), office.dev_if(d)) for d in devices}


def _day(office, server, devices, site, log):
    """Morning: half the office boots, the backup is taken, the other half
    boots, and the leases renew at least once."""
    wave_a, wave_b = devices[: len(devices) // 2], devices[len(devices) // 2:]
    office.boot_devices(wave_a)
    ok_a = wait_until(lambda: all(_addresses(office, wave_a).values()), 60, 0.5)
    server.take_backup()
    office.boot_devices(wave_b)
    ok_b = wait_until(lambda: all(_addresses(office, wave_b).values()), 60, 0.5)
    # Past the renew timer (a third of the lease) so every client renewed.
    time.sleep(site["lease_s"] // 2 + 2)
    addrs = _addresses(office, devices)
    mail = probe.smtp_banners([office.dev_ns(d) for d in devices if addrs[d.n]], 2.0)
    renewals = 0
    for d in devices:
        path = office.events_path(d, 0)
        if os.path.exists(path):
            with open(path) as f:
                renewals += sum(1 for line in f if " event=renew " in line)
    day = {"bound": sum(1 for a in addrs.values() if a), "mail": len(mail),
           "renewals": renewals, "waves_ok": ok_a and ok_b}
    log(f"day: {day['bound']}/{len(devices)} bound, {day['mail']} reach mail, "
        f"{renewals} renewals seen by the clients' scripts")
    return day


def _count_naks(office, d, boot):
    """NAKs a client saw: dhclient logs them (its script is not called for
    a NAK), udhcpc and dhcpcd call their script with "nak"."""
    if d.client == "dhclient":
        log = office.log_path(d, boot)
        if not os.path.exists(log):
            return 0
        with open(log, errors="replace") as f:
            return sum(1 for line in f if line.startswith("DHCPNAK"))
    events = office.events_path(d, boot)
    if not os.path.exists(events):
        return 0
    with open(events) as f:
        return sum(1 for line in f if " event=nak " in line)


def _watch(office, devices, timeout_s, t0, server, result, events=(), log=_say):
    """Power back: rounds of checks until every device works (and a few
    rounds more) or the time is up. The server's start is watched in the
    same rounds, so the first round is not delayed by it."""
    events = list(events)  # (seconds after power back, action, what to log)
    watches = {d.n: DeviceWatch(d) for d in devices}
    arp = {f: probe.ArpChecker(office.sw(f), f"02:dd:ff:ff:00:0{f}") for f in (1, 2)}
    sip = probe.SipRegistrations(office.tmp)
    settle = 0
    try:
        while True:
            started = time.monotonic()
            now_s = started - t0
            if "server_listening_s" not in result and server.listening():
                result["server_listening_s"] = round(now_s, 2)
            # As systemd's Restart=on-failure would (the package's unit).
            if server.supervise():
                log(f"{server.kind} exited; restarted it (restart {server.restarts}, "
                    f"{now_s:.1f} s after power back)")
            for event in list(events):
                if now_s >= event[0]:
                    events.remove(event)
                    event[1]()
                    log(f"{event[2]} at {now_s:.1f} s")
            _round(office, devices, watches, arp, sip, now_s)
            if all(w.working() for w in watches.values()) and not events:
                settle += 1
                if settle > SETTLE_ROUNDS:
                    break
            if time.monotonic() - t0 > timeout_s:
                break
            time.sleep(max(0.0, ROUND_MIN_S - (time.monotonic() - started)))
    finally:
        sip.stop()
        for checker in arp.values():
            checker.close()
    return watches


def _round(office, devices, watches, arp, sip, now_s):
    addrs = _addresses(office, devices)
    for floor in (1, 2):
        on_floor = [d for d in devices if d.floor == floor and addrs[d.n]]
        held = {}
        for d in on_floor:
            held.setdefault(addrs[d.n], []).append(d.n)
        answers = arp[floor].who_has(sorted(held))
        for d in on_floor:
            w, a = watches[d.n], addrs[d.n]
            shared = len(held[a]) > 1 or len(answers[a] - {d.mac}) > 0
            w.address = a
            w.dup_final = shared
            if shared:
                w.dup_ever = True
            elif answers[a] == {d.mac} and w.t_addr is None:
                w.t_addr = now_s
    for d in devices:
        if not addrs[d.n]:
            watches[d.n].address = None
            watches[d.n].dup_final = False
    unique = [d for d in devices if watches[d.n].t_addr is not None and not watches[d.n].dup_final
              and addrs[d.n]]
    need_mail = [office.dev_ns(d) for d in unique if watches[d.n].t_mail is None]
    if need_mail:
        got = probe.smtp_banners(need_mail)
        for d in unique:
            if office.dev_ns(d) in got:
                watches[d.n].t_mail = now_s
    for ns, ok in sip.finished().items():
        n = int(ns.rsplit("d", 1)[1])
        if ok and watches[n].t_sip is None:
            watches[n].t_sip = now_s
    for d in unique:
        if d.kind == "phone" and watches[d.n].t_sip is None:
            sip.start(office.dev_ns(d), f"phone{d.n}", addrs[d.n])


def run_one(kind, scenario, site, devices, tmp, build_dir, blackstart, timeout_s, log=_say,
            probing=None, status=None):
    if scenario == "storm":
        # No day to compress: leases as long as the storm's watch and more,
        # so that renewals (an artifact of the compressed day) do not add
        # to the storm.
        site = dict(site, lease_s=max(site["lease_s"], STORM_LEASE_S))
    run_dir = os.path.join(tmp, f"{kind}-{scenario}")
    os.makedirs(run_dir)
    office = Office(run_dir, devices, site)
    server = Server(kind, office, build_dir, blackstart, run_dir)
    result = {"server": kind, "scenario": scenario, "devices": len(devices)}
    try:
        started = time.monotonic()
        office.build()
        office.start_services()
        server.configure(site, devices, probing)
        if status:
            status.point_at(office.srv if kind == "blackstart" else None)
        result["office_build_s"] = round(time.monotonic() - started, 1)
        if scenario == "storm":
            t0, events = _storm(office, server, run_dir, log, result)
            timeout_s = max(timeout_s, 90)
        else:
            t0, events = _day_and_cut(office, server, scenario, site, devices, run_dir, log,
                                      result)
            if scenario == "disk-full":
                timeout_s = max(timeout_s, DISK_FULL_S + DISK_FULL_GRACE_S)
        watches = _watch(office, devices, timeout_s, t0, server, result, events, log)
        if "server_listening_s" not in result:
            raise RuntimeError(f"{kind} did not restart; see {run_dir}/server.1.log")
        boot = 0 if scenario == "storm" else 1
        for w in watches.values():
            w.naks = _count_naks(office, w.d, 0 if w.d.kind == "laptop" else boot)
        if scenario == "rogue" and kind == "blackstart":
            result["rogue_seen_s"] = _wait_for_rogue_report(server, t0)
        result["counters"] = server.counters()
        result["restarts"] = server.restarts
        result["services_alive"] = office.services_alive()
        result["watches"] = list(watches.values())
        log(f"{kind}/{scenario}: {sum(w.working() for w in watches.values())}/{len(devices)} "
            f"working, {sum(w.dup_ever for w in watches.values())} with a duplicate address")
    finally:
        if status:
            status.point_at(None)
        server.stop()
        office.cleanup()
        server.cleanup()
    return result


def _wait_for_rogue_report(server, t0):
    """Seconds after power back at which the server's metrics first counted
    a foreign DHCP server, or None if they had not within the bound. The
    devices are often all working before the first probe has been
    answered, so the counters are read again until then."""
    deadline = t0 + ROGUE_REPORT_WAIT_S
    while True:
        seen = server.counters().get("rogue_servers") or 0
        if seen > 0:
            return round(time.monotonic() - t0, 1)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.5)


def _power_back(office, server, devices, run_dir):
    """Every device given starts at the same instant as the server: their
    clients are started behind a gate during the outage (at least a
    second), and the gate opens at power back. Returns power back's time."""
    outage_until = time.monotonic() + 1
    gate = os.path.join(run_dir, "power-back")
    gate_fd = office.open_gate(gate)
    office.boot_devices(devices, gate=gate)
    time.sleep(max(0.3, outage_until - time.monotonic()))
    t0 = time.monotonic()
    server.start(shimmed=False)
    office.power_on_switches()
    office.release_gate(gate, gate_fd)
    return t0


def _storm(office, server, run_dir, log, result):
    """No cut: a fresh server with an empty lease store, and every device
    of the office booting at once."""
    log(f"{server.kind}/storm: office of {len(office.devices)} devices up; all boot at once")
    result["day"] = None
    return _power_back(office, server, office.devices, run_dir), []


def _day_and_cut(office, server, scenario, site, devices, run_dir, log, result):
    server.start(shimmed=True)
    if not server.wait_listening():
        raise RuntimeError(f"{server.kind} did not start; see {run_dir}/server.0.log")
    log(f"{server.kind}/{scenario}: office of {len(devices)} devices up "
        f"(built in {result['office_build_s']} s); the day begins")
    result["day"] = _day(office, server, devices, site, log)
    result["counters_day"] = server.counters()
    server.cut()
    office.power_off_devices()
    what = ""
    if scenario == "lost-db":
        server.restore_backup()
        what = ", lease store restored from the morning's backup"
    events = []
    if scenario == "disk-full":
        server.fill_disk()
        events.append((DISK_FULL_S, server.free_disk, "the lease disk was freed"))
        what = f", the lease disk is full until {DISK_FULL_S} s after power back"
    if scenario == "rogue":
        # Plugged in during the outage; a home router's DHCP server is up
        # before the office's devices have booted.
        office.start_rogue()
        what += ", a consumer router plugged into floor 1"
    log(f"{server.kind}/{scenario}: power cut{what}")
    return _power_back(office, server, office.cold_devices(), run_dir), events


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    if q == 50:
        return statistics.median(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]
