// Packed, register-blocked SGEMM (row-major) for the three layouts generated code needs.
// Loop nest (BLIS style): K in KC blocks -> pack B panels (NR wide) -> M in MC blocks -> pack A panels
// (MR tall) -> micro-kernel over each MR x NR tile. Small problems skip packing A and read full-width
// B panels in place, so e.g. 32x10x128 costs one tiny tail pack. Big problems are split over the pool.
#include "kiln_runtime.h"
#include "kiln_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct kiln_gemm_isa {
    int mr, w;  // tile rows; floats per vector (a tile is mr x 2w at most)
    void (*packed)(int mr, int nv, int nr, int kc, const float *A, const float *B, long ldb, float *C, long ldc,
                   int acc);
    void (*direct)(int mr, int nv, int nr, int kc, const float *A, long rsa, long csa, const float *B, long ldb,
                   float *C, long ldc, int acc);
    const char *name;
};

// Portable vectors: SSE2 on baseline x86-64, NEON on aarch64. 12 accumulators fit 16 registers.
#define KK_V v4f
#define KK_W 4
#define KK_MR 6
#define KK_ATTR
#define KK_NAME(x) x##_generic
#define KK_ISA_NAME "generic"
#include "gemm_kernel_impl.h"
#undef KK_V
#undef KK_W
#undef KK_MR
#undef KK_ATTR
#undef KK_NAME
#undef KK_ISA_NAME

#if defined(__x86_64__)
// AVX2+FMA: 6x16 tile, 12 ymm accumulators.
#define KK_V v8f
#define KK_W 8
#define KK_MR 6
#define KK_ATTR __attribute__((target("avx2,fma")))
#define KK_NAME(x) x##_avx2
#define KK_ISA_NAME "avx2"
#include "gemm_kernel_impl.h"
#undef KK_V
#undef KK_W
#undef KK_MR
#undef KK_ATTR
#undef KK_NAME
#undef KK_ISA_NAME

// AVX-512: 8x32 tile, 16 zmm accumulators.
#define KK_V v16f
#define KK_W 16
#define KK_MR 8
#define KK_ATTR __attribute__((target("avx512f,avx2,fma")))
#define KK_NAME(x) x##_avx512
#define KK_ISA_NAME "avx512"
#include "gemm_kernel_impl.h"
#undef KK_V
#undef KK_W
#undef KK_MR
#undef KK_ATTR
#undef KK_NAME
#undef KK_ISA_NAME
#endif

enum { KC = 256, MC_PANELS = 16 };
#define TINY_MAX_MACS 1024.0       // at most this many: plain loops
#define PACK_A_MIN_MACS 262144.0   // below this many multiply-adds, A is read in place
#define PARALLEL_MIN_MACS 1000000.0  // 2e6 flop: below this, threads cost more than they save

// ---- ISA selection ---------------------------------------------------------------

static const struct kiln_gemm_isa *const isa_levels[] = {
    &isa_generic,
#if defined(__x86_64__)
    &isa_avx2, &isa_avx512,
#endif
};

static int detect_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

static atomic_int isa_level = -1;

static const struct kiln_gemm_isa *current_isa(void) {
    int level = atomic_load_explicit(&isa_level, memory_order_relaxed);
    if (level < 0) {
        level = detect_level();
        atomic_store(&isa_level, level);
    }
    return isa_levels[level];
}

int kiln_gemm_get_isa(void) {
    current_isa();
    return atomic_load(&isa_level);
}

int kiln_gemm_set_isa(int level) {
    int best = detect_level();
    if (level < 0 || level > best) level = best;
    atomic_store(&isa_level, level);
    return level;
}

const char *kiln_gemm_isa_name(void) { return current_isa()->name; }

// ---- packing buffers (per thread, grown on demand; pool workers keep theirs) -----

typedef struct {
    float *p;
    size_t n;
} scratch;

typedef struct {
    scratch a, b;
} scratch_pair;

// initial-exec: the runtime is linked into the executable, and this avoids __tls_get_addr per call.
static _Thread_local scratch_pair scratch_tls __attribute__((tls_model("initial-exec")));

// A thread that exits frees its buffers: a pthread key's destructor runs at exit in threads that set it.
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static void scratch_release(void *pair) {
    scratch_pair *s = pair;
    free(s->a.p);
    free(s->b.p);
    *s = (scratch_pair){0};
}
static void scratch_key_create(void) {
    if (pthread_key_create(&scratch_key, scratch_release) != 0) abort();
}

