/* Renders one tile of the Mandelbrot set: the escape iteration count of every pixel.
 *
 * Input  in/tile : "width height maxiter x0 y0 step [every]" - width, height <= 1024 and
 *                  maxiter <= 10^6 in decimal; x0, y0 (the point of pixel (0,0)) and step
 *                  (the distance between pixels) as 16 hex digits, the IEEE-754 bits of a
 *                  double, so that every host reads exactly the same numbers; every = rows
 *                  between checkpoints (default 16). Pixel (i, j) is c = (x0 + i*step,
 *                  y0 - j*step); row 0 is the top.
 * Output out/tile: width*height little-endian uint32 iteration counts, row by row;
 *                  maxiter means "did not escape" (inside the set).
 * Checkpoint     : file "checkpoint": a header naming the tile and the rows done, then
 *                  those rows; a restarted run resumes after them.
 * Exit codes     : 0 done, 2 bad input, 3 cannot write a file.
 *
 * Plain IEEE double arithmetic with no fused multiply-add, so a WebAssembly build gives
 * the same bits on every host (bitwise validation). */
#include "platform.h"

#define MAX_SIDE 1024u
#define MAX_ITER 1000000u
#define HEADER_WORDS 11u    /* magic, width, height, maxiter, rows, x0, y0, step (2 words each) */
#define MAGIC 0x4b434d42u   /* "BMCK" */

static uint32_t buffer[HEADER_WORDS + MAX_SIDE * MAX_SIDE];

static int is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

/* Reads the next token of text as a number in base 10 or 16; returns 0 on failure. */
static int next_number(const char *text, long len, long *at, int base, uint64_t *value) {
    while (*at < len && is_space(text[*at])) (*at)++;
    long start = *at;
    uint64_t v = 0;
    for (; *at < len && !is_space(text[*at]); (*at)++) {
        char c = text[*at];
        int digit = c >= '0' && c <= '9' ? c - '0'
                  : base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : base == 16 && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0 || v > (UINT64_MAX - (uint64_t)digit) / (uint64_t)base) return 0;
        v = v * (uint64_t)base + (uint64_t)digit;
    }
    *value = v;
    return *at > start && (base != 16 || *at - start == 16);
}

static double from_bits(uint64_t bits) {
    union { uint64_t u; double d; } pun = { bits };
    return pun.d;
}

static uint32_t escape_time(double cx, double cy, uint32_t maxiter) {
    double x = 0, y = 0;
    uint32_t k = 0;
    while (k < maxiter) {
        double x2 = x * x, y2 = y * y;
        if (x2 + y2 > 4.0) break;
        double xy = x * y;
        y = xy + xy + cy;
        x = x2 - y2 + cx;
        k++;
    }
    return k;
}

int app_main(void) {
    char text[512];
    long len = plat_read_file("in/tile", text, sizeof text), at = 0;
    uint64_t width, height, maxiter, x0, y0, step, every = 16;
    int ok = len > 0 && next_number(text, len, &at, 10, &width) && next_number(text, len, &at, 10, &height)
          && next_number(text, len, &at, 10, &maxiter) && next_number(text, len, &at, 16, &x0)
          && next_number(text, len, &at, 16, &y0) && next_number(text, len, &at, 16, &step);
    if (ok) {
        while (at < len && is_space(text[at])) at++;
        if (at < len) ok = next_number(text, len, &at, 10, &every) && every > 0;
    }
    if (!ok || width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE || maxiter == 0 || maxiter > MAX_ITER) {
        plat_log("mandelbrot: in/tile must hold \"width height maxiter x0 y0 step [every]\" "
                 "(sides 1..1024, maxiter 1..10^6, x0 y0 step as 16 hex digits of a double)");
        return 2;
    }

    uint32_t header[HEADER_WORDS] = {
        MAGIC, (uint32_t)width, (uint32_t)height, (uint32_t)maxiter, 0,
        (uint32_t)x0, (uint32_t)(x0 >> 32), (uint32_t)y0, (uint32_t)(y0 >> 32), (uint32_t)step, (uint32_t)(step >> 32),
    };
    uint32_t *pixels = buffer + HEADER_WORDS;
    uint32_t rows = 0;
    long got = plat_read_file("checkpoint", buffer, sizeof buffer);
    if (got >= (long)(HEADER_WORDS * 4)) {
        int same = 1;
        for (uint32_t i = 0; i < HEADER_WORDS; i++)
            if (i != 4 && buffer[i] != header[i]) same = 0;
        if (same && buffer[4] <= height && got == (long)((HEADER_WORDS + buffer[4] * width) * 4)) {
            rows = buffer[4];
            plat_log("mandelbrot: resuming from checkpoint");
        }
    }

    double left = from_bits(x0), top = from_bits(y0), delta = from_bits(step);
    uint32_t since_checkpoint = 0;
    for (; rows < height; rows++) {
        double cy = top - (double)rows * delta;
        for (uint32_t i = 0; i < width; i++)
            pixels[rows * width + i] = escape_time(left + (double)i * delta, cy, (uint32_t)maxiter);
        if (++since_checkpoint == every && rows + 1 < height) {
            for (uint32_t i = 0; i < HEADER_WORDS; i++) buffer[i] = header[i];
            buffer[4] = rows + 1;
            if (plat_write_file("checkpoint", buffer, (HEADER_WORDS + (rows + 1) * width) * 4) != 0) {
                plat_log("mandelbrot: cannot write checkpoint");
                return 3;
            }
            since_checkpoint = 0;
        }
    }
    if (plat_write_file("out/tile", pixels, width * height * 4) != 0) {
        plat_log("mandelbrot: cannot write out/tile");
        return 3;
    }
    return 0;
}
