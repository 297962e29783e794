// Convolution (channels_last) over 1, 2 or 3 spatial axes with one geometry (kiln_conv_geometry).
// Fast path: im2col of a chunk of output rows into a per-thread buffer, then the packed GEMM:
//   forward          z (rows, f)    = col (rows, Kc) . kernel (Kc, f)       Kc = k0*k1*k2*c
//   backward kernel  dkernel (Kc, f) += col^T . dz (rows, f)
//   backward input   dcol (rows, Kc) = dz . kernel^T, scatter-added into dinp (col2im)
// A col row holds the groups one after another, [g][k0][k1][k2][c/groups], so group g is a column
// block of col, kernel and z and costs one strided GEMM. Pointwise convs (1x1, stride 1, no padding)
// use the input as col. Depthwise (c/groups == 1) runs direct loops over the channels instead.
// Samples are split over the pool, each task single-threaded inside (a nested kiln_parallel_for
// runs serially); with fewer samples than threads the GEMMs split themselves instead.
#include "kiln_runtime.h"
#include "kiln_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#ifndef COL_CHUNK_FLOATS
#define COL_CHUNK_FLOATS (1 << 18)  // col floats per chunk: 1 MB, in a core's L2 beside the packed kernel
#endif
#define PARALLEL_MIN_MACS 1000000.0     // below this, a conv runs on the calling thread
#define MIN_CHUNK_ROWS 128

// ---- geometry -------------------------------------------------------------------------

typedef struct {
    const kiln_conv_geometry *g;
    int cg, fg;     // channels and filters per group
    int cells;      // k0*k1*k2
    int kg, kc;     // col columns per group (cells*cg), per row (groups*kg)
    int rows;       // output positions per sample
    long in_size;   // floats per input sample: in0*in1*in2*c
    long out_size;  // floats per output sample: rows*f
    int pointwise;  // col == input
    int depthwise;  // one input channel per group
    int chunk;      // col rows per chunk (rows of the whole call: a chunk may span samples)
} conv_shape;

static conv_shape shape_of(const kiln_conv_geometry *g) {
    conv_shape s = {.g = g};
    s.cg = g->c / g->groups;
    s.fg = g->f / g->groups;
    s.cells = g->k[0] * g->k[1] * g->k[2];
    s.kg = s.cells * s.cg;
    s.kc = s.kg * g->groups;
    s.rows = g->out[0] * g->out[1] * g->out[2];
    s.in_size = (long)g->in[0] * g->in[1] * g->in[2] * g->c;
    s.out_size = (long)s.rows * g->f;
    s.pointwise = s.cells == 1 && g->pad[0] == 0 && g->pad[1] == 0 && g->pad[2] == 0 && g->stride[0] == 1 &&
                  g->stride[1] == 1 && g->stride[2] == 1;
    s.depthwise = !s.pointwise && s.cg == 1 && g->groups > 1;
    // A chunk's col and its z rows stay in L2, but a chunk is at least MIN_CHUNK_ROWS rows (a deep
    // layer's GEMM then reuses each panel of its kernel over that many rows).
    s.chunk = COL_CHUNK_FLOATS / (s.kc + g->f > 0 ? s.kc + g->f : 1);
    if (s.chunk < MIN_CHUNK_ROWS) s.chunk = MIN_CHUNK_ROWS;
    return s;
}

// Samples as parallel tasks when there are enough of them and enough work per call.
// KILN_CONV_NO_SAMPLE_SPLIT (bench/conv only) keeps samples serial, so that the GEMMs split instead.
static int split_samples(const conv_shape *s, int n) {
#ifdef KILN_CONV_NO_SAMPLE_SPLIT
    (void)s, (void)n;
    return 0;
#endif
    int threads = kiln_get_num_threads();
    return threads > 1 && n >= threads && (double)n * s->rows * s->kg * s->g->f >= PARALLEL_MIN_MACS;
}

// ---- per-thread col buffer (grown on demand; pool workers keep theirs) ---------------------

typedef struct {
    float *p;
    size_t n;
} col_buffer;

typedef struct {
    col_buffer col, band;  // a conv's col (or Winograd's V and M); a fused conv-pool's band of conv rows
} conv_buffers;

static _Thread_local conv_buffers col_tls __attribute__((tls_model("initial-exec")));
static pthread_key_t col_key;
static pthread_once_t col_once = PTHREAD_ONCE_INIT;
static void col_release(void *b) {
    conv_buffers *c = b;
    free(c->col.p);
    free(c->band.p);
    *c = (conv_buffers){0};
}
static void col_key_create(void) {
    if (pthread_key_create(&col_key, col_release) != 0) abort();
}

