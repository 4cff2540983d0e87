/* A native test app that tries what a hostile app would, one attempt per first argument. Its exit
 * code says how far it got (0: the sandbox held everywhere); details go to standard output.
 *   read PATH...          read each PATH; exit: how many could be read
 *   write PATH...         create each PATH; exit: how many could be created
 *   socket                open an IPv4, IPv6, netlink and packet socket; exit: how many opened
 *   fds                   reach ".." through every descriptor from 3 to 1023; exit: how many could
 *   symlink TARGET NAME   replace NAME with a symbolic link to TARGET; exit 0 once made
 *   linger NAME SECONDS   start a child that tries setsid and setpgid and then a grandchild, both
 *                         named NAME and sleeping for 10 minutes; exit 0 after SECONDS
 *   forkbomb NAME         fork children named NAME that sleep, until a fork fails; print how many
 *                         forked; exit 7 when a fork failed
 *   nest DEPTH BYTES SECONDS
 *                         nest DEPTH directories "d", write BYTES to a file at the bottom, sleep
 *   hog BYTES COUNT SECONDS
 *                         COUNT processes each touch BYTES of memory, then sleep
 *   whoami                print the real and effective user ids */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void name_this(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }

static int try_read(int argc, char **argv) {
    int read_ok = 0;
    for (int i = 2; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        char buffer[64];
        if (fd >= 0 && read(fd, buffer, sizeof buffer) >= 0) { read_ok++; printf("read %s\n", argv[i]); }
        if (fd >= 0) close(fd);
    }
    return read_ok;
}

static int try_write(int argc, char **argv) {
    int written = 0;
    for (int i = 2; i < argc; i++) {
        int fd = open(argv[i], O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0) { written++; printf("wrote %s\n", argv[i]); close(fd); }
        else printf("cannot write %s: %s\n", argv[i], strerror(errno));
    }
    return written;
}

static int try_sockets(void) {
    int families[] = { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET };
    int opened = 0;
    for (unsigned i = 0; i < sizeof families / sizeof families[0]; i++) {
        int fd = socket(families[i], SOCK_DGRAM, 0);
        if (fd >= 0) { opened++; printf("opened a socket of family %d\n", families[i]); close(fd); }
        else printf("socket of family %d: %s\n", families[i], strerror(errno));
    }
    return opened;
}

static int try_descriptors(void) {
    int reached = 0;
    for (int fd = 3; fd < 1024; fd++) {
        int up = openat(fd, "..", O_RDONLY | O_DIRECTORY);
        if (up >= 0) { reached++; printf("descriptor %d leads out\n", fd); close(up); }
    }
    return reached;
}

static int linger(const char *name, unsigned seconds) {
    pid_t child = fork();
    if (child < 0) return 2;
    if (child == 0) {
        int session = setsid();
        int group = setpgid(0, 0);
        printf("setsid %s, setpgid %s\n", session < 0 ? "refused" : "worked", group < 0 ? "refused" : "worked");
        fflush(stdout);
        name_this(name);
        if (fork() == 0) { name_this(name); sleep(600); _exit(0); }
        sleep(600);
        _exit(0);
    }
    sleep(seconds);
    return 0;
}

static int fork_bomb(const char *name) {
    for (int forked = 0; forked < 100000; forked++) {
        pid_t pid = fork();
        if (pid == 0) { name_this(name); pause(); _exit(0); }
        if (pid < 0) { printf("forked %d, then: %s\n", forked, strerror(errno)); return 7; }
    }
    return 0;
}

static int nest(long depth, long long bytes, unsigned seconds) {
    for (long i = 0; i < depth; i++)
        if (mkdir("d", 0700) != 0 || chdir("d") != 0) { printf("stopped at depth %ld: %s\n", i, strerror(errno)); return 2; }
    static char block[65536];
    memset(block, 1, sizeof block);
    FILE *f = fopen("big", "w");
    if (!f) return 3;
    for (long long left = bytes; left > 0; left -= (long long)sizeof block)
        if (fwrite(block, 1, left < (long long)sizeof block ? (size_t)left : sizeof block, f) == 0) return 4;
    if (fclose(f) != 0) return 4;
    sleep(seconds);
    return 0;
}

static int hog(long long bytes, int count, unsigned seconds) {
    for (int i = 0; i < count; i++) {
        if (fork() == 0) {
            char *p = malloc((size_t)bytes);
            if (!p) _exit(4);
            for (long long j = 0; j < bytes; j += 4096) p[j] = 1;
            sleep(seconds);
            _exit(0);
        }
    }
    int status;
    while (wait(&status) > 0) {}
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) return 100;
    const char *mode = argv[1];
    if (strcmp(mode, "read") == 0) return try_read(argc, argv);
    if (strcmp(mode, "write") == 0) return try_write(argc, argv);
    if (strcmp(mode, "socket") == 0) return try_sockets();
    if (strcmp(mode, "fds") == 0) return try_descriptors();
    if (strcmp(mode, "symlink") == 0 && argc > 3) {
        unlink(argv[3]);
        return symlink(argv[2], argv[3]) == 0 ? 0 : 1;
    }
    if (strcmp(mode, "linger") == 0 && argc > 3) return linger(argv[2], (unsigned)atoi(argv[3]));
    if (strcmp(mode, "forkbomb") == 0 && argc > 2) return fork_bomb(argv[2]);
    if (strcmp(mode, "nest") == 0 && argc > 4) return nest(atol(argv[2]), atoll(argv[3]), (unsigned)atoi(argv[4]));
    if (strcmp(mode, "hog") == 0 && argc > 4) return hog(atoll(argv[2]), atoi(argv[3]), (unsigned)atoi(argv[4]));
    if (strcmp(mode, "whoami") == 0) { printf("%d %d\n", (int)getuid(), (int)geteuid()); return 0; }
    return 100;
}
