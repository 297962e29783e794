// Keras 3 losses with reduction "sum_over_batch_size", probability paths as Keras's TF backend computes them.
// Each returns the mean loss and overwrites dpred with its gradient. Sums run in double.
#include "kiln_runtime.h"
#include "kiln_internal.h"

#include <math.h>

#define EPS 1e-7f  // keras.config.epsilon()

// mean over all rows*cols of (pred - y)^2
float kiln_mse_loss(float *dpred, const float *pred, const float *y, int rows, int cols) {
    const long n = (long)rows * cols;
    const float scale = 2.0f / (float)n;
    double sum = 0.0;
    for (long i = 0; i < n; i++) {
        float d = pred[i] - y[i];
        sum += (double)d * d;
        dpred[i] = scale * d;
    }
    return (float)(sum / (double)n);
}

// mean of |pred - y|; the gradient at pred == y is 0, as TF's sign().
float kiln_mae_loss(float *dpred, const float *pred, const float *y, int rows, int cols) {
    const long n = (long)rows * cols;
    const float scale = 1.0f / (float)n;
    double sum = 0.0;
    for (long i = 0; i < n; i++) {
        float d = pred[i] - y[i];
        sum += fabsf(d);
        dpred[i] = d > 0.0f ? scale : (d < 0.0f ? -scale : 0.0f);
    }
    return (float)(sum / (double)n);
}

// Elementwise mean. Probabilities: clip to [eps, 1-eps] (zero gradient outside, as tf.clip_by_value),
// -(y log p + (1-y) log(1-p)). Logits x: max(x,0) - x*y + log1p(exp(-|x|)), gradient sigmoid(x) - y.
float kiln_binary_crossentropy_loss(float *dpred, const float *pred, const float *y, int rows, int cols,
                                    int from_logits) {
    const long n = (long)rows * cols;
    const float scale = 1.0f / (float)n;
    double sum = 0.0;
    if (from_logits) {
        for (long i = 0; i < n; i++) {
            float x = pred[i], t = y[i];
            float e = expf(-fabsf(x));
            sum += (double)fmaxf(x, 0.0f) - (double)x * t + log1pf(e);
            float sig = x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
            dpred[i] = scale * (sig - t);
        }
    } else {
        for (long i = 0; i < n; i++) {
            float p = pred[i], t = y[i];
            float pc = fminf(fmaxf(p, EPS), 1.0f - EPS);
            sum -= (double)t * logf(pc) + (double)(1.0f - t) * logf(1.0f - pc);
            int inside = p >= EPS && p <= 1.0f - EPS;
            dpred[i] = inside ? scale * (-t / pc + (1.0f - t) / (1.0f - pc)) : 0.0f;
        }
    }
    return (float)(sum / (double)n);
}

// Per row log-softmax of x into lsm; returns nothing. Shared by the logits paths.
static void log_softmax_row(float *lsm, const float *x, int cols) {
    float mx = x[0];
    for (int j = 1; j < cols; j++) mx = fmaxf(mx, x[j]);
    double s = 0.0;
    for (int j = 0; j < cols; j++) s += exp((double)(x[j] - mx));
    float lse = mx + (float)log(s);
    for (int j = 0; j < cols; j++) lsm[j] = x[j] - lse;
}

// Mean over rows of -sum_j y_j log q_j.
// Probabilities: q = clip(p / sum(p), eps, 1-eps); with g_j = -y_j/q_j (0 where clipped),
//   dL/dp_k = (g_k - sum_j g_j q_j) / sum(p).
// Logits: q = softmax(x); dL/dx_k = q_k * sum(y) - y_k.
float kiln_categorical_crossentropy_loss(float *dpred, const float *pred, const float *y, int rows, int cols,
                                         int from_logits) {
    const float scale = 1.0f / (float)rows;
    double total = 0.0;
    for (int r = 0; r < rows; r++) {
        const float *p = pred + (long)r * cols, *t = y + (long)r * cols;
        float *d = dpred + (long)r * cols;
        if (from_logits) {
            log_softmax_row(d, p, cols);
            float ysum = 0.0f;
            for (int j = 0; j < cols; j++) {
                total -= (double)t[j] * d[j];
                ysum += t[j];
            }
            for (int j = 0; j < cols; j++) d[j] = scale * (expf(d[j]) * ysum - t[j]);
        } else {
            float psum = 0.0f;
            for (int j = 0; j < cols; j++) psum += p[j];
            float gq = 0.0f;  // sum_j g_j q_j
            for (int j = 0; j < cols; j++) {
                float q = p[j] / psum;
                float qc = fminf(fmaxf(q, EPS), 1.0f - EPS);
                total -= (double)t[j] * logf(qc);
                float g = (q >= EPS && q <= 1.0f - EPS) ? -t[j] / qc : 0.0f;
                gq += g * q;
                d[j] = g;
            }
            for (int j = 0; j < cols; j++) d[j] = scale * (d[j] - gq) / psum;
        }
    }
    return (float)(total / rows);
}

// y holds the class index of each row as a float.
// Probabilities (TF backend): l = log(clip(p, eps, 1-eps)), loss = -l_t + logsumexp(l) = -log(pc_t / sum(pc));
//   dL/dp_k = 1/sum(pc) - [k == t]/pc_t where p_k is inside the clip range, else 0.
// Logits: dL/dx_k = softmax(x)_k - [k == t].
float kiln_sparse_categorical_crossentropy_loss(float *dpred, const float *pred, const float *y, int rows, int cols,
                                                int from_logits) {
    const float scale = 1.0f / (float)rows;
    double total = 0.0;
    for (int r = 0; r < rows; r++) {
        const float *p = pred + (long)r * cols;
        float *d = dpred + (long)r * cols;
        int t = (int)y[r];
        if (t < 0) t = 0;
        if (t >= cols) t = cols - 1;
        if (from_logits) {
            log_softmax_row(d, p, cols);
            total -= d[t];
            for (int j = 0; j < cols; j++) d[j] = scale * (expf(d[j]) - (j == t ? 1.0f : 0.0f));
        } else {
            double csum = 0.0;
            for (int j = 0; j < cols; j++) csum += fminf(fmaxf(p[j], EPS), 1.0f - EPS);
            float pct = fminf(fmaxf(p[t], EPS), 1.0f - EPS);
            total -= log((double)pct / csum);
            float inv = (float)(1.0 / csum);
            for (int j = 0; j < cols; j++) {
                int inside = p[j] >= EPS && p[j] <= 1.0f - EPS;
                d[j] = inside ? scale * (inv - (j == t ? 1.0f / pct : 0.0f)) : 0.0f;
            }
        }
    }
    return (float)(total / rows);
}

// x (count) *= factor: an output's loss gradient by its loss weight
void kiln_scale(float *x, int64_t count, float factor) {
    for (int64_t i = 0; i < count; i++) x[i] *= factor;
}
