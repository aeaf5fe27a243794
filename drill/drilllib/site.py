# The site a drill replays: how many devices of which kind, the lease time,
# the addresses of the office's fixed hosts, and the DHCP server's
# configuration (Kea syntax, the same for every server but for the lease
# database and the control socket). A site file (JSON, see
# drill/site.example.json and docs/DRILL.md) overrides the defaults.
import ipaddress
import json
from dataclasses import dataclass

# Device kinds: the DHCP client each runs and the report class it is counted in.
KINDS = {
    "pc-dhclient": ("dhclient", "pc"),
    "pc-udhcpc": ("udhcpc", "pc"),
    "pc-dhcpcd": ("dhcpcd", "pc"),
    # On battery: stays on through the cut with its address and its running
    # client (dhclient), as laptops do; the switch port still goes dark.
    "laptop": ("dhclient", "laptop"),
    "phone": ("udhcpc", "phone"),
    "printer": ("udhcpc", "printer"),
    "counter": ("udhcpc", "counter"),
}
CLASSES = ["pc", "laptop", "phone", "printer", "counter"]

DEFAULT_SITE = {
    "devices": 200,
    # Scenario `storm` (no cut, every device boots at once) uses its own count.
    "storm_devices": 1000,
    # Shares of the device count; rounded so that every kind with a share
    # gets at least one device when there are enough devices.
    "mix": {"pc-dhclient": 0.25, "pc-udhcpc": 0.15, "pc-dhcpcd": 0.15, "laptop": 0.15,
            "phone": 0.15, "printer": 0.05, "counter": 0.10},
    "lease_s": 30,
    # The vendor class (option 60) phones and counters send; the classes
    # in the server's file test its first 7 characters.
    "phone_vendor_class": "Yealink SIP-T46U",
    "counter_vendor_class": "Counter-Kiosk",
    "counter_priority": 5,
}

# Fixed addresses. Each floor is a /21 (room for the storm's 1,000
# devices): floor 1 is the server's own link, floor 2 is behind the router's
# DHCP relay. Offsets from the floor's network address: the router .1, on
# floor 1 the server .2, the registrar .5 and the mail host .25; printers'
# reservations from .30; the phones' pool and the PCs' pool after them.
FLOOR_NET = {1: ipaddress.ip_network("198.18.16.0/21"), 2: ipaddress.ip_network("198.18.24.0/21")}
PREFIX_LEN = 21


def floor_ip(floor, offset):
    return str(FLOOR_NET[floor].network_address + offset)


ROUTER = {1: floor_ip(1, 1), 2: floor_ip(2, 1)}
SERVER_IP = floor_ip(1, 2)
SIP_IP = floor_ip(1, 5)
MAIL_IP = floor_ip(1, 25)
PRINTER_FIRST = 30   # printers' reservations: offsets 30..99 (clear of the mail host's .25)
PHONE_POOL = (100, 511)
PC_POOL = (512, 2046)
# The consumer router of scenario `rogue`: its own network, as home routers
# have, plugged into floor 1 (the server's link, where blackstart listens).
ROGUE_NET = "198.19.1"


@dataclass
class Device:
    n: int            # 1-based; names the namespace and interface
    kind: str
    floor: int
    mac: str
    reserved_ip: str = ""

    @property
    def client(self):
        return KINDS[self.kind][0]

    @property
    def klass(self):
        return KINDS[self.kind][1]


def load_site(path):
    site = json.loads(json.dumps(DEFAULT_SITE))
    if path:
        with open(path) as f:
            given = json.load(f)
        unknown = set(given) - set(DEFAULT_SITE) - {"comment"}
        if unknown:
            raise SystemExit(f"drill: unknown keys in {path}: {', '.join(sorted(unknown))}")
        for kind in given.get("mix", {}):
            if kind not in KINDS:
                raise SystemExit(f"drill: unknown device kind {kind!r} in {path}")
        site.update(given)
    return site


