#!/usr/bin/python3
"""The scripted DHCP client of the differential test against Kea.

Runs inside the client namespace, plays a fixed list of exchanges (cases)
against whichever server listens on the other end of the link, and writes
every reply it captured, decoded field by field and option by option, as
JSON. MACs, xids and addresses are fixed, so two runs against two servers
that behave alike give identical files; compare.py diffs them.

A case is a list of steps; a step sends one packet and records the replies
to its xid (or that none came). Later steps may use what an earlier reply
held (the offered address), so a case follows the server's own answers.
"""
import argparse
import json
import select
import socket
import subprocess
import sys
import time

from scapy.all import BOOTP, DHCP, IP, UDP, Ether, conf  # noqa: E402

conf.verb = 0
BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"
CLIENT_IP = "198.18.1.2"      # the client namespace's own address
RELAY_IP = "198.18.3.1"       # giaddr of the simulated relay
OTHER_SERVER = "198.18.1.99"  # a server identifier that is not ours
STD_PRL = [1, 3, 6, 15, 51, 58, 59]
WIDE_PRL = [1, 2, 3, 4, 6, 12, 15, 28, 42, 43, 66, 67, 119, 121, 150, 252]
OPTION_82 = b"\x01\x05port1\x02\x03sw1"  # circuit-id "port1", remote-id "sw1"


def mac_bytes(mac):
    return bytes(int(part, 16) for part in mac.split(":"))


class Client:
    def __init__(self, iface, server_ip, wait_s, silence_s):
        self.iface = iface
        self.server_ip = server_ip
        self.wait_s = wait_s
        self.silence_s = silence_s
        self.sock = conf.L2socket(iface=iface)
        self.iface_mac = open(f"/sys/class/net/{iface}/address").read().strip()
        # Listeners on 67 and 68 keep the kernel from answering unicast
        # replies with ICMP port unreachable; the replies are read raw.
        self.sinks = []
        for port in (67, 68):
            sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sink.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sink.bind(("0.0.0.0", port))
            sink.setblocking(False)
            self.sinks.append(sink)

    def drain_sinks(self):
        for sink in self.sinks:
            try:
                while sink.recv(4096):
                    pass
            except BlockingIOError:
                pass

    def exchange(self, frame, xid, expect_reply):
        """Sends FRAME; returns the decoded BOOTREPLYs to XID. Waits for the
        first reply (or the silence window when none is expected), then a
        short while more so a duplicate reply is seen too."""
        self.drain_sinks()
        self.sock.send(frame)
        replies = []
        deadline = time.monotonic() + (self.wait_s if expect_reply else self.silence_s)
        while (remaining_s := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.sock], [], [], remaining_s)
            if not ready:
                break
            packet = self.sock.recv()
            if packet is None or not packet.haslayer(BOOTP):
                continue
            bootp = packet[BOOTP]
            if bootp.op != 2 or bootp.xid != xid:
                continue
            replies.append(decode(packet))
            deadline = min(deadline, time.monotonic() + 0.3)
        return replies


def decode(packet):
    bootp = packet[BOOTP]
    options = []
    # The options area starts at offset 236 with the magic cookie (scapy
    # splits it between BOOTP and DHCP layers, so it is read from the bytes).
    raw = bytes(bootp)[236:]
    # Walks the options itself: scapy's decoding merges and renames, and the
    # comparison wants each option's code and exact bytes, in order.
    if raw[:4] == b"\x63\x82\x53\x63":
        i = 4
        while i < len(raw):
            code = raw[i]
            if code == 0:
                i += 1
                continue
            if code == 255 or i + 1 >= len(raw):
                break
            length = raw[i + 1]
            options.append([code, raw[i + 2:i + 2 + length].hex()])
            i += 2 + length
    return {
        "eth_dst": packet[Ether].dst,
        "ip_src": packet[IP].src,
        "ip_dst": packet[IP].dst,
        "udp_sport": packet[UDP].sport,
        "udp_dport": packet[UDP].dport,
        "op": bootp.op,
        "htype": bootp.htype,
        "hlen": bootp.hlen,
        "hops": bootp.hops,
        "secs": bootp.secs,
        "flags": bootp.flags.value if hasattr(bootp.flags, "value") else int(bootp.flags),
        "ciaddr": bootp.ciaddr,
        "yiaddr": bootp.yiaddr,
        "siaddr": bootp.siaddr,
        "giaddr": bootp.giaddr,
        "chaddr": bytes(bootp.chaddr)[:16].hex(),
        "sname": bytes(bootp.sname).rstrip(b"\0").decode("latin-1"),
        "file": bytes(bootp.file).rstrip(b"\0").decode("latin-1"),
        "options": options,
    }


