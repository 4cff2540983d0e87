/* Counts the primes in [lo, hi) with a segmented sieve of Eratosthenes.
 *
 * Input  in/range : "lo hi" or "lo hi every" (decimal; hi <= 10^12; every =
 *                   numbers sieved between checkpoints, default 2^24).
 * Output out/count: the count in decimal, then a newline.
 * Checkpoint      : file "checkpoint" in the task directory, "lo hi next count";
 *                   a restarted run resumes from it when lo and hi match.
 * Exit codes      : 0 done, 2 bad input, 3 cannot write a file. */
#include "platform.h"

#define MAX_HI 1000000000000ull          /* so sqrt(hi) fits the base sieve */
#define BASE_LIMIT 1000001u              /* sieve base primes below this */
#define SEGMENT_BYTES 32768u             /* one byte per odd number */
#define DEFAULT_EVERY (1ull << 24)

static uint8_t base_sieve[BASE_LIMIT];
static uint32_t base_primes[80000];      /* odd primes below 10^6: 78497 */
static uint8_t segment[SEGMENT_BYTES];

/* Parses the decimal numbers in text into values; returns how many. */
static int parse_numbers(const char *text, long len, uint64_t *values, int max) {
    int count = 0;
    long i = 0;
    while (i < len && count < max) {
        while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) i++;
        if (i >= len) break;
        if (text[i] < '0' || text[i] > '9') return -1;
        uint64_t v = 0;
        while (i < len && text[i] >= '0' && text[i] <= '9') {
            if (v > (UINT64_MAX - 9) / 10) return -1;
            v = v * 10 + (uint64_t)(text[i++] - '0');
        }
        if (i < len && !(text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) return -1;
        values[count++] = v;
    }
    return count;
}

/* Appends v in decimal to out; returns the new end. */
static char *put_number(char *out, uint64_t v) {
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *out++ = digits[--n];
    return out;
}

static uint64_t isqrt(uint64_t n) {
    uint64_t r = 0;
    for (uint64_t bit = 1ull << 62; bit; bit >>= 2) {
        if (n >= r + bit) { n -= r + bit; r = (r >> 1) + bit; } else r >>= 1;
    }
    return r;
}

/* Fills base_primes with the odd primes <= limit; returns their number. */
static uint32_t sieve_base(uint32_t limit) {
    uint32_t n = 0;
    for (uint32_t i = 3; i <= limit; i += 2) {
        if (base_sieve[i]) continue;
        base_primes[n++] = i;
        for (uint64_t m = (uint64_t)i * i; m <= limit; m += 2 * i) base_sieve[m] = 1;
    }
    return n;
}

/* Counts the odd primes among start+1, start+3, ... below end (start even). */
static uint64_t count_segment(uint64_t start, uint64_t end, uint32_t nbase) {
    uint32_t slots = (uint32_t)((end - start) / 2);
    for (uint32_t i = 0; i < slots; i++) segment[i] = 0;
    for (uint32_t k = 0; k < nbase; k++) {
        uint64_t p = base_primes[k];
        if (p * p >= end) break;
        uint64_t m = (start + 1 + p - 1) / p * p;
        if (m % 2 == 0) m += p;
        if (m < p * p) m = p * p;
        for (uint64_t i = (m - start - 1) / 2; i < slots; i += p) segment[i] = 1;
    }
    uint64_t count = 0;
    for (uint32_t i = 0; i < slots; i++)
        if (!segment[i] && start + 2 * i + 1 > 1) count++;
    return count;
}

static int save_checkpoint(uint64_t lo, uint64_t hi, uint64_t next, uint64_t count) {
    char text[128], *p = text;
    p = put_number(p, lo); *p++ = ' ';
    p = put_number(p, hi); *p++ = ' ';
    p = put_number(p, next); *p++ = ' ';
    p = put_number(p, count); *p++ = '\n';
    return plat_write_file("checkpoint", text, (size_t)(p - text));
}

int app_main(void) {
    char text[256], message[160], *p;
    uint64_t in[3];
    long len = plat_read_file("in/range", text, sizeof text);
    int n = len < 0 ? -1 : parse_numbers(text, len, in, 3);
    if (n < 2 || in[0] >= in[1] || in[1] > MAX_HI || (n == 3 && in[2] == 0)) {
        plat_log("primes: in/range must hold \"lo hi [every]\" with lo < hi <= 10^12 and every > 0");
        return 2;
    }
    uint64_t lo = in[0], hi = in[1], every = n == 3 ? in[2] : DEFAULT_EVERY;

    uint64_t next = lo & ~1ull, count = 0, saved[4];
    len = plat_read_file("checkpoint", text, sizeof text);
    if (len > 0 && parse_numbers(text, len, saved, 4) == 4 && saved[0] == lo && saved[1] == hi
        && saved[2] >= next && saved[2] <= hi) {
        next = saved[2];
        count = saved[3];
        p = message;
        for (const char *s = "primes: resuming at "; *s; s++) *p++ = *s;
        p = put_number(p, next);
        for (const char *s = " with count "; *s; s++) *p++ = *s;
        p = put_number(p, count);
        *p = 0;
        plat_log(message);
    } else if (lo <= 2 && hi > 2) {
        count = 1; /* the even prime; the sieve sees only odd numbers */
    }

    uint32_t nbase = sieve_base((uint32_t)isqrt(hi - 1) + 1);
    uint64_t since_checkpoint = 0;
    while (next < hi) {
        uint64_t end = hi - next > 2ull * SEGMENT_BYTES ? next + 2ull * SEGMENT_BYTES : hi;
        count += count_segment(next, end, nbase);
        since_checkpoint += end - next;
        next = end;
        if (since_checkpoint >= every && next < hi) {
            if (save_checkpoint(lo, hi, next, count) != 0) {
                plat_log("primes: cannot write checkpoint");
                return 3;
            }
            since_checkpoint = 0;
        }
    }

    p = put_number(text, count);
    *p++ = '\n';
    if (plat_write_file("out/count", text, (size_t)(p - text)) != 0) {
        plat_log("primes: cannot write out/count");
        return 3;
    }
    return 0;
}
