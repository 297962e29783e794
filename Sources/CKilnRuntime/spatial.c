// Layers that move a sample's spatial positions without arithmetic: ZeroPadding and Cropping
// (one shifted copy, zeros outside the input) and UpSampling (nearest: each position repeated).
// Per sample, values are (d, h, w, c) row-major; 1D and 2D use leading sizes of 1.
#include "kiln_runtime.h"

// Output position (a, b, e) reads input position (a, b, e) - offset, when inside the input.
void kiln_shift_forward(float *out, const float *inp, int n, const int in[3], const int out_dims[3], const int offset[3], int c) {
    // out (n, out_dims..., c); inp (n, in..., c)
    int64_t in_size = (int64_t)in[0] * in[1] * in[2] * c, out_size = (int64_t)out_dims[0] * out_dims[1] * out_dims[2] * c;
    for (int s = 0; s < n; s++) {
        float *y = out + s * out_size;
        const float *x = inp + s * in_size;
        for (int a = 0; a < out_dims[0]; a++)
            for (int b = 0; b < out_dims[1]; b++)
                for (int e = 0; e < out_dims[2]; e++) {
                    float *dst = y + (((int64_t)a * out_dims[1] + b) * out_dims[2] + e) * c;
                    int qa = a - offset[0], qb = b - offset[1], qe = e - offset[2];
                    int inside = qa >= 0 && qa < in[0] && qb >= 0 && qb < in[1] && qe >= 0 && qe < in[2];
                    const float *src = inside ? x + (((int64_t)qa * in[1] + qb) * in[2] + qe) * c : NULL;
                    for (int k = 0; k < c; k++) dst[k] = src ? src[k] : 0.0f;
                }
    }
}

void kiln_shift_backward(float *dinp, const float *dout, int n, const int in[3], const int out_dims[3], const int offset[3], int c) {
    // dinp (n, in..., c) += the output positions that read it
    int64_t in_size = (int64_t)in[0] * in[1] * in[2] * c, out_size = (int64_t)out_dims[0] * out_dims[1] * out_dims[2] * c;
    for (int s = 0; s < n; s++) {
        const float *dy = dout + s * out_size;
        float *dx = dinp + s * in_size;
        for (int a = 0; a < out_dims[0]; a++)
            for (int b = 0; b < out_dims[1]; b++)
                for (int e = 0; e < out_dims[2]; e++) {
                    int qa = a - offset[0], qb = b - offset[1], qe = e - offset[2];
                    if (qa < 0 || qa >= in[0] || qb < 0 || qb >= in[1] || qe < 0 || qe >= in[2]) continue;
                    const float *src = dy + (((int64_t)a * out_dims[1] + b) * out_dims[2] + e) * c;
                    float *dst = dx + (((int64_t)qa * in[1] + qb) * in[2] + qe) * c;
                    for (int k = 0; k < c; k++) dst[k] += src[k];
                }
    }
}

void kiln_upsample_forward(float *out, const float *inp, int n, const int in[3], const int size[3], int c) {
    // out (n, in * size..., c): position p reads p / size; inp (n, in..., c)
    int o0 = in[0] * size[0], o1 = in[1] * size[1], o2 = in[2] * size[2];
    int64_t in_size = (int64_t)in[0] * in[1] * in[2] * c, out_size = (int64_t)o0 * o1 * o2 * c;
    for (int s = 0; s < n; s++)
        for (int a = 0; a < o0; a++)
            for (int b = 0; b < o1; b++)
                for (int e = 0; e < o2; e++) {
                    float *dst = out + s * out_size + (((int64_t)a * o1 + b) * o2 + e) * c;
                    const float *src = inp + s * in_size + (((int64_t)(a / size[0]) * in[1] + b / size[1]) * in[2] + e / size[2]) * c;
                    for (int k = 0; k < c; k++) dst[k] = src[k];
                }
}

void kiln_upsample_backward(float *dinp, const float *dout, int n, const int in[3], const int size[3], int c) {
    // dinp (n, in..., c) += the sum of its copies in dout
    int o0 = in[0] * size[0], o1 = in[1] * size[1], o2 = in[2] * size[2];
    int64_t in_size = (int64_t)in[0] * in[1] * in[2] * c, out_size = (int64_t)o0 * o1 * o2 * c;
    for (int s = 0; s < n; s++)
        for (int a = 0; a < o0; a++)
            for (int b = 0; b < o1; b++)
                for (int e = 0; e < o2; e++) {
                    const float *src = dout + s * out_size + (((int64_t)a * o1 + b) * o2 + e) * c;
                    float *dst = dinp + s * in_size + (((int64_t)(a / size[0]) * in[1] + b / size[1]) * in[2] + e / size[2]) * c;
                    for (int k = 0; k < c; k++) dst[k] += src[k];
                }
}
