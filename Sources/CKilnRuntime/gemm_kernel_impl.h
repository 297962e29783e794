// GEMM micro-kernels, instantiated once per instruction set by gemm.c, which defines before including:
//   KK_V     vector type (KK_W floats)          KK_MR  rows per register tile
//   KK_NAME(x)  suffixes a name by ISA            KK_ATTR  function attributes (target(...))
// A tile is KK_MR rows by nv vectors (nv = 1 or 2) of columns: KK_MR * nv accumulators in registers.
// A(i,k) = A[i*rsa + k*csa]; B(k, j) = B[k*ldb + j] (rows contiguous: a packed panel or a plain nn/tn B).

// C tile (ms rows, nr <= nv*KK_W columns) = or += A (mr,kc) . B (kc, nv*KK_W), computing mr >= ms rows.
// Always inlined, so constant mr/nv/strides give fully unrolled, register-resident code.
static inline __attribute__((always_inline)) KK_ATTR void
KK_NAME(tile)(int mr, int ms, int nv, int nr, int kc, const float *A, long rsa, long csa,
              const float *B, long ldb, float *C, long ldc, int acc) {
    KK_V c0[KK_MR], c1[KK_MR];
    for (int i = 0; i < KK_MR; i++) {
        c0[i] = (KK_V){0};
        c1[i] = (KK_V){0};
    }
    if (nv == 2) {
        for (int k = 0; k < kc; k++) {
            KK_V b0, b1;
            KILN_LOADV(b0, B + (long)k * ldb);
            KILN_LOADV(b1, B + (long)k * ldb + KK_W);
            const float *a = A + (long)k * csa;
            for (int i = 0; i < KK_MR; i++)
                if (i < mr) {
                    float ai = a[i * rsa];
                    c0[i] += ai * b0;
                    c1[i] += ai * b1;
                }
        }
    } else {
        for (int k = 0; k < kc; k++) {
            KK_V b0;
            KILN_LOADV(b0, B + (long)k * ldb);
            const float *a = A + (long)k * csa;
            for (int i = 0; i < KK_MR; i++)
                if (i < mr) c0[i] += a[i * rsa] * b0;
        }
    }
    for (int i = 0; i < KK_MR; i++) {
        if (i >= ms) break;
        float *c = C + (long)i * ldc;
        if (nr == nv * KK_W) {
            KK_V t;
            if (acc) { KILN_LOADV(t, c); c0[i] += t; }
            KILN_STOREV(c, c0[i]);
            if (nv == 2) {
                if (acc) { KILN_LOADV(t, c + KK_W); c1[i] += t; }
                KILN_STOREV(c + KK_W, c1[i]);
            }
        } else {
            float tmp[2 * KK_W];
            KILN_STOREV(tmp, c0[i]);
            KILN_STOREV(tmp + KK_W, c1[i]);
            if (acc)
                for (int j = 0; j < nr; j++) c[j] += tmp[j];
            else
                for (int j = 0; j < nr; j++) c[j] = tmp[j];
        }
    }
}

// Packed A: KK_MR-row panel laid out [k][KK_MR], zero-padded, so every tile computes all rows.
static KK_ATTR void KK_NAME(kernel_packed)(int mr, int nv, int nr, int kc, const float *A, const float *B,
                                           long ldb, float *C, long ldc, int acc) {
    if (nv == 2)
        KK_NAME(tile)(KK_MR, mr, 2, nr, kc, A, 1, KK_MR, B, ldb, C, ldc, acc);
    else
        KK_NAME(tile)(KK_MR, mr, 1, nr, kc, A, 1, KK_MR, B, ldb, C, ldc, acc);
}

// Unpacked A read in place (small GEMMs): one specialization per row count, as rows past mr may not exist.
static KK_ATTR void KK_NAME(kernel_direct)(int mr, int nv, int nr, int kc, const float *A, long rsa, long csa,
                                           const float *B, long ldb, float *C, long ldc, int acc) {
#define KK_CASE(R)                                                                          \
    case R:                                                                                 \
        if (nv == 2)                                                                        \
            KK_NAME(tile)(R, R, 2, nr, kc, A, rsa, csa, B, ldb, C, ldc, acc);               \
        else                                                                                \
            KK_NAME(tile)(R, R, 1, nr, kc, A, rsa, csa, B, ldb, C, ldc, acc);               \
        break;
    switch (mr) {
        KK_CASE(1) KK_CASE(2) KK_CASE(3) KK_CASE(4) KK_CASE(5) KK_CASE(6)
#if KK_MR > 6
        KK_CASE(7) KK_CASE(8)
#endif
#if KK_MR > 8
        KK_CASE(9) KK_CASE(10) KK_CASE(11) KK_CASE(12)
#endif
#if KK_MR > 12
#error "add cases"
#endif
        default: break;
    }
#undef KK_CASE
}

static const struct kiln_gemm_isa KK_NAME(isa) = {KK_MR, KK_W, KK_NAME(kernel_packed), KK_NAME(kernel_direct), KK_ISA_NAME};
