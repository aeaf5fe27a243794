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
from .servers import Server
from .site import server_config

ROUND_MIN_S = 0.25
SETTLE_ROUNDS = 4  # rounds after everyone works, to catch late duplicates


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


def _watch(office, devices, timeout_s, t0, server, result):
    """Power back: rounds of checks until every device works (and a few
    rounds more) or the time is up. The server's start is watched in the
    same rounds, so the first round is not delayed by it."""
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
            _round(office, devices, watches, arp, sip, now_s)
            if all(w.working() for w in watches.values()):
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
            probing=None):
    run_dir = os.path.join(tmp, f"{kind}-{scenario}")
    os.makedirs(run_dir)
    office = Office(run_dir, devices, site)
    server = Server(kind, office, build_dir, blackstart, run_dir)
    result = {"server": kind, "scenario": scenario, "devices": len(devices)}
    try:
        office.build()
        office.start_services()
        server.write_config(server_config(site, devices, kind, office.srv_if, server.state, run_dir,
                                          probing))
        server.start(shimmed=True)
        if not server.wait_listening():
            raise RuntimeError(f"{kind} did not start; see {run_dir}/server.0.log")
        log(f"{kind}/{scenario}: office of {len(devices)} devices up; the day begins")
        result["day"] = _day(office, server, devices, site, log)
        result["counters_day"] = server.counters()
        server.cut()
        office.power_off_devices()
        if scenario == "lost-db":
            server.restore_backup()
        log(f"{kind}/{scenario}: power cut" +
            (", lease store restored from the morning's backup" if scenario == "lost-db" else ""))
        # The outage (at least a second): the devices' clients are made ready
        # to start at the gate, which is power back.
        outage_until = time.monotonic() + 1
        gate = os.path.join(run_dir, "power-back")
        gate_fd = office.open_gate(gate)
        office.boot_devices(office.cold_devices(), gate=gate)
        time.sleep(max(0.3, outage_until - time.monotonic()))
        t0 = time.monotonic()
        server.start(shimmed=False)
        office.power_on_switches()
        office.release_gate(gate, gate_fd)
        watches = _watch(office, devices, timeout_s, t0, server, result)
        if "server_listening_s" not in result:
            raise RuntimeError(f"{kind} did not restart; see {run_dir}/server.1.log")
        for w in watches.values():
            w.naks = _count_naks(office, w.d, 0 if w.d.kind == "laptop" else 1)
        result["counters"] = server.counters()
        result["services_alive"] = office.services_alive()
        result["watches"] = list(watches.values())
        log(f"{kind}/{scenario}: {sum(w.working() for w in watches.values())}/{len(devices)} "
            f"working, {sum(w.dup_ever for w in watches.values())} with a duplicate address")
    finally:
        server.stop()
        office.cleanup()
    return result


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    if q == 50:
        return statistics.median(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]
