#!/usr/bin/env python3
"""Writes the seed corpus for the expression fuzz target.

One seed per form of Kea's classification language (literals, option,
relay4, vendor and vendor-class accessors, packet fields, member, logic and
every function), Kea's documentation examples, and refused inputs (unknown
words, bad positions, deep nesting, over-long text). Run from anywhere;
writes tests/fuzz/corpus/expression/. Standard library only.
"""

import pathlib

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "expression"

SEEDS = {
    "string": "'example' == 'example'",
    "hex": "0x5a7d == 'Z}'",
    "hex_odd": "0x417 == 0x0417",
    "ip4": "pkt4.giaddr == 198.18.0.1",
    "ip6": "2001:db8::1 == 0x20010db8000000000000000000000001",
    "integer": "pkt4.msgtype == 1",
    "option_hex": "option[60].hex == 'Aastra6731i'",
    "option_text": "option[60].text == 'Aastra6731i'",
    "option_name": "option[vendor-class-identifier].text == 'x'",
    "option_exists": "option[61].exists",
    "sub_option": "option[43].option[1].hex == 'abc' and option[43].option[2].exists",
    "relay4": "relay4[1].hex == 'port1'",
    "relay4_exists": "relay4[2].exists",
    "pkt4": "pkt4.mac == 0x001122334455 and pkt4.hlen == 6 and pkt4.htype == 1",
    "pkt4_addrs": "pkt4.ciaddr == 0.0.0.0 or pkt4.yiaddr == pkt4.siaddr",
    "pkt4_transid": "uint32totext(pkt4.transid) == '305419896'",
    "pkt": "pkt.iface == 'eth0' and pkt.src == 198.18.0.1 and pkt.dst == 198.18.0.254 and pkt.len == 300",
    "vendor": "vendor[*].exists and vendor[4491].exists and vendor.enterprise == 4491",
    "vendor_option": "vendor[4491].option[1].hex == 'doc' or vendor[4491].option[1].exists",
    "vendor_class": "vendor-class[4491].data == 'abc' and vendor-class[*].exists",
    "vendor_class_index": "vendor-class[4491].data[1] == 'z' or vendor-class.enterprise == 4491",
    "member": "member('KNOWN') and not member('phones')",
    "known": "known or unknown",
    "precedence": "not 'a' == 'b' and 'c' == 'c' or ('d' == 'e')",
    "substring": "substring(option[60].hex,0,6) == 'Aastra'",
    "substring_negative": "substring('foobar', -3, -2) == 'ob' or substring('foobar', 1, all) == 'oobar'",
    "split": "split(option[60].text, 'a', 2) == 'str'",
    "concat": "concat(concat('a', option[60].hex), 'z') == 'x'",
    "plus": "'a' + 'b' + option[60].hex == 'abAastra6731i'",
    "ifelse": "ifelse(option[60].exists, 'yes', 'no') == 'yes'",
    "hexstring": "hexstring(pkt4.mac, ':') == '00:11:22:33:44:55'",
    "case": "lcase(option[60].hex) == ucase('x')",
    "addrtotext": "addrtotext(pkt4.giaddr) == '198.18.0.1' or addrtotext('abc') == 'x'",
    "inttotext": "int8totext(0xff) == int16totext(0xffff) and int32totext(0xffffffff) == '-1'",
    "uinttotext": "uint8totext(0xff) == uint16totext(0x00ff)",
    "kea_pxe": "option[93].hex == 0x0007",
    "kea_drop": "member('KNOWN') and not member('DROP')",
    "string_expression": "concat(hexstring(pkt4.mac, '-'), relay4[1].hex)",
    "growth": "hexstring(hexstring(hexstring(hexstring(option[60].hex, '::'), '::'), '::'), '::') == 'x'",
    "bad_unknown_word": "foo == 'a'",
    "bad_option_name": "option[no-such-option].hex == 'a'",
    "bad_member": "member('printers')",
    "bad_unterminated": "'a' == 'abc",
    "bad_type": "option[60].exists == 'true'",
    "bad_arguments": "substring('abc', 'x', 1) == 'a'",
    "deep_not": "not " * 70 + "known",
    "deep_parens": "(" * 70 + "known" + ")" * 70,
    "too_long": "'" + "a" * 4100 + "' == 'a'",
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in SEEDS.items():
        (OUT / name).write_text(text)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
