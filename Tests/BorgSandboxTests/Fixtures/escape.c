/* A WebAssembly test app (built with Projects/primes/src/platform_wasi.c) that tries to read
 * files outside its task directory. Exits 10 if it cannot read in/inside (the control), else
 * the number of outside files it could read: 0 means the sandbox held. */
#include "platform.h"

int app_main(void) {
    static char buffer[4096];
    if (plat_read_file("in/inside", buffer, sizeof buffer) <= 0) return 10;
    int escapes = 0;
    const char *outside[] = { "../outside", "in/../../outside", "/etc/passwd", "in/link-out" };
    for (unsigned i = 0; i < sizeof outside / sizeof outside[0]; i++)
        if (plat_read_file(outside[i], buffer, sizeof buffer) >= 0) escapes++;
    return escapes;
}