static float *scratch_get(scratch *s, size_t n) {
    if (s->n < n) {
        if (!scratch_tls.a.p && !scratch_tls.b.p) {  // this thread's first buffer
            pthread_once(&scratch_once, scratch_key_create);
            pthread_setspecific(scratch_key, &scratch_tls);
        }
        free(s->p);
        size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
        s->p = aligned_alloc(64, bytes);
        s->n = s->p ? n : 0;
    }
    return s->p;
}

// ---- packing ------------------------------------------------------------------------

// B(k,j) = B[k*rsb + j*csb], k < kc, j < n, into panels of nr_max = 2w columns: panel p at dst + p*kc*2w,
// laid out [k][pw] where pw = w or 2w (last panel: the fewest vectors covering it), zero-padded.
static void pack_b(float *dst, const float *B, long rsb, long csb, int kc, int n, int w) {
    for (int j0 = 0, p = 0; j0 < n; j0 += 2 * w, p++) {
        int rem = n - j0 < 2 * w ? n - j0 : 2 * w;
        int pw = rem <= w ? w : 2 * w;
        float *d = dst + (long)p * kc * 2 * w;
        for (int k = 0; k < kc; k++, d += pw) {
            const float *s = B + (long)k * rsb + (long)j0 * csb;
            if (csb == 1) {
                memcpy(d, s, (size_t)rem * sizeof(float));
            } else {
                for (int j = 0; j < rem; j++) d[j] = s[(long)j * csb];
            }
            for (int j = rem; j < pw; j++) d[j] = 0.0f;
        }
    }
}

