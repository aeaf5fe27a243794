# The office's DHCP configuration for the servers that do not read Kea's
# file: dnsmasq and ISC dhcpd, as far as their configuration languages
# express it. Both get the same two floors, pools, phone class with option
# 66, printers' reservations and lease time as blackstart and Kea (site.py's
# server_config); what they cannot express is said here and in
# docs/DRILL.md: neither has a priority band for the public counters, and
# dnsmasq leases last at least two minutes (its floor), so its devices do
# not renew during the drill's compressed day.
from .site import (FLOOR_NET, PC_POOL, PHONE_POOL, ROUTER, SIP_IP, floor_ip)

DNSMASQ_MIN_LEASE_S = 120


def dnsmasq_args(site, devices, iface, state_dir):
    """dnsmasq's command line (no file: every setting is an option)."""
    lease_s = max(DNSMASQ_MIN_LEASE_S, site["lease_s"])
    args = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--user=root",
            f"--interface={iface}", "--bind-interfaces",
            # The office's only server: answer INIT-REBOOT requests it has
            # no lease for (as its manual advises for a sole server).
            "--dhcp-authoritative",
            f"--dhcp-leasefile={state_dir}/dnsmasq.leases",
            f"--dhcp-vendorclass=set:phones,{site['phone_vendor_class'][:7]}",
            f"--dhcp-vendorclass=set:counters,{site['counter_vendor_class'][:7]}",
            "--dhcp-option=15,office.example",
            f"--dhcp-option=tag:phones,66,{SIP_IP}"]
    for floor in (1, 2):
        mask = str(FLOOR_NET[floor].netmask)
        args += [f"--dhcp-range=tag:phones,set:f{floor},{floor_ip(floor, PHONE_POOL[0])},"
                 f"{floor_ip(floor, PHONE_POOL[1])},{mask},{lease_s}s",
                 f"--dhcp-range=tag:!phones,set:f{floor},{floor_ip(floor, PC_POOL[0])},"
                 f"{floor_ip(floor, PC_POOL[1])},{mask},{lease_s}s",
                 f"--dhcp-option=tag:f{floor},3,{ROUTER[floor]}"]
    for d in devices:
        if d.reserved_ip:
            args.append(f"--dhcp-host={d.mac},{d.reserved_ip},printer-{d.n}")
    return args


def dhcpd_conf(site, devices):
    """ISC dhcpd's file: authoritative (the sole server), with its default
    ping check before each new address."""
    lease_s = site["lease_s"]
    phones, counters = site["phone_vendor_class"][:7], site["counter_vendor_class"][:7]
    out = [
        "# The drill's office for ISC dhcpd (drill/drilllib/otherservers.py).",
        "authoritative;",
        f"default-lease-time {lease_s};", f"max-lease-time {lease_s};",
        f"min-lease-time {lease_s};",
        'option domain-name "office.example";',
        "ddns-update-style none;",
        f'class "phones" {{ match if substring(option vendor-class-identifier, 0, 7) = "{phones}"; '
        f'option tftp-server-name "{SIP_IP}"; }}',
        f'class "counters" {{ match if substring(option vendor-class-identifier, 0, 7) = '
        f'"{counters}"; }}',
    ]
    for floor in (1, 2):
        net = FLOOR_NET[floor]
        out += [
            f"subnet {net.network_address} netmask {net.netmask} {{",
            f"  option routers {ROUTER[floor]};",
            f'  pool {{ allow members of "phones"; range {floor_ip(floor, PHONE_POOL[0])} '
            f"{floor_ip(floor, PHONE_POOL[1])}; }}",
            f'  pool {{ deny members of "phones"; range {floor_ip(floor, PC_POOL[0])} '
            f"{floor_ip(floor, PC_POOL[1])}; }}",
            "}",
        ]
    for d in devices:
        if d.reserved_ip:
            out.append(f"host printer-{d.n} {{ hardware ethernet {d.mac}; "
                       f"fixed-address {d.reserved_ip}; }}")
    return "\n".join(out) + "\n"
