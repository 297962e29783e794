// keras.layers.BatchNormalization over the last axis (channels_last): rows = every sample's
// positions, c channels. Training normalizes with the batch's statistics (biased variance, as
// Keras's ops.moments) and moves the moving ones; inference and a frozen layer use the moving
// statistics. The affine map is TF's: out = x * inv + (beta - mean * inv), inv = gamma / sqrt(var + eps).
#include <math.h>
#include <stdlib.h>
#include "kiln_runtime.h"
#include "kiln_internal.h"

// out = x * scale + shift per channel; a loop over each row's contiguous channels, which vectorizes.
KILN_VECTOR_CLONES static void scale_shift_rows(float *out, const float *inp, const float *scale, const float *shift,
                                                int64_t rows, int c) {
    for (int64_t r = 0; r < rows; r++) {
        const float *x = inp + r * c;
        float *y = out + r * c;
        for (int j = 0; j < c; j++) y[j] = x[j] * scale[j] + shift[j];
    }
}

void kiln_batchnorm_map(float *scale, const float *gamma, const float *beta, const float *mean, const float *invstd, int c) {
    float *shift = scale + c;
    for (int j = 0; j < c; j++) {
        scale[j] = invstd[j] * (gamma ? gamma[j] : 1.0f);
        shift[j] = (beta ? beta[j] : 0.0f) - mean[j] * scale[j];
    }
}

void kiln_batchnorm_inference_map(float *scale, const float *gamma, const float *beta, const float *moving_mean,
                                  const float *moving_var, float epsilon, int c) {
    float *invstd = scale + c;  // the shift's place, until the map overwrites it after reading
    for (int j = 0; j < c; j++) invstd[j] = 1.0f / sqrtf(moving_var[j] + epsilon);
    kiln_batchnorm_map(scale, gamma, beta, moving_mean, invstd, c);
}

static void normalize_rows(float *out, const float *inp, const float *gamma, const float *beta, const float *mean,
                           const float *invstd, int64_t rows, int c) {
    // out, inp (rows,c); gamma, beta, mean, invstd (c); gamma or beta NULL: 1 or 0
    float *scale = malloc(sizeof(float) * 2 * (size_t)(c > 0 ? c : 1));
    if (!scale) abort();
    kiln_batchnorm_map(scale, gamma, beta, mean, invstd, c);
    scale_shift_rows(out, inp, scale, scale + c, rows, c);
    free(scale);
}

// Keras's masked moments divide by the kept rows' count plus its backend epsilon.
#define MASK_EPSILON 1e-7

// The count a masked mean divides by (rows, unmasked).
static double kept_weight(const float *mask, int64_t rows) {
    if (!mask) return (double)rows;
    double kept = 0;
    for (int64_t r = 0; r < rows; r++) kept += mask[r] != 0.0f;
    return kept + MASK_EPSILON;
}

KILN_VECTOR_CLONES void kiln_batchnorm_forward_train(float *out, float *stats, float *moving_mean, float *moving_var, const float *inp,
                                                     const float *mask, const float *gamma, const float *beta, int64_t rows, int c,
                                                     float momentum, float epsilon) {
    // out, inp (rows,c); mask (rows) or NULL; stats (2,c): the batch mean, then 1/sqrt(var + eps), for backward
    double *sum = calloc((size_t)c * 2, sizeof(double));
    if (!sum) abort();
    double *squares = sum + c;
    const double weight = kept_weight(mask, rows);
    for (int64_t r = 0; r < rows; r++) {
        if (mask && mask[r] == 0.0f) continue;
        for (int j = 0; j < c; j++) sum[j] += inp[r * c + j];
    }
    float *mean = stats, *invstd = stats + c;
    for (int j = 0; j < c; j++) mean[j] = (float)(sum[j] / weight);
    for (int64_t r = 0; r < rows; r++) {
        if (mask && mask[r] == 0.0f) continue;
        for (int j = 0; j < c; j++) {
            double d = (double)inp[r * c + j] - mean[j];
            squares[j] += d * d;
        }
    }
    for (int j = 0; j < c; j++) {
        float var = (float)(squares[j] / weight);
        invstd[j] = 1.0f / sqrtf(var + epsilon);
        moving_mean[j] = moving_mean[j] * momentum + mean[j] * (1.0f - momentum);
        moving_var[j] = moving_var[j] * momentum + var * (1.0f - momentum);
    }
    free(sum);
    normalize_rows(out, inp, gamma, beta, mean, invstd, rows, c);
}

