#!/usr/bin/env python3
"""Writes the seed corpus of partner_frame_fuzz: one frame body per kind
(update, ack, heartbeat, maintenance, and the resync's request, pages and
ack), plus broken ones. Run from the repository root."""
import os
import struct

OUT = "tests/fuzz/corpus/partner_frame"


def lease(age=100, state=0):
    hw = bytes([2, 0, 0, 0, 0, 1])
    cid = bytes([1, 2, 3])
    name = b"host"
    return (bytes([1, len(hw)]) + hw + struct.pack(">H", len(cid)) + cid +
            struct.pack(">H", len(name)) + name + struct.pack(">IIIB", 7, 3600, age, state))


def change(address, with_lease=True, state=0):
    body = struct.pack(">I", address)
    return body + (b"\x01" + lease(state=state) if with_lease else b"\x00")


def changes(items):
    return struct.pack(">I", len(items)) + b"".join(items)


SEEDS = {
    "update": b"\x01\x03" + struct.pack(">Q", 5) +
              changes([change(0xC6120164), change(0xC6120165, False)]),
    "ack": b"\x02\x03" + struct.pack(">Q", 5),
    "heartbeat": b"\x03\x00",
    "maintenance": b"\x04\x03",
    "sync_request": b"\x05\x01" + struct.pack(">QB", 17, 0),
    "sync_request_full": b"\x05\x01" + struct.pack(">QB", 0, 1),
    "sync_page": b"\x06\x01" + struct.pack(">IBQ", 3, 2, 42) +
                 changes([change(0xC6120164, state=1), change(0xC6120166, False)]),
    "sync_page_full_empty": b"\x06\x06" + struct.pack(">IBQ", 4, 1, 7) + changes([]),
    "sync_ack": b"\x07\x02" + struct.pack(">I", 3),
    "bad_kind": b"\x09\x00",
    "bad_flags": b"\x06\x01" + struct.pack(">IBQ", 1, 4, 0) + changes([]),
    "huge_count": b"\x06\x01" + struct.pack(">IBQI", 1, 0, 0, 0xFFFFFFFF),
    "truncated_page": (b"\x06\x01" + struct.pack(">IBQ", 3, 2, 42) +
                       changes([change(0xC6120164)]))[:-3],
}

os.makedirs(OUT, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as seed:
        seed.write(data)
