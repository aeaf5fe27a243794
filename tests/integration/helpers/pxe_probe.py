#!/usr/bin/python3
"""One DHCPDISCOVER as a PXE ROM sends it (option 93 client architecture,
option 60 "PXEClient:Arch:NNNNN"), from the interface given, and prints the
OFFER's siaddr and file as "siaddr=A file=F" (or "none" after the timeout).
Usage: pxe_probe.py IFACE ARCH_HEX MAC   e.g. pxe_probe.py c3 0007 02:bb:00:00:00:03
Runs inside the client's network namespace; sends only on that link."""

import sys

from scapy.all import BOOTP, DHCP, IP, UDP, Ether, conf, srp1  # noqa: E402

iface, arch_hex, mac = sys.argv[1], sys.argv[2], sys.argv[3]
conf.checkIPaddr = False
arch = bytes.fromhex(arch_hex)
vendor = f"PXEClient:Arch:{int(arch_hex, 16):05d}:UNDI:003016"
chaddr = bytes.fromhex(mac.replace(":", "")) + bytes(10)
discover = (Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
            IP(src="0.0.0.0", dst="255.255.255.255") /
            UDP(sport=68, dport=67) /
            BOOTP(chaddr=chaddr, xid=0x5a5a0000 + arch[-1], flags=0x8000) /
            DHCP(options=[("message-type", "discover"), (93, arch), ("vendor_class_id", vendor),
                          ("param_req_list", [1, 3, 6, 66, 67]), "end"]))
# scapy pairs the OFFER with the DISCOVER by xid (BOOTP.answers); the
# broadcast reply needs conf.checkIPaddr off.
reply = srp1(discover, iface=iface, timeout=5, verbose=False)
if reply is None:
    print("none")
else:
    file = bytes(reply[BOOTP].file).rstrip(b"\0").decode(errors="replace")
    print(f"siaddr={reply[BOOTP].siaddr} file={file or '-'}")
