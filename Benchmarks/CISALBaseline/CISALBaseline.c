#include "CISALBaseline.h"

#include <isa-l/erasure_code.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// As `Redundancy` allows: at most 32 data and 16 parity pieces.
enum { MAX_DATA = 32, MAX_PIECES = 48 };

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/// The n x k Cauchy matrix and the tables of its m parity rows.
static int make_tables(int k, int m, unsigned char **matrix, unsigned char **tables) {
    int n = k + m;
    *matrix = malloc((size_t)n * k);
    *tables = malloc((size_t)32 * k * m);
    if (!*matrix || !*tables) {
        free(*matrix);
        free(*tables);
        return -1;
    }
    gf_gen_cauchy1_matrix(*matrix, n, k);
    ec_init_tables(k, m, *matrix + (size_t)k * k, *tables);
    return 0;
}

static double encode(const unsigned char *data, size_t segment_bytes, size_t segments, int k, int m, int copying) {
    unsigned char *matrix, *tables;
    if (k < 1 || m < 1 || k > MAX_DATA || k + m > MAX_PIECES || make_tables(k, m, &matrix, &tables) != 0) return -1;
    size_t piece = segment_bytes / k + (segment_bytes % k != 0);
    if (piece == 0) piece = 1;
    unsigned char *pointers[MAX_PIECES];
    int owned[MAX_PIECES];
    volatile unsigned char sink = 0;
    double elapsed = -1;
    double start = now_seconds();
    for (size_t s = 0; s < segments; s++) {
        const unsigned char *segment = data + s * segment_bytes;
        for (int i = 0; i < k + m; i++) {
            pointers[i] = NULL;
            owned[i] = 0;
        }
        int ok = 1;
        for (int i = 0; i < k; i++) {
            size_t offset = (size_t)i * piece;
            size_t present = offset >= segment_bytes ? 0 : (segment_bytes - offset < piece ? segment_bytes - offset : piece);
            if (!copying && present == piece) {
                pointers[i] = (unsigned char *)segment + offset;
            } else {
                owned[i] = 1;
                if (!(pointers[i] = malloc(piece))) { ok = 0; break; }
                memcpy(pointers[i], segment + offset, present);
                memset(pointers[i] + present, 0, piece - present);
            }
        }
        for (int i = k; ok && i < k + m; i++) {
            owned[i] = 1;
            if (!(pointers[i] = malloc(piece))) ok = 0;
        }
        if (ok) {
            ec_encode_data((int)piece, k, m, tables, pointers, pointers + k);
            sink ^= pointers[k][s % piece];
        }
        for (int i = 0; i < k + m; i++) if (owned[i]) free(pointers[i]);
        if (!ok) goto done;
    }
    elapsed = now_seconds() - start;
    (void)sink;
done:
    free(matrix);
    free(tables);
    return elapsed;
}

double cisal_encode_seconds(const unsigned char *data, size_t segment_bytes, size_t segments, int k, int m) {
    return encode(data, segment_bytes, segments, k, m, 0);
}

double cisal_encode_copying_seconds(const unsigned char *data, size_t segment_bytes, size_t segments, int k, int m) {
    return encode(data, segment_bytes, segments, k, m, 1);
}

double cisal_decode_seconds(const unsigned char *data, size_t segment_bytes, size_t segments, int k, int m) {
    unsigned char *matrix, *tables;
    if (k < 1 || m < 1 || k > MAX_DATA || k + m > MAX_PIECES || make_tables(k, m, &matrix, &tables) != 0) return -1;
    int n = k + m;
    unsigned char *p[MAX_PIECES], *in[MAX_DATA], *out[MAX_DATA];
    int sources[MAX_DATA];
    int lost = m < 2 ? m : 2;
    if (lost > k) lost = k;
    size_t piece = segment_bytes / k + (segment_bytes % k != 0);
    if (piece == 0) piece = 1;
    /* Every piece of every segment, coded up front. */
    unsigned char *pieces = malloc(segments * n * piece);
    unsigned char *source_rows = malloc((size_t)k * k), *inverse = malloc((size_t)k * k);
    unsigned char *decode_rows = malloc((size_t)lost * k), *decode_tables = malloc((size_t)32 * k * lost);
    double elapsed = -1;
    if (!pieces || !source_rows || !inverse || !decode_rows || !decode_tables) goto done;
    for (size_t s = 0; s < segments; s++) {
        for (int i = 0; i < n; i++) p[i] = pieces + (s * n + i) * piece;
        size_t offset = 0;
        for (int i = 0; i < k; i++, offset += piece) {
            size_t present = offset >= segment_bytes ? 0 : (segment_bytes - offset < piece ? segment_bytes - offset : piece);
            memcpy(p[i], data + s * segment_bytes + offset, present);
            memset(p[i] + present, 0, piece - present);
        }
        ec_encode_data((int)piece, k, m, tables, p, p + k);
    }
    /* The sources: the k pieces after the lost ones (data first, then parity). */
    for (int i = 0; i < k; i++) sources[i] = lost + i;
    elapsed = 0;
    for (size_t s = 0; s < segments; s++) {
        double start = now_seconds();
        for (int r = 0; r < k; r++) memcpy(source_rows + r * k, matrix + sources[r] * k, k);
        if (gf_invert_matrix(source_rows, inverse, k) != 0) { elapsed = -1; goto done; }
        for (int t = 0; t < lost; t++) {
            for (int c = 0; c < k; c++) {
                unsigned char sum = 0;
                for (int j = 0; j < k; j++) sum ^= gf_mul(matrix[t * k + j], inverse[j * k + c]);
                decode_rows[t * k + c] = sum;
            }
        }
        ec_init_tables(k, lost, decode_rows, decode_tables);
        unsigned char *output = malloc((size_t)k * piece);
        if (!output) { elapsed = -1; goto done; }
        for (int i = 0; i < k; i++) in[i] = pieces + (s * n + sources[i]) * piece;
        for (int i = lost; i < k; i++) memcpy(output + i * piece, in[i - lost], piece);
        for (int t = 0; t < lost; t++) out[t] = output + t * piece;
        ec_encode_data((int)piece, k, lost, decode_tables, in, out);
        elapsed += now_seconds() - start;
        int same = memcmp(output, data + s * segment_bytes, segment_bytes) == 0;
        free(output);
        if (!same) { elapsed = -1; goto done; }
    }
done:
    free(pieces);
    free(source_rows);
    free(inverse);
    free(decode_rows);
    free(decode_tables);
    free(matrix);
    free(tables);
    return elapsed;
}
