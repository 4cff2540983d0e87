/* A WebAssembly test app (built with Projects/common/platform_wasi.c) that tries what a hostile app
 * would, one attempt per first argument; exit 0 means the sandbox held.
 *   symlink TARGET NAME   make NAME a symbolic link to TARGET; exit 1 if it was made
 *   write PATH...         create each PATH; exit: how many could be created
 *   fill BYTES            write BYTES to out/big, then spin until killed or out of fuel
 *   nest DEPTH BYTES      nest DEPTH directories "d" (holding one descriptor at a time), write BYTES
 *                         to a file at the bottom, then spin until killed or out of fuel */
#include "platform.h"

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

typedef struct { const void *buf; uint32_t len; } ciovec;

WASI(args_sizes_get) uint16_t wasi_args_sizes_get(uint32_t *count, uint32_t *size);
WASI(args_get) uint16_t wasi_args_get(char **argv, char *buffer);
WASI(path_symlink) uint16_t wasi_path_symlink(const char *old_path, uint32_t old_len, int fd, const char *new_path,
                                              uint32_t new_len);
WASI(path_create_directory) uint16_t wasi_path_create_directory(int fd, const char *path, uint32_t len);
WASI(path_open) uint16_t wasi_path_open(int dirfd, uint32_t dirflags, const char *path, uint32_t path_len,
                                        uint16_t oflags, uint64_t rights_base, uint64_t rights_inheriting,
                                        uint16_t fdflags, int *opened);
WASI(fd_write) uint16_t wasi_fd_write(int fd, const ciovec *iovs, uint32_t n, uint32_t *nwritten);
WASI(fd_close) uint16_t wasi_fd_close(int fd);

#define OFLAGS_CREAT 1
#define OFLAGS_DIRECTORY 2
#define OFLAGS_EXCL 4
#define RIGHTS_ALL 0x1FFFFFFFull
/* A directory is opened without fd_read and fd_write, which would ask the host for O_RDWR. */
#define RIGHTS_DIRECTORY (RIGHTS_ALL & ~0x42ull)
/* The task directory is the only preopen, right after standard input, output and error. */
#define TASK_DIR 3

static uint32_t length(const char *s) {
    uint32_t n = 0;
    while (s[n]) n++;
    return n;
}

static int same(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

static long long number(const char *s) {
    long long n = 0;
    while (*s >= '0' && *s <= '9') n = n * 10 + (*s++ - '0');
    return n;
}

static char block[65536];

static int write_bytes(int dir, const char *name, long long bytes) {
    int fd;
    if (wasi_path_open(dir, 0, name, length(name), OFLAGS_CREAT, RIGHTS_ALL, RIGHTS_ALL, 0, &fd) != 0) return -1;
    for (long long left = bytes; left > 0;) {
        ciovec v = { block, (uint32_t)(left < (long long)sizeof block ? left : (long long)sizeof block) };
        uint32_t wrote = 0;
        if (wasi_fd_write(fd, &v, 1, &wrote) != 0 || wrote == 0) { wasi_fd_close(fd); return -1; }
        left -= wrote;
    }
    return wasi_fd_close(fd) == 0 ? 0 : -1;
}

static void spin(void) {
    for (volatile unsigned long n = 0;; n++) {}
}

int app_main(void) {
    static char buffer[4096];
    static char *argv[16];
    uint32_t argc = 0, size = 0;
    if (wasi_args_sizes_get(&argc, &size) != 0 || argc < 2 || argc > 16 || size > sizeof buffer) return 100;
    if (wasi_args_get(argv, buffer) != 0) return 100;
    const char *mode = argv[1];
    if (same(mode, "symlink") && argc > 3) {
        uint16_t error = wasi_path_symlink(argv[2], length(argv[2]), TASK_DIR, argv[3], length(argv[3]));
        plat_log(error == 0 ? "symlink made" : "symlink refused");
        return error == 0 ? 1 : 0;
    }
    if (same(mode, "write")) {
        int written = 0;
        for (uint32_t i = 2; i < argc; i++) {
            int fd;
            if (wasi_path_open(TASK_DIR, 0, argv[i], length(argv[i]), OFLAGS_CREAT | OFLAGS_EXCL, RIGHTS_ALL, RIGHTS_ALL,
                               0, &fd) == 0) {
                written++;
                wasi_fd_close(fd);
            }
        }
        return written;
    }
    if (same(mode, "fill") && argc > 2) {
        if (write_bytes(TASK_DIR, "out/big", number(argv[2])) != 0) return 3;
        spin();
    }
    if (same(mode, "nest") && argc > 3) {
        int dir = TASK_DIR;
        for (long long depth = number(argv[2]); depth > 0; depth--) {
            int child;
            if (wasi_path_create_directory(dir, "d", 1) != 0) return 2;
            if (wasi_path_open(dir, 0, "d", 1, OFLAGS_DIRECTORY, RIGHTS_DIRECTORY, RIGHTS_ALL, 0, &child) != 0) return 2;
            if (dir != TASK_DIR) wasi_fd_close(dir);
            dir = child;
        }
        if (write_bytes(dir, "big", number(argv[3])) != 0) return 3;
        spin();
    }
    return 100;
}
