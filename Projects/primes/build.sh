#!/bin/sh
# Rebuilds app/primes.wasm from src/ with the Swift toolchain's clang (no libc:
# the app calls WASI preview 1 imports itself, see ../common/platform_wasi.c).
# Optional: CLANG=/path/to/clang ./build.sh ; ./build.sh native DIR  also builds
# DIR/primes-native with the system cc (for benchmarks; not an app version).
set -eu
cd "$(dirname "$0")"
SWIFT_CLANG=/opt/swift/usr/bin/clang
if [ -x "$SWIFT_CLANG" ]; then DEFAULT_CLANG="$SWIFT_CLANG"; else DEFAULT_CLANG=clang; fi
CLANG="${CLANG:-$DEFAULT_CLANG}"
mkdir -p app
"$CLANG" --target=wasm32 -nostdlib -fno-builtin -O2 -I../common -Wall -Wextra -Werror \
    -Wl,--no-entry -Wl,--export=_start -Wl,--strip-all \
    -o app/primes.wasm src/primes.c ../common/platform_wasi.c
if [ "${1:-}" = native ]; then
    mkdir -p "${2:?usage: build.sh native DIR}"
    cc -O2 -I../common -Wall -Wextra -Werror -o "$2/primes-native" src/primes.c ../common/platform_posix.c
fi
