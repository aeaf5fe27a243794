#!/usr/bin/env python3
"""Writes the seed corpus for the packet fuzz target.

Each seed is a DHCPv4 UDP payload shaped like what real clients, relays and
servers send (ISC dhclient, busybox udhcpc, dhcpcd, Windows), plus malformed
variants that must be rejected cleanly. Seeds are small so libFuzzer mutates
them quickly. Run from anywhere; writes tests/fuzz/corpus/packet/.
Standard library only.
"""

import pathlib
import struct

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "packet"
COOKIE = bytes([99, 130, 83, 99])
MAC = bytes.fromhex("525400a1b2c3")

DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = range(1, 9)


def ip(text):
    return bytes(int(part) for part in text.split("."))


def opt(code, data):
    """One option instance; callers split long data themselves when testing it."""
    return bytes([code, len(data)]) + data


def header(op=1, xid=0x12345678, secs=0, flags=0, ciaddr="0.0.0.0", yiaddr="0.0.0.0",
           siaddr="0.0.0.0", giaddr="0.0.0.0", hops=0, mac=MAC, hlen=6,
           sname=b"", file=b""):
    """The 236-byte fixed part (RFC 2131 figure 1)."""
    fixed = struct.pack("!BBBBIHH", op, 1, hlen, hops, xid, secs, flags)
    fixed += ip(ciaddr) + ip(yiaddr) + ip(siaddr) + ip(giaddr)
    fixed += mac.ljust(16, b"\0") + sname.ljust(64, b"\0") + file.ljust(128, b"\0")
    assert len(fixed) == 236
    return fixed


def packet(options, pad_to=300, **fields):
    body = header(**fields) + COOKIE + b"".join(options) + b"\xff"
    return body.ljust(pad_to, b"\0")


def msg(kind):
    return opt(53, bytes([kind]))


def client_id(mac=MAC):
    return opt(61, b"\x01" + mac)


PRL_DHCLIENT = bytes([1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42])
PRL_UDHCPC = bytes([1, 3, 6, 12, 15, 28, 42])
PRL_DHCPCD = bytes([1, 121, 33, 3, 6, 12, 15, 26, 28, 51, 54, 58, 59, 119])
PRL_WINDOWS = bytes([1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252])


def relay_info(circuit=b"eth0:vlan10", remote=b"sw-floor2"):
    return opt(82, opt(1, circuit) + opt(2, remote))


def seeds():
    s = {}
    s["dhclient_discover"] = packet(
        [msg(DISCOVER), opt(50, ip("198.18.0.23")), opt(12, b"laptop-7"), opt(55, PRL_DHCLIENT)],
        xid=0x5E3A9F01)
    s["dhclient_request"] = packet(
        [msg(REQUEST), opt(54, ip("198.18.0.1")), opt(50, ip("198.18.0.23")),
         opt(12, b"laptop-7"), opt(55, PRL_DHCLIENT)], xid=0x5E3A9F01)
    s["udhcpc_discover"] = packet(
        [msg(DISCOVER), client_id(), opt(57, struct.pack("!H", 576)),
         opt(60, b"udhcp 1.35.0"), opt(12, b"printer"), opt(55, PRL_UDHCPC)],
        xid=0x0BADF00D, flags=0x8000)
    s["udhcpc_request"] = packet(
        [msg(REQUEST), client_id(), opt(50, ip("198.18.0.40")), opt(54, ip("198.18.0.1")),
         opt(57, struct.pack("!H", 576)), opt(60, b"udhcp 1.35.0"), opt(55, PRL_UDHCPC)],
        xid=0x0BADF00E, flags=0x8000)
    duid_iaid = bytes.fromhex("ff00a1b2c3000100012b1c3d4e525400a1b2c3")
    s["dhcpcd_discover"] = packet(
        [msg(DISCOVER), opt(61, duid_iaid), opt(57, struct.pack("!H", 1472)),
         opt(60, b"dhcpcd-9.4.1:Linux-6.1.0:x86_64:GenuineIntel"), opt(12, b"ws-12"),
         opt(80, b""), opt(145, b"\x01"), opt(55, PRL_DHCPCD)], xid=0x44332211, secs=3)
    s["dhcpcd_renew"] = packet(
        [msg(REQUEST), opt(61, duid_iaid), opt(57, struct.pack("!H", 1472)),
         opt(12, b"ws-12"), opt(55, PRL_DHCPCD)], xid=0x44332212, ciaddr="198.18.0.77")
    s["windows_inform"] = packet(
        [msg(INFORM), client_id(), opt(12, b"DESKTOP-4KQ"), opt(60, b"MSFT 5.0"),
         opt(55, PRL_WINDOWS)], xid=0xA1B2C3D4, ciaddr="198.18.0.90")
    s["release"] = packet(
        [msg(RELEASE), opt(54, ip("198.18.0.1")), client_id()], xid=0x77, ciaddr="198.18.0.23")
    s["decline"] = packet(
        [msg(DECLINE), opt(50, ip("198.18.0.23")), opt(54, ip("198.18.0.1")), client_id()],
        xid=0x78)
    s["relayed_discover_opt82"] = packet(
        [msg(DISCOVER), client_id(), opt(55, PRL_DHCLIENT), relay_info()],
        xid=0x1001, hops=1, giaddr="198.18.10.1")
    s["relayed_request_opt82"] = packet(
        [msg(REQUEST), client_id(), opt(50, ip("198.18.10.55")), opt(54, ip("198.18.0.1")),
         relay_info(b"\x00\x04\x00\x0a\x01\x07", b"\x00\x06" + MAC)],
        xid=0x1002, hops=2, giaddr="198.18.10.1")
    s["rogue_offer"] = packet(
        [msg(OFFER), opt(54, ip("203.0.113.9")), opt(51, struct.pack("!I", 600)),
         opt(1, ip("255.255.255.0")), opt(3, ip("203.0.113.1")),
         opt(6, ip("203.0.113.1") + ip("203.0.113.2"))],
        op=2, xid=0x5E3A9F01, yiaddr="203.0.113.50", siaddr="203.0.113.9")
    s["server_ack"] = packet(
        [msg(ACK), opt(54, ip("198.18.0.1")), opt(51, struct.pack("!I", 86400)),
         opt(58, struct.pack("!I", 43200)), opt(59, struct.pack("!I", 75600)),
         opt(1, ip("255.255.255.0")), opt(15, b"office.example")],
        op=2, xid=0x5E3A9F01, yiaddr="198.18.0.23")
    s["nak"] = packet([msg(NAK), opt(54, ip("198.18.0.1")), opt(56, b"wrong subnet")],
                      op=2, xid=0x99)
    s["bootp_plain"] = packet([], xid=0xB0075)
    s.update(overload_seeds())
    s.update(long_option_seeds())
    s.update(malformed_seeds())
    return s


