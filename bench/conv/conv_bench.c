// Times the fast conv kernels on the seed CNN's two conv layers at batch 32 (and ResNet50's 3x3 shapes), against kiln_sgemm_nn
// on a (4096, 128, 576) product in the same run. Not part of CI.
//   clang -O2 -march=native -ISources/CKilnRuntime/include bench/conv/conv_bench.c \
//       Sources/CKilnRuntime/*.c -lm -lpthread -o /tmp/conv_bench && /tmp/conv_bench [reps] [layers: A B C D E, default AB]
// Add -DKILN_CONV_NO_SAMPLE_SPLIT to time the other strategy (samples serial, the GEMMs split).
#include "kiln_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static float *floats(size_t count) {
    float *f = malloc(count * sizeof(float));
    if (!f) abort();
    uint64_t s = count;
    for (size_t i = 0; i < count; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        f[i] = (float)(s >> 40) * 0x1.0p-24f - 0.5f;
    }
    return f;
}

// Best of `reps` timings of one call, in seconds (after one warm-up call).
#define BEST(reps, call)                                        \
    ({                                                          \
        double best_ = 1e30;                                    \
        call;                                                   \
        for (int r_ = 0; r_ < (reps); r_++) {                   \
            double t0_ = now();                                 \
            call;                                               \
            double t_ = now() - t0_;                            \
            best_ = t_ < best_ ? t_ : best_;                    \
        }                                                       \
        best_;                                                  \
    })

static void conv(const char *name, int n, int h, int w, int c, int k, int f, int reps) {
    kiln_conv_geometry g = {{1, h, w}, c, {1, k, k}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, h - k + 1, w - k + 1}, f, 1};
    long in = (long)n * h * w * c, out = (long)n * g.out[1] * g.out[2] * f, kn = (long)k * k * c * f;
    float *x = floats(in), *wt = floats(kn), *z = floats(out), *dz = floats(out), *dx = floats(in), *dw = floats(kn);
    double flop = 2.0 * n * g.out[1] * g.out[2] * (double)k * k * c * f;
    double tf = BEST(reps, kiln_conv_forward(z, x, wt, n, &g));
    double tk = BEST(reps, kiln_conv_backward_kernel(dw, x, dz, n, &g));
    double ti = BEST(reps, kiln_conv_backward_input(dx, dz, wt, n, &g));
    kiln_conv_set_winograd(0);  // the same two as im2col + GEMM, where Winograd took them
    double tf0 = BEST(reps, kiln_conv_forward(z, x, wt, n, &g));
    double ti0 = BEST(reps, kiln_conv_backward_input(dx, dz, wt, n, &g));
    kiln_conv_set_winograd(1);
    // Bias and ReLU: a separate pass over z, then the fused epilogue (in place, as generated code runs it).
    float *bias = floats(f), *db = floats(f);
    const int rows = n * g.out[1] * g.out[2];
    double tfs = BEST(reps, (kiln_conv_forward(z, x, wt, n, &g), kiln_bias_act_forward(z, z, bias, rows, f, KILN_RELU, 0)));
    double tff = BEST(reps, kiln_conv_bias_act_forward(z, z, x, wt, bias, n, &g, KILN_RELU, 0));
    // Inference through the conv and a 2x2 max pool: the two calls, then the one banded call.
    kiln_conv_geometry p = {{1, g.out[1], g.out[2]}, f, {1, 2, 2}, {1, 2, 2}, {1, 1, 1}, {0, 0, 0},
                            {1, g.out[1] / 2, g.out[2] / 2}, f, f};
    float *pooled = floats((size_t)n * p.out[1] * p.out[2] * f);
    double tps = BEST(reps, (kiln_conv_bias_act_forward(z, z, x, wt, bias, n, &g, KILN_RELU, 0), kiln_max_pool_forward(pooled, z, n, &p)));
    double tpf = BEST(reps, kiln_conv_max_pool_forward(pooled, x, wt, bias, n, &g, &p, KILN_RELU, 0));
    free(pooled);
    double tks = BEST(reps, (kiln_conv_backward_kernel(dw, x, dz, n, &g), kiln_bias_backward(db, dz, rows, f)));
    double tkf = BEST(reps, kiln_conv_backward_kernel_bias(dw, db, x, dz, n, &g));
    printf("%s n=%d %dx%dx%d k%dx%d f%d -> %dx%dx%d (%.2f GFLOP per call)\n", name, n, h, w, c, k, k, f, g.out[1],
           g.out[2], f, flop * 1e-9);
    // GFLOP/s count the direct convolution's multiply-adds, so Winograd can pass the GEMM peak.
    printf("  forward          %8.2f ms  %6.1f GFLOP/s   im2col %8.2f ms  %6.1f GFLOP/s\n", tf * 1e3, flop / tf * 1e-9,
           tf0 * 1e3, flop / tf0 * 1e-9);
    printf("  backward kernel  %8.2f ms  %6.1f GFLOP/s\n", tk * 1e3, flop / tk * 1e-9);
    printf("  backward input   %8.2f ms  %6.1f GFLOP/s   im2col %8.2f ms  %6.1f GFLOP/s\n", ti * 1e3, flop / ti * 1e-9,
           ti0 * 1e3, flop / ti0 * 1e-9);
    printf("  forward, then bias+relu  %8.2f ms   fused %8.2f ms\n", tfs * 1e3, tff * 1e3);
    printf("  kernel, then bias grad   %8.2f ms   fused %8.2f ms\n", tks * 1e3, tkf * 1e3);
    printf("  inference: conv, then 2x2 max pool %8.2f ms   one banded call %8.2f ms\n", tps * 1e3, tpf * 1e3);
    free(bias); free(db);
    free(x); free(wt); free(z); free(dz); free(dx); free(dw);
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 3;
    printf("isa %s, %d threads\n", kiln_gemm_isa_name(), kiln_get_num_threads());
    int M = 4096, N = 128, K = 576;
    float *A = floats((size_t)M * K), *B = floats((size_t)K * N), *C = floats((size_t)M * N);
    double tg = BEST(10, kiln_sgemm_nn(C, A, B, M, N, K, 0));
    printf("sgemm_nn (4096, 128, 576) %8.2f ms  %6.1f GFLOP/s\n", tg * 1e3, 2.0 * M * N * K / tg * 1e-9);
    const char *which = argc > 2 ? argv[2] : "AB";  // the layers to time
    if (strchr(which, 'A')) conv("conv A", 32, 128, 128, 3, 3, 64, reps);
    if (strchr(which, 'B')) conv("conv B", 32, 63, 63, 64, 3, 128, reps);
    // ResNet50's 3x3 convs (valid here): stage 1 at batch 1, stage 3 at batch 16, stage 4 at batch 1
    if (strchr(which, 'C')) conv("conv C", 1, 58, 58, 64, 3, 64, reps);
    if (strchr(which, 'D')) conv("conv D", 16, 16, 16, 256, 3, 256, reps);
    if (strchr(which, 'E')) conv("conv E", 1, 9, 9, 512, 3, 512, reps);
    tg = BEST(10, kiln_sgemm_nn(C, A, B, M, N, K, 0));
    printf("sgemm_nn (4096, 128, 576) %8.2f ms  %6.1f GFLOP/s (again)\n", tg * 1e3, 2.0 * M * N * K / tg * 1e-9);
    free(A); free(B); free(C);
    return 0;
}
