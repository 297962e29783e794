// Private helpers shared by the runtime's C files (not part of the public ABI).
#ifndef KILN_INTERNAL_H
#define KILN_INTERNAL_H

#include <stdint.h>
#include <string.h>

typedef float v4f __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));

// Unaligned vector load/store: memcpy compiles to one unaligned move and has no alignment UB.
#define KILN_LOADV(dst, ptr) __builtin_memcpy(&(dst), (ptr), sizeof(dst))
#define KILN_STOREV(ptr, src) __builtin_memcpy((ptr), &(src), sizeof(src))

// The runtime builds for baseline x86-64 (SSE2); streaming loops get AVX-512 and AVX2 clones,
// picked once at load time, so that they run at the machine's vector width.
// (Not under ThreadSanitizer, whose runtime is not up yet when the loader runs the clones' resolvers.)
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KILN_NO_CLONES 1
#endif
#endif
#if defined(__x86_64__) && defined(__linux__) && !defined(KILN_NO_CLONES)
#define KILN_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KILN_VECTOR_CLONES
#endif

// v (n) = act(v) in place; d (n) = act'(z) from y (n) = act(z), for every activation but gelu and softmax.
KILN_VECTOR_CLONES void kiln_act_inplace(float *v, long n, int act, float alpha);
KILN_VECTOR_CLONES void kiln_act_derivative(float *d, const float *y, long n, int act, float alpha);

// Runs fn(ctx, t) for t in [0, ntasks) on the pool; the caller takes part and returns when all are done.
// Falls back to a serial loop when the pool is busy (a concurrent or nested call).
typedef void (*kiln_task_fn)(void *ctx, int task);
void kiln_parallel_for(int ntasks, kiln_task_fn fn, void *ctx);

// A convolution's epilogue over each chunk of output rows as it is computed: y = act(z + bias), or
// with scale, y = act((z + bias) * scale + shift) (a BatchNormalization at inference, folded in).
typedef struct {
    const float *bias;  // (f) or NULL
    int act;            // KILN_RELU, ...; elementwise only when scale is set
    float alpha;
    const float *scale, *shift;  // (f) each, or NULL
} kiln_epilogue;

// y (rows, f) from z (rows, f) by the epilogue e, on the calling thread (conv.c).
void kiln_apply_epilogue(const kiln_epilogue *e, float *y, float *z, int rows, int f);
// kiln_bias_act_forward on the calling thread: y, z (rows, cols); z += bias first.
KILN_VECTOR_CLONES void kiln_bias_act_rows(float *y, float *z, const float *bias, int rows, int cols, int act, float alpha);
// y (rows, cols) = act((z + bias) * scale + shift), on the calling thread; y may be z, bias NULL.
KILN_VECTOR_CLONES void kiln_bias_scale_act_rows(float *y, const float *z, const float *bias, const float *scale,
                                                 const float *shift, int rows, int cols, int act, float alpha);

// C(i,j) = C[i*ldc + j] (M,N) = sum_k A(i,k) B(k,j)  [+= when acc], A(i,k) = A[i*rsa + k*csa],
// B(k,j) = B[k*rsb + j*csb]: the packed GEMM on strided views (e.g. one group's block of a conv).
void kiln_gemm_strided(int M, int N, int K, const float *A, long rsa, long csa, const float *B, long rsb, long csb,
                       float *C, long ldc, int acc);

// A batch norm as a per-channel map out = x * scale + shift: scale (2c) holds scale, then shift;
// from the statistics' mean and 1/sqrt(var + eps), or (inference) from the moving ones.
void kiln_batchnorm_map(float *scale, const float *gamma, const float *beta, const float *mean, const float *invstd, int c);
void kiln_batchnorm_inference_map(float *scale, const float *gamma, const float *beta, const float *moving_mean,
                                  const float *moving_var, float epsilon, int c);

// B(k,j) = B[k*rsb + j*csb] (K,N) packed once, for many products with one B (a conv's kernel over its
// chunks of rows); free() it. NULL when out of memory. Valid while the GEMM ISA stays as it is.
float *kiln_gemm_pack_b(const float *B, long rsb, long csb, int K, int N);
// C (M,N) = or += A . B with B from kiln_gemm_pack_b, on the calling thread.
void kiln_gemm_prepacked(int M, int N, int K, const float *A, long rsa, long csa, const float *packed_b, float *C,
                         long ldc, int acc);

// n floats of this thread's scratch (a conv's col buffer), kept for its next call; not zeroed.
float *kiln_conv_scratch(size_t n);

// Winograd F(2x2,3x3) (winograd.c) where it applies to g and n (3x3, stride 1, one group, deep enough):
// the forward (z, then y by e when e is set) or the input gradient (dinp +=). 0: not taken, nothing written.
int kiln_winograd_forward(float *y, float *z, const float *inp, const float *kernel, int n, const kiln_conv_geometry *g,
                          const kiln_epilogue *e);
int kiln_winograd_backward_input(float *dinp, const float *dz, const float *kernel, int n, const kiln_conv_geometry *g);
// The same forward prepared once (its kernel transformed and packed; NULL where it does not apply), then run
// band by band on the calling thread: z (rows, out[2], f) = output rows [row0, row0+rows) of one sample x
// (in[1], in[2], c), row0 even. No epilogue.
typedef struct kiln_winograd kiln_winograd;
kiln_winograd *kiln_winograd_prepare(const kiln_conv_geometry *g, const float *kernel, int n);
void kiln_winograd_rows(const kiln_winograd *w, float *z, const float *x, int row0, int rows);
void kiln_winograd_free(kiln_winograd *w);

// For output row r (row-major over out[0..3)) of one sample of geometry g, runs body for each
// window cell inside the input, with cell_ (the kernel's spatial index, row-major over k[0..3))
// and pos_ (the input's spatial index, row-major over in[0..3)); cells in the padding are skipped.
// The body is variadic so that commas inside it need no parentheses.
#define KILN_FOR_WINDOW(g, r, ...)                                                                   \
    do {                                                                                            \
        const int o2_ = (r) % (g)->out[2], o1_ = (r) / (g)->out[2] % (g)->out[1];                   \
        const int o0_ = (r) / (g)->out[2] / (g)->out[1];                                            \
        for (int j0_ = 0; j0_ < (g)->k[0]; j0_++) {                                                 \
            const int i0_ = o0_ * (g)->stride[0] - (g)->pad[0] + j0_ * (g)->dilation[0];            \
            if (i0_ < 0 || i0_ >= (g)->in[0]) continue;                                             \
            for (int j1_ = 0; j1_ < (g)->k[1]; j1_++) {                                             \
                const int i1_ = o1_ * (g)->stride[1] - (g)->pad[1] + j1_ * (g)->dilation[1];        \
                if (i1_ < 0 || i1_ >= (g)->in[1]) continue;                                         \
                for (int j2_ = 0; j2_ < (g)->k[2]; j2_++) {                                         \
                    const int i2_ = o2_ * (g)->stride[2] - (g)->pad[2] + j2_ * (g)->dilation[2];    \
                    if (i2_ < 0 || i2_ >= (g)->in[2]) continue;                                     \
                    const int cell_ = (j0_ * (g)->k[1] + j1_) * (g)->k[2] + j2_;                    \
                    const long pos_ = ((long)i0_ * (g)->in[1] + i1_) * (g)->in[2] + i2_;            \
                    (void)cell_, (void)pos_;                                                        \
                    __VA_ARGS__;                                                                        \
                }                                                                                   \
            }                                                                                       \
        }                                                                                           \
    } while (0)

#endif
