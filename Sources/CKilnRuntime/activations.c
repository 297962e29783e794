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

static inline float sigmoidf(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
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

void kiln_bias_act_forward(float *y, float *z, const float *bias, int rows, int cols, int act, float alpha) {
    for (int r = 0; r < rows; r++) {
        float *yr = y + (long)r * cols;
        float *zr = z + (long)r * cols;
        if (bias)  // z keeps the full pre-activation: gelu's backward reads it
            for (int j = 0; j < cols; j++) zr[j] += bias[j];
        if (yr != zr) memcpy(yr, zr, (size_t)cols * sizeof(float));
        switch (act) {
        case KILN_RELU:
            for (int j = 0; j < cols; j++) yr[j] = yr[j] > 0.0f ? yr[j] : 0.0f;
            break;
        case KILN_LEAKY_RELU:
            for (int j = 0; j < cols; j++) yr[j] = yr[j] > 0.0f ? yr[j] : alpha * yr[j];
            break;
        case KILN_TANH:
            for (int j = 0; j < cols; j++) yr[j] = tanhf(yr[j]);
            break;
        case KILN_SIGMOID:
            for (int j = 0; j < cols; j++) yr[j] = sigmoidf(yr[j]);
            break;
        case KILN_SOFTMAX:
            softmax_row(yr, cols);
            break;
        case KILN_ELU:
            for (int j = 0; j < cols; j++) yr[j] = yr[j] > 0.0f ? yr[j] : expm1f(yr[j]);
            break;
        case KILN_SELU:
            for (int j = 0; j < cols; j++)
                yr[j] = yr[j] > 0.0f ? SELU_SCALE * yr[j] : SELU_SCALE * SELU_ALPHA * expm1f(yr[j]);
            break;
        case KILN_GELU:
            for (int j = 0; j < cols; j++) yr[j] = geluf(yr[j]);
            break;
        case KILN_SOFTPLUS:
            for (int j = 0; j < cols; j++) yr[j] = softplusf(yr[j]);
            break;
        default:  // KILN_LINEAR
            break;
        }
    }
}

void kiln_act_backward(float *dz, const float *dy, const float *z, const float *y, int rows, int cols, int act,
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
    // elu, selu: z < 0 gives y = k*(exp(z) - 1), so y' = y + k; at z = 0 the z > 0 slope, as TF's EluGrad/SeluGrad.
    case KILN_ELU:
        for (long i = 0; i < n; i++) dz[i] += y[i] < 0.0f ? dy[i] * (y[i] + 1.0f) : dy[i];
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

void kiln_bias_backward(float *dbias, const float *dz, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float *dzr = dz + (long)r * cols;
        for (int j = 0; j < cols; j++) dbias[j] += dzr[j];
    }
}
