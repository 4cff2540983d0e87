/* Monte Carlo estimate of I = integral over the unit 5-cube of exp(-|x|^2) dx, whose exact
 * value is (sqrt(pi)/2 * erf(1))^5 = 0.2323227...; every work unit draws its own stream of
 * points from its seed, so units are independent and a replica recomputes the same points.
 *
 * Input  in/params : "seed samples [every]" in decimal; samples <= 10^12; every = samples
 *                    between checkpoints (default 2^22).
 * Output out/result: one line "samples sum sum_of_squares" - the number of points, and the
 *                    sums of f and f^2 over them (%.17g). Hosts with different libm exp()
 *                    may differ in the last bits: validate with a relative tolerance.
 * Checkpoint       : file "checkpoint" with the generator state and the exact bits of the
 *                    sums; a restarted run resumes from it and gives the same result.
 * Exit codes       : 0 done, 2 bad input, 3 cannot write a file. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "platform.h"

#define DIMENSIONS 5
#define MAX_SAMPLES 1000000000000ull
#define DEFAULT_EVERY (1ull << 22)

/* xoshiro256** (Blackman and Vigna), seeded through splitmix64. */
static uint64_t state[4];

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_random(void) {
    uint64_t result = rotl(state[1] * 5, 7) * 9, t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
}

/* A uniform double in [0, 1) with 53 random bits. */
static double uniform(void) { return (double)(next_random() >> 11) * 0x1.0p-53; }

static uint64_t bits(double d) { uint64_t u; memcpy(&u, &d, sizeof u); return u; }
static double from_bits(uint64_t u) { double d; memcpy(&d, &u, sizeof d); return d; }

static int save_checkpoint(uint64_t seed, uint64_t samples, uint64_t done, double sum, double sum2) {
    char text[512];
    int n = snprintf(text, sizeof text,
                     "%" PRIu64 " %" PRIu64 " %" PRIu64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64
                     " %016" PRIx64 " %016" PRIx64 "\n",
                     seed, samples, done, state[0], state[1], state[2], state[3], bits(sum), bits(sum2));
    return plat_write_file("checkpoint", text, (size_t)n);
}

int app_main(void) {
    char text[512];
    long len = plat_read_file("in/params", text, sizeof text - 1);
    uint64_t seed = 0, samples = 0, every = DEFAULT_EVERY;
    int fields = -1, used = 0;
    if (len > 0) {
        text[len] = 0;
        fields = sscanf(text, "%" SCNu64 " %" SCNu64 " %n%" SCNu64, &seed, &samples, &used, &every);
    }
    if (fields < 2 || samples == 0 || samples > MAX_SAMPLES || every == 0 || text[0] == '-') {
        plat_log("montecarlo: in/params must hold \"seed samples [every]\" with 0 < samples <= 10^12 and every > 0");
        return 2;
    }

    uint64_t done = 0, saved_seed, saved_samples, saved_done, saved_sum, saved_sum2, s[4];
    double sum = 0, sum2 = 0;
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++) state[i] = splitmix64(&sm);
    len = plat_read_file("checkpoint", text, sizeof text - 1);
    if (len > 0) {
        text[len] = 0;
        if (sscanf(text, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64
                         " %" SCNx64 " %" SCNx64,
                   &saved_seed, &saved_samples, &saved_done, &s[0], &s[1], &s[2], &s[3], &saved_sum, &saved_sum2) == 9
            && saved_seed == seed && saved_samples == samples && saved_done <= samples) {
            done = saved_done;
            memcpy(state, s, sizeof state);
            sum = from_bits(saved_sum);
            sum2 = from_bits(saved_sum2);
            char message[128];
            snprintf(message, sizeof message, "montecarlo: resuming at sample %" PRIu64, done);
            plat_log(message);
        }
    }

    uint64_t since_checkpoint = 0;
    while (done < samples) {
        double r2 = 0;
        for (int d = 0; d < DIMENSIONS; d++) {
            double x = uniform();
            r2 += x * x;
        }
        double f = exp(-r2);
        sum += f;
        sum2 += f * f;
        done++;
        if (++since_checkpoint == every && done < samples) {
            if (save_checkpoint(seed, samples, done, sum, sum2) != 0) {
                plat_log("montecarlo: cannot write checkpoint");
                return 3;
            }
            since_checkpoint = 0;
        }
    }

    int n = snprintf(text, sizeof text, "%" PRIu64 " %.17g %.17g\n", samples, sum, sum2);
    if (plat_write_file("out/result", text, (size_t)n) != 0) {
        plat_log("montecarlo: cannot write out/result");
        return 3;
    }
    return 0;
}
