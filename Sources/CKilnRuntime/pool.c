// Pooling (channels_last): windows over the spatial axes of a kiln_conv_geometry, each channel on
// its own (c = f). Loops run over a window's cells outside and the contiguous channels inside, so
// they vectorize over c. Samples are split over the pool when a call is large.
#include "kiln_runtime.h"
#include "kiln_internal.h"

#define POOL_PARALLEL_MIN 1000000.0  // cell visits per call below which threads cost more than they save
#define CH_BLOCK 64                   // channels per block of "first maximum found" flags

typedef struct {
    const kiln_conv_geometry *g;
    float *dst;
    const float *a, *b, *c;  // per kind: see the entry points
    long in_size, out_size;  // floats per sample
    int rows;                // output positions per sample
    int relu_gate;           // max backward: only windows whose maximum is > 0 pass their gradient
} pool_job;

static void run_samples(kiln_task_fn fn, pool_job *job, int n) {
    const kiln_conv_geometry *g = job->g;
    job->in_size = (long)g->in[0] * g->in[1] * g->in[2] * g->c;
    job->rows = g->out[0] * g->out[1] * g->out[2];
    job->out_size = (long)job->rows * g->c;
    double visits = (double)n * job->out_size * g->k[0] * g->k[1] * g->k[2];
    if (visits >= POOL_PARALLEL_MIN && n > 1)
        kiln_parallel_for(n, fn, job);
    else
        for (int b = 0; b < n; b++) fn(job, b);
}

KILN_VECTOR_CLONES static void max_forward_task(void *ctx, int b) {
    const pool_job *j = ctx;
    const kiln_conv_geometry *g = j->g;
    const int c = g->c;
    const float *x = j->a + b * j->in_size;
    for (int r = 0; r < j->rows; r++) {
        float *y = j->dst + b * j->out_size + (long)r * c;
        for (int ch = 0; ch < c; ch++) y[ch] = -INFINITY;
        KILN_FOR_WINDOW(g, r, {
            const float *xr = x + pos_ * c;
            for (int ch = 0; ch < c; ch++) y[ch] = xr[ch] > y[ch] ? xr[ch] : y[ch];
        });
    }
}

void kiln_max_pool_forward(float *out, const float *inp, int n, const kiln_conv_geometry *g) {
    // out (n, out..., c); inp (n, in..., c)
    pool_job job = {.g = g, .dst = out, .a = inp};
    run_samples(max_forward_task, &job, n);
}

// Each channel's gradient goes to the first cell (row-major in the window) that equals the max.
KILN_VECTOR_CLONES static void max_backward_task(void *ctx, int b) {
    const pool_job *j = ctx;
    const kiln_conv_geometry *g = j->g;
    const int c = g->c;
    const float *x = j->b + b * j->in_size;
    float *dx = j->dst + b * j->in_size;
    for (int r = 0; r < j->rows; r++) {
        const float *dy = j->a + b * j->out_size + (long)r * c, *y = j->c + b * j->out_size + (long)r * c;
        for (int c0 = 0; c0 < c; c0 += CH_BLOCK) {
            const int nc = c - c0 < CH_BLOCK ? c - c0 : CH_BLOCK;
            int taken[CH_BLOCK] = {0};
            float gated[CH_BLOCK];
            const float *yr = y + c0, *dyr = dy + c0;
            if (j->relu_gate) {  // a maximum of 0 is a ReLU's 0 everywhere in the window: no gradient
                for (int ch = 0; ch < nc; ch++) gated[ch] = yr[ch] > 0.0f ? dyr[ch] : 0.0f;
                dyr = gated;
            }
            // Branch-free, so that it vectorizes: a cell that is not the first maximum adds 0.
            KILN_FOR_WINDOW(g, r, {
                const float *xr = x + pos_ * c + c0;
                float *dxr = dx + pos_ * c + c0;
                for (int ch = 0; ch < nc; ch++) {
                    const int hit = !taken[ch] & (xr[ch] == yr[ch]);
                    dxr[ch] += hit ? dyr[ch] : 0.0f;
                    taken[ch] |= hit;
                }
            });
        }
    }
}

