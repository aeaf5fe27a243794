# One drill run: a server, a scenario, the office around it. The day (two
# boot waves, "last night's backup" between them, renewals), the power cut
# (server SIGKILLed with unsynced writes dropped, every device cold-stopped),
# for lost-db the restore of the backup, then power back: the server and all
# devices start at once and each device is watched until it works.
import os
import statistics
import time

from . import probe, wiretap
from .office import Office, wait_until
from .servers import ROGUE_PROBE_INTERVAL_S, Server

# The rounds judge uniqueness (ARP) and read the devices' stamps; they set
# no device's time, so they can be slow and cheap.
ROUND_MIN_S = 0.5
SETTLE_ROUNDS = 4  # rounds after everyone works, to catch late duplicates
# Scenario disk-full: the lease disk is full when power comes back and is
# freed this long after (the 60 s, time compressed 3:1 like the day).
DISK_FULL_S = 20
# After the disk is freed, this long to recover before the run ends.
DISK_FULL_GRACE_S = 40
DISK_FREED = "the lease disk was freed"
STORM_LEASE_S = 600
# Scenario rogue: how long after power back the drill waits for blackstart
# to report the router. Its probe goes out every ROGUE_PROBE_INTERVAL_S, and
# the router (dnsmasq) works through its queue of device DISCOVERs before
# it answers the probe, so one interval is not enough on a loaded machine.
ROGUE_REPORT_WAIT_S = 3 * ROGUE_PROBE_INTERVAL_S


class DeviceWatch:
    """What the drill knows of one device after power back. Times are
    seconds after power back, taken on the device (its probe's stamps,
    drill/devprobe.c); the bridge's ARP scans judge uniqueness."""

    def __init__(self, d):
        self.d = d
        self.address = None
        self.t_addr = None     # the device put its final address on (>= 0)
        self.t_confirm = None  # first ARP scan that found that address its own alone
        self.t_mail = None     # the device first read the SMTP banner from that address
        self.t_sip = None      # first 200 OK to its REGISTER (phones), from that address
        self.confirmed = None  # the address the ARP scans confirmed
        self.dup_ever = False
        self.dup_final = False
        self.naks = 0
        self.wire = None       # the server's port's view (wiretap.DeviceWire), if it saw any

    def working(self):
        return (self.t_addr is not None and self.t_mail is not None and not self.dup_final and
                (self.d.kind != "phone" or self.t_sip is not None))


def _say(msg):
    print(f"drill: {msg}", flush=True)