def kind_counts(total, mix):
    """Largest-remainder rounding, at least one per kind with a share."""
    shares = {k: v for k, v in mix.items() if v > 0}
    weight = sum(shares.values())
    exact = {k: total * v / weight for k, v in shares.items()}
    counts = {k: int(x) for k, x in exact.items()}
    if total >= len(shares):
        for k in counts:
            counts[k] = max(counts[k], 1)
    while sum(counts.values()) > total:
        k = max(counts, key=lambda k: (counts[k] - exact[k], counts[k]))
        counts[k] -= 1
    while sum(counts.values()) < total:
        k = max(counts, key=lambda k: exact[k] - counts[k])
        counts[k] += 1
    return counts


def make_devices(site, total=None):
    counts = kind_counts(total or site["devices"], site["mix"])
    kinds = []
    # Interleave kinds so that both floors and both boot waves get a mix.
    pending = dict(counts)
    while any(pending.values()):
        for k in counts:
            if pending[k] > 0:
                kinds.append(k)
                pending[k] -= 1
    devices, printers = [], {1: 0, 2: 0}
    for i, kind in enumerate(kinds):
        n = i + 1
        floor = 1 if n % 2 else 2
        dev = Device(n=n, kind=kind, floor=floor, mac=f"02:dd:{n >> 8:02x}:{n & 255:02x}:00:01")
        if kind == "printer":
            dev.reserved_ip = floor_ip(floor, PRINTER_FIRST + printers[floor])
            printers[floor] += 1
        devices.append(dev)
    pool_size = PC_POOL[1] - PC_POOL[0] + 1
    for floor in (1, 2):
        on_floor = sum(1 for d in devices if d.floor == floor)
        if on_floor > pool_size:
            raise SystemExit(f"drill: {on_floor} devices on floor {floor}, pool holds {pool_size}")
    return devices


def server_config(site, devices, server, iface, state_dir, run_dir, probing=None):
    lease_s = site["lease_s"]
    classes = [
        {"name": "phones",
         "test": f"substring(option[60].hex, 0, 7) == '{site['phone_vendor_class'][:7]}'",
         "option-data": [{"name": "tftp-server-name", "data": SIP_IP}]},
        # Kea hands out any unguarded pool to a phone too, so the PCs' pool
        # is guarded against phones: phones only ever get the phones' pool.
        {"name": "not-phones", "test": "not member('phones')"},
        {"name": "counters",
         "test": f"substring(option[60].hex, 0, 7) == '{site['counter_vendor_class'][:7]}'",
         "user-context": {"blackstart-priority": site["counter_priority"]}},
    ]
    subnets = []
    for floor in (1, 2):
        subnets.append({
            "id": 10 + floor, "subnet": str(FLOOR_NET[floor]),
            "pools": [{"pool": f"{floor_ip(floor, PHONE_POOL[0])} - {floor_ip(floor, PHONE_POOL[1])}",
                       "client-class": "phones"},
                      {"pool": f"{floor_ip(floor, PC_POOL[0])} - {floor_ip(floor, PC_POOL[1])}",
                       "client-class": "not-phones"}],
            "option-data": [{"name": "routers", "data": ROUTER[floor]},
                            {"name": "domain-name", "data": "office.example"}],
            "reservations": [{"hw-address": d.mac, "ip-address": d.reserved_ip,
                              "hostname": f"printer-{d.n}"}
                             for d in devices if d.floor == floor and d.reserved_ip],
        })
    dhcp4 = {
        "interfaces-config": {"interfaces": [iface]},
        "valid-lifetime": lease_s,
        "renew-timer": max(1, lease_s // 3),
        "rebind-timer": max(2, lease_s * 2 // 3),
        "client-classes": classes,
        "subnet4": subnets,
    }
    if server == "kea":
        dhcp4["lease-database"] = {"type": "memfile", "persist": True,
                                   "name": f"{state_dir}/kea-leases4.csv", "lfc-interval": 0}
        dhcp4["control-socket"] = {"socket-type": "unix", "socket-name": f"{run_dir}/kea4.sock"}
        dhcp4["loggers"] = [{"name": "kea-dhcp4", "severity": "INFO",
                             "output_options": [{"output": f"{run_dir}/kea-dhcp4.log"}]}]
    else:
        dhcp4["lease-database"] = {"type": "sqlite", "name": f"{state_dir}/leases.sqlite3"}
        if probing:
            dhcp4["conflict-probing"] = {"mode": probing}
    return {"Dhcp4": dhcp4}