void kiln_max_pool_backward(float *dinp, const float *dout, const float *inp, const float *out, int n, const kiln_conv_geometry *g) {
    // dinp (n, in..., c) +=; dout, out (n, out..., c); inp (n, in..., c)
    pool_job job = {.g = g, .dst = dinp, .a = dout, .b = inp, .c = out};
    run_samples(max_backward_task, &job, n);
}

void kiln_max_pool_relu_backward(float *dz, const float *dout, const float *inp, const float *out, int n, const kiln_conv_geometry *g) {
    // dz (n, in..., c) +=, the pre-activation gradient of the ReLU layer that inp (n, in..., c) is the output of
    pool_job job = {.g = g, .dst = dz, .a = dout, .b = inp, .c = out, .relu_gate = 1};
    run_samples(max_backward_task, &job, n);
}

KILN_VECTOR_CLONES static void avg_forward_task(void *ctx, int b) {
    const pool_job *j = ctx;
    const kiln_conv_geometry *g = j->g;
    const int c = g->c;
    const float *x = j->a + b * j->in_size;
    for (int r = 0; r < j->rows; r++) {
        float *y = j->dst + b * j->out_size + (long)r * c;
        int count = 0;
        for (int ch = 0; ch < c; ch++) y[ch] = 0.0f;
        KILN_FOR_WINDOW(g, r, {
            const float *xr = x + pos_ * c;
            for (int ch = 0; ch < c; ch++) y[ch] += xr[ch];
            count++;
        });
        const float scale = count ? 1.0f / (float)count : 0.0f;  // divide by the cells inside the input
        for (int ch = 0; ch < c; ch++) y[ch] *= scale;
    }
}

void kiln_avg_pool_forward(float *out, const float *inp, int n, const kiln_conv_geometry *g) {
    // out (n, out..., c); inp (n, in..., c)
    pool_job job = {.g = g, .dst = out, .a = inp};
    run_samples(avg_forward_task, &job, n);
}

KILN_VECTOR_CLONES static void avg_backward_task(void *ctx, int b) {
    const pool_job *j = ctx;
    const kiln_conv_geometry *g = j->g;
    const int c = g->c;
    float *dx = j->dst + b * j->in_size;
    for (int r = 0; r < j->rows; r++) {
        const float *dy = j->a + b * j->out_size + (long)r * c;
        int count = 0;
        KILN_FOR_WINDOW(g, r, count++);
        const float scale = count ? 1.0f / (float)count : 0.0f;
        KILN_FOR_WINDOW(g, r, {
            float *dxr = dx + pos_ * c;
            for (int ch = 0; ch < c; ch++) dxr[ch] += dy[ch] * scale;
        });
    }
}

void kiln_avg_pool_backward(float *dinp, const float *dout, int n, const kiln_conv_geometry *g) {
    // dinp (n, in..., c) +=; dout (n, out..., c)
    pool_job job = {.g = g, .dst = dinp, .a = dout};
    run_samples(avg_backward_task, &job, n);
}

// ---- global pooling: one window over all of a sample's positions ------------------------------

void kiln_global_avg_pool_forward(float *out, const float *inp, int n, int spatial, int c) {
    // out (n, c); inp (n, spatial, c)
    const float scale = spatial ? 1.0f / (float)spatial : 0.0f;
    for (int b = 0; b < n; b++) {
        float *y = out + (long)b * c;
        for (int ch = 0; ch < c; ch++) y[ch] = 0.0f;
        for (int p = 0; p < spatial; p++) {
            const float *xr = inp + ((long)b * spatial + p) * c;
            for (int ch = 0; ch < c; ch++) y[ch] += xr[ch];
        }
        for (int ch = 0; ch < c; ch++) y[ch] *= scale;
    }
}

