/* The little an app needs from its host: whole-file reads, atomic whole-file
 * writes, a log line and an exit code. Implemented twice: platform_wasi.c
 * (WASI preview 1 imports, no libc) and platform_posix.c (libc, for native
 * builds and benchmarks). Paths are relative to the task directory. */
#ifndef BORG_PLATFORM_H
#define BORG_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Reads up to cap bytes of path into buf; returns the length or -1. */
long plat_read_file(const char *path, void *buf, size_t cap);

/* Writes len bytes to path through a temporary file, a sync and a rename,
 * so a reader sees the old contents or the new, never a torn file.
 * Returns 0 or -1. */
int plat_write_file(const char *path, const void *buf, size_t len);

/* Writes a message to standard error. */
void plat_log(const char *message);

/* The app's entry point; its return value is the process exit code. */
int app_main(void);

#endif
