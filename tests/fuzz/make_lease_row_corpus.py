#!/usr/bin/env python3
"""Writes the seed corpus for the lease_row fuzz target.

A row seed is nine column values in lease_row_fuzz.cpp's format: a tag byte
(0 int64, 1/2 text-or-blob with a u16 length, 3 null, 4 real, 5/6 k KiB of
text-or-blob, 7 small int; for text-or-blob an extra byte, even = text) and
the value. The seeds are one valid row and rows wrong in one column each.
One seed is a whole two-row lease database (512-byte pages) for the
file-level mode. Run from anywhere; writes tests/fuzz/corpus/lease_row/.
Standard library only.
"""

import pathlib
import sqlite3
import struct
import tempfile

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "lease_row"


def i64(value):
    return b"\x00" + struct.pack("<q", value)


def small(value):
    return b"\x07" + struct.pack("<b", value)


def text(data):
    return b"\x01\x00" + struct.pack("<H", len(data)) + data


def blob(data):
    return b"\x01\x01" + struct.pack("<H", len(data)) + data


def real(value):
    return b"\x04" + struct.pack("<d", value)


def kib_blob(k):
    return b"\x06\x01" + bytes([k])


NULL = b"\x03"
GOOD = [i64(0xC6120001), small(1), blob(bytes.fromhex("0200000000a1")),
        blob(b"\x01\x02\x00\x00\x00\x00\xa1"), text(b"pc-one"), i64(1), i64(3600),
        i64(1_800_000_000), small(0)]


def row(**changes):
    columns = list(GOOD)
    for index, value in changes.items():
        columns[int(index[1:])] = value
    return b"".join(columns)


SEEDS = {
    "valid": row(),
    "valid_declined_empty_ids": row(c3=blob(b""), c4=text(b""), c8=small(1)),
    "offered_state": row(c8=small(3)),
    "address_zero": row(c0=small(0)),
    "address_too_big": row(c0=i64(1 << 32)),
    "chaddr_17_bytes": row(c2=blob(bytes(17))),
    "hostname_blob": row(c4=blob(b"pc-one")),
    "client_id_64k": row(c3=kib_blob(64)),
    "cltt_real": row(c7=real(1.8e9)),
    "null_state": row(c8=NULL),
    "empty": b"",
}


def database_seed():
    with tempfile.TemporaryDirectory() as scratch:
        path = pathlib.Path(scratch) / "leases.sqlite3"
        db = sqlite3.connect(path)
        db.executescript("""
            PRAGMA page_size = 512;
            CREATE TABLE leases (address INTEGER PRIMARY KEY NOT NULL, hw_type INTEGER NOT NULL,
              hw_address BLOB NOT NULL, client_id BLOB NOT NULL, hostname TEXT NOT NULL,
              subnet_id INTEGER NOT NULL, valid_lifetime INTEGER NOT NULL,
              cltt INTEGER NOT NULL, state INTEGER NOT NULL);
            PRAGMA user_version = 1;
        """)
        db.execute("INSERT INTO leases VALUES (3323068417, 1, x'0200000000a1', x'', 'pc-one', 1, "
                   "3600, 1800000000, 0)")
        db.execute("INSERT INTO leases VALUES (3323068418, 1, x'0200000000a2', x'01', '', 1, "
                   "3600, 1800000000, 2)")
        db.commit()
        db.close()
        return path.read_bytes()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS.items():
        (OUT / name).write_bytes(data)
    (OUT / "database_two_rows").write_bytes(database_seed())


if __name__ == "__main__":
    main()
