#!/usr/bin/env python3
"""Combines the work units' results into one estimate of the integral of exp(-|x|^2) over
the unit 5-cube, with its standard error, and compares it with the exact value
(sqrt(pi)/2 * erf(1))^5.

RESULTS holds each work unit's canonical output as RESULTS/<unit name>/result, one line
"samples sum sum_of_squares". Exits 1 if a result is malformed or the estimate is more than
five standard errors from the exact value."""
import argparse
import math
import os
import sys

EXACT = (math.sqrt(math.pi) / 2 * math.erf(1)) ** 5


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", help="directory holding <unit name>/result for each work unit")
    args = parser.parse_args()

    n = total = total2 = 0.0
    units = 0
    for name in sorted(os.listdir(args.results)):
        path = os.path.join(args.results, name, "result")
        if not os.path.isfile(path):
            continue
        with open(path) as result:
            fields = result.read().split()
        try:
            samples, s, s2 = int(fields[0]), float(fields[1]), float(fields[2])
        except (IndexError, ValueError):
            sys.exit("assemble: %s is not \"samples sum sum_of_squares\"" % path)
        if samples <= 0 or not 0 <= s <= samples or not 0 <= s2 <= samples:
            sys.exit("assemble: %s holds impossible values" % path)
        n += samples
        total += s
        total2 += s2
        units += 1
    if units == 0:
        sys.exit("assemble: no <unit>/result files in %s" % args.results)

    mean = total / n
    variance = max(total2 / n - mean * mean, 0.0)
    error = math.sqrt(variance / n)
    sigmas = abs(mean - EXACT) / error if error else float("inf")
    print("units: %d, samples: %d" % (units, n))
    print("estimate: %.10f +- %.2e" % (mean, error))
    print("exact:    %.10f (%.2f standard errors away)" % (EXACT, sigmas))
    return 0 if sigmas <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
