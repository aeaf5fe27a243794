#!/usr/bin/python3
"""Writes a lease store full of live leases, for start-up timing.
Usage: make_leases.py memfile|sqlite PATH ADDRESSES [ROWS]
Addresses from 198.19.0.1 on (subnet id 1, 198.18.0.0/15), each with its
own MAC, expiring about an hour from now. memfile: Kea's CSV lease log,
every address written ROWS times (a day of renewals: the file a restart
reads); sqlite: blackstart's schema (src/store/lease_row.h), one row per
address."""

import sqlite3
import sys
import time

SCHEMA = """
CREATE TABLE leases (
  address        INTEGER PRIMARY KEY NOT NULL,
  hw_type        INTEGER NOT NULL,
  hw_address     BLOB NOT NULL,
  client_id      BLOB NOT NULL,
  hostname       TEXT NOT NULL,
  subnet_id      INTEGER NOT NULL,
  valid_lifetime INTEGER NOT NULL,
  cltt           INTEGER NOT NULL,
  state          INTEGER NOT NULL
);
PRAGMA user_version = 1;
"""
FIRST = 0xC6130001  # 198.19.0.1
VALID_S = 3600


def dotted(ip):
    return ".".join(str((ip >> s) & 255) for s in (24, 16, 8, 0))


def mac(n):
    return bytes([2, 0xaa, 0, (n >> 16) & 255, (n >> 8) & 255, n & 255])


def memfile(path, addresses, rows, now):
    with open(path, "w") as f:
        f.write("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,"
                "hostname,state,user_context\n")
        for r in range(rows):
            for n in range(addresses):
                expire = now + VALID_S - 600 + r * 100
                f.write(f"{dotted(FIRST + n)},{mac(n).hex(':')},,{VALID_S},{expire},1,0,0,,0,\n")


def sqlite(path, addresses, now):
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO leases VALUES (?, 1, ?, x'', '', 1, ?, ?, 0)",
                   ((FIRST + n, mac(n), VALID_S, now - 600) for n in range(addresses)))
    db.commit()
    db.close()


def main():
    kind, path, addresses = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    now = int(time.time())
    if kind == "memfile":
        memfile(path, addresses, rows, now)
    elif kind == "sqlite":
        sqlite(path, addresses, now)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