void kiln_batchnorm_forward_infer(float *out, const float *inp, const float *gamma, const float *beta, const float *moving_mean,
                                  const float *moving_var, int64_t rows, int c, float epsilon) {
    // out, inp (rows,c); the rest (c)
    float *scale = malloc(sizeof(float) * 2 * (size_t)(c > 0 ? c : 1));
    if (!scale) abort();
    kiln_batchnorm_inference_map(scale, gamma, beta, moving_mean, moving_var, epsilon, c);
    scale_shift_rows(out, inp, scale, scale + c, rows, c);
    free(scale);
}

KILN_VECTOR_CLONES void kiln_batchnorm_backward_train(float *dinp, float *dgamma, float *dbeta, const float *dout, const float *inp,
                                                      const float *mask, const float *gamma, const float *stats, int64_t rows, int c) {
    // dinp, dout, inp (rows,c); mask (rows) or NULL; dgamma, dbeta (c), each may be NULL; stats (2,c) from the forward
    const float *mean = stats, *invstd = stats + c;
    // per channel: sum dout, sum dout * xhat (every row), and under a mask the kept rows' sum of x - mean
    // (mean's divisor is kept + 1e-7, so that sum is not quite 0)
    double *sum_dy = calloc((size_t)c * 3, sizeof(double));
    if (!sum_dy) abort();
    double *sum_dy_xhat = sum_dy + c, *offset = sum_dy + 2 * c;
    for (int64_t r = 0; r < rows; r++) {
        const int kept = !mask || mask[r] != 0.0f;
        for (int j = 0; j < c; j++) {
            float dy = dout[r * c + j], xhat = (inp[r * c + j] - mean[j]) * invstd[j];
            sum_dy[j] += dy;
            sum_dy_xhat[j] += (double)dy * xhat;
            if (mask && kept) offset[j] += (double)inp[r * c + j] - mean[j];
        }
    }
    for (int j = 0; j < c; j++) {
        if (dgamma) dgamma[j] += (float)sum_dy_xhat[j];
        if (dbeta) dbeta[j] += (float)sum_dy[j];
    }
    if (dinp) {
        // dx = g * invstd * (dy - w (mean(dy) + xhat * mean(dy * xhat))) + w g invstd^2 sum(dy xhat) offset / W^2,
        // the kept rows' statistics depending on their x (w: 1 for a kept row; W: the count they divide by)
        const double weight = kept_weight(mask, rows);
        for (int64_t r = 0; r < rows; r++) {
            if (mask && mask[r] == 0.0f) {
                for (int j = 0; j < c; j++) dinp[r * c + j] += (gamma ? gamma[j] : 1.0f) * invstd[j] * dout[r * c + j];
                continue;
            }
            for (int j = 0; j < c; j++) {
                float g = gamma ? gamma[j] : 1.0f;
                float xhat = (inp[r * c + j] - mean[j]) * invstd[j];
                float mean_dy = (float)(sum_dy[j] / weight), mean_dy_xhat = (float)(sum_dy_xhat[j] / weight);
                float through_offset = mask ? (float)(sum_dy_xhat[j] * offset[j] / (weight * weight)) * invstd[j] : 0.0f;
                dinp[r * c + j] += g * invstd[j] * (dout[r * c + j] - mean_dy - xhat * mean_dy_xhat + through_offset);
            }
        }
    }
    free(sum_dy);
}

KILN_VECTOR_CLONES void kiln_batchnorm_backward_infer(float *dinp, const float *dout, const float *gamma, const float *moving_var, int64_t rows, int c,
                                   float epsilon) {
    // dinp, dout (rows,c): the moving statistics are constants, so the map is a per-channel scale
    for (int64_t r = 0; r < rows; r++)
        for (int j = 0; j < c; j++) dinp[r * c + j] += dout[r * c + j] * (gamma ? gamma[j] : 1.0f) / sqrtf(moving_var[j] + epsilon);
}
