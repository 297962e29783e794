// Batch assembly: copies shuffled sample rows into one contiguous batch.
#include "kiln_runtime.h"

#include <string.h>

// Rows of a large shuffled data set come from all over memory; prefetching a few rows ahead
// hides most of the DRAM latency that otherwise dominates small models' training steps.
#define PREFETCH_AHEAD 8

void kiln_gather_rows(float *dst, const float *src, const int64_t *rows, int n, int64_t row_size) {
    const size_t bytes = (size_t)row_size * sizeof(float);
    for (int i = 0; i < n; i++) {
        if (i + PREFETCH_AHEAD < n) {
            const char *ahead = (const char *)(src + rows[i + PREFETCH_AHEAD] * row_size);
            for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(ahead + off, 0, 0);
        }
        memcpy(dst + (int64_t)i * row_size, src + rows[i] * row_size, bytes);
    }
}
