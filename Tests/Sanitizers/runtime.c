// Runtime paths the small models of specs/ do not reach, for the sanitizer lane: GEMMs large enough
// to pack A and to split over the thread pool (1-3 threads, every ISA level, all three layouts,
// checked against the reference), two threads calling GEMM at once, every activation, loss and
// optimizer at sizes off the vector width, non-finite values through the activations, and the
// convolution and pooling kernels (against the conv references, on and off the thread pool).
// Every buffer has its exact size.
#include "kiln_runtime.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what) {
    fprintf(stderr, "sanitizers: runtime: %s\n", what);
    exit(1);
}

static _Thread_local uint64_t lcg = 1;  // per thread: two threads run GEMM checks
static float uniform(float lo, float hi) {
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + (hi - lo) * (float)(lcg >> 40) * 0x1.0p-24f;
}

static float *floats(size_t count) {
    float *f = malloc(count ? count * sizeof(float) : 1);
    if (!f) abort();
    for (size_t i = 0; i < count; i++) f[i] = uniform(-1.0f, 1.0f);
    return f;
}

typedef void (*gemm_fn)(float *, const float *, const float *, int, int, int, int);
static const gemm_fn fast[3] = {kiln_sgemm_nn, kiln_sgemm_tn, kiln_sgemm_nt};
static const gemm_fn ref[3] = {kiln_sgemm_nn_ref, kiln_sgemm_tn_ref, kiln_sgemm_nt_ref};

// One GEMM of each layout against the reference, plain and accumulating. Returns 0 when they agree.
static int check_gemm(int M, int N, int K) {
    for (int layout = 0; layout < 3; layout++)
        for (int acc = 0; acc <= 1; acc++) {
            float *A = floats((size_t)M * K), *B = floats((size_t)K * N), *C = floats((size_t)M * N);
            float *R = malloc(sizeof(float) * (size_t)M * N);
            memcpy(R, C, sizeof(float) * (size_t)M * N);
            fast[layout](C, A, B, M, N, K, acc);
            ref[layout](R, A, B, M, N, K, acc);
            int bad = 0;
            for (long i = 0; i < (long)M * N; i++)
                if (!(fabsf(C[i] - R[i]) <= 1e-5f * (float)(K + 1))) bad = 1;
            free(A); free(B); free(C); free(R);
            if (bad) {
                fprintf(stderr, "sanitizers: runtime: GEMM layout %d acc %d M %d N %d K %d (%s) differs from the reference\n",
                        layout, acc, M, N, K, kiln_gemm_isa_name());
                return 1;
            }
        }
    return 0;
}

// (M,N,K): tiny loops, direct with tails, the seed layer, K past one block, packed A, split over M, split over N.
static const int shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {7, 33, 19}, {32, 10, 128}, {33, 65, 300},
                                {97, 1, 300}, {130, 70, 40}, {200, 190, 40}, {20, 300, 200}};

static void *concurrent(void *arg) {
    (void)arg;
    for (int i = 0; i < 3; i++)
        if (check_gemm(200, 190, 40)) return (void *)1;
    return NULL;
}

static void gemms(void) {
    int best = kiln_gemm_set_isa(99);
    for (int isa = 0; isa <= best; isa++) {
        kiln_gemm_set_isa(isa);
        for (int threads = 1; threads <= 3; threads++) {
            kiln_set_num_threads(threads);
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
                if (check_gemm(shapes[s][0], shapes[s][1], shapes[s][2])) exit(1);
        }
    }
    // Two callers at once: one gets the pool, the other runs serially.
    kiln_gemm_set_isa(best);
    kiln_set_num_threads(2);
    pthread_t t;
    if (pthread_create(&t, NULL, concurrent, NULL) != 0) fail("pthread_create");
    void *other = concurrent(NULL), *mine;
    pthread_join(t, &mine);
    if (other || mine) fail("concurrent GEMMs differ from the reference");
}

static void activations(void) {
    const float special[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 0.0f, -0.0f, 88.7f, -104.0f, 1e-40f};
    const int n_special = (int)(sizeof special / sizeof special[0]);
    const int sizes[][2] = {{1, 1}, {3, 5}, {2, 17}, {1, n_special}};
    for (int act = KILN_LINEAR; act <= KILN_LEAKY_RELU; act++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            int rows = sizes[s][0], cols = sizes[s][1], n = rows * cols;
            float *z = floats((size_t)n), *y = floats((size_t)n), *bias = floats((size_t)cols);
            float *dy = floats((size_t)n), *dz = floats((size_t)n);
            if (cols == n_special) memcpy(z, special, sizeof special);  // no crash and no UB, whatever comes out
            kiln_bias_act_forward(y, z, cols == n_special ? NULL : bias, rows, cols, act, 0.2f);
            kiln_act_backward(dz, dy, z, y, rows, cols, act, 0.2f);
            kiln_bias_act_forward(z, z, bias, rows, cols, act, 0.2f);  // in place
            kiln_bias_backward(bias, dz, rows, cols);
            if (cols != n_special)
                for (int i = 0; i < n; i++)
                    if (!isfinite(y[i]) || !isfinite(dz[i])) fail("an activation is not finite on finite input");
            free(z); free(y); free(bias); free(dy); free(dz);
        }
}

