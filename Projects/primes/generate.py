#!/usr/bin/env python3
"""Splits [0, UPTO) into work units: DIR/primes-NNNNN holds "lo hi", the text the app reads
as in/range. The default, 10^9 in 100 units of 10^7, makes 100 small tasks whose counts
add up to pi(10^9) = 50847534."""
import argparse
import os
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", help="where to write the work-unit files (created if missing)")
    parser.add_argument("--upto", type=int, default=10**9, help="count the primes below this (<= 10^12)")
    parser.add_argument("--units", type=int, default=100, help="number of work units")
    args = parser.parse_args()
    if not 2 <= args.upto <= 10**12:
        parser.error("--upto must be in 2..10^12")
    if not 1 <= args.units <= args.upto:
        parser.error("--units must be in 1..upto")

    os.makedirs(args.directory, exist_ok=True)
    width = len(str(args.units - 1))
    for unit in range(args.units):
        lo = args.upto * unit // args.units
        hi = args.upto * (unit + 1) // args.units
        with open(os.path.join(args.directory, "primes-%0*d" % (max(width, 5), unit)), "w") as out:
            out.write("%d %d\n" % (lo, hi))
    print("wrote %d work units covering [0, %d) to %s" % (args.units, args.upto, args.directory))


if __name__ == "__main__":
    sys.exit(main())