void kiln_global_avg_pool_backward(float *dinp, const float *dout, int n, int spatial, int c) {
    // dinp (n, spatial, c) += dout (n, c) / spatial
    const float scale = spatial ? 1.0f / (float)spatial : 0.0f;
    for (int b = 0; b < n; b++) {
        const float *dy = dout + (long)b * c;
        for (int p = 0; p < spatial; p++) {
            float *dxr = dinp + ((long)b * spatial + p) * c;
            for (int ch = 0; ch < c; ch++) dxr[ch] += dy[ch] * scale;
        }
    }
}

void kiln_global_avg_pool_masked_forward(float *out, const float *inp, const float *mask, int n, int steps, int c) {
    // out (n, c) = the sum of inp (n, steps, c) over the steps whose mask (n, steps) is not 0, / their count
    for (int b = 0; b < n; b++) {
        float *y = out + (long)b * c;
        float count = 0.0f;
        for (int ch = 0; ch < c; ch++) y[ch] = 0.0f;
        for (int t = 0; t < steps; t++) {
            if (mask[(long)b * steps + t] == 0.0f) continue;  // skipped, not multiplied: Keras's where(mask, x, 0)
            count += 1.0f;
            const float *xr = inp + ((long)b * steps + t) * c;
            for (int ch = 0; ch < c; ch++) y[ch] += xr[ch];
        }
        for (int ch = 0; ch < c; ch++) y[ch] /= count;  // no step kept: 0 / 0, NaN, as in Keras
    }
}

void kiln_global_avg_pool_masked_backward(float *dinp, const float *dout, const float *mask, int n, int steps, int c) {
    // dinp (n, steps, c) += dout (n, c) / count at the kept steps
    for (int b = 0; b < n; b++) {
        float count = 0.0f;
        for (int t = 0; t < steps; t++) count += mask[(long)b * steps + t] != 0.0f;
        const float *dy = dout + (long)b * c;
        for (int t = 0; t < steps; t++) {
            if (mask[(long)b * steps + t] == 0.0f) continue;
            float *dxr = dinp + ((long)b * steps + t) * c;
            for (int ch = 0; ch < c; ch++) dxr[ch] += dy[ch] / count;
        }
    }
}

void kiln_global_max_pool_forward(float *out, const float *inp, int n, int spatial, int c) {
    // out (n, c); inp (n, spatial, c)
    for (int b = 0; b < n; b++) {
        float *y = out + (long)b * c;
        for (int ch = 0; ch < c; ch++) y[ch] = -INFINITY;
        for (int p = 0; p < spatial; p++) {
            const float *xr = inp + ((long)b * spatial + p) * c;
            for (int ch = 0; ch < c; ch++) y[ch] = xr[ch] > y[ch] ? xr[ch] : y[ch];
        }
    }
}

void kiln_global_max_pool_backward(float *dinp, const float *dout, const float *inp, const float *out, int n, int spatial, int c) {
    // dinp (n, spatial, c) += dout (n, c) at each channel's first maximum; inp (n, spatial, c); out (n, c)
    for (int b = 0; b < n; b++)
        for (int c0 = 0; c0 < c; c0 += CH_BLOCK) {
            const int nc = c - c0 < CH_BLOCK ? c - c0 : CH_BLOCK;
            const float *dy = dout + (long)b * c + c0, *y = out + (long)b * c + c0;
            int taken[CH_BLOCK] = {0};
            for (int p = 0; p < spatial; p++) {
                const float *xr = inp + ((long)b * spatial + p) * c + c0;
                float *dxr = dinp + ((long)b * spatial + p) * c + c0;
                for (int ch = 0; ch < nc; ch++)
                    if (!taken[ch] && xr[ch] == y[ch]) {
                        dxr[ch] += dy[ch];
                        taken[ch] = 1;
                    }
            }
        }
}
