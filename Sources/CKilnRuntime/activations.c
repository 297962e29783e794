// Fused bias + activation (Keras 3 definitions) and their backward passes.
//
// Backward reads, per activation (generated code passes both pointers non-NULL):
//   linear: nothing          relu, leaky_relu (alpha >= 0), elu, selu: sign of y (same as the sign of z)
//   tanh, sigmoid, softmax, softplus: y only          gelu: z only, the full pre-activation (bias included)
// So every activation but gelu works when the forward pass ran in place (y aliasing z).
// Backward accumulates (dz += ...), as every backward kernel does; dz must not alias dy.
#include "kiln_runtime.h"
#include "kiln_internal.h"

#include <math.h>

#define SELU_SCALE 1.0507009873554805f
#define SELU_ALPHA 1.6732632423543772f

// Branch-free expf and tanhf (Cephes coefficients, ~2 ulp): plain arithmetic and integer
// bit tricks only, so the loops below vectorize, where calls into libm run one element at a time.
static inline float fast_expf(float x) {
    x = x > 88.3762626647949f ? 88.3762626647949f : (x < -87.3365447504f ? -87.3365447504f : x);
    float t = x * 1.44269504088896341f;
    // Round to nearest. NaN (the clamp keeps it) would make the cast undefined: it takes n = 0, and r stays NaN.
    int n = t == t ? (int)(t + (t >= 0.0f ? 0.5f : -0.5f)) : 0;
    float fn = (float)n;
    float r = x - fn * 0.693359375f + fn * 2.12194440e-4f;
    float r2 = r * r;
    float p = ((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r + 4.1665795894e-2f) * r
               + 1.6666665459e-1f) * r + 5.0000001201e-1f;
    float y = p * r2 + r + 1.0f;
    union { int i; float f; } scale = { .i = (n + 127) << 23 };  // 2^n; n is within [-126, 127] after the clamp
    return y * scale.f;
}

static inline float fast_tanhf(float x) {
    float a = fabsf(x);
    float z = x * x;
    float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z
                   - 3.33332819422e-1f) * z * x + x;
    float e = fast_expf(2.0f * (a > 9.0f ? 9.0f : a));  // tanh(9) is 1 in float
    float large = 1.0f - 2.0f / (e + 1.0f);
    return a < 0.625f ? small : (x < 0.0f ? -large : large);
}

static inline float sigmoidf(float x) {
    float e = fast_expf(-fabsf(x));  // in (0, 1]: no overflow for either sign
    float s = 1.0f / (1.0f + e);
    return x >= 0.0f ? s : e * s;   // e/(1+e) for x < 0 keeps tiny values precise
}

static inline float softplusf(float x) { return log1pf(expf(-fabsf(x))) + fmaxf(x, 0.0f); }

static inline float geluf(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

static void softmax_row(float *y, int cols) {
    float mx = y[0];
    for (int j = 1; j < cols; j++) mx = fmaxf(mx, y[j]);
    float sum = 0.0f;
    for (int j = 0; j < cols; j++) {
        y[j] = expf(y[j] - mx);
        sum += y[j];
    }
    float inv = 1.0f / sum;
    for (int j = 0; j < cols; j++) y[j] *= inv;
}

// Elementwise passes over large buffers (a conv layer's whole batch) split their rows over the
// pool: one thread does not reach the memory bandwidth, and the result cannot depend on the split.
#define ELEMENTWISE_PARALLEL_MIN (1L << 18)  // floats per call below which threads cost more than they save
#define ELEMENTWISE_TASKS 8

typedef struct {
    float *out, *z;
    const float *a, *b, *c;
    int rows, cols, act;
    float alpha;
} elementwise_job;

static int task_rows(const elementwise_job *j, int task, int *r0) {
    const int per = (j->rows + ELEMENTWISE_TASKS - 1) / ELEMENTWISE_TASKS;
    *r0 = task * per;
    const int r1 = *r0 + per < j->rows ? *r0 + per : j->rows;
    return r1 > *r0 ? r1 - *r0 : 0;
}

KILN_VECTOR_CLONES static void act_backward_rows(float *dz, const float *dy, const float *z, const float *y, int rows, int cols, int act, float alpha);

static void bias_act_task(void *ctx, int task) {
    const elementwise_job *j = ctx;
    int r0;
    const int nr = task_rows(j, task, &r0);
    const long at = (long)r0 * j->cols;
    if (nr) kiln_bias_act_rows(j->out + at, j->z + at, j->a, nr, j->cols, j->act, j->alpha);
}

static void act_backward_task(void *ctx, int task) {
    const elementwise_job *j = ctx;
    int r0;
    const int nr = task_rows(j, task, &r0);
    const long at = (long)r0 * j->cols;
    if (nr) act_backward_rows(j->out + at, j->a + at, j->b ? j->b + at : NULL, j->c + at, nr, j->cols, j->act, j->alpha);
}

void kiln_bias_act_forward(float *y, float *z, const float *bias, int rows, int cols, int act, float alpha) {
    if ((long)rows * cols < ELEMENTWISE_PARALLEL_MIN || rows < ELEMENTWISE_TASKS) {
        kiln_bias_act_rows(y, z, bias, rows, cols, act, alpha);
        return;
    }
    elementwise_job job = {.out = y, .z = z, .a = bias, .rows = rows, .cols = cols, .act = act, .alpha = alpha};
    kiln_parallel_for(ELEMENTWISE_TASKS, bias_act_task, &job);
}

void kiln_act_backward(float *dz, const float *dy, const float *z, const float *y, int rows, int cols, int act, float alpha) {
    if ((long)rows * cols < ELEMENTWISE_PARALLEL_MIN || rows < ELEMENTWISE_TASKS) {
        act_backward_rows(dz, dy, z, y, rows, cols, act, alpha);
        return;
    }
    elementwise_job job = {.out = dz, .a = dy, .b = z, .c = y, .rows = rows, .cols = cols, .act = act, .alpha = alpha};
    kiln_parallel_for(ELEMENTWISE_TASKS, act_backward_task, &job);
}

static inline __attribute__((always_inline)) void add_bias(float *z, const float *bias, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        float *zr = z + (long)r * cols;
        for (int j = 0; j < cols; j++) zr[j] += bias[j];
    }
}