static float *buffer_get(col_buffer *b, size_t n) {
    if (b->n < n) {
        if (!col_tls.col.p && !col_tls.band.p) {  // this thread's first buffer: free them when the thread exits
            pthread_once(&col_once, col_key_create);
            pthread_setspecific(col_key, &col_tls);
        }
        free(b->p);
        b->p = aligned_alloc(64, (n * sizeof(float) + 63) & ~(size_t)63);
        b->n = b->p ? n : 0;
        if (!b->p) abort();
    }
    return b->p;
}

float *kiln_conv_scratch(size_t n) { return buffer_get(&col_tls.col, n); }

// ---- im2col / col2im -------------------------------------------------------------------

// A window's run is a few to a few hundred floats: an inlined loop beats a call to memcpy.
static inline __attribute__((always_inline)) void copy_floats(float *restrict dst, const float *restrict src, int n) {
    for (int i = 0; i < n; i++) dst[i] = src[i];
}

// col (nr, groups, k0, k1, k2, cg) = the windows of output rows [r0, r0+nr) of x (n, in0, in1, in2, c),
// rows counted over the whole batch (sample * rows + position); zero where a window reaches into the padding.
KILN_VECTOR_CLONES static void im2col(float *col, const float *x_batch, const conv_shape *s, long r0, int nr) {
    const kiln_conv_geometry *g = s->g;
    const int c = g->c, cg = s->cg, k2 = g->k[2];
    const int run = g->groups == 1 && g->dilation[2] == 1;  // k2 adjacent cells: one copy of k2*c floats
    float *dst = col;
    for (long rb = r0; rb < r0 + nr; rb++) {
        const float *x = x_batch + rb / s->rows * s->in_size;
        const int r = (int)(rb % s->rows);
        const int o2 = r % g->out[2], o1 = r / g->out[2] % g->out[1], o0 = r / g->out[2] / g->out[1];
        const int b0 = o0 * g->stride[0] - g->pad[0], b1 = o1 * g->stride[1] - g->pad[1];
        const int b2 = o2 * g->stride[2] - g->pad[2];
        const int whole = run && b2 >= 0 && b2 + k2 <= g->in[2];
        for (int gi = 0; gi < g->groups; gi++)
            for (int j0 = 0; j0 < g->k[0]; j0++) {
                const int i0 = b0 + j0 * g->dilation[0];
                for (int j1 = 0; j1 < g->k[1]; j1++, dst += (long)k2 * cg) {
                    const int i1 = b1 + j1 * g->dilation[1];
                    if (i0 < 0 || i0 >= g->in[0] || i1 < 0 || i1 >= g->in[1]) {
                        memset(dst, 0, (size_t)k2 * cg * sizeof(float));
                        continue;
                    }
                    const float *xr = x + ((long)i0 * g->in[1] + i1) * g->in[2] * c + gi * cg;
                    if (whole) {
                        copy_floats(dst, xr + (long)b2 * c, k2 * c);
                        continue;
                    }
                    for (int j2 = 0; j2 < k2; j2++) {
                        const int i2 = b2 + j2 * g->dilation[2];
                        if (i2 >= 0 && i2 < g->in[2])
                            copy_floats(dst + j2 * cg, xr + (long)i2 * c, cg);
                        else
                            memset(dst + j2 * cg, 0, (size_t)cg * sizeof(float));
                    }
                }
            }
    }
}

// dx (n, in0, in1, in2, c) += col (nr, groups, k0, k1, k2, cg) summed back onto the windows of rows
// [r0, r0+nr) of the batch, as im2col counts them; padding cells are dropped.
KILN_VECTOR_CLONES static void col2im(float *dx_batch, const float *col, const conv_shape *s, long r0, int nr) {
    const kiln_conv_geometry *g = s->g;
    const int c = g->c, cg = s->cg, k2 = g->k[2];
    const int run = g->groups == 1 && g->dilation[2] == 1;
    const float *src = col;
    for (long rb = r0; rb < r0 + nr; rb++) {
        float *dx = dx_batch + rb / s->rows * s->in_size;
        const int r = (int)(rb % s->rows);
        const int o2 = r % g->out[2], o1 = r / g->out[2] % g->out[1], o0 = r / g->out[2] / g->out[1];
        const int b0 = o0 * g->stride[0] - g->pad[0], b1 = o1 * g->stride[1] - g->pad[1];
        const int b2 = o2 * g->stride[2] - g->pad[2];
        const int whole = run && b2 >= 0 && b2 + k2 <= g->in[2];
        for (int gi = 0; gi < g->groups; gi++)
            for (int j0 = 0; j0 < g->k[0]; j0++) {
                const int i0 = b0 + j0 * g->dilation[0];
                for (int j1 = 0; j1 < g->k[1]; j1++, src += (long)k2 * cg) {
                    const int i1 = b1 + j1 * g->dilation[1];
                    if (i0 < 0 || i0 >= g->in[0] || i1 < 0 || i1 >= g->in[1]) continue;
                    float *xr = dx + ((long)i0 * g->in[1] + i1) * g->in[2] * c + gi * cg;
                    if (whole) {
                        float *d = xr + (long)b2 * c;
                        for (int i = 0; i < k2 * c; i++) d[i] += src[i];
                        continue;
                    }
                    for (int j2 = 0; j2 < k2; j2++) {
                        const int i2 = b2 + j2 * g->dilation[2];
                        if (i2 < 0 || i2 >= g->in[2]) continue;
                        float *d = xr + (long)i2 * c;
                        const float *v = src + j2 * cg;
                        for (int i = 0; i < cg; i++) d[i] += v[i];
                    }
                }
            }
    }
}