// d[j*8 + i] = r[i][j] for an 8x8 block of rows r[i] = src + i*rs (eight contiguous floats each):
// unpack pairs of rows, then pairs of pairs, then swap 128-bit halves.
static inline __attribute__((always_inline)) void transpose_8x8(float *d, const float *src, long rs) {
    v8f r[8], t[8], u[8];
    for (int i = 0; i < 8; i++) KILN_LOADV(r[i], src + (long)i * rs);
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = __builtin_shufflevector(t[i], t[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 1] = __builtin_shufflevector(t[i], t[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        u[i + 2] = __builtin_shufflevector(t[i + 1], t[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 3] = __builtin_shufflevector(t[i + 1], t[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int j = 0; j < 4; j++) {
        v8f lo = __builtin_shufflevector(u[j], u[j + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        v8f hi = __builtin_shufflevector(u[j], u[j + 4], 4, 5, 6, 7, 12, 13, 14, 15);
        KILN_STOREV(d + j * 8, lo);
        KILN_STOREV(d + (j + 4) * 8, hi);
    }
}

// A(i,k) = A[i*rsa + k*csa], i < mc, k < kc, into mr-row panels [k][mr] at dst + p*kc*mr, zero-padded.
KILN_VECTOR_CLONES static void pack_a(float *dst, const float *A, long rsa, long csa, int mc, int kc, int mr) {
    for (int i0 = 0; i0 < mc; i0 += mr) {
        int rows = mc - i0 < mr ? mc - i0 : mr;
        float *d = dst + (long)i0 * kc;
        if (rows < mr) memset(d, 0, (size_t)kc * mr * sizeof(float));
        if (rsa == 1) {  // A stored transposed (a conv's col^T): each k's rows are adjacent, copy them whole
            for (int k = 0; k < kc; k++)  // a loop, not memcpy: mr floats are too few for a call
                for (int i = 0; i < rows; i++) d[(long)k * mr + i] = A[i0 + i + (long)k * csa];
            continue;
        }
        int k0 = 0;
        if (csa == 1 && rows == 8 && mr == 8)  // row-major A (a col, a dz): 8x8 blocks through registers
            for (; k0 + 8 <= kc; k0 += 8) transpose_8x8(d + (long)k0 * 8, A + (long)i0 * rsa + k0, rsa);
        for (int i = 0; i < rows; i++) {
            const float *s = A + (long)(i0 + i) * rsa;
            for (int k = k0; k < kc; k++) d[(long)k * mr + i] = s[(long)k * csa];
        }
    }
}

// ---- driver -------------------------------------------------------------------------

typedef struct {
    int M, N, K;
    const float *A;
    long rsa, csa;  // A(i,k) = A[i*rsa + k*csa]
    const float *B;
    long rsb, csb;  // B(k,j) = B[k*rsb + j*csb]
    float *C;
    long ldc;
    int acc;
    const float *bpacked;  // or NULL: B already packed by kiln_gemm_pack_b, read in place
} gemm_args;

static void gemm_serial(const struct kiln_gemm_isa *isa, const gemm_args *g) {
    const int M = g->M, N = g->N, K = g->K, MR = isa->mr, W = isa->w, NR = 2 * W;
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (!g->acc)
            for (int i = 0; i < M; i++) memset(g->C + (long)i * g->ldc, 0, (size_t)N * sizeof(float));
        return;
    }
    // Packing A pays off only when the packed rows are reused across several B panels.
    const int big = (double)M * N * K >= PACK_A_MIN_MACS && N > NR && K > 32;
    const int direct_b = g->csb == 1 && !big && !g->bpacked;  // read full B panels in place
    const int npanels = (N + NR - 1) / NR, tail = N % NR;
    const int MC = MR * MC_PANELS;
    int kc_max = K < KC ? K : KC;
    float *bp = g->bpacked ? NULL : scratch_get(&scratch_tls.b, (size_t)(direct_b ? 1 : npanels) * kc_max * NR);
    float *ap = big ? scratch_get(&scratch_tls.a, (size_t)MC * kc_max) : NULL;
    if ((!bp && !g->bpacked) || (big && !ap)) abort();

    for (int pc = 0; pc < K; pc += KC) {
        const int kc = K - pc < KC ? K - pc : KC;
        const int acc = g->acc || pc > 0;
        const float *Bk = g->B + (long)pc * g->rsb;
        if (g->bpacked)
            bp = (float *)g->bpacked + (long)pc * npanels * NR;  // this KC block's panels
        else if (!direct_b)
            pack_b(bp, Bk, g->rsb, g->csb, kc, N, W);
        else if (tail)
            pack_b(bp, Bk + (long)(N - tail) * g->csb, g->rsb, g->csb, kc, tail, W);
        for (int ic = 0; ic < M; ic += MC) {
            const int mc = M - ic < MC ? M - ic : MC;
            const float *Ab = g->A + (long)ic * g->rsa + (long)pc * g->csa;
            if (big) pack_a(ap, Ab, g->rsa, g->csa, mc, kc, MR);
            for (int jp = 0; jp < npanels; jp++) {
                const int j0 = jp * NR, nr = N - j0 < NR ? N - j0 : NR, nv = nr > W ? 2 : 1;
                const float *Bp;
                long ldb;
                if (direct_b && nr == NR) {
                    Bp = Bk + j0;
                    ldb = g->rsb;
                } else {
                    Bp = direct_b ? bp : bp + (long)jp * kc * NR;
                    ldb = nv * W;
                }
                for (int ir = 0; ir < mc; ir += MR) {
                    const int mr = mc - ir < MR ? mc - ir : MR;
                    float *Ct = g->C + (long)(ic + ir) * g->ldc + j0;
                    if (big)
                        isa->packed(mr, nv, nr, kc, ap + (long)ir * kc, Bp, ldb, Ct, g->ldc, acc);
                    else
                        isa->direct(mr, nv, nr, kc, Ab + (long)ir * g->rsa, g->rsa, g->csa, Bp, ldb, Ct, g->ldc,
                                    acc);
                }
            }
        }
    }
}

typedef struct {
    const struct kiln_gemm_isa *isa;
    const gemm_args *g;
    int split_m, chunk;  // each task takes `chunk` rows (split_m) or columns of C
} gemm_job;

static void gemm_task(void *ctx, int t) {
    const gemm_job *job = ctx;
    gemm_args sub = *job->g;
    int start = t * job->chunk;
    if (job->split_m) {
        sub.M = sub.M - start < job->chunk ? sub.M - start : job->chunk;
        sub.A += (long)start * sub.rsa;
        sub.C += (long)start * sub.ldc;
    } else {
        sub.N = sub.N - start < job->chunk ? sub.N - start : job->chunk;
        sub.B += (long)start * sub.csb;
        sub.C += start;
    }
    gemm_serial(job->isa, &sub);
}

// Tiny problems (e.g. a Dense layer with one output): call and packing overhead would dominate.
static void gemm_tiny(int M, int N, int K, const float *A, long rsa, long csa, const float *B, long rsb, long csb,
                      float *C, long ldc, int acc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = 0.0f;
            for (int k = 0; k < K; k++) s += A[i * rsa + k * csa] * B[k * rsb + j * csb];
            float *c = C + (long)i * ldc + j;
            *c = acc ? *c + s : s;
        }
}

void kiln_gemm_strided(int M, int N, int K, const float *A, long rsa, long csa, const float *B, long rsb, long csb,
                       float *C, long ldc, int acc) {
    if ((double)M * N * K <= TINY_MAX_MACS) {
        gemm_tiny(M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, acc);
        return;
    }
    const struct kiln_gemm_isa *isa = current_isa();
    gemm_args g = {M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, acc, NULL};
    int threads = (double)M * N * K >= PARALLEL_MIN_MACS ? kiln_get_num_threads() : 1;
    if (threads > 1) {
        // Split the larger of M and N into whole tiles, one chunk per thread.
        int split_m = M >= N, unit = split_m ? isa->mr : 2 * isa->w, dim = split_m ? M : N;
        int units = (dim + unit - 1) / unit;
        int chunk = (units + threads - 1) / threads * unit;
        int tasks = (dim + chunk - 1) / chunk;
        if (tasks > 1) {
            gemm_job job = {isa, &g, split_m, chunk};
            kiln_parallel_for(tasks, gemm_task, &job);
            return;
        }
    }
    gemm_serial(isa, &g);
}

float *kiln_gemm_pack_b(const float *B, long rsb, long csb, int K, int N) {
    const struct kiln_gemm_isa *isa = current_isa();
    const int NR = 2 * isa->w, npanels = (N + NR - 1) / NR;
    float *packed = aligned_alloc(64, ((size_t)K * npanels * NR * sizeof(float) + 63) & ~(size_t)63);
    if (!packed) return NULL;
    for (int pc = 0; pc < K; pc += KC)
        pack_b(packed + (long)pc * npanels * NR, B + (long)pc * rsb, rsb, csb, K - pc < KC ? K - pc : KC, N, isa->w);
    return packed;
}

void kiln_gemm_prepacked(int M, int N, int K, const float *A, long rsa, long csa, const float *packed_b, float *C,
                         long ldc, int acc) {
    gemm_args g = {M, N, K, A, rsa, csa, NULL, 0, 0, C, ldc, acc, packed_b};
    gemm_serial(current_isa(), &g);
}

void kiln_sgemm_nn(float *C, const float *A, const float *B, int M, int N, int K, int accumulate) {
    kiln_gemm_strided(M, N, K, A, K, 1, B, N, 1, C, N, accumulate);
}

void kiln_sgemm_tn(float *C, const float *A, const float *B, int M, int N, int K, int accumulate) {
    kiln_gemm_strided(M, N, K, A, 1, M, B, N, 1, C, N, accumulate);
}

void kiln_sgemm_nt(float *C, const float *A, const float *B, int M, int N, int K, int accumulate) {
    kiln_gemm_strided(M, N, K, A, K, 1, B, 1, K, C, N, accumulate);
}

// ---- naive references (double accumulation) ------------------------------------------

static void gemm_ref(int M, int N, int K, const float *A, long rsa, long csa, const float *B, long rsb, long csb,
                     float *C, int acc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++) s += (double)A[i * rsa + k * csa] * B[k * rsb + j * csb];
            float *c = C + (long)i * N + j;
            *c = acc ? (float)(*c + s) : (float)s;
        }
}

void kiln_sgemm_nn_ref(float *C, const float *A, const float *B, int M, int N, int K, int accumulate) {
    gemm_ref(M, N, K, A, K, 1, B, N, 1, C, accumulate);
}

void kiln_sgemm_tn_ref(float *C, const float *A, const float *B, int M, int N, int K, int accumulate) {
    gemm_ref(M, N, K, A, 1, M, B, N, 1, C, accumulate);
}

void kiln_sgemm_nt_ref(float *C, const float *A, const float *B, int M, int N, int K, int accumulate) {
    gemm_ref(M, N, K, A, K, 1, B, 1, K, C, accumulate);
}
