#!/usr/bin/env python3
"""Writes the seed corpora of the dhcpd_leases and dhcpd_conf fuzz targets.

Lease file seeds: what isc-dhcp-server 4.4 writes (failover, server-duid,
every binding state, both date formats, uids as octal strings and as hex),
and nasty files of the CVE-2021-25217 class: long uid strings and hex
lists, octal and hex escapes out of range, unterminated strings and
blocks, braces nested deeper than the bound, a block with thousands of
statements, NUL and non-UTF-8 bytes. Config seeds: a typical office
dhcpd.conf and broken ones. Run from anywhere; standard library only.
"""

import pathlib

HERE = pathlib.Path(__file__).resolve().parent
LEASES = HERE / "corpus" / "dhcpd_leases"
CONF = HERE / "corpus" / "dhcpd_conf"

HEADER = b"""# The format of this file is documented in the dhcpd.leases(5) manual page.
# This lease file was written by isc-dhcp-4.4.3-P1

# authoring-byte-order entry is generated, DO NOT DELETE
authoring-byte-order little-endian;

server-duid "\\000\\001\\000\\001,\\221\\032\\234\\002\\000\\000\\000\\000\\001";

"""


def lease(n, state=b"active", extra=b""):
    return (b"lease 198.18.0.%d {\n  starts 4 2026/12/03 16:00:00;\n"
            b"  ends 4 2026/12/03 18:00:00;\n  cltt 4 2026/12/03 16:00:00;\n"
            b"  binding state %s;\n  next binding state free;\n  rewind binding state free;\n"
            b"  hardware ethernet 02:00:00:00:00:%02x;\n"
            b"  uid \"\\001\\002\\000\\000\\000\\000\\%03o\";\n"
            b"  set vendor-class-identifier = \"udhcp 1.36.1\";\n"
            b"  client-hostname \"host-%d\";\n%s}\n" % (n, state, n, n % 256, n, extra))


def lease_seeds():
    seeds = {}
    seeds["typical.leases"] = HEADER + lease(10) + lease(11, b"free") + lease(10, b"released")
    seeds["states.leases"] = HEADER + b"".join(
        lease(20 + i, s) for i, s in enumerate(
            [b"free", b"active", b"expired", b"released", b"abandoned", b"reset", b"backup",
             b"bootp"]))
    seeds["failover.leases"] = HEADER + b"""failover peer "dhcp-failover" state {
  my state normal at 4 2026/12/03 16:00:00;
  partner state communications-interrupted at 4 2026/12/03 16:10:00;
  mclt 3600;
}
""" + lease(30, b"backup") + lease(31, b"active", b"  tsfp 4 2026/12/03 18:00:00;\n  atsfp 4 2026/12/03 18:00:00;\n")
    seeds["epoch_never.leases"] = (
        b"db-time-format local;\nlease 198.18.0.40 {\n  starts epoch 1796313600; # Thu Dec 03 16:00:00 2026\n"
        b"  ends never;\n  binding state active;\n  uid 1:2:3:4:5:6:7;\n}\n")
    seeds["old_format.leases"] = (
        b"lease 198.18.0.41 {\n  starts 4 126/12/03 16:00:00;\n  ends 4 126/12/03 18:00:00;\n"
        b"  hardware ethernet 2:0:0:0:0:29;\n  abandoned;\n}\n")
    seeds["hosts_classes.leases"] = (
        b"host dyn1 {\n  dynamic;\n  hardware ethernet 02:00:00:00:01:01;\n"
        b"  fixed-address 198.18.0.50;\n}\nhost dyn1 {\n  dynamic;\n  deleted;\n}\n"
        b"subclass \"gold\" 1:2:0:0:0:0:1;\nclass \"c\" { spawn with option agent.circuit-id; }\n"
        + lease(51, b"active", b"  option agent.circuit-id \"eth0:1\";\n"
                b"  option agent.remote-id 0:1:2:3;\n  on expiry { set x = \"y\"; }\n"
                b"  ddns-fwd-name \"h.example\";\n  billing class \"gold\";\n"))
    seeds["long_uid.leases"] = (b"lease 198.18.0.60 { binding state active; uid \""
                                + b"\\377" * 4000 + b"\"; }\n" + lease(61))
    seeds["long_hex_uid.leases"] = (b"lease 198.18.0.62 { binding state active; uid "
                                    + b":".join([b"ff"] * 1000) + b"; }\n" + lease(63))
    seeds["uid_255.leases"] = b"lease 198.18.0.64 { ends never; uid \"" + b"a" * 255 + b"\"; }\n"
    seeds["octal_escapes.leases"] = (
        b"lease 198.18.0.65 { binding state active; ends never; uid \"\\0\\7\\77\\777\\400\\1234\"; }\n"
        b"lease 198.18.0.66 { binding state active; ends never; uid \"\\x\\xg\\x1\\xfff\\\\\\\"\"; }\n")
    seeds["unterminated_string.leases"] = lease(67) + b"lease 198.18.0.68 {\n  client-hostname \"open\n"
    seeds["unterminated_block.leases"] = lease(69) + b"lease 198.18.0.70 {\n  binding state active;\n"
    seeds["deep_braces.leases"] = (b"lease 198.18.0.71 { on commit " + b"{ " * 5000 + b"} " * 5000
                                   + b"}\n" + lease(72))
    seeds["deep_unclosed.leases"] = b"lease 198.18.0.73 { on commit " + b"{" * 20000
    seeds["stray_close.leases"] = b"}}}\n;;;\n" + lease(74) + b"}\nlease { }\nlease 198.18.0.75\n"
    seeds["many_statements.leases"] = (b"lease 198.18.0.76 {\n" + b"  binding state active;\n" * 3000
                                       + b"}\n" + b"lease 198.18.0.77 { set a = " + b"x " * 1000 + b"; }\n")
    seeds["binary.leases"] = (b"lease 198.18.0.78 { client-hostname \"\x00\x01\xff\xfe\x1b[2J\"; "
                              b"binding state active; ends never; hardware ethernet 1:2:3; }\n"
                              b"lease \xff\xfe { }\n\x00\x00\x00")
    seeds["bad_dates.leases"] = (
        b"lease 198.18.0.79 { starts 4 2026/02/30 00:00:00; }\n"
        b"lease 198.18.0.80 { ends 4 99999/01/01 00:00:00; }\n"
        b"lease 198.18.0.81 { ends epoch 99999999999999999999999; }\n"
        b"lease 198.18.0.82 { cltt never; }\n"
        b"lease 198.18.0.83 { ends 7 2026/12/03 16:00:60; binding state active; uid \"x\"; }\n")
    seeds["long_word.leases"] = b"lease 198.18.0.84 { frobnicate " + b"w" * 70000 + b"; }\n"
    seeds["long_string.leases"] = b"lease 198.18.0.85 { client-hostname \"" + b"s" * 70000 + b"\"; }\n"
    seeds["comments.leases"] = (b"# only a comment\n#\n# lease 198.18.0.1 { }\nlease 198.18.0.86 { # c\n"
                                b"  binding state active; # c \"\n  ends never; uid \"#not a comment\";\n}\n")
    return seeds