def device_stamps(path, t0):
    """The device's current address from its probe's stamps, when it put
    that address on (absolute monotonic; an address kept through power back
    counts from t0) and when it first read the mail banner and had its
    REGISTER answered from that address after that: (address, t_bound,
    t_mail, t_sip), or Nones."""
    address, since, done = None, None, []
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        parts = line.split()
        if len(parts) != 3:
            continue  # a line being written
        word, t, where = parts[0], float(parts[1]), parts[2]
        if word == "bound" and where != address:
            address, since = where, t
        elif word == "down":  # a cold stop: the address is gone
            address, since = None, None
        elif word in ("mail", "sip"):
            done.append((word, t, where))
    if address is None:
        return None, None, None, None
    since = max(since, t0)

    def first(what):
        return min((t for w, t, a in done if w == what and a == address and t >= since),
                   default=None)
    return address, since, first("mail"), first("sip")


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
    # The devices' own probes tried the mail host when they bound.
    mail = [d for d in devices if addrs[d.n] and
            device_stamps(office.stamps_path(d), 0)[2] is not None]
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
    same rounds, so the first round is not delayed by it. The rounds only
    read the devices' stamps and scan the bridges by ARP; the times come
    from the devices, so the rounds need not be fast."""
    events = list(events)  # (seconds after power back, action, what to log)
    watches = {d.n: DeviceWatch(d) for d in devices}
    arp = {f: probe.ArpChecker(office.sw(f), f"02:dd:ff:ff:00:0{f}") for f in (1, 2)}
    settle = 0
    result["rounds"] = 0
    try:
        while True:
            started = time.monotonic()
            now_s = started - t0
            if "server_listening_s" not in result and server.bound_at is not None:
                result["server_listening_s"] = round(server.bound_at - t0, 3)
            # As systemd's Restart=on-failure would (the package's unit).
            if server.supervise():
                log(f"{server.kind} exited; restarted it (restart {server.restarts}, "
                    f"{now_s:.1f} s after power back)")
            for event in list(events):
                if now_s >= event[0]:
                    events.remove(event)
                    event[1]()
                    result.setdefault("events_s", {})[event[2]] = round(now_s, 2)
                    log(f"{event[2]} at {now_s:.1f} s")
            _round(office, devices, watches, arp, t0, now_s)
            result["rounds"] += 1
            if all(w.working() for w in watches.values()) and not events:
                settle += 1
                if settle > SETTLE_ROUNDS:
                    break
            if time.monotonic() - t0 > timeout_s:
                break
            time.sleep(max(0.0, ROUND_MIN_S - (time.monotonic() - started)))
    finally:
        for checker in arp.values():
            checker.close()
    result["round_s"] = round((time.monotonic() - t0) / max(1, result["rounds"]), 2)
    return watches


def _round(office, devices, watches, arp, t0, now_s):
    """One round: every device's stamps, then one ARP scan per floor of the
    addresses the devices hold. An address counts as the device's own once
    a scan after the device bound it was answered by its MAC only; any scan
    in which another MAC answers for it marks a duplicate."""
    stamps = {d.n: device_stamps(office.stamps_path(d), t0) for d in devices}
    for floor in (1, 2):
        on_floor = [d for d in devices if d.floor == floor and stamps[d.n][0]]
        answers = arp[floor].who_has([(stamps[d.n][0], d.mac) for d in on_floor])
        for d in on_floor:
            w, (a, t_bound, t_mail, t_sip) = watches[d.n], stamps[d.n]
            if a != w.address:
                w.dup_final = False  # a new address: judged afresh
            w.address = a
            if answers[a] - {d.mac}:
                w.dup_ever = w.dup_final = True
            elif d.mac in answers[a]:
                w.dup_final = False
                if w.confirmed != a:
                    w.confirmed, w.t_confirm = a, now_s
            mine = w.confirmed == a and not w.dup_final
            w.t_addr = t_bound - t0 if mine else None
            w.t_mail = t_mail - t0 if mine and t_mail is not None else None
            w.t_sip = t_sip - t0 if mine and t_sip is not None else None
    for d in devices:
        if not stamps[d.n][0]:
            w = watches[d.n]
            w.address, w.dup_final, w.t_addr, w.t_mail, w.t_sip = None, False, None, None, None


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
    tap = None
    try:
        started = time.monotonic()
        office.build()
        office.compile_probe()
        office.start_services()
        server.configure(site, devices, probing)
        if status:
            status.point_at(office.srv if kind == "blackstart" else None)
        result["office_build_s"] = round(time.monotonic() - started, 1)
        tap = wiretap.WireTap(office.srv, office.srv_if)
        if scenario == "storm":
            t0, events = _storm(office, server, run_dir, log, result)
            timeout_s = max(timeout_s, 90)
        else:
            t0, events = _day_and_cut(office, server, scenario, site, devices, run_dir, log,
                                      result)
            if scenario == "disk-full":
                timeout_s = max(timeout_s, DISK_FULL_S + DISK_FULL_GRACE_S)
        watches = _watch(office, devices, timeout_s, t0, server, result, events, log)
        wire = wiretap.summarize(tap.stop(), t0)
        tap = None
        for w in watches.values():
            w.wire = wire.get(w.d.mac)
        if "server_listening_s" not in result and server.bound_at is not None:
            result["server_listening_s"] = round(server.bound_at - t0, 3)
        if "server_listening_s" not in result:
            raise RuntimeError(f"{kind} did not restart; see {run_dir}/server.1.log")
        result["server_serving_s"] = server.serving_after_s(t0)
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
        if tap:
            tap.stop()
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
    if len(devices) < len(office.devices):  # laptops ran on through the cut
        office.start_laptop_mail(gate)
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
        events.append((DISK_FULL_S, server.free_disk, DISK_FREED))
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