// y = act(z) over n values. Inlined where y and z are one pointer (in place) or two, so that the
// loops vectorize either way: two pointers that might overlap would get a scalar fallback.
static inline __attribute__((always_inline)) void act_values(float *y, const float *z, long n, int act, float alpha) {
    switch (act) {
    case KILN_RELU:
        for (long i = 0; i < n; i++) y[i] = z[i] > 0.0f ? z[i] : 0.0f;
        break;
    case KILN_LEAKY_RELU:
        for (long i = 0; i < n; i++) y[i] = z[i] > 0.0f ? z[i] : alpha * z[i];
        break;
    case KILN_TANH:
        for (long i = 0; i < n; i++) y[i] = fast_tanhf(z[i]);
        break;
    case KILN_SIGMOID:
        for (long i = 0; i < n; i++) y[i] = sigmoidf(z[i]);
        break;
    case KILN_ELU:
        for (long i = 0; i < n; i++) y[i] = z[i] > 0.0f ? z[i] : alpha * expm1f(z[i]);
        break;
    case KILN_SELU:
        for (long i = 0; i < n; i++) y[i] = z[i] > 0.0f ? SELU_SCALE * z[i] : SELU_SCALE * SELU_ALPHA * expm1f(z[i]);
        break;
    case KILN_GELU:
        for (long i = 0; i < n; i++) y[i] = geluf(z[i]);
        break;
    case KILN_SOFTPLUS:
        for (long i = 0; i < n; i++) y[i] = softplusf(z[i]);
        break;
    default:  // KILN_LINEAR
        if (y != z) memcpy(y, z, (size_t)n * sizeof(float));
        break;
    }
}

KILN_VECTOR_CLONES void kiln_act_inplace(float *v, long n, int act, float alpha) { act_values(v, v, n, act, alpha); }

// d = act'(z) written from y = act(z), for the activations whose derivative y determines.
KILN_VECTOR_CLONES void kiln_act_derivative(float *d, const float *y, long n, int act, float alpha) {
    switch (act) {
    case KILN_RELU:
        for (long i = 0; i < n; i++) d[i] = y[i] > 0.0f ? 1.0f : 0.0f;
        break;
    case KILN_LEAKY_RELU:
        for (long i = 0; i < n; i++) d[i] = y[i] > 0.0f ? 1.0f : alpha;
        break;
    case KILN_TANH:
        for (long i = 0; i < n; i++) d[i] = 1.0f - y[i] * y[i];
        break;
    case KILN_SIGMOID:
        for (long i = 0; i < n; i++) d[i] = y[i] * (1.0f - y[i]);
        break;
    case KILN_ELU:
        for (long i = 0; i < n; i++) d[i] = y[i] < 0.0f ? y[i] + alpha : 1.0f;
        break;
    case KILN_SELU:
        for (long i = 0; i < n; i++) d[i] = y[i] < 0.0f ? y[i] + SELU_SCALE * SELU_ALPHA : SELU_SCALE;
        break;
    case KILN_SOFTPLUS:
        for (long i = 0; i < n; i++) d[i] = -expm1f(-y[i]);
        break;
    default:  // KILN_LINEAR
        for (long i = 0; i < n; i++) d[i] = 1.0f;
        break;
    }
}

