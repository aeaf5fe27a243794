#!/usr/bin/python3
"""Checks for the HA harness (tests/ha/ha_powercut.sh), from the clients'
memory (bs-load's "MAC IP UNIX_MS SERVER_ID" log of every ACK) and the
servers' lease dumps ("ADDRESS MAC" lines, written by each adapter's
ha_dump_leases). Each subcommand prints one number.

  takeover MEMORY KILL_MS SURVIVOR_IP [BUCKET]
                                       ms from the cut to the survivor's
                                       first ACK after it (-1: none); with
                                       BUCKET (0 or 1), only ACKs to clients
                                       whose RFC 3074 hash of the MAC is in
                                       it (load-balancing: the dead server's
                                       clients; bs-load sends no client-id)
  missing MEMORY DUMP...               clients whose newest ACKed lease is
                                       in none of the dumps
  reassigned MEMORY DUMP...            of the missing clients, those whose
                                       address a dump gives another client
                                       (a conflict, not a lost write)
  doubles MEMORY                       addresses two clients hold at once
                                       (their newest ACKs name the same one)
  disagree DUMP_A DUMP_B               addresses the two servers give to
                                       different clients
"""
import sys


# RFC 3074 section 6's mixing table (a fixed part of the standard: both
# servers of a pair use it to agree which of them serves a client).
MIXING_TABLE = [
    251, 175, 119, 215, 81, 14, 79, 191, 103, 49, 181, 143, 186, 157, 0, 232,
    31, 32, 55, 60, 152, 58, 17, 237, 174, 70, 160, 144, 220, 90, 57, 223,
    59, 3, 18, 140, 111, 166, 203, 196, 134, 243, 124, 95, 222, 179, 197, 65,
    180, 48, 36, 15, 107, 46, 233, 130, 165, 30, 123, 161, 209, 23, 97, 16,
    40, 91, 219, 61, 100, 10, 210, 109, 250, 127, 22, 138, 29, 108, 244, 67,
    207, 9, 178, 204, 74, 98, 126, 249, 167, 116, 34, 77, 193, 200, 121, 5,
    20, 113, 71, 35, 128, 13, 182, 94, 25, 226, 227, 199, 75, 27, 41, 245,
    230, 224, 43, 225, 177, 26, 155, 150, 212, 142, 218, 115, 241, 73, 88, 105,
    39, 114, 62, 255, 192, 201, 145, 214, 168, 158, 221, 148, 154, 122, 12, 84,
    82, 163, 44, 139, 228, 236, 205, 242, 217, 11, 187, 146, 159, 64, 86, 239,
    195, 42, 106, 198, 118, 112, 184, 172, 87, 2, 173, 117, 176, 229, 247, 253,
    137, 185, 99, 164, 102, 147, 45, 66, 231, 52, 141, 211, 194, 206, 246, 238,
    56, 110, 78, 248, 63, 240, 189, 93, 92, 51, 53, 183, 19, 171, 72, 50,
    33, 104, 101, 69, 8, 252, 83, 120, 76, 135, 85, 54, 202, 125, 188, 213,
    96, 235, 136, 208, 162, 129, 190, 132, 156, 38, 47, 1, 7, 254, 24, 4,
    216, 131, 89, 21, 28, 133, 37, 153, 149, 80, 170, 68, 6, 169, 234, 151]


def bucket(mac):
    """The RFC 3074 hash of the MAC's bytes, last first, mod 2."""
    key = bytes.fromhex(mac.replace(":", ""))
    value = len(key)
    for byte in reversed(key):
        value = MIXING_TABLE[value ^ byte]
    return value % 2


def memory(path):
    """The clients' newest bindings and every ACK as (ms, server, mac)."""
    newest, acks = {}, []
    with open(path) as lines:
        for line in lines:
            fields = line.split()
            if len(fields) < 2:
                continue
            newest[fields[0]] = fields[1]
            if len(fields) >= 4:
                acks.append((int(fields[2]), fields[3], fields[0]))
    return newest, acks


def dump(path):
    held = {}
    with open(path) as lines:
        for line in lines:
            fields = line.split()
            if len(fields) >= 2:
                held.setdefault(fields[0], set()).add(fields[1].lower())
    return held


def takeover(path, kill_ms, survivor, of_bucket=None):
    _, acks = memory(path)
    after = [ms for ms, server, mac in acks if server == survivor and ms >= kill_ms
             and (of_bucket is None or bucket(mac) == of_bucket)]
    return min(after) - kill_ms if after else -1


def missing(path, dumps):
    newest, _ = memory(path)
    held = [dump(d) for d in dumps]
    return sum(1 for mac, addr in newest.items()
               if not any(mac.lower() in h.get(addr, ()) for h in held))


def reassigned(path, dumps):
    newest, _ = memory(path)
    held = [dump(d) for d in dumps]
    return sum(1 for mac, addr in newest.items()
               if not any(mac.lower() in h.get(addr, ()) for h in held)
               and any(h.get(addr) for h in held))


def doubles(path):
    newest, _ = memory(path)
    holders = {}
    for mac, addr in newest.items():
        holders.setdefault(addr, set()).add(mac)
    return sum(1 for macs in holders.values() if len(macs) > 1)


def disagree(path_a, path_b):
    a, b = dump(path_a), dump(path_b)
    return sum(1 for addr in a.keys() & b.keys() if a[addr] != b[addr])


def main(argv):
    if len(argv) in (5, 6) and argv[1] == "takeover":
        print(takeover(argv[2], int(argv[3]), argv[4], int(argv[5]) if len(argv) == 6 else None))
    elif len(argv) >= 3 and argv[1] == "missing":
        print(missing(argv[2], argv[3:]))
    elif len(argv) >= 3 and argv[1] == "reassigned":
        print(reassigned(argv[2], argv[3:]))
    elif len(argv) == 3 and argv[1] == "doubles":
        print(doubles(argv[2]))
    elif len(argv) == 4 and argv[1] == "disagree":
        print(disagree(argv[2], argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
