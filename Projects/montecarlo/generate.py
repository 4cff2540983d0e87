#!/usr/bin/env python3
"""Writes one work unit per file: DIR/montecarlo-NNNNN holds "seed samples", the text the
app reads as in/params. Each unit gets its own seed (base seed + unit number), so the units
draw independent streams of points and together estimate the integral with
units x samples points."""
import argparse
import os
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", help="where to write the work-unit files (created if missing)")
    parser.add_argument("--units", type=int, default=100, help="number of work units")
    parser.add_argument("--samples", type=int, default=50_000_000, help="points per work unit (<= 10^12)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the first unit")
    args = parser.parse_args()
    if args.units < 1:
        parser.error("--units must be positive")
    if not 1 <= args.samples <= 10**12:
        parser.error("--samples must be in 1..10^12")
    if not 0 <= args.seed < 2**64 - args.units:
        parser.error("--seed must be in 0..2^64-units")

    os.makedirs(args.directory, exist_ok=True)
    for unit in range(args.units):
        with open(os.path.join(args.directory, "montecarlo-%05d" % unit), "w") as out:
            out.write("%d %d\n" % (args.seed + unit, args.samples))
    print("wrote %d work units of %d samples to %s" % (args.units, args.samples, args.directory))


if __name__ == "__main__":
    sys.exit(main())