KILN_VECTOR_CLONES void kiln_bias_act_rows(float *y, float *z, const float *bias, int rows, int cols, int act, float alpha) {
    const long n = (long)rows * cols;
    if (act == KILN_SOFTMAX) {
        if (bias) add_bias(z, bias, rows, cols);
        if (y != z) memcpy(y, z, (size_t)n * sizeof(float));
        for (int r = 0; r < rows; r++) softmax_row(y + (long)r * cols, cols);
        return;
    }
    if (y == z && bias && cols >= 64) {  // in place, long rows: bias then activation while a row is in L1
        for (int r = 0; r < rows; r++) {
            float *zr = z + (long)r * cols;
            add_bias(zr, bias, 1, cols);
            act_values(zr, zr, cols, act, alpha);
        }
        return;
    }
    if (bias) add_bias(z, bias, rows, cols);  // z keeps the full pre-activation: gelu's backward reads it
    // One loop over all rows*cols values, so short rows still fill the vectors.
    if (y == z)
        act_values(z, z, n, act, alpha);
    else
        act_values(y, z, n, act, alpha);
}

// One row: y = act((z + bias) * scale + shift); inlined with y and z one pointer or two (see act_values).
static inline __attribute__((always_inline)) void bias_scale_act_row(float *y, const float *z, const float *bias, const float *scale,
                                                                     const float *shift, int cols, int act, float alpha) {
    if (bias)
        for (int j = 0; j < cols; j++) y[j] = (z[j] + bias[j]) * scale[j] + shift[j];
    else
        for (int j = 0; j < cols; j++) y[j] = z[j] * scale[j] + shift[j];
    act_values(y, y, cols, act, alpha);
}

KILN_VECTOR_CLONES void kiln_bias_scale_act_rows(float *y, const float *z, const float *bias, const float *scale,
                                                 const float *shift, int rows, int cols, int act, float alpha) {
    for (int r = 0; r < rows; r++) {
        float *yr = y + (long)r * cols;
        if (y == z)
            bias_scale_act_row(yr, yr, bias, scale, shift, cols, act, alpha);
        else
            bias_scale_act_row(yr, z + (long)r * cols, bias, scale, shift, cols, act, alpha);
    }
}

KILN_VECTOR_CLONES static void act_backward_rows(float *dz, const float *dy, const float *z, const float *y, int rows, int cols, int act,
                              float alpha) {
    const long n = (long)rows * cols;
    switch (act) {
    case KILN_RELU:
        for (long i = 0; i < n; i++) dz[i] += y[i] > 0.0f ? dy[i] : 0.0f;
        break;
    case KILN_LEAKY_RELU:
        for (long i = 0; i < n; i++) dz[i] += y[i] > 0.0f ? dy[i] : alpha * dy[i];
        break;
    case KILN_TANH:
        for (long i = 0; i < n; i++) dz[i] += dy[i] * (1.0f - y[i] * y[i]);
        break;
    case KILN_SIGMOID:
        for (long i = 0; i < n; i++) dz[i] += dy[i] * y[i] * (1.0f - y[i]);
        break;
    case KILN_SOFTMAX:
        // Jacobian-vector product per row: dz = y * (dy - <dy, y>).
        for (int r = 0; r < rows; r++) {
            const float *yr = y + (long)r * cols, *dyr = dy + (long)r * cols;
            float *dzr = dz + (long)r * cols;
            float dot = 0.0f;
            for (int j = 0; j < cols; j++) dot += dyr[j] * yr[j];
            for (int j = 0; j < cols; j++) dzr[j] += yr[j] * (dyr[j] - dot);
        }
        break;
    // elu, selu: z < 0 gives y = k*(exp(z) - 1), so y' = y + k (elu's k is alpha); at z = 0 the z > 0 slope, as TF's EluGrad/SeluGrad.
    case KILN_ELU:
        for (long i = 0; i < n; i++) dz[i] += y[i] < 0.0f ? dy[i] * (y[i] + alpha) : dy[i];
        break;
    case KILN_SELU:
        for (long i = 0; i < n; i++)
            dz[i] += y[i] < 0.0f ? dy[i] * (y[i] + SELU_SCALE * SELU_ALPHA) : SELU_SCALE * dy[i];
        break;
    case KILN_GELU:  // Phi(z) + z * phi(z)
        for (long i = 0; i < n; i++) {
            float x = z[i];
            float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
            float pdf = 0.39894228040143268f * expf(-0.5f * x * x);
            dz[i] += dy[i] * (cdf + x * pdf);
        }
        break;
    case KILN_SOFTPLUS:  // sigmoid(z) = 1 - exp(-y)
        for (long i = 0; i < n; i++) dz[i] += dy[i] * -expm1f(-y[i]);
        break;
    default:  // KILN_LINEAR
        for (long i = 0; i < n; i++) dz[i] += dy[i];
        break;
    }
}

KILN_VECTOR_CLONES void kiln_bias_backward(float *dbias, const float *dz, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float *dzr = dz + (long)r * cols;
        for (int j = 0; j < cols; j++) dbias[j] += dzr[j];
    }
}
