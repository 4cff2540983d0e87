#!/bin/sh
# Rebuilds app/mandelbrot.wasm from src/ with the Swift toolchain's clang (no libc: the
# app calls WASI preview 1 imports itself, see ../common/platform_wasi.c). -ffp-contract=off keeps
# a*b+c as two roundings, as the WebAssembly spec requires anyway.
# Optional: CLANG=/path/to/clang ./build.sh ; ./build.sh native DIR  also builds
# DIR/mandelbrot-native with the system cc (for comparisons; not an app version).
set -eu
cd "$(dirname "$0")"
. ../common/toolchain.sh
mkdir -p app
# shellcheck disable=SC2086
"$CLANG" $WASM_FLAGS -ffp-contract=off -o app/mandelbrot.wasm src/mandelbrot.c ../common/platform_wasi.c
if [ "${1:-}" = native ]; then
    mkdir -p "${2:?usage: build.sh native DIR}"
    cc -O2 -ffp-contract=off -I../common -Wall -Wextra -Werror -o "$2/mandelbrot-native" src/mandelbrot.c ../common/platform_posix.c
fi
