#!/usr/bin/python3
"""Checks for the HA harness (tests/ha/ha_powercut.sh), from the clients'
memory (bs-load's "MAC IP UNIX_MS SERVER_ID" log of every ACK) and the
servers' lease dumps ("ADDRESS MAC" lines, written by each adapter's
ha_dump_leases). Each subcommand prints one number.

  takeover MEMORY KILL_MS SURVIVOR_IP  ms from the cut to the survivor's
                                       first ACK after it (-1: none)
  missing MEMORY DUMP...               clients whose newest ACKed lease is
                                       in none of the dumps
  doubles MEMORY                       addresses two clients hold at once
                                       (their newest ACKs name the same one)
  disagree DUMP_A DUMP_B               addresses the two servers give to
                                       different clients
"""
import sys


def memory(path):
    """The clients' newest bindings and every ACK as (ms, server)."""
    newest, acks = {}, []
    with open(path) as lines:
        for line in lines:
            fields = line.split()
            if len(fields) < 2:
                continue
            newest[fields[0]] = fields[1]
            if len(fields) >= 4:
                acks.append((int(fields[2]), fields[3]))
    return newest, acks


def dump(path):
    held = {}
    with open(path) as lines:
        for line in lines:
            fields = line.split()
            if len(fields) >= 2:
                held.setdefault(fields[0], set()).add(fields[1].lower())
    return held


def takeover(path, kill_ms, survivor):
    _, acks = memory(path)
    after = [ms for ms, server in acks if server == survivor and ms >= kill_ms]
    return min(after) - kill_ms if after else -1


def missing(path, dumps):
    newest, _ = memory(path)
    held = [dump(d) for d in dumps]
    return sum(1 for mac, addr in newest.items()
               if not any(mac.lower() in h.get(addr, ()) for h in held))


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
    if len(argv) >= 4 and argv[1] == "takeover":
        print(takeover(argv[2], int(argv[3]), argv[4]))
    elif len(argv) >= 3 and argv[1] == "missing":
        print(missing(argv[2], argv[3:]))
    elif len(argv) == 3 and argv[1] == "doubles":
        print(doubles(argv[2]))
    elif len(argv) == 4 and argv[1] == "disagree":
        print(disagree(argv[2], argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
