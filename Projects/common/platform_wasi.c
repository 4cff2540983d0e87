/* platform.h over WASI preview 1, without libc: the module imports only the
 * functions below. Files are opened relative to the preopened directory
 * named "." (the task directory). */
#include "platform.h"

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

typedef struct { const void *buf; uint32_t len; } ciovec;
typedef struct { void *buf; uint32_t len; } iovec;
typedef struct { uint8_t tag; uint32_t name_len; } prestat;

WASI(fd_read) uint16_t wasi_fd_read(int fd, const iovec *iovs, uint32_t n, uint32_t *nread);
WASI(fd_write) uint16_t wasi_fd_write(int fd, const ciovec *iovs, uint32_t n, uint32_t *nwritten);
WASI(fd_close) uint16_t wasi_fd_close(int fd);
WASI(fd_datasync) uint16_t wasi_fd_datasync(int fd);
WASI(fd_prestat_get) uint16_t wasi_fd_prestat_get(int fd, prestat *out);
WASI(fd_prestat_dir_name) uint16_t wasi_fd_prestat_dir_name(int fd, char *path, uint32_t len);
WASI(path_open) uint16_t wasi_path_open(int dirfd, uint32_t dirflags, const char *path, uint32_t path_len,
                                        uint16_t oflags, uint64_t rights_base, uint64_t rights_inheriting,
                                        uint16_t fdflags, int *opened);
WASI(path_rename) uint16_t wasi_path_rename(int fd, const char *old_path, uint32_t old_len,
                                            int new_fd, const char *new_path, uint32_t new_len);
WASI(proc_exit) _Noreturn void wasi_proc_exit(uint32_t code);

#define OFLAGS_CREAT 1
#define OFLAGS_TRUNC 8
#define RIGHTS_ALL 0x1FFFFFFFull

static size_t length(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/* The preopened directory named ".", found once by walking the preopens. */
static int task_dir(void) {
    static int found = -1;
    for (int fd = 3; found < 0 && fd < 64; fd++) {
        prestat p;
        char name[2];
        if (wasi_fd_prestat_get(fd, &p) != 0) break;
        if (p.tag == 0 && p.name_len == 1 && wasi_fd_prestat_dir_name(fd, name, 1) == 0 && name[0] == '.')
            found = fd;
    }
    return found;
}

long plat_read_file(const char *path, void *buf, size_t cap) {
    int fd;
    if (task_dir() < 0 || wasi_path_open(task_dir(), 0, path, length(path), 0, RIGHTS_ALL, RIGHTS_ALL, 0, &fd) != 0)
        return -1;
    size_t total = 0;
    while (total < cap) {
        iovec v = { (char *)buf + total, (uint32_t)(cap - total) };
        uint32_t got = 0;
        if (wasi_fd_read(fd, &v, 1, &got) != 0) { wasi_fd_close(fd); return -1; }
        if (got == 0) break;
        total += got;
    }
    wasi_fd_close(fd);
    return (long)total;
}

static int write_all(int fd, const void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ciovec v = { (const char *)buf + done, (uint32_t)(len - done) };
        uint32_t wrote = 0;
        if (wasi_fd_write(fd, &v, 1, &wrote) != 0 || wrote == 0) return -1;
        done += wrote;
    }
    return 0;
}

int plat_write_file(const char *path, const void *buf, size_t len) {
    char tmp[256];
    size_t n = length(path);
    if (task_dir() < 0 || n + 5 > sizeof tmp) return -1;
    for (size_t i = 0; i < n; i++) tmp[i] = path[i];
    tmp[n] = '.'; tmp[n + 1] = 't'; tmp[n + 2] = 'm'; tmp[n + 3] = 'p'; tmp[n + 4] = 0;
    int fd;
    if (wasi_path_open(task_dir(), 0, tmp, n + 4, OFLAGS_CREAT | OFLAGS_TRUNC, RIGHTS_ALL, RIGHTS_ALL, 0, &fd) != 0)
        return -1;
    int failed = write_all(fd, buf, len) != 0 || wasi_fd_datasync(fd) != 0;
    wasi_fd_close(fd);
    if (failed) return -1;
    return wasi_path_rename(task_dir(), tmp, n + 4, task_dir(), path, n) == 0 ? 0 : -1;
}

void plat_log(const char *message) {
    ciovec v[2] = { { message, (uint32_t)length(message) }, { "\n", 1 } };
    uint32_t wrote;
    wasi_fd_write(2, v, 2, &wrote);
}

void _start(void) {
    wasi_proc_exit((uint32_t)app_main());
}