def option_value(reply, code):
    for c, value in reply["options"]:
        if c == code:
            return bytes.fromhex(value)
    return None


def ip_of(data):
    return socket.inet_ntoa(data) if data and len(data) == 4 else None


class Case:
    """Builds the packets of one case and keeps what the server said."""

    def __init__(self, client, name, mac, client_id=None, prl=None, relayed=False):
        self.client = client
        self.name = name
        self.mac = mac
        self.client_id = client_id
        self.prl = STD_PRL if prl is None else prl
        self.relayed = relayed
        self.steps = []
        self.offered = None   # yiaddr of the last OFFER/ACK
        self.server_id = None

    def xid(self):
        # Fixed per case and step: the name's bytes folded, plus the step.
        h = 0
        for b in self.name.encode():
            h = (h * 131 + b) & 0xFFFFFFFF
        return (h + len(self.steps) * 0x01000193) & 0xFFFFFFFF

    def send(self, label, msg_type, *, expect=True, ciaddr="0.0.0.0", requested=None,
             server_id=None, lease_time=None, broadcast_flag=False, extra=None,
             unicast_from=None, giaddr=None, option82=None, prl=True):
        xid = self.xid()
        if giaddr is None and self.relayed:
            giaddr = RELAY_IP
            option82 = OPTION_82 if option82 is None else option82
        options = [("message-type", msg_type)]
        if self.client_id is not None:
            options.append(("client_id", self.client_id))
        if requested:
            options.append(("requested_addr", requested))
        if server_id:
            options.append(("server_id", server_id))
        if lease_time is not None:
            options.append(("lease_time", lease_time))
        if prl and self.prl:
            options.append(("param_req_list", self.prl))
        for item in extra or []:
            options.append(item)
        if option82 is not None:
            options.append(("relay_agent_information", option82))
        options.append("end")
        bootp = BOOTP(op=1, xid=xid, chaddr=mac_bytes(self.mac) + b"\0" * 10, ciaddr=ciaddr,
                      giaddr=giaddr or "0.0.0.0", flags=0x8000 if broadcast_flag else 0,
                      hops=1 if giaddr else 0)
        if giaddr:
            ip = IP(src=giaddr, dst=self.client.server_ip)
            udp = UDP(sport=67, dport=67)
            eth = Ether(src=self.client.iface_mac, dst=self.client.server_mac)
        elif unicast_from:
            ip = IP(src=unicast_from, dst=self.client.server_ip)
            udp = UDP(sport=68, dport=67)
            eth = Ether(src=self.mac, dst=self.client.server_mac)
        else:
            ip = IP(src=ciaddr, dst="255.255.255.255")
            udp = UDP(sport=68, dport=67)
            eth = Ether(src=self.mac, dst=BROADCAST_MAC)
        frame = eth / ip / udp / bootp / DHCP(options=options)
        replies = self.client.exchange(frame, xid, expect)
        self.steps.append({"step": label, "replies": replies})
        if replies:
            reply = replies[0]
            if reply["yiaddr"] != "0.0.0.0":
                self.offered = reply["yiaddr"]
            self.server_id = ip_of(option_value(reply, 54)) or self.server_id
        return replies

    def dora(self, lease_time=None, **kw):
        self.send("DISCOVER", "discover", lease_time=lease_time, **kw)
        if self.offered is None:
            return
        self.send("REQUEST(selecting)", "request", requested=self.offered,
                  server_id=self.server_id or self.client.server_ip, lease_time=lease_time, **kw)

    def result(self):
        return {"case": self.name, "steps": self.steps}


