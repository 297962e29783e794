// Drives one generated model as KilnModel does (Sources/KilnRuntime/KilnModel.swift), for the
// sanitizer lane (run.sh compiles it once per model). Buffers are allocated at their exact sizes
// (no padding), x and y hold exactly n rows, and acts, dacts and grads start as NaN, so a read past
// a buffer or of a value the kernels never wrote shows up (ASan, or a non-finite check below).
// Per GEMM ISA level and batch size n: inference forward, loss, gradients, one train step,
// a training forward (dropout on), inference again; rows < n must match the full batch's output.
//
// run.sh defines: KNAME (model name), KM (function prefix), KU (macro prefix), KH (header), KLOSS (0 real targets,
// 1 binary, 2 one-hot, 3 class index), KTARGET (several outputs: floats of y per row), and the optimizer settings LR BETA1 BETA2 EPS MOMENTUM RHO NESTEROV.
#define _POSIX_C_SOURCE 200809L  // posix_memalign
#include KH

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FORWARD CAT(KM, _forward)
#define LOSS CAT(KM, _loss)
#define GRADIENTS CAT(KM, _gradients)
#define TRAIN_STEP CAT(KM, _train_step)
#define BATCH CAT(KU, _BATCH)
#define IN CAT(KU, _INPUT_SIZE)
#define OUT CAT(KU, _OUTPUT_SIZE)
#define PARAMS CAT(KU, _PARAMS)
#define SLOTS CAT(KU, _SLOTS)
#define ACTS CAT(KU, _ACTS)
#define OUT_OFFSET CAT(KU, _OUTPUT_OFFSET)
#ifdef KTARGET
#define TARGET KTARGET  // several outputs: y packs each one's targets (run.sh fills them with 0/1, valid for every loss)
#else
#define TARGET (KLOSS == 3 ? 1 : OUT)  // floats of y per row
#endif

static const char *model = KNAME;

static void fail(const char *what, int isa, int n) {
    fprintf(stderr, "sanitizers: %s: %s (isa %d, n %d)\n", model, what, isa, n);
    exit(1);
}

// Exact size, 64-byte aligned as KilnModel's buffers (a zero count still gets a distinct pointer).
static float *floats(size_t count, float fill) {
    void *p = NULL;
    if (posix_memalign(&p, 64, count ? count * sizeof(float) : 1) != 0) abort();
    float *f = p;
    for (size_t i = 0; i < count; i++) f[i] = fill;
    return f;
}

static uint64_t lcg = 0x2545F4914F6CDD1DULL;
static float uniform(float lo, float hi) {  // deterministic
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + (hi - lo) * (float)(lcg >> 40) * 0x1.0p-24f;
}

static void check_finite(const float *v, size_t count, const char *what, int isa, int n) {
    for (size_t i = 0; i < count; i++)
        if (!isfinite(v[i])) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s[%zu] is %g", what, i, (double)v[i]);
            fail(msg, isa, n);
        }
}

static void new_state(kiln_state *s) {
    memset(s, 0, sizeof *s);
    s->params = floats(PARAMS, 0.0f);
    s->grads = floats(PARAMS, NAN);
    s->slots = floats((size_t)SLOTS * PARAMS, 0.0f);  // optimizer slots start at zero, as in Keras
    s->acts = floats(ACTS, NAN);
    s->dacts = floats(ACTS, NAN);
    s->learning_rate = LR; s->beta_1 = BETA1; s->beta_2 = BETA2; s->epsilon = EPS;
    s->momentum = MOMENTUM; s->rho = RHO; s->nesterov = NESTEROV;
    kiln_rng_seed(s->rng, 42 ^ 0x6B696C6EULL);
    lcg = 7;
    // Positive, so that variances (Normalization's, BatchNormalization's moving ones) are variances.
    for (int i = 0; i < PARAMS; i++) s->params[i] = uniform(0.02f, 0.3f);
}

static void free_state(kiln_state *s) {
    free(s->params); free(s->grads); free(s->slots); free(s->acts); free(s->dacts);
}

// x (BATCH,IN) and y (BATCH,TARGET) for the full batch; partial batches take their first rows.
static float x_all[BATCH * IN], y_all[BATCH * TARGET];

static void make_data(void) {
    lcg = 11;
    for (int i = 0; i < BATCH * IN; i++) x_all[i] = uniform(-1.0f, 1.0f);
    for (int r = 0; r < BATCH; r++) {
        float *y = y_all + r * TARGET;
        int cls = r % OUT;
        for (int j = 0; j < TARGET; j++) {
            switch (KLOSS) {
            case 1: y[j] = (float)((r + j) % 2); break;
            case 2: y[j] = j == cls ? 1.0f : 0.0f; break;
            case 3: y[j] = (float)cls; break;
            default: y[j] = uniform(-1.0f, 1.0f); break;
            }
        }
    }
}

static float reference[BATCH * OUT];  // inference output of the full batch, before any step

static void run(int isa, int n) {
    kiln_state s;
    new_state(&s);
    float *x = floats((size_t)n * IN, 0.0f), *y = floats((size_t)n * TARGET, 0.0f);
    memcpy(x, x_all, sizeof(float) * (size_t)n * IN);
    memcpy(y, y_all, sizeof(float) * (size_t)n * TARGET);
    const float *out = s.acts + OUT_OFFSET;

    FORWARD(&s, x, n, 0);
    check_finite(out, (size_t)n * OUT, "inference output", isa, n);
    if (n == BATCH) memcpy(reference, out, sizeof reference);
    for (int i = 0; i < n * OUT; i++)
        if (fabsf(out[i] - reference[i]) > 1e-5f * (1.0f + fabsf(reference[i])))
            fail("output rows differ from the same rows of a full batch", isa, n);
    float loss = LOSS(&s, y, n);
    check_finite(&loss, 1, "loss", isa, n);

    loss = GRADIENTS(&s, x, y, n);
    check_finite(&loss, 1, "gradients' loss", isa, n);
    check_finite(s.grads, PARAMS, "grads", isa, n);

    loss = TRAIN_STEP(&s, x, y, n);
    check_finite(&loss, 1, "train step's loss", isa, n);
    check_finite(s.params, PARAMS, "params after a step", isa, n);
    check_finite(s.slots, (size_t)SLOTS * PARAMS, "optimizer slots after a step", isa, n);
    if (s.iterations != 1) fail("iterations is not 1 after one step", isa, n);

    FORWARD(&s, x, n, 1);
    check_finite(out, (size_t)n * OUT, "training output", isa, n);
    FORWARD(&s, x, n, 0);
    check_finite(out, (size_t)n * OUT, "inference output after a step", isa, n);

    free(x); free(y);
    free_state(&s);
}

int main(void) {
    make_data();
    int sizes[] = {BATCH, 1, 2, BATCH / 2 + 1, BATCH - 1};  // the full batch first: it sets `reference`
    int best = kiln_gemm_set_isa(99);
    for (int isa = 0; isa <= best; isa++) {
        if (kiln_gemm_set_isa(isa) != isa) fail("cannot select the ISA level", isa, 0);
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            if (sizes[k] < 1 || (k > 0 && sizes[k] == BATCH)) continue;
            run(isa, sizes[k]);
        }
    }
    printf("sanitizers: %s ok (batch %d and partial batches, ISA levels 0-%d)\n", model, BATCH, best);
    return 0;
}
