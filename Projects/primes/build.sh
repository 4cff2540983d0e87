#!/bin/sh
# Rebuilds app/primes.wasm from src/ with the Swift toolchain's clang (no libc:
# the app calls WASI preview 1 imports itself, see ../common/platform_wasi.c).
# Optional: CLANG=/path/to/clang ./build.sh ; ./build.sh native DIR  also builds
# DIR/primes-native with the system cc (for benchmarks; not an app version).
set -eu
cd "$(dirname "$0")"
. ../common/toolchain.sh
mkdir -p app
# shellcheck disable=SC2086
"$CLANG" $WASM_FLAGS -o app/primes.wasm src/primes.c ../common/platform_wasi.c
if [ "${1:-}" = native ]; then
    mkdir -p "${2:?usage: build.sh native DIR}"
    cc -O2 -I../common -Wall -Wextra -Werror -o "$2/primes-native" src/primes.c ../common/platform_posix.c
fi