def overload_seeds():
    s = {}
    file_opts = opt(12, b"overloaded-host") + opt(55, PRL_UDHCPC) + b"\xff"
    s["overload_file"] = packet([msg(DISCOVER), opt(52, b"\x01")], file=file_opts,
                                sname=b"bootsrv")
    sname_opts = opt(15, b"lan") + b"\xff"
    s["overload_sname"] = packet([msg(OFFER), opt(52, b"\x02"), opt(54, ip("198.18.0.1"))],
                                 op=2, sname=sname_opts, file=b"pxelinux.0")
    # Host name split across options, file and sname: RFC 3396 aggregate order.
    s["overload_both_split"] = packet(
        [msg(REQUEST), opt(12, b"very-"), opt(52, b"\x03")],
        file=opt(12, b"long-") + b"\xff", sname=opt(12, b"name") + b"\xff")
    return s


def long_option_seeds():
    vendor = bytes(range(256)) + bytes(range(44))  # 300 bytes of option 43
    split = opt(43, vendor[:255]) + opt(43, vendor[255:])
    s = {"long_split_vendor": packet([msg(ACK), split], op=2)}
    circuit = b"c" * 200
    remote = b"r" * 120
    sub = opt(1, circuit) + opt(2, remote)  # 324 bytes of option 82 payload
    s["long_split_opt82"] = packet(
        [msg(DISCOVER), opt(82, sub[:255]), opt(82, sub[255:])], giaddr="198.18.10.1", hops=1)
    s["repeated_prl"] = packet([msg(DISCOVER), opt(55, b"\x01\x03"), opt(55, b"\x06\x0f")])
    # The fuzz target derives its encode limit from xid; 0 means 548 bytes,
    # so option 60 cannot fit on re-encode while 12 still does, and option
    # 82 in mid-list must come out last.
    s["tight_limit_reencode"] = packet(
        [msg(DISCOVER), opt(43, b"\x2a" * 250), relay_info(b"c1", b"r1"),
         opt(60, b"v" * 100), opt(12, b"h" * 20)], xid=0, giaddr="198.18.10.1")
    return s


def malformed_seeds():
    good = packet([msg(DISCOVER), client_id(), opt(55, PRL_UDHCPC)])
    s = {}
    s["bad_truncated_header"] = good[:100]
    s["bad_truncated_cookie"] = good[:239]
    s["bad_cookie"] = good[:236] + bytes([99, 130, 83, 98]) + good[240:]
    s["bad_option_overrun"] = header() + COOKIE + msg(DISCOVER) + bytes([12, 40]) + b"abc"
    s["bad_option_no_length"] = header() + COOKIE + msg(DISCOVER) + bytes([12])
    s["bad_hlen_17"] = bytes([1, 1, 17]) + good[3:]
    s["bad_op_3"] = bytes([3]) + good[1:]
    s["bad_missing_end"] = header() + COOKIE + msg(DISCOVER) + client_id()
    s["bad_overload_value"] = packet([msg(DISCOVER), opt(52, b"\x04")])
    s["bad_overload_nested"] = packet([msg(DISCOVER), opt(52, b"\x01")],
                                      file=opt(52, b"\x02") + b"\xff")
    s["bad_message_type"] = packet([opt(53, b"\x01\x01")])
    s["bad_overload_field_overrun"] = packet([opt(52, b"\x02")], sname=b"\0" * 60 + b"\x0c\x20")
    s["bad_pad_only_no_end"] = header() + COOKIE + b"\0" * 60
    return s


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    for name, data in sorted(seeds().items()):
        (OUT / name).write_bytes(data)
    print(f"wrote {len(seeds())} seeds to {OUT}")


if __name__ == "__main__":
    main()