static void losses(void) {
    const int sizes[][2] = {{1, 1}, {3, 4}, {5, 1}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int rows = sizes[s][0], cols = sizes[s][1], n = rows * cols;
        float *pred = floats((size_t)n), *prob = floats((size_t)n), *y = floats((size_t)n), *d = floats((size_t)n);
        float *onehot = floats((size_t)n), *cls = floats((size_t)rows), *bin = floats((size_t)n);
        for (int i = 0; i < n; i++) {
            prob[i] = 0.05f + 0.9f * (pred[i] * 0.5f + 0.5f);
            bin[i] = (float)(i % 2);
            onehot[i] = i % cols == (i / cols) % cols ? 1.0f : 0.0f;
        }
        for (int r = 0; r < rows; r++) cls[r] = (float)(r % cols);
        float l[10];
        l[0] = kiln_mse_loss(d, pred, y, rows, cols);
        l[1] = kiln_mae_loss(d, pred, y, rows, cols);
        l[2] = kiln_binary_crossentropy_loss(d, prob, bin, rows, cols, 0);
        l[3] = kiln_binary_crossentropy_loss(d, pred, bin, rows, cols, 1);
        l[4] = kiln_categorical_crossentropy_loss(d, prob, onehot, rows, cols, 0);
        l[5] = kiln_categorical_crossentropy_loss(d, pred, onehot, rows, cols, 1);
        l[6] = kiln_sparse_categorical_crossentropy_loss(d, prob, cls, rows, cols, 0);
        l[7] = kiln_sparse_categorical_crossentropy_loss(d, pred, cls, rows, cols, 1);
        for (int i = 0; i < 8; i++)
            if (!isfinite(l[i])) fail("a loss is not finite");
        free(pred); free(prob); free(y); free(d); free(onehot); free(cls); free(bin);
    }
}

static void optimizers(void) {
    const int sizes[] = {1, 7, 8, 9, 17};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        float *p = floats((size_t)n), *g = floats((size_t)n), *m = floats((size_t)n), *v = floats((size_t)n);
        for (int i = 0; i < n; i++) { m[i] = 0.0f; v[i] = 0.0f; }
        kiln_adam_update(p, m, v, g, n, 0.001f, 0.9f, 0.999f, 1e-7f, 1);
        kiln_rmsprop_update(p, v, g, n, 0.001f, 0.9f, 1e-7f);
        kiln_sgd_update(p, NULL, g, n, 0.01f, 0.0f, 0);
        kiln_sgd_update(p, m, g, n, 0.01f, 0.9f, 0);
        kiln_sgd_update(p, m, g, n, 0.01f, 0.9f, 1);
        float l2 = kiln_l2_loss(p, n, 0.01f) + kiln_l2_backward(g, p, n, 0.01f);
        if (!isfinite(l2)) fail("l2 is not finite");
        for (int i = 0; i < n; i++)
            if (!isfinite(p[i])) fail("an optimizer step is not finite");
        float *mask = floats((size_t)n), *out = floats((size_t)n);
        uint64_t rng[2];
        kiln_rng_seed(rng, 0);
        const float rates[] = {0.0f, 0.5f, 1.0f};
        for (int r = 0; r < 3; r++) {
            kiln_dropout_forward(out, mask, p, n, rates[r], rng);
            kiln_dropout_backward(g, out, mask, n);
        }
        int64_t rows[17];
        for (int i = 0; i < n; i++) rows[i] = (i * 5) % n;
        float *src = floats((size_t)n * 3), *dst = floats((size_t)n * 3);
        kiln_gather_rows(dst, src, rows, n, 3);
        free(p); free(g); free(m); free(v); free(mask); free(out); free(src); free(dst);
    }
}

// Convolution and pooling: each fast conv against its reference on geometries that reach every
// path (im2col chunks, groups, depthwise, pointwise, padding, stride, dilation, 3D), split over the
// pool (n >= threads) and not; pooling and global pooling at exact buffer sizes.
static kiln_conv_geometry geometry(int d, int h, int w, int c, int kd, int kh, int kw, int s, int dil, int same, int f, int groups) {
    kiln_conv_geometry g = {{d, h, w}, c, {kd, kh, kw}, {1, s, s}, {1, dil, dil}, {0, 0, 0}, {0, 0, 0}, f, groups};
    for (int a = 0; a < 3; a++) {
        int span = (g.k[a] - 1) * g.dilation[a] + 1;
        if (same) {
            g.out[a] = (g.in[a] + g.stride[a] - 1) / g.stride[a];
            int total = (g.out[a] - 1) * g.stride[a] + span - g.in[a];
            g.pad[a] = total > 0 ? total / 2 : 0;
        } else {
            g.out[a] = (g.in[a] - span) / g.stride[a] + 1;
        }
    }
    return g;
}