def with_address(iface, address, action):
    """Gives the client interface ADDRESS while ACTION runs, so the server's
    unicast reply to ciaddr can be resolved by ARP."""
    subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", iface], check=True)
    try:
        return action()
    finally:
        subprocess.run(["ip", "addr", "del", f"{address}/32", "dev", iface], check=False)


def run_cases(client):
    """The base suite (kea-dhcp4.conf.in)."""
    cases = []

    def case(name, mac, **kw):
        c = Case(client, name, mac, **kw)
        cases.append(c)
        return c

    plain = case("dora_no_client_id", "02:aa:00:00:00:01")
    plain.dora()

    cid = case("dora_client_id", "02:aa:00:00:00:02", client_id=b"\x01" + mac_bytes("02:aa:00:00:00:02"))
    cid.dora()

    bflag = case("dora_broadcast_flag", "02:aa:00:00:00:03")
    bflag.dora(broadcast_flag=True)

    wide = case("prl_wide_incl_unconfigured", "02:aa:00:00:00:04", prl=WIDE_PRL)
    wide.dora()

    noprl = case("no_prl", "02:aa:00:00:00:05", prl=[])
    noprl.dora()

    for label, mac, seconds in (("lease_time_below_min", "02:aa:00:00:00:06", 100),
                                ("lease_time_within", "02:aa:00:00:00:07", 3000),
                                ("lease_time_above_max", "02:aa:00:00:00:08", 100000)):
        case(label, mac).dora(lease_time=seconds)

    if plain.offered:
        renew = case("renew_unicast", plain.mac)
        addr = plain.offered
        with_address(client.iface, addr, lambda: renew.send(
            "REQUEST(renewing)", "request", ciaddr=addr, unicast_from=addr))
        rebind = case("rebind_broadcast", plain.mac)
        with_address(client.iface, addr, lambda: rebind.send(
            "REQUEST(rebinding)", "request", ciaddr=addr))
        reboot = case("init_reboot_right_address", plain.mac)
        reboot.send("REQUEST(init-reboot)", "request", requested=addr)
        wrong = case("init_reboot_wrong_address", plain.mac)
        wrong.send("REQUEST(init-reboot)", "request", requested="198.18.1.151")
        other = case("init_reboot_other_subnet_authoritative", plain.mac)
        other.send("REQUEST(init-reboot)", "request", requested="198.18.3.120")

        thief = case("renew_of_another_clients_address", "02:aa:00:00:00:17")
        with_address(client.iface, addr, lambda: thief.send(
            "REQUEST(renewing)", "request", ciaddr=addr, unicast_from=addr))

    hint = case("discover_requested_address", "02:aa:00:00:00:18")
    hint.send("DISCOVER", "discover", requested="198.18.1.145")
    chooser = case("selecting_address_not_offered", "02:aa:00:00:00:19")
    chooser.send("REQUEST(selecting)", "request", requested="198.18.1.146",
                 server_id=client.server_ip)
    relayed_inform = case("inform_relayed", "02:aa:00:00:00:1a", relayed=True)
    relayed_inform.send("INFORM", "inform", ciaddr="198.18.3.77")

    stranger = case("init_reboot_unknown_client", "02:aa:00:00:00:09")
    stranger.send("REQUEST(init-reboot)", "request", requested="198.18.1.140")

    inform = case("inform_unicast", "02:aa:00:00:00:0e")
    inform.send("INFORM", "inform", ciaddr=CLIENT_IP, unicast_from=CLIENT_IP)
    inform_b = case("inform_broadcast", "02:aa:00:00:00:0f")
    inform_b.send("INFORM", "inform", ciaddr=CLIENT_IP)

    relayed = case("relayed_dora_option82", "02:aa:00:00:00:10", relayed=True)
    relayed.dora()
    relayed_cid = case("relayed_dora_client_id", "02:aa:00:00:00:11", relayed=True,
                       client_id=b"\x01" + mac_bytes("02:aa:00:00:00:11"))
    relayed_cid.dora()
    nonauth = case("relayed_request_foreign_address_not_authoritative", "02:aa:00:00:00:12",
                   relayed=True)
    nonauth.send("REQUEST(init-reboot)", "request", requested="198.18.1.120", expect=False)
    nonauth2 = case("relayed_request_unknown_lease_not_authoritative", "02:aa:00:00:00:13",
                    relayed=True)
    nonauth2.send("REQUEST(init-reboot)", "request", requested="198.18.3.140", expect=False)

    case("reservation_hw_address", "02:dd:00:00:00:01", prl=STD_PRL + [12]).dora()
    case("reservation_client_id", "02:ee:00:00:00:02", prl=STD_PRL + [12],
         client_id=b"\x01" + mac_bytes("02:dd:00:00:00:02")).dora()
    case("reservation_hostname_not_requested", "02:dd:00:00:00:01").dora()
    hostname = case("client_hostname", "02:aa:00:00:00:14", prl=STD_PRL + [12])
    hostname.dora(extra=[("hostname", b"diffhost")])
    odd_name = case("client_hostname_odd_characters", "02:aa:00:00:00:16")
    odd_name.dora(extra=[("hostname", b"Diff_Host.Example")])
    case("boot_options_requested", "02:aa:00:00:00:15", prl=[1, 3, 66, 67]).dora()
    # RFC 3011 / RFC 3527: the client or the relay names the link itself.
    selecting = case("subnet_selection_option_118", "02:aa:00:00:00:1b")
    selecting.dora(extra=[("subnet-selection", "198.18.3.0")])
    linked = case("relayed_link_selection_suboption", "02:aa:00:00:00:1c", relayed=True)
    linked.dora(option82=OPTION_82 + b"\x05\x04" + bytes([198, 18, 1, 0]))
    # Last, because Kea's and blackstart's allocators may part ways here
    # (see docs/KEA_DIFFERENCES.md) and every later offer would differ too.
    dec = case("decline_then_next_client", "02:aa:00:00:00:0c")
    dec.dora()
    if dec.offered:
        dec.send("DECLINE", "decline", requested=dec.offered, server_id=dec.server_id,
                 expect=False, prl=False)
        dec.send("DISCOVER after decline", "discover")
        nxt = case("after_decline_other_client", "02:aa:00:00:00:0d")
        nxt.send("DISCOVER", "discover")

    rel = case("release_then_discover", "02:aa:00:00:00:0b")
    rel.dora()
    if rel.offered:
        first = rel.offered
        rel.send("RELEASE", "release", ciaddr=first, server_id=rel.server_id,
                 unicast_from=first, expect=False, prl=False)
        rel.send("DISCOVER after release", "discover")

    foreign = case("selecting_other_server_id", "02:aa:00:00:00:0a")
    foreign.send("DISCOVER", "discover")
    if foreign.offered:
        foreign.send("REQUEST(selecting other server)", "request", requested=foreign.offered,
                     server_id=OTHER_SERVER, expect=False)
        foreign.send("DISCOVER again", "discover")

    return [c.result() for c in cases]


