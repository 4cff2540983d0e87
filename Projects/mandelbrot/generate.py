#!/usr/bin/env python3
"""Writes one work unit per tile of a Mandelbrot image: DIR/<name> holds the text that the
app reads as in/tile ("width height maxiter x0 y0 step"; x0, y0 and step as the 16 hex
digits of an IEEE-754 double, so that every host computes with exactly the same numbers).
The file names, mandelbrot-rROW-cCOLUMN, tell assemble.py where each tile goes.

Default: a 1536x1024 view of Seahorse Valley, 8.4e-5 wide (a zoom of about 36 000x),
in 96 tiles of 128x128 pixels."""
import argparse
import os
import struct
import sys


def double_hex(value):
    """The 16 hex digits of value's IEEE-754 bits."""
    return "%016x" % struct.unpack("<Q", struct.pack("<d", value))[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", help="where to write the work-unit files (created if missing)")
    parser.add_argument("--center-x", type=float, default=-0.7436438870371587)
    parser.add_argument("--center-y", type=float, default=0.13182590420531198)
    parser.add_argument("--view-width", type=float, default=8.4e-5, help="width of the view in the complex plane")
    parser.add_argument("--width", type=int, default=1536, help="image width in pixels")
    parser.add_argument("--height", type=int, default=1024, help="image height in pixels")
    parser.add_argument("--tile", type=int, default=128, help="tile side in pixels (1..1024)")
    parser.add_argument("--maxiter", type=int, default=4000, help="iteration limit (1..10^6)")
    args = parser.parse_args()

    if not 1 <= args.tile <= 1024:
        parser.error("--tile must be in 1..1024")
    if not 1 <= args.maxiter <= 10**6:
        parser.error("--maxiter must be in 1..10^6")
    if args.width < 1 or args.height < 1 or args.width % args.tile or args.height % args.tile:
        parser.error("--width and --height must be positive multiples of --tile")
    if not args.view_width > 0:
        parser.error("--view-width must be positive")

    step = args.view_width / args.width
    left = args.center_x - step * (args.width - 1) / 2
    top = args.center_y + step * (args.height - 1) / 2
    os.makedirs(args.directory, exist_ok=True)
    count = 0
    for row in range(args.height // args.tile):
        for column in range(args.width // args.tile):
            name = "mandelbrot-r%03d-c%03d" % (row, column)
            x0 = left + column * args.tile * step
            y0 = top - row * args.tile * step
            with open(os.path.join(args.directory, name), "w") as unit:
                unit.write("%d %d %d %s %s %s\n" % (args.tile, args.tile, args.maxiter,
                                                    double_hex(x0), double_hex(y0), double_hex(step)))
            count += 1
    print("wrote %d work units to %s" % (count, args.directory))


if __name__ == "__main__":
    sys.exit(main())
