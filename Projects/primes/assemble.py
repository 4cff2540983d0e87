#!/usr/bin/env python3
"""Adds up the prime counts of a primes run and checks the total against pi(x).

UNITS is the directory generate.py wrote (files primes-NNNNN holding "lo hi"); RESULTS holds
each work unit's canonical output as RESULTS/<unit name>/count. The ranges must tile
[0, x) without gaps or overlaps; when x has a published pi(x) (powers of ten up to 10^12,
and 2, 4 and 5 x 10^9) the total is compared with it. Exits 1 on a missing result, a gap, or a wrong total."""
import argparse
import os
import sys

PUBLISHED = {10**k: v for k, v in enumerate(
    [0, 4, 25, 168, 1229, 9592, 78498, 664579, 5761455, 50847534, 455052511, 4118054813, 37607912018])}
PUBLISHED.update({2 * 10**9: 98222287, 4 * 10**9: 189961812, 5 * 10**9: 234954223})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("units", help="directory of work-unit files from generate.py")
    parser.add_argument("results", help="directory holding <unit name>/count for each work unit")
    args = parser.parse_args()

    ranges = []
    for name in sorted(os.listdir(args.units)):
        if not name.startswith("primes-"):
            continue
        with open(os.path.join(args.units, name)) as unit:
            lo, hi = (int(field) for field in unit.read().split()[:2])
        ranges.append((lo, hi, name))
    if not ranges:
        sys.exit("assemble: no primes-* files in %s" % args.units)
    ranges.sort()

    total, missing, expected_lo = 0, [], 0
    for lo, hi, name in ranges:
        if lo != expected_lo:
            sys.exit("assemble: the ranges leave a gap or overlap at %d (%s starts at %d)" % (expected_lo, name, lo))
        expected_lo = hi
        path = os.path.join(args.results, name, "count")
        try:
            with open(path) as result:
                total += int(result.read().strip())
        except (OSError, ValueError):
            missing.append(name)
    upto = expected_lo
    if missing:
        print("assemble: %d units have no valid result, e.g. %s" % (len(missing), ", ".join(missing[:5])), file=sys.stderr)
        return 1
    print("pi(%d) = %d" % (upto, total))
    if ranges[0][0] == 0 and upto in PUBLISHED:
        if total != PUBLISHED[upto]:
            print("WRONG: the published value is %d" % PUBLISHED[upto])
            return 1
        print("matches the published value")
    return 0


if __name__ == "__main__":
    sys.exit(main())