CLASS_PRL = [1, 3, 6, 7, 8, 9, 15, 66, 67, 72]


def run_class_cases(client):
    """The classes suite (kea-dhcp4-classes.conf.in): which classes a client
    falls in, and which level's option wins (log-servers, 7, is set at every
    level: host .71, pool .72, subnet .73, class .74, global .70)."""
    cases = []

    def case(name, mac, vendor=None, arch=None, **kw):
        c = Case(client, name, mac, prl=kw.pop("prl", CLASS_PRL), **kw)
        extra = []
        if vendor is not None:
            extra.append(("vendor_class_id", vendor))
        if arch is not None:
            extra.append((93, arch))
        cases.append(c)
        return c, extra

    general, extra = case("cls_general_pool", "02:cc:00:00:00:02")
    general.dora(extra=extra)
    laptop, extra = case("cls_other_vendor", "02:cc:00:00:00:03", vendor=b"laptop-x")
    laptop.dora(extra=extra)
    efi, extra = case("cls_pxe_arch_boot_fields", "02:cc:00:00:00:04", arch=b"\x00\x07")
    efi.dora(extra=extra)
    bios, extra = case("cls_pxe_other_arch", "02:cc:00:00:00:05", arch=b"\x00\x00")
    bios.dora(extra=extra)
    req, extra = case("cls_required_class_subnet", "02:cc:00:00:00:06", vendor=b"req-box")
    req.dora(extra=extra)
    req_relayed, extra = case("cls_relayed_required_class_not_required", "02:cc:00:00:00:07",
                              vendor=b"req-box", relayed=True)
    req_relayed.dora(extra=extra)
    vip, extra = case("cls_reservation_classes_host_option", "02:dd:00:00:01:01",
                      vendor=b"phone-model1")
    vip.dora(extra=extra)
    rphone, extra = case("cls_relayed_phone_class_over_global", "02:cc:00:00:00:08",
                         vendor=b"phone-model1", relayed=True)
    rphone.dora(extra=extra)
    rplain, extra = case("cls_relayed_plain_global", "02:cc:00:00:00:09", relayed=True)
    rplain.dora(extra=extra)
    drop, extra = case("cls_drop_class", "02:cc:00:00:00:0a", vendor=b"drop-me")
    drop.send("DISCOVER", "discover", extra=extra, expect=False)
    # The phone goes last: should a server give it an address of the general
    # pool, no later case's address shifts.
    phone, extra = case("cls_phone_pool", "02:cc:00:00:00:01", vendor=b"phone-model1")
    phone.dora(extra=extra)
    if phone.offered:
        addr = phone.offered
        renew, extra = case("cls_phone_renew", phone.mac, vendor=b"phone-model1")
        with_address(client.iface, addr, lambda: renew.send(
            "REQUEST(renewing)", "request", ciaddr=addr, unicast_from=addr, extra=extra))
    return [c.result() for c in cases]