void kiln_apply_epilogue(const kiln_epilogue *e, float *y, float *z, int rows, int f) {
    if (e->scale)
        kiln_bias_scale_act_rows(y, z, e->bias, e->scale, e->shift, rows, f, e->act, e->alpha);
    else
        kiln_bias_act_rows(y, z, e->bias, rows, f, e->act, e->alpha);
}

// ---- per-sample work ---------------------------------------------------------------------

typedef struct {
    const conv_shape *s;
    float *out;                 // z, dkernel or dinp
    const float *inp, *other;   // forward: inp, kernel; backward kernel: inp, dz; backward input: dz, kernel
    int n, per_task;            // backward kernel: samples per task
    float *partials;            // backward kernel: (tasks-1, Kc, f) sums of tasks 1.., zeroed
    int accumulate;             // forward: z += instead of z = (a transposed conv's input gradient)
    const kiln_epilogue *e;     // forward: bias and activation per chunk, while its rows are in cache
    float *extra;               // forward with e: y; backward kernel: dbias (or NULL)
    float *bias_partials;       // backward kernel with dbias: (tasks-1, f) sums of tasks 1.., zeroed
    const float *packed;        // the GEMM's B packed once for all chunks (kiln_gemm_pack_b), or NULL
    int chunk;                  // forward, backward kernel: rows of the batch per chunk or per task
    long origin;                // forward: the batch row that out's (and y's) first row holds (a band's, else 0)
} conv_job;

// Depthwise: z (rows, f) for one sample (+= when accumulate): x (in..., c), w (cells, f); then y (rows, f) from z by e
static void depthwise_forward_sample(float *y, float *z, const float *x, const float *w, const conv_shape *s, int accumulate,
                                     const kiln_epilogue *e) {
    const kiln_conv_geometry *g = s->g;
    const int f = g->f, c = g->c;
    const int m = s->fg;  // filters per channel: filter ch*m + j reads channel ch
    for (int r = 0; r < s->rows; r++) {
        float *zr = z + (long)r * f;
        if (!accumulate) memset(zr, 0, (size_t)f * sizeof(float));
        KILN_FOR_WINDOW(g, r, {
            const float *xr = x + pos_ * c, *wr = w + (long)cell_ * f;
            if (m == 1)
                for (int ch = 0; ch < c; ch++) zr[ch] += xr[ch] * wr[ch];
            else
                for (int ch = 0; ch < c; ch++)
                    for (int j = 0; j < m; j++) zr[ch * m + j] += xr[ch] * wr[ch * m + j];
        });
    }
    if (e) kiln_apply_epilogue(e, y, z, s->rows, f);
}

// Rows [r0, r0+nr) of the batch: col from the input, z = col . w (+= when accumulating), then y from z by e.
static void forward_chunk(const conv_job *j, long r0, int nr) {
    const conv_shape *s = j->s;
    const kiln_conv_geometry *g = s->g;
    const int f = g->f;
    const float *col;  // (nr, Kc) with row stride lda: a pointwise conv reads its input rows in place
    long lda = s->kc;
    if (s->pointwise) {
        col = j->inp + r0 * g->c;
        lda = g->c;
    } else {
        float *buffer = kiln_conv_scratch((size_t)nr * s->kc);
        im2col(buffer, j->inp, s, r0, nr);
        col = buffer;
    }
    float *z = j->out + (r0 - j->origin) * f;
    if (j->packed)
        kiln_gemm_prepacked(nr, f, s->kc, col, lda, 1, j->packed, z, f, j->accumulate);
    else
        for (int gi = 0; gi < g->groups; gi++)
            kiln_gemm_strided(nr, s->fg, s->kg, col + (long)gi * s->kg, lda, 1, j->other + (long)gi * s->fg, f, 1,
                              z + (long)gi * s->fg, f, j->accumulate);
    if (j->e) kiln_apply_epilogue(j->e, j->extra + (r0 - j->origin) * f, z, nr, f);
}

