/* platform.h over POSIX, for native builds of the same app. */
#include "platform.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

long plat_read_file(const char *path, void *buf, size_t cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t total = 0;
    while (total < cap) {
        ssize_t got = read(fd, (char *)buf + total, cap - total);
        if (got < 0) { close(fd); return -1; }
        if (got == 0) break;
        total += (size_t)got;
    }
    close(fd);
    return (long)total;
}

int plat_write_file(const char *path, const void *buf, size_t len) {
    char tmp[256];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t wrote = write(fd, (const char *)buf + done, len - done);
        if (wrote <= 0) { close(fd); return -1; }
        done += (size_t)wrote;
    }
    int failed = fdatasync(fd) != 0;
    close(fd);
    if (failed) return -1;
    return rename(tmp, path) == 0 ? 0 : -1;
}

void plat_log(const char *message) {
    fprintf(stderr, "%s\n", message);
}

int main(void) {
    return app_main();
}