def run_shared_cases(client):
    """The shared-network suite (kea-dhcp4-shared.conf.in): subnet 1's pool
    holds two addresses, so the third client is served from subnet 2 of the
    same shared network; options come from subnet, shared network, global."""
    cases = []
    prl = [1, 3, 6, 7, 15, 66]

    def case(name, mac):
        c = Case(client, name, mac, prl=prl)
        cases.append(c)
        return c

    case("sn_first_subnet_a", "02:5e:00:00:00:01").dora()
    case("sn_first_subnet_b", "02:5e:00:00:00:02").dora()
    third = case("sn_third_client_second_subnet", "02:5e:00:00:00:03")
    third.dora()
    if third.offered:
        addr = third.offered
        renew = case("sn_renew_in_second_subnet", third.mac)
        with_address(client.iface, addr, lambda: renew.send(
            "REQUEST(renewing)", "request", ciaddr=addr, unicast_from=addr))
        reboot = case("sn_init_reboot_in_second_subnet", third.mac)
        reboot.send("REQUEST(init-reboot)", "request", requested=addr)
    case("sn_fourth_client_second_subnet", "02:5e:00:00:00:04").dora()
    return [c.result() for c in cases]


SUITES = {"base": run_cases, "classes": run_class_cases, "shared": run_shared_cases}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iface", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--server-mac", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--suite", choices=sorted(SUITES), default="base")
    parser.add_argument("--wait-s", type=float, default=3.0)
    parser.add_argument("--silence-s", type=float, default=1.0)
    args = parser.parse_args()
    client = Client(args.iface, args.server, args.wait_s, args.silence_s)
    client.server_mac = args.server_mac
    results = SUITES[args.suite](client)
    with open(args.out, "w") as out:
        json.dump(results, out, indent=1)
    print(f"dhcp_client: {len(results)} cases, "
          f"{sum(len(s['replies']) for r in results for s in r['steps'])} replies", file=sys.stderr)


if __name__ == "__main__":
    main()