// Depthwise: dw (cells, f) += the kernel gradient of one sample: x (in..., c), dz (rows, f); db (f) += dz's column sums
static void depthwise_backward_kernel_sample(float *dw, float *db, const float *x, const float *dz, const conv_shape *s) {
    const kiln_conv_geometry *g = s->g;
    const int f = g->f, c = g->c;
    const int m = s->fg;
    for (int r = 0; r < s->rows; r++) {
        const float *dzr = dz + (long)r * f;
        KILN_FOR_WINDOW(g, r, {
            const float *xr = x + pos_ * c;
            float *dwr = dw + (long)cell_ * f;
            if (m == 1)
                for (int ch = 0; ch < c; ch++) dwr[ch] += xr[ch] * dzr[ch];
            else
                for (int ch = 0; ch < c; ch++)
                    for (int j = 0; j < m; j++) dwr[ch * m + j] += xr[ch] * dzr[ch * m + j];
        });
    }
    if (db) kiln_bias_backward(db, dz, s->rows, f);
}

// dw (Kc, f) += the kernel gradient of rows [r0, r1) of the batch, chunk by chunk; db (f) += their dz's column sums
static void backward_kernel_rows(float *dw, float *db, const conv_job *j, long r0, long r1) {
    const conv_shape *s = j->s;
    const kiln_conv_geometry *g = s->g;
    const int f = g->f;
    for (long r = r0; r < r1; r += s->chunk) {
        const int nr = (int)(r1 - r < s->chunk ? r1 - r : s->chunk);
        float *col = kiln_conv_scratch((size_t)nr * s->kc);  // (nr, Kc)
        im2col(col, j->inp, s, r, nr);
        const float *dz = j->other + r * f;
        for (int gi = 0; gi < g->groups; gi++)  // dw_g (kg, fg) += col_g^T (kg, nr) . dz_g (nr, fg)
            kiln_gemm_strided(s->kg, s->fg, nr, col + (long)gi * s->kg, 1, s->kc, dz + (long)gi * s->fg, f, 1,
                              dw + (long)gi * s->fg, f, 1);
        if (db) kiln_bias_backward(db, dz, nr, f);  // the chunk of dz the GEMM just read
    }
}

// dx (in..., c) += the input gradient of one sample: dz (rows, f), w (Kc, f), or w^T packed
static void backward_input_sample(float *dx, const float *dz, const float *w, const float *packed_wt, const conv_shape *s) {
    const kiln_conv_geometry *g = s->g;
    const int f = g->f, c = g->c;
    if (s->depthwise) {
        const int m = s->fg;
        for (int r = 0; r < s->rows; r++) {
            const float *dzr = dz + (long)r * f;
            KILN_FOR_WINDOW(g, r, {
                float *dxr = dx + pos_ * c;
                const float *wr = w + (long)cell_ * f;
                if (m == 1)
                    for (int ch = 0; ch < c; ch++) dxr[ch] += dzr[ch] * wr[ch];
                else
                    for (int ch = 0; ch < c; ch++) {
                        float sum = 0.0f;
                        for (int j = 0; j < m; j++) sum += dzr[ch * m + j] * wr[ch * m + j];
                        dxr[ch] += sum;
                    }
            });
        }
        return;
    }
    for (int r0 = 0; r0 < s->rows; r0 += s->chunk) {
        const int nr = s->rows - r0 < s->chunk ? s->rows - r0 : s->chunk;
        float *dcol = kiln_conv_scratch((size_t)nr * s->kc);  // (nr, Kc)
        if (packed_wt)  // dcol (nr, Kc) = dz (nr, f) . w^T (f, Kc)
            kiln_gemm_prepacked(nr, s->kc, f, dz + (long)r0 * f, f, 1, packed_wt, dcol, s->kc, 0);
        else
            for (int gi = 0; gi < g->groups; gi++)  // dcol_g (nr, kg) = dz_g (nr, fg) . w_g^T (fg, kg)
                kiln_gemm_strided(nr, s->kg, s->fg, dz + (long)r0 * f + (long)gi * s->fg, f, 1, w + (long)gi * s->fg, 1, f,
                                  dcol + (long)gi * s->kg, s->kc, 0);
        col2im(dx, dcol, s, r0, nr);  // dx is this sample's: its rows count from 0
    }
}

static void depthwise_forward_task(void *ctx, int b) {
    const conv_job *j = ctx;
    const long at = b * j->s->out_size;
    depthwise_forward_sample(j->e ? j->extra + at : NULL, j->out + at, j->inp + b * j->s->in_size, j->other, j->s,
                             j->accumulate, j->e);
}

static void forward_chunk_task(void *ctx, int t) {
    const conv_job *j = ctx;
    const long total = (long)j->n * j->s->rows, r0 = (long)t * j->chunk;
    forward_chunk(j, r0, (int)(total - r0 < j->chunk ? total - r0 : j->chunk));
}

