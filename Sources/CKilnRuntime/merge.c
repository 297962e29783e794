// Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate): k inputs of
// one shape combined value by value, or joined along an axis.
#include "kiln_runtime.h"
#include "kiln_internal.h"

// out (count) = a op b, or out op= b when a is out: one vectorizable loop per op.
static inline __attribute__((always_inline)) void merge_pair(float *out, const float *a, const float *b, int64_t count, int op) {
    switch (op) {
    case KILN_MERGE_SUBTRACT: for (int64_t j = 0; j < count; j++) out[j] = a[j] - b[j]; break;
    case KILN_MERGE_MULTIPLY: for (int64_t j = 0; j < count; j++) out[j] = a[j] * b[j]; break;
    case KILN_MERGE_MAXIMUM: for (int64_t j = 0; j < count; j++) out[j] = b[j] > a[j] ? b[j] : a[j]; break;
    case KILN_MERGE_MINIMUM: for (int64_t j = 0; j < count; j++) out[j] = b[j] < a[j] ? b[j] : a[j]; break;
    default: for (int64_t j = 0; j < count; j++) out[j] = a[j] + b[j]; break;  // add, average
    }
}

KILN_VECTOR_CLONES void kiln_merge_forward(float *out, const float *const *inputs, int k, int64_t count, int op) {
    // out, inputs[i] (count); each value folds the inputs left to right, as a loop over them per value does
    if (k == 1) {
        if (out != inputs[0]) memcpy(out, inputs[0], (size_t)count * sizeof(float));
    } else {
        merge_pair(out, inputs[0], inputs[1], count, op);
        for (int i = 2; i < k; i++) merge_pair(out, out, inputs[i], count, op);
    }
    if (op == KILN_MERGE_AVERAGE)
        for (int64_t j = 0; j < count; j++) out[j] = out[j] / (float)k;
}

KILN_VECTOR_CLONES void kiln_merge_backward(float *const *dinputs, const float *dout, const float *const *inputs, const float *out,
                                            int k, int64_t count, int op) {
    // dinputs[i] (count) +=, NULL where not needed; dout, out, inputs[i] (count)
    if (op == KILN_MERGE_ADD || op == KILN_MERGE_SUBTRACT || op == KILN_MERGE_AVERAGE) {
        // One vectorized pass per input: the gradient does not depend on the values.
        for (int i = 0; i < k; i++) {
            float *d = dinputs[i];
            if (!d) continue;
            if (op == KILN_MERGE_AVERAGE)
                for (int64_t j = 0; j < count; j++) d[j] += dout[j] / (float)k;
            else if (op == KILN_MERGE_SUBTRACT && i > 0)
                for (int64_t j = 0; j < count; j++) d[j] += -dout[j];
            else
                for (int64_t j = 0; j < count; j++) d[j] += dout[j];
        }
        return;
    }
    for (int64_t j = 0; j < count; j++) {
        float dy = dout[j];
        // Maximum and minimum: the first input holding the result takes the gradient, as TF's
        // pairwise maximum sends ties to its first argument.
        int winner = 0;
        if (op == KILN_MERGE_MAXIMUM || op == KILN_MERGE_MINIMUM)
            while (winner < k - 1 && inputs[winner][j] != out[j]) winner++;
        for (int i = 0; i < k; i++) {
            if (!dinputs[i]) continue;
            float g;
            switch (op) {
            case KILN_MERGE_SUBTRACT: g = i == 0 ? dy : -dy; break;
            case KILN_MERGE_MULTIPLY:
                g = dy;
                for (int m = 0; m < k; m++) if (m != i) g *= inputs[m][j];
                break;
            case KILN_MERGE_AVERAGE: g = dy / (float)k; break;
            case KILN_MERGE_MAXIMUM: case KILN_MERGE_MINIMUM: g = i == winner ? dy : 0.0f; break;
            default: g = dy; break;
            }
            dinputs[i][j] += g;
        }
    }
}

void kiln_concat_forward(float *out, const float *const *inputs, const int *widths, int k, int64_t outer, int inner) {
    // inputs[i] (outer, widths[i], inner) -> out (outer, sum of widths, inner); outer counts every sample
    int total = 0;
    for (int i = 0; i < k; i++) total += widths[i];
    for (int64_t o = 0; o < outer; o++) {
        float *y = out + o * total * inner;
        for (int i = 0; i < k; i++) {
            const float *x = inputs[i] + o * widths[i] * inner;
            for (int64_t v = 0; v < (int64_t)widths[i] * inner; v++) y[v] = x[v];
            y += (int64_t)widths[i] * inner;
        }
    }
}

void kiln_concat_backward(float *const *dinputs, const float *dout, const int *widths, int k, int64_t outer, int inner) {
    // dinputs[i] (outer, widths[i], inner) += their slice of dout; NULL where not needed
    int total = 0;
    for (int i = 0; i < k; i++) total += widths[i];
    for (int64_t o = 0; o < outer; o++) {
        const float *dy = dout + o * total * inner;
        for (int i = 0; i < k; i++) {
            if (dinputs[i]) {
                float *dx = dinputs[i] + o * widths[i] * inner;
                for (int64_t v = 0; v < (int64_t)widths[i] * inner; v++) dx[v] += dy[v];
            }
            dy += (int64_t)widths[i] * inner;
        }
    }
}

void kiln_split_columns(float *const *outs, const float *inp, const int *widths, int k, int64_t rows) {
    // inp (rows, sum of widths) -> outs[i] (rows, widths[i]): a model's packed inputs or targets
    int total = 0;
    for (int i = 0; i < k; i++) total += widths[i];
    for (int64_t r = 0; r < rows; r++) {
        const float *x = inp + r * total;
        for (int i = 0; i < k; i++) {
            float *y = outs[i] + r * widths[i];
            for (int v = 0; v < widths[i]; v++) y[v] = x[v];
            x += widths[i];
        }
    }
}