OFFICE = b"""# dhcpd.conf
option domain-name "office.example";
option domain-name-servers 198.18.0.1, 198.18.0.2;
default-lease-time 600;
max-lease-time 7200;
ddns-update-style none;
authoritative;
log-facility local7;
option wpad code 252 = text;
option wpad "http://wpad.office.example/wpad.dat";

subnet 198.18.0.0 netmask 255.255.255.0 {
  range 198.18.0.100 198.18.0.199;
  option routers 198.18.0.1;
  option broadcast-address 198.18.0.255;
  option ntp-servers 198.18.0.1;
  next-server 198.18.0.1;
  filename "pxelinux.0";
}
shared-network floor2 {
  subnet 198.18.2.0 netmask 255.255.255.0 {
    pool { range 198.18.2.10 198.18.2.50; allow unknown-clients; }
  }
}
group {
  option domain-name "lab.example";
  host lab1 { hardware ethernet 0:11:22:33:44:66; fixed-address 198.18.2.5; }
}
host phone { option dhcp-client-identifier "phone-1"; fixed-address 198.18.0.7; }
class "voip" { match if substring(option vendor-class-identifier, 0, 4) = "SIPX"; }
"""


def conf_seeds():
    return {
        "office.conf": OFFICE,
        "broken.conf": b"subnet 198.18.0.0 netmask 255.0.255.0 { range 1.2.3.4 }\noption routers \"\n",
        "nested.conf": b"group { " * 40 + b"host h { }" + b" }" * 40 + b"\n",
        "options.conf": (b"option a code 200 = array of unsigned integer 16;\noption a 1, 2;\n"
                         b"option b code 201 = { ip-address, text };\noption space s;\n"
                         b"option s.x code 1 = text;\noption domain-name \"\xff\xfe\";\n"),
    }


def write(directory, seeds):
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (directory / name).write_bytes(data)


if __name__ == "__main__":
    write(LEASES, lease_seeds())
    write(CONF, conf_seeds())