static void backward_input_task(void *ctx, int b) {
    const conv_job *j = ctx;
    backward_input_sample(j->out + b * j->s->in_size, j->inp + b * j->s->out_size, j->other, j->packed, j->s);
}

// Task t sums its share of the batch (samples for depthwise, else rows): task 0 into dkernel, the others into their partials.
static void backward_kernel_task(void *ctx, int t) {
    const conv_job *j = ctx;
    const long size = (long)j->s->kc * j->s->g->f;
    float *dw = t == 0 ? j->out : j->partials + (t - 1) * size;
    float *db = !j->extra ? NULL : t == 0 ? j->extra : j->bias_partials + (long)(t - 1) * j->s->g->f;
    if (j->s->depthwise) {
        for (int b = t * j->per_task; b < j->n && b < (t + 1) * j->per_task; b++)
            depthwise_backward_kernel_sample(dw, db, j->inp + b * j->s->in_size, j->other + b * j->s->out_size, j->s);
        return;
    }
    const long total = (long)j->n * j->s->rows, r0 = (long)t * j->chunk, r1 = r0 + j->chunk < total ? r0 + j->chunk : total;
    if (r0 < r1) backward_kernel_rows(dw, db, j, r0, r1);
}

// ---- entry points ------------------------------------------------------------------------

static void conv_forward(float *y, float *z, const float *inp, const float *kernel, int n, const kiln_conv_geometry *g,
                         int accumulate, const kiln_epilogue *e) {
    // y, z (n, out..., f); inp (n, in..., c); kernel (k0, k1, k2, c/groups, f)
    if (!accumulate && kiln_winograd_forward(y, z, inp, kernel, n, g, e)) return;
    const conv_shape s = shape_of(g);
    conv_job job = {&s, z, inp, kernel, n, 1, NULL, accumulate, e, y, NULL, NULL, 0, 0};
    if (s.depthwise) {
        if (split_samples(&s, n))
            kiln_parallel_for(n, depthwise_forward_task, &job);
        else
            for (int b = 0; b < n; b++) depthwise_forward_task(&job, b);
        return;
    }
    // Chunks of the batch's rows as tasks, a multiple of the threads; one chunk: its GEMM splits instead.
    // (A pointwise conv's col is its input: the whole batch is one GEMM, cut into the same chunks.)
    const long total = (long)n * s.rows;
    const int threads = kiln_get_num_threads();
    long chunks = (total + s.chunk - 1) / s.chunk;
    const int parallel = threads > 1 && chunks > 1 && (double)total * s.kg * g->f >= PARALLEL_MIN_MACS;
    if (parallel) chunks = (chunks + threads - 1) / threads * threads;
    job.chunk = (int)((total + chunks - 1) / chunks);
    chunks = (total + job.chunk - 1) / job.chunk;
    float *packed = parallel && g->groups == 1 ? kiln_gemm_pack_b(kernel, g->f, 1, s.kc, g->f) : NULL;
    job.packed = packed;
    if (parallel)
        kiln_parallel_for((int)chunks, forward_chunk_task, &job);
    else
        for (int t = 0; t < chunks; t++) forward_chunk_task(&job, t);
    free(packed);
}

void kiln_conv_forward(float *z, const float *inp, const float *kernel, int n, const kiln_conv_geometry *g) {
    conv_forward(NULL, z, inp, kernel, n, g, 0, NULL);
}

void kiln_conv_forward_accumulate(float *z, const float *inp, const float *kernel, int n, const kiln_conv_geometry *g) {
    conv_forward(NULL, z, inp, kernel, n, g, 1, NULL);
}

void kiln_conv_bias_act_forward(float *y, float *z, const float *inp, const float *kernel, const float *bias, int n,
                                const kiln_conv_geometry *g, int act, float alpha) {
    const kiln_epilogue e = {bias, act, alpha, NULL, NULL};
    conv_forward(y, z, inp, kernel, n, g, 0, &e);
}

void kiln_conv_batchnorm_forward(float *y, const float *inp, const float *kernel, const float *bias, const float *gamma,
                                 const float *beta, const float *moving_mean, const float *moving_var, float epsilon, int n,
                                 const kiln_conv_geometry *g, int act, float alpha) {
    float *scale = malloc(sizeof(float) * 2 * (size_t)g->f);  // the map kiln_batchnorm_forward_infer applies
    if (!scale) abort();
    kiln_batchnorm_inference_map(scale, gamma, beta, moving_mean, moving_var, epsilon, g->f);
    const kiln_epilogue e = {bias, act, alpha, scale, scale + g->f};
    conv_forward(y, y, inp, kernel, n, g, 0, &e);
    free(scale);
}

