// Batch assembly (shuffled sample rows into one contiguous batch) and embedding lookups.
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

// ---- embeddings -----------------------------------------------------------------------

void kiln_embedding_forward(float *out, float *mask, const float *ids, const float *table, int64_t count, int vocabulary, int dim) {
    for (int64_t i = 0; i < count; i++) {
        const float id = ids[i];
        float *o = out + i * dim;
        if (id >= 0.0f && id < (float)vocabulary)
            memcpy(o, table + (int64_t)id * dim, (size_t)dim * sizeof(float));
        else
            memset(o, 0, (size_t)dim * sizeof(float));
        if (mask) mask[i] = id != 0.0f ? 1.0f : 0.0f;
    }
}

void kiln_embedding_backward(float *dtable, float *dsquares, const float *dout, const float *ids, int64_t count, int vocabulary, int dim) {
    for (int64_t i = 0; i < count; i++) {
        const float id = ids[i];
        if (!(id >= 0.0f && id < (float)vocabulary)) continue;
        float *d = dtable + (int64_t)id * dim;
        const float *g = dout + i * dim;
        for (int j = 0; j < dim; j++) d[j] += g[j];
        if (dsquares) {
            float *q = dsquares + (int64_t)id * dim;
            for (int j = 0; j < dim; j++) q[j] += g[j] * g[j];
        }
    }
}

void kiln_masking_forward(float *out, float *mask, const float *inp, int64_t count, int features, float mask_value) {
    for (int64_t i = 0; i < count; i++) {
        const float *x = inp + i * features;
        int keep = 0;
        for (int j = 0; j < features; j++) keep |= x[j] != mask_value;
        mask[i] = keep ? 1.0f : 0.0f;
        float *o = out + i * features;
        for (int j = 0; j < features; j++) o[j] = keep ? x[j] : 0.0f;
    }
}

void kiln_masking_backward(float *dinp, const float *dout, const float *mask, int64_t count, int features) {
    for (int64_t i = 0; i < count; i++)
        if (mask[i] != 0.0f)
            for (int j = 0; j < features; j++) dinp[i * features + j] += dout[i * features + j];
}