static int differs(const float *a, const float *b, long count, float tol) {
    for (long i = 0; i < count; i++)
        if (!(fabsf(a[i] - b[i]) <= tol)) return 1;
    return 0;
}

static void convs(void) {
    const kiln_conv_geometry gs[] = {
        geometry(1, 1, 9, 3, 1, 1, 4, 1, 1, 1, 2, 1),     // 1D, even kernel, same
        geometry(1, 9, 8, 4, 1, 3, 3, 2, 1, 1, 6, 2),     // groups 2, stride 2
        geometry(1, 9, 9, 3, 1, 3, 3, 1, 2, 1, 6, 3),     // depthwise x2, dilation 2
        geometry(1, 5, 6, 6, 1, 1, 1, 1, 1, 0, 4, 2),     // pointwise, groups 2
        geometry(3, 4, 5, 2, 2, 3, 3, 1, 1, 1, 3, 1),     // 3D
        geometry(1, 64, 64, 8, 1, 3, 3, 1, 1, 0, 16, 1),  // im2col in chunks, samples split
        geometry(1, 40, 40, 16, 1, 3, 3, 1, 1, 1, 16, 16), // depthwise, samples split
        geometry(1, 13, 11, 17, 1, 3, 3, 1, 1, 1, 20, 1), // Winograd, odd sides, blocks on the pool
    };
    for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++)
        for (int n = 1; n <= 3; n += 2) {
            const kiln_conv_geometry *g = &gs[i];
            long in = (long)n * g->in[0] * g->in[1] * g->in[2] * g->c;
            long out = (long)n * g->out[0] * g->out[1] * g->out[2] * g->f;
            long kn = (long)g->k[0] * g->k[1] * g->k[2] * (g->c / g->groups) * g->f;
            float *x = floats((size_t)in), *w = floats((size_t)kn), *dz = floats((size_t)out);
            float *z = floats((size_t)out), *zr = floats((size_t)out), *dw = floats((size_t)kn), *dwr = malloc(sizeof(float) * (size_t)kn);
            float *dx = floats((size_t)in), *dxr = malloc(sizeof(float) * (size_t)in);
            memcpy(dwr, dw, sizeof(float) * (size_t)kn);
            memcpy(dxr, dx, sizeof(float) * (size_t)in);
            kiln_conv_forward(z, x, w, n, g);
            kiln_conv_forward_ref(zr, x, w, n, g);
            kiln_conv_backward_kernel(dw, x, dz, n, g);
            kiln_conv_backward_kernel_ref(dwr, x, dz, n, g);
            kiln_conv_backward_input(dx, dz, w, n, g);
            kiln_conv_backward_input_ref(dxr, dz, w, n, g);
            int bad = differs(z, zr, out, 1e-4f) || differs(dw, dwr, kn, 1e-5f * (float)(out + 1)) || differs(dx, dxr, in, 1e-4f);
            if (!bad) {  // pooling on the same input (c = f)
                kiln_conv_geometry p = geometry(g->in[0], g->in[1], g->in[2], g->c, 1, 3, 3, 2, 1, 1, g->c, 1);
                long pout = (long)n * p.out[0] * p.out[1] * p.out[2] * p.c, spatial = in / n / g->c;
                float *y = floats((size_t)pout), *dy = floats((size_t)pout), *gy = floats((size_t)n * g->c);
                kiln_max_pool_forward(y, x, n, &p);
                kiln_max_pool_backward(dx, dy, x, y, n, &p);
                kiln_avg_pool_forward(y, x, n, &p);
                kiln_avg_pool_backward(dx, dy, n, &p);
                kiln_global_max_pool_forward(gy, x, n, (int)spatial, g->c);
                kiln_global_max_pool_backward(dx, gy, x, gy, n, (int)spatial, g->c);
                kiln_global_avg_pool_forward(gy, x, n, (int)spatial, g->c);
                kiln_global_avg_pool_backward(dx, gy, n, (int)spatial, g->c);
                for (long j = 0; j < in; j++)
                    if (!isfinite(dx[j])) bad = 1;
                free(y); free(dy); free(gy);
            }
            free(x); free(w); free(dz); free(z); free(zr); free(dw); free(dwr); free(dx); free(dxr);
            if (bad) {
                fprintf(stderr, "sanitizers: runtime: conv/pool geometry %zu n %d differs from the reference\n", i, n);
                exit(1);
            }
        }
}

int main(void) {
    gemms();
    activations();
    losses();
    optimizers();
    kiln_set_num_threads(2);
    convs();
    printf("sanitizers: runtime ok (GEMM at ISA levels 0-%d on 1-3 threads, activations, losses, optimizers, dropout, gather, conv, pooling)\n",
           kiln_gemm_set_isa(99));
    return 0;
}