void kiln_conv_backward_kernel_bias(float *dkernel, float *dbias, const float *inp, const float *dz, int n,
                                    const kiln_conv_geometry *g) {
    // dkernel (k0, k1, k2, c/groups, f) += ...; dbias (f) += column sums of dz, or NULL; inp (n, in..., c); dz (n, out..., f)
    const conv_shape s = shape_of(g);
    if (s.pointwise) {  // dkernel_g (cg, fg) += inp_g^T (cg, n*rows) . dz_g (n*rows, fg)
        for (int gi = 0; gi < g->groups; gi++)
            kiln_gemm_strided(s.cg, s.fg, n * s.rows, inp + gi * s.cg, 1, g->c, dz + gi * s.fg, g->f, 1,
                              dkernel + gi * s.fg, g->f, 1);
        if (dbias) kiln_bias_backward(dbias, dz, n * s.rows, g->f);
        return;
    }
    const long size = (long)s.kc * g->f, total = (long)n * s.rows;
    int tasks = 1;
    if (s.depthwise) {
        tasks = split_samples(&s, n) ? kiln_get_num_threads() : 1;
        if (tasks > n) tasks = n;
    } else if (kiln_get_num_threads() > 1 && (double)total * s.kg * g->f >= PARALLEL_MIN_MACS &&
               total >= (long)kiln_get_num_threads() * MIN_CHUNK_ROWS) {
        tasks = kiln_get_num_threads();  // each its share of the batch's rows; one task: its GEMMs split instead
    }
    // One block: the tasks' kernel partials, then their bias partials.
    float *partials = tasks > 1 ? calloc((size_t)(tasks - 1) * (size + g->f), sizeof(float)) : NULL;
    if (tasks > 1 && !partials) tasks = 1;  // no memory for the split: one task does it all
    conv_job job = {&s, dkernel, inp, dz, n, (n + tasks - 1) / tasks, partials, 0, NULL, dbias,
                    partials ? partials + (long)(tasks - 1) * size : NULL, NULL, (int)((total + tasks - 1) / tasks), 0};
    if (s.depthwise) tasks = (n + job.per_task - 1) / job.per_task;
    if (tasks > 1)
        kiln_parallel_for(tasks, backward_kernel_task, &job);
    else
        backward_kernel_task(&job, 0);
    for (int t = 1; t < tasks; t++) {
        for (long i = 0; i < size; i++) dkernel[i] += partials[(t - 1) * size + i];
        if (dbias)
            for (int j = 0; j < g->f; j++) dbias[j] += job.bias_partials[(long)(t - 1) * g->f + j];
    }
    free(partials);
}

void kiln_conv_backward_kernel(float *dkernel, const float *inp, const float *dz, int n, const kiln_conv_geometry *g) {
    kiln_conv_backward_kernel_bias(dkernel, NULL, inp, dz, n, g);
}

void kiln_conv_backward_input(float *dinp, const float *dz, const float *kernel, int n, const kiln_conv_geometry *g) {
    // dinp (n, in..., c) += ...; dz (n, out..., f); kernel (k0, k1, k2, c/groups, f)
    const conv_shape s = shape_of(g);
    if (s.pointwise) {  // dinp_g (n*rows, cg) += dz_g (n*rows, fg) . kernel_g^T (fg, cg)
        for (int gi = 0; gi < g->groups; gi++)
            kiln_gemm_strided(n * s.rows, s.cg, s.fg, dz + gi * s.fg, g->f, 1, kernel + gi * s.fg, 1, g->f,
                              dinp + gi * s.cg, g->c, 1);
        return;
    }
    if (kiln_winograd_backward_input(dinp, dz, kernel, n, g)) return;
    conv_job job = {&s, dinp, dz, kernel, n, 1, NULL};
    if (split_samples(&s, n)) {
        // Samples as tasks (each owns its dinp); w^T packed once for all of their chunks.
        float *packed = !s.depthwise && g->groups == 1 ? kiln_gemm_pack_b(kernel, 1, g->f, g->f, s.kc) : NULL;
        job.packed = packed;
        kiln_parallel_for(n, backward_input_task, &job);
        free(packed);
    } else {
        for (int b = 0; b < n; b++) backward_input_task(&job, b);
    }
}

// ---- a conv and the max pool reading it, at inference -------------------------------------

typedef struct {
    const conv_job *conv;       // the conv's rows, im2col (packed B) ...
    const kiln_winograd *wino;  // ... or Winograd, when set
    const kiln_conv_geometry *pool;
    const float *bias;
    int act;
    float alpha;
    float *out;
    int bands, band_rows;       // per sample; pool rows per band
} conv_pool_job;

