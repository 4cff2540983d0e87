/* A native test app with one behaviour per first argument:
 *   burn SECONDS [THREADS]
 *                  spin on the CPU in THREADS threads (default 1) until the process has used
 *                  SECONDS of CPU time (0: forever); exit 7 if a thread cannot start
 *   alloc BYTES    allocate and touch BYTES of memory; exit 4 if malloc fails
 *   connect PORT   TCP-connect to 127.0.0.1:PORT; exit 0 if connected, 3 if not
 *   write BYTES [FILES [SECONDS]]
 *                  write FILES files (default 1) of BYTES bytes, named big0, big1, ... in the
 *                  working directory, then sleep SECONDS
 *   whoami         print the working directory and $HOME, one per line */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long long burn_seconds;

static void *burn(void *unused) {
    volatile unsigned long long x = 0;
    while (burn_seconds == 0 || cpu_seconds() < (double)burn_seconds)
        for (int i = 0; i < 1000000; i++) x += (unsigned long long)i;
    return unused;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *mode = argv[1];
    long long value = argc > 2 ? atoll(argv[2]) : 0;
    if (strcmp(mode, "burn") == 0) {
        burn_seconds = value;
        int threads = argc > 3 ? atoi(argv[3]) : 1;
        pthread_t others[threads > 1 ? threads - 1 : 1];
        for (int n = 0; n < threads - 1; n++)
            if (pthread_create(&others[n], NULL, burn, NULL) != 0) return 7;
        burn(NULL);
        for (int n = 0; n < threads - 1; n++) pthread_join(others[n], NULL);
        return 0;
    }
    if (strcmp(mode, "alloc") == 0) {
        char *p = malloc((size_t)value);
        if (!p) return 4;
        for (long long i = 0; i < value; i += 4096) p[i] = 1;
        return 0;
    }
    if (strcmp(mode, "connect") == 0) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)value) };
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return fd >= 0 && connect(fd, (struct sockaddr *)&address, sizeof address) == 0 ? 0 : 3;
    }
    if (strcmp(mode, "write") == 0) {
        static char block[65536];
        int files = argc > 3 ? atoi(argv[3]) : 1;
        for (int n = 0; n < files; n++) {
            char name[32];
            snprintf(name, sizeof name, "big%d", n);
            FILE *f = fopen(name, "w");
            if (!f) return 5;
            for (long long left = value; left > 0; left -= (long long)sizeof block) {
                memset(block, n + 1, sizeof block);
                if (fwrite(block, 1, left < (long long)sizeof block ? (size_t)left : sizeof block, f) == 0) return 6;
            }
            if (fclose(f) != 0) return 6;
        }
        sleep(argc > 4 ? (unsigned)atoi(argv[4]) : 0);
        return 0;
    }
    if (strcmp(mode, "whoami") == 0) {
        char cwd[4096];
        printf("%s\n%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?", getenv("HOME") ? getenv("HOME") : "?");
        return 0;
    }
    return 2;
}
