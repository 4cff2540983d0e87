# Sourced by each project's build.sh: CLANG is the compiler for wasm32 app versions (the Swift
# toolchain's clang unless CLANG is set), WASM_FLAGS the flags every wasm app is built with
# (no libc: the apps call WASI preview 1 imports through platform_wasi.c).
SWIFT_CLANG=/opt/swift/usr/bin/clang
if [ -x "$SWIFT_CLANG" ]; then DEFAULT_CLANG="$SWIFT_CLANG"; else DEFAULT_CLANG=clang; fi
CLANG="${CLANG:-$DEFAULT_CLANG}"
WASM_FLAGS="--target=wasm32 -nostdlib -fno-builtin -O2 -I../common -Wall -Wextra -Werror -Wl,--no-entry -Wl,--export=_start -Wl,--strip-all"