// Band t (sample t / bands): its conv rows into the band buffer, bias and activation, then their windows' maxima.
static void conv_pool_task(void *ctx, int t) {
    const conv_pool_job *j = ctx;
    const kiln_conv_geometry *g = j->conv->s->g, *p = j->pool;
    const int b = t / j->bands, p0 = t % j->bands * j->band_rows;
    const int p1 = p0 + j->band_rows < p->out[1] ? p0 + j->band_rows : p->out[1];
    const int kh = p->k[1], ow = g->out[2], f = g->f;
    const int row0 = p0 * kh, rows = (p1 - p0) * kh;  // conv rows read by pool rows [p0, p1)
    float *z = buffer_get(&col_tls.band, (size_t)rows * ow * f);  // (rows, ow, f)
    if (j->wino) {
        kiln_winograd_rows(j->wino, z, j->conv->inp + b * j->conv->s->in_size, row0, rows);
    } else {
        conv_job band = *j->conv;
        band.out = z;
        band.origin = (long)b * j->conv->s->rows + (long)row0 * ow;
        for (int r = 0; r < rows * ow; r += band.chunk)
            forward_chunk(&band, band.origin + r, rows * ow - r < band.chunk ? rows * ow - r : band.chunk);
    }
    kiln_bias_act_rows(z, z, j->bias, rows * ow, f, j->act, j->alpha);
    kiln_conv_geometry band = *p;  // the pool over this band's rows alone
    band.in[1] = rows;
    band.out[1] = p1 - p0;
    kiln_max_pool_forward(j->out + ((long)b * p->out[1] + p0) * p->out[2] * f, z, 1, &band);
}

void kiln_conv_max_pool_forward(float *out, const float *inp, const float *kernel, const float *bias, int n,
                                const kiln_conv_geometry *g, const kiln_conv_geometry *pool, int act, float alpha) {
    // out (n, pool out..., f); inp (n, in..., c); kernel (k0, k1, k2, c/groups, f)
    const conv_shape s = shape_of(g);
    const int banded = g->in[0] == 1 && g->k[0] == 1 && pool->in[0] == 1 && pool->k[0] == 1 && !s.depthwise &&
                       pool->in[1] == g->out[1] && pool->in[2] == g->out[2] && pool->c == g->f &&
                       pool->k[1] == pool->stride[1] && pool->k[2] == pool->stride[2] && pool->pad[1] == 0 &&
                       pool->pad[2] == 0 && act != KILN_SOFTMAX;
    if (!banded) {  // any other pair: the two calls through a whole-batch buffer
        float *z = malloc(sizeof(float) * (size_t)n * s.out_size);
        if (!z) abort();
        kiln_conv_bias_act_forward(z, z, inp, kernel, bias, n, g, act, alpha);
        kiln_max_pool_forward(out, z, n, pool);
        free(z);
        return;
    }
    conv_job conv = {&s, NULL, inp, kernel, n, 1, NULL, 0, NULL, NULL, NULL, NULL, s.chunk, 0};
    conv_pool_job job = {&conv, kiln_winograd_prepare(g, kernel, n), pool, bias, act, alpha, out, 0, 0};
    // A band's conv rows: Winograd's tiles of two rows, else about one L2 chunk of im2col.
    const int kh = pool->k[1], ow = g->out[2];
    int band = job.wino ? (1 << 16) / (ow * g->f) / kh : s.chunk / (ow * kh);
    if (band < 1) band = 1;
    if (job.wino && kh % 2 && band % 2) band++;  // an even first row for every band
    if (band > pool->out[1]) band = pool->out[1];
    job.band_rows = band;
    job.bands = (pool->out[1] + band - 1) / band;
    float *packed = !job.wino && g->groups == 1 ? kiln_gemm_pack_b(kernel, g->f, 1, s.kc, g->f) : NULL;
    conv.packed = packed;
    const long tasks = (long)n * job.bands;
    if (kiln_get_num_threads() > 1 && tasks > 1 && (double)n * s.rows * s.kg * g->f >= PARALLEL_MIN_MACS)
        kiln_parallel_for((int)tasks, conv_pool_task, &job);
    else
        for (long t = 0; t < tasks; t++) conv_pool_task(&job, (int)t);
    free(packed);
    kiln_winograd_free((kiln_winograd *)job.wino);
}

// ---- naive references (double accumulation; plain loops, no shared index helpers) -------------

// Input index along one axis for output o and kernel tap j; -1 in the padding.
static int ref_in(const kiln_conv_geometry *g, int axis, int o, int j) {
    int i = o * g->stride[axis] - g->pad[axis] + j * g->dilation[axis];
    return i >= 0 && i < g->in[axis] ? i : -1;
}

