#ifndef CISAL_BASELINE_H
#define CISAL_BASELINE_H

#include <stddef.h>

/// The baseline of `borg-bench storage`: what `ErasureCoder` does per segment, in plain C against ISA-L.
/// `data` holds `segments` segments of `segment_bytes` each, back to back; every segment is coded at k+m
/// with the Cauchy matrix of `gf_gen_cauchy1_matrix` (tables built once). Each function returns the
/// seconds the coding took (CLOCK_MONOTONIC), or a negative number on failure.

/// Per segment: k data pointers into `data` (the last piece zero-padded in a copy if the segment does not
/// divide by k), m fresh parity buffers, `ec_encode_data`, the buffers freed.
double cisal_encode_seconds(const unsigned char *data, size_t segment_bytes, size_t segments, int k, int m);

/// As `cisal_encode_seconds`, but each of the n pieces is a fresh buffer and the data pieces are copied
/// out of the segment first: the same memory traffic as `ErasureCoder.encode`, which returns n owned pieces.
double cisal_encode_copying_seconds(const unsigned char *data, size_t segment_bytes, size_t segments, int k, int m);

/// Encodes every segment first (not timed), then times decoding each from the pieces without the first
/// min(2, m) data pieces, as `ErasureCoder.decode` does per segment: invert the source rows, build the
/// tables, copy the present data pieces into a fresh segment buffer and code the missing ones into it.
/// Each decoded segment is compared with `data` (not timed); -1 on a mismatch.
double cisal_decode_seconds(const unsigned char *data, size_t segment_bytes, size_t segments, int k, int m);

#endif
