#!/usr/bin/python3
"""One rate step of the HA benchmark (tests/ha/ha_bench.sh), read the way
the peer benchmark reads it (bench/peer/generators.py, whose parsers this
reuses): prints "SERVED_PER_S DROP_PCT REQUEST_ACK_P99_MS" (p99 "-" when
nothing was ACKed).

  ha_bench_parse.py perfdhcp|bs-load OUTPUT PERIOD_S
"""
import os
import sys
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from bench.peer.generators import BsLoad, Perfdhcp  # noqa: E402


def main(argv):
    if len(argv) != 4 or argv[1] not in ("perfdhcp", "bs-load"):
        sys.exit(__doc__)
    parser = Perfdhcp() if argv[1] == "perfdhcp" else BsLoad("bs-load")
    args = types.SimpleNamespace(period=float(argv[3]))
    step = parser.parse(argv[2], os.devnull, args)
    p99 = step.get("ra_p99_ms")
    print(f"{step['served_rate']:.0f} {step['drop_pct']:.3f} "
          + ("-" if p99 is None else f"{p99:.2f}"))


if __name__ == "__main__":
    main(sys.argv)
