#!/usr/bin/env python3
"""Joins the tiles of a Mandelbrot run into one PNG image (standard library only).

UNITS is the directory generate.py wrote (one file per tile, named mandelbrot-rROW-cCOLUMN);
RESULTS holds each work unit's canonical output as RESULTS/<unit name>/tile. A tile with no
result is drawn grey and named on standard error."""
import argparse
import math
import os
import re
import struct
import sys
import zlib

NAME = re.compile(r"^mandelbrot-r(\d+)-c(\d+)$")


def palette(maxiter):
    """Colour for each iteration count: a cyclic blue-gold ramp on a log scale; black inside."""
    colours = []
    for k in range(maxiter + 1):
        if k == maxiter:
            colours.append(b"\x00\x00\x00")
            continue
        t = math.log1p(k) * 0.9
        r = 0.5 + 0.5 * math.cos(t + 3.6)
        g = 0.5 + 0.5 * math.cos(t + 4.2)
        b = 0.5 + 0.5 * math.cos(t + 5.0)
        colours.append(bytes((int(255 * r), int(255 * g), int(255 * b))))
    return colours


def write_png(path, width, height, rows):
    """Writes 8-bit RGB rows (bytes of width*3 each) as a PNG file."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + row for row in rows)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        out.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        out.write(chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("units", help="directory of work-unit files from generate.py")
    parser.add_argument("results", help="directory holding <unit name>/tile for each work unit")
    parser.add_argument("png", help="the image to write")
    args = parser.parse_args()

    tiles = {}
    for name in sorted(os.listdir(args.units)):
        match = NAME.match(name)
        if not match:
            continue
        with open(os.path.join(args.units, name)) as unit:
            fields = unit.read().split()
        tiles[(int(match.group(1)), int(match.group(2)))] = (name, int(fields[0]), int(fields[1]), int(fields[2]))
    if not tiles:
        sys.exit("assemble: no mandelbrot-rROW-cCOLUMN files in %s" % args.units)
    sides = {(w, h, m) for (_, w, h, m) in tiles.values()}
    if len(sides) != 1:
        sys.exit("assemble: the tiles differ in size or maxiter: %s" % sorted(sides))
    tile_w, tile_h, maxiter = sides.pop()
    rows = 1 + max(r for r, _ in tiles)
    columns = 1 + max(c for _, c in tiles)
    width, height = columns * tile_w, rows * tile_h

    colours = palette(maxiter)
    image = [bytearray(b"\x60\x60\x60" * width) for _ in range(height)]
    missing = 0
    for (row, column), (name, _, _, _) in sorted(tiles.items()):
        path = os.path.join(args.results, name, "tile")
        try:
            with open(path, "rb") as result:
                data = result.read()
        except OSError:
            print("assemble: no result for %s (%s)" % (name, path), file=sys.stderr)
            missing += 1
            continue
        if len(data) != tile_w * tile_h * 4:
            sys.exit("assemble: %s has %d bytes, expected %d" % (path, len(data), tile_w * tile_h * 4))
        counts = struct.unpack("<%dI" % (tile_w * tile_h), data)
        if max(counts) > maxiter:
            sys.exit("assemble: %s has an iteration count above maxiter %d" % (path, maxiter))
        for y in range(tile_h):
            line = b"".join(colours[k] for k in counts[y * tile_w:(y + 1) * tile_w])
            x = column * tile_w * 3
            image[row * tile_h + y][x:x + tile_w * 3] = line
    write_png(args.png, width, height, [bytes(line) for line in image])
    print("wrote %s: %dx%d pixels from %d tiles (%d missing)" % (args.png, width, height, len(tiles) - missing, missing))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
