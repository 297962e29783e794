// Layers that move values without arithmetic (Permute, RepeatVector), and the thresholded,
// clipped and parametric ReLUs (ReLU, PReLU). Per sample, a layer's values are row-major.
#include <math.h>
#include "kiln_runtime.h"

// Per output element, in order, the input offset: an odometer over the output's axes, each with
// its input stride. rank <= KILN_MAX_RANK.
#define ODOMETER(rank, dims, strides, body)                                  \
    do {                                                                      \
        int index_[KILN_MAX_RANK] = {0};                                      \
        int64_t src_ = 0;                                                     \
        for (int64_t o_ = 0;; o_++) {                                         \
            body;                                                             \
            int a_ = (rank) - 1;                                              \
            while (a_ >= 0 && ++index_[a_] == (dims)[a_]) {                   \
                src_ -= (int64_t)(strides)[a_] * ((dims)[a_] - 1);            \
                index_[a_--] = 0;                                             \
            }                                                                 \
            if (a_ < 0) break;                                                \
            src_ += (strides)[a_];                                            \
        }                                                                     \
    } while (0)

void kiln_permute_forward(float *out, const float *inp, int n, int size, int rank, const int *out_dims, const int *in_strides) {
    // out, inp (n,size); out_dims: the output's axes; in_strides: each output axis's stride in the input
    for (int b = 0; b < n; b++) {
        const float *x = inp + (int64_t)b * size;
        float *y = out + (int64_t)b * size;
        ODOMETER(rank, out_dims, in_strides, y[o_] = x[src_]);
    }
}

void kiln_permute_backward(float *dinp, const float *dout, int n, int size, int rank, const int *out_dims, const int *in_strides) {
    // dinp, dout (n,size)
    for (int b = 0; b < n; b++) {
        float *dx = dinp + (int64_t)b * size;
        const float *dy = dout + (int64_t)b * size;
        ODOMETER(rank, out_dims, in_strides, dx[src_] += dy[o_]);
    }
}

void kiln_repeat_forward(float *out, const float *inp, int n, int repeats, int d) {
    // out (n,repeats,d); inp (n,d)
    for (int b = 0; b < n; b++)
        for (int r = 0; r < repeats; r++)
            for (int j = 0; j < d; j++) out[((int64_t)b * repeats + r) * d + j] = inp[(int64_t)b * d + j];
}

void kiln_repeat_backward(float *dinp, const float *dout, int n, int repeats, int d) {
    // dinp (n,d) += the sum over repeats of dout (n,repeats,d)
    for (int b = 0; b < n; b++)
        for (int r = 0; r < repeats; r++)
            for (int j = 0; j < d; j++) dinp[(int64_t)b * d + j] += dout[((int64_t)b * repeats + r) * d + j];
}

// keras.activations.relu: (x > threshold ? x : 0), clipped to [0, max_value], minus
// negative_slope * relu(threshold - x). max_value: INFINITY for none.
void kiln_relu_forward(float *out, const float *inp, int64_t count, float max_value, float negative_slope, float threshold) {
    // out, inp (count)
    for (int64_t i = 0; i < count; i++) {
        float x = inp[i];
        float pos = x > threshold ? x : 0.0f;
        if (pos > max_value) pos = max_value;
        float neg = threshold - x > 0.0f ? threshold - x : 0.0f;
        out[i] = pos - negative_slope * neg;
    }
}

void kiln_relu_backward(float *dinp, const float *dout, const float *inp, int64_t count, float max_value, float negative_slope, float threshold) {
    // dinp, dout, inp (count); the clip passes the gradient on [0, max_value], as tf.clip_by_value
    for (int64_t i = 0; i < count; i++) {
        float x = inp[i];
        float slope = x > threshold ? (x <= max_value ? 1.0f : 0.0f) : (x < threshold ? negative_slope : 0.0f);
        dinp[i] += slope * dout[i];
    }
}

// keras.layers.PReLU: relu(x) - alpha * relu(-x), alpha broadcast over the shared axes (stride 0).
void kiln_prelu_forward(float *out, const float *inp, const float *alpha, int n, int size, int rank, const int *dims, const int *alpha_strides) {
    // out, inp (n,size); alpha: its own shape, read through alpha_strides
    for (int b = 0; b < n; b++) {
        const float *x = inp + (int64_t)b * size;
        float *y = out + (int64_t)b * size;
        ODOMETER(rank, dims, alpha_strides, y[o_] = x[o_] > 0.0f ? x[o_] : (x[o_] < 0.0f ? alpha[src_] * x[o_] : 0.0f));
    }
}

void kiln_prelu_backward(float *dinp, float *dalpha, const float *dout, const float *inp, const float *alpha, int n, int size, int rank,
                         const int *dims, const int *alpha_strides) {
    // dinp, dout, inp (n,size); dalpha += sum of dout * min(x, 0) over the batch and the shared axes
    for (int b = 0; b < n; b++) {
        const float *x = inp + (int64_t)b * size, *dy = dout + (int64_t)b * size;
        float *dx = dinp ? dinp + (int64_t)b * size : NULL;
        ODOMETER(rank, dims, alpha_strides, {
            float v = x[o_];
            if (dx) dx[o_] += v > 0.0f ? dy[o_] : (v < 0.0f ? alpha[src_] * dy[o_] : 0.0f);
            if (dalpha && v < 0.0f) dalpha[src_] += dy[o_] * v;
        });
    }
}