void kiln_conv_forward_ref(float *z, const float *inp, const float *kernel, int n, const kiln_conv_geometry *g) {
    const int c = g->c, f = g->f, cg = c / g->groups, fg = f / g->groups;
    for (int b = 0; b < n; b++)
        for (int o0 = 0; o0 < g->out[0]; o0++)
            for (int o1 = 0; o1 < g->out[1]; o1++)
                for (int o2 = 0; o2 < g->out[2]; o2++)
                    for (int fo = 0; fo < f; fo++) {
                        const int gi = fo / fg;
                        double sum = 0;
                        for (int j0 = 0; j0 < g->k[0]; j0++)
                            for (int j1 = 0; j1 < g->k[1]; j1++)
                                for (int j2 = 0; j2 < g->k[2]; j2++) {
                                    int i0 = ref_in(g, 0, o0, j0), i1 = ref_in(g, 1, o1, j1), i2 = ref_in(g, 2, o2, j2);
                                    if (i0 < 0 || i1 < 0 || i2 < 0) continue;
                                    for (int ci = 0; ci < cg; ci++) {
                                        long xi = (((long)b * g->in[0] + i0) * g->in[1] + i1) * g->in[2] + i2;
                                        long wi = (((long)j0 * g->k[1] + j1) * g->k[2] + j2) * cg + ci;
                                        sum += (double)inp[xi * c + gi * cg + ci] * kernel[wi * f + fo];
                                    }
                                }
                        long zi = (((long)b * g->out[0] + o0) * g->out[1] + o1) * g->out[2] + o2;
                        z[zi * f + fo] = (float)sum;
                    }
}

void kiln_conv_backward_kernel_ref(float *dkernel, const float *inp, const float *dz, int n, const kiln_conv_geometry *g) {
    const int c = g->c, f = g->f, cg = c / g->groups, fg = f / g->groups;
    for (int j0 = 0; j0 < g->k[0]; j0++)
        for (int j1 = 0; j1 < g->k[1]; j1++)
            for (int j2 = 0; j2 < g->k[2]; j2++)
                for (int ci = 0; ci < cg; ci++)
                    for (int fo = 0; fo < f; fo++) {
                        const int gi = fo / fg;
                        double sum = 0;
                        for (int b = 0; b < n; b++)
                            for (int o0 = 0; o0 < g->out[0]; o0++)
                                for (int o1 = 0; o1 < g->out[1]; o1++)
                                    for (int o2 = 0; o2 < g->out[2]; o2++) {
                                        int i0 = ref_in(g, 0, o0, j0), i1 = ref_in(g, 1, o1, j1), i2 = ref_in(g, 2, o2, j2);
                                        if (i0 < 0 || i1 < 0 || i2 < 0) continue;
                                        long xi = (((long)b * g->in[0] + i0) * g->in[1] + i1) * g->in[2] + i2;
                                        long zi = (((long)b * g->out[0] + o0) * g->out[1] + o1) * g->out[2] + o2;
                                        sum += (double)inp[xi * c + gi * cg + ci] * dz[zi * f + fo];
                                    }
                        long wi = (((long)j0 * g->k[1] + j1) * g->k[2] + j2) * cg + ci;
                        dkernel[wi * f + fo] = (float)(dkernel[wi * f + fo] + sum);
                    }
}

// Output index along one axis that reads input i through tap j; -1 when none does.
static int ref_out(const kiln_conv_geometry *g, int axis, int i, int j) {
    int t = i + g->pad[axis] - j * g->dilation[axis];
    if (t < 0 || t % g->stride[axis] != 0) return -1;
    int o = t / g->stride[axis];
    return o < g->out[axis] ? o : -1;
}

void kiln_conv_backward_input_ref(float *dinp, const float *dz, const float *kernel, int n, const kiln_conv_geometry *g) {
    const int c = g->c, f = g->f, cg = c / g->groups, fg = f / g->groups;
    for (int b = 0; b < n; b++)
        for (int i0 = 0; i0 < g->in[0]; i0++)
            for (int i1 = 0; i1 < g->in[1]; i1++)
                for (int i2 = 0; i2 < g->in[2]; i2++)
                    for (int ch = 0; ch < c; ch++) {
                        const int gi = ch / cg, ci = ch % cg;
                        double sum = 0;
                        for (int j0 = 0; j0 < g->k[0]; j0++)
                            for (int j1 = 0; j1 < g->k[1]; j1++)
                                for (int j2 = 0; j2 < g->k[2]; j2++) {
                                    int o0 = ref_out(g, 0, i0, j0), o1 = ref_out(g, 1, i1, j1), o2 = ref_out(g, 2, i2, j2);
                                    if (o0 < 0 || o1 < 0 || o2 < 0) continue;
                                    long zi = (((long)b * g->out[0] + o0) * g->out[1] + o1) * g->out[2] + o2;
                                    long wi = (((long)j0 * g->k[1] + j1) * g->k[2] + j2) * cg + ci;
                                    for (int fo = gi * fg; fo < (gi + 1) * fg; fo++)
                                        sum += (double)dz[zi * f + fo] * kernel[wi * f + fo];
                                }
                        long xi = (((long)b * g->in[0] + i0) * g->in[1] + i1) * g->in[2] + i2;
                        dinp[xi * c + ch] = (float)(dinp[xi * c + ch] + sum);
                    }
}
