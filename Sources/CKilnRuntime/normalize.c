// keras.layers.Normalization: a per-feature affine map, so forward and backward are one scale.
#include <math.h>
#include "kiln_runtime.h"

// Keras divides by max(sqrt(variance), backend.epsilon()).
static inline float normalize_scale(float var) {
    float sd = sqrtf(var);
    return sd > 1e-7f ? sd : 1e-7f;
}

void kiln_normalize_forward(float *out, const float *inp, const float *mean, const float *var, int64_t rows, int f, int invert) {
    // out, inp (rows,f); mean, var (f)
    for (int64_t r = 0; r < rows; r++) {
        const float *x = inp + r * f;
        float *y = out + r * f;
        for (int j = 0; j < f; j++) {
            float sd = normalize_scale(var[j]);
            y[j] = invert ? x[j] * sd + mean[j] : (x[j] - mean[j]) / sd;
        }
    }
}

void kiln_normalize_backward(float *dinp, const float *dout, const float *var, int64_t rows, int f, int invert) {
    // dinp, dout (rows,f); var (f)
    for (int64_t r = 0; r < rows; r++) {
        for (int j = 0; j < f; j++) {
            float sd = normalize_scale(var[j]);
            dinp[r * f + j] += invert ? dout[r * f + j] * sd : dout[r * f + j] / sd;
        }
    }
}
