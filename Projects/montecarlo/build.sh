#!/bin/sh
# Rebuilds app/montecarlo-linux-x86_64: a static x86-64 Linux executable, so that it runs on
# any donor's distribution. Built with musl (Debian: apt-get install musl-tools) for a small
# binary; CC=cc ./build.sh builds against glibc's static libraries instead (about 800 KB).
# -ffp-contract=off: no fused multiply-add, so the arithmetic is the same on every x86-64
# host; a different libm exp() may still change the last bits (hence fuzzy validation).
set -eu
cd "$(dirname "$0")"
CC="${CC:-musl-gcc}"
mkdir -p app
"$CC" -O2 -ffp-contract=off -fno-fast-math -I../common -Wall -Wextra -Werror -static -s \
    -o app/montecarlo-linux-x86_64 src/montecarlo.c ../common/platform_posix.c -lm
