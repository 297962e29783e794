// Keras 3 optimizer updates (keras/src/optimizers/{adam,sgd,rmsprop}.py), one fused loop each,
// 8 floats at a time with a scalar tail. __builtin_elementwise_sqrt avoids libm's errno path.
#include "kiln_runtime.h"
#include "kiln_internal.h"

#include <math.h>

// The shortest decimal that rounds to x (0.999f -> 0.999). Keras takes 1 - beta in Python double and casts
// that to float32, so 1 - beta_2 is 0.001f there, while 1 - 0.999f would be 1.3e-5 off.
static double short_decimal(float x) {
    double p = 1.0;
    for (int digits = 1; digits <= 9; digits++) {
        p *= 10.0;
        double r = round((double)x * p) / p;
        if ((float)r == x) return r;
    }
    return (double)x;
}

// alpha = lr * sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
// p -= alpha * m / (sqrt(v) + eps)
KILN_VECTOR_CLONES void kiln_adam_update(float *p, float *m, float *v, const float *g, int64_t n, float lr, float beta_1,
                      float beta_2, float epsilon, int64_t t) {
    const float alpha = (float)(lr * sqrt(1.0 - pow(beta_2, (double)t)) / (1.0 - pow(beta_1, (double)t)));
    const float c1 = (float)(1.0 - short_decimal(beta_1)), c2 = (float)(1.0 - short_decimal(beta_2));
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f pv, mv, vv, gv;
        KILN_LOADV(pv, p + i);
        KILN_LOADV(mv, m + i);
        KILN_LOADV(vv, v + i);
        KILN_LOADV(gv, g + i);
        mv += (gv - mv) * c1;
        vv += (gv * gv - vv) * c2;
        pv -= mv * alpha / (__builtin_elementwise_sqrt(vv) + epsilon);
        KILN_STOREV(p + i, pv);
        KILN_STOREV(m + i, mv);
        KILN_STOREV(v + i, vv);
    }
    for (; i < n; i++) {
        m[i] += (g[i] - m[i]) * c1;
        v[i] += (g[i] * g[i] - v[i]) * c2;
        p[i] -= m[i] * alpha / (__builtin_elementwise_sqrt(v[i]) + epsilon);
    }
}

// momentum 0: p -= lr * g. Else m = momentum * m - lr * g, then p += m, or with nesterov
// p += momentum * m - lr * g (the updated m). velocity may be NULL when momentum is 0.
void kiln_sgd_update(float *p, float *velocity, const float *g, int64_t n, float lr, float momentum,
                     int nesterov) {
    if (momentum == 0.0f) {
        for (int64_t i = 0; i < n; i++) p[i] -= g[i] * lr;
        return;
    }
    if (nesterov) {
        for (int64_t i = 0; i < n; i++) {
            float mi = velocity[i] * momentum - g[i] * lr;
            velocity[i] = mi;
            p[i] += mi * momentum - g[i] * lr;
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            float mi = velocity[i] * momentum - g[i] * lr;
            velocity[i] = mi;
            p[i] += mi;
        }
    }
}

// centered=False, momentum=0: v = rho * v + (1 - rho) g^2; p -= lr * g / sqrt(v + eps)  (eps inside the sqrt)
void kiln_rmsprop_update(float *p, float *velocity, const float *g, int64_t n, float lr, float rho,
                         float epsilon) {
    const float c = (float)(1.0 - short_decimal(rho));
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f pv, vv, gv;
        KILN_LOADV(pv, p + i);
        KILN_LOADV(vv, velocity + i);
        KILN_LOADV(gv, g + i);
        vv = vv * rho + gv * gv * c;
        pv -= gv * lr / __builtin_elementwise_sqrt(vv + epsilon);
        KILN_STOREV(p + i, pv);
        KILN_STOREV(velocity + i, vv);
    }
    for (; i < n; i++) {
        velocity[i] = velocity[i] * rho + g[i] * g[i] * c;
        p[i] -= g[i] * lr / __builtin_elementwise_sqrt(velocity[i] + epsilon);
    }
}

KILN_VECTOR_CLONES void kiln_adam_update_squares(float *p, float *m, float *v, const float *g, const float *gsq, int64_t n,
                                                float lr, float beta_1, float beta_2, float epsilon, int64_t t) {
    const float alpha = (float)(lr * sqrt(1.0 - pow(beta_2, (double)t)) / (1.0 - pow(beta_1, (double)t)));
    const float c1 = (float)(1.0 - short_decimal(beta_1)), c2 = (float)(1.0 - short_decimal(beta_2));
    for (int64_t i = 0; i < n; i++) {
        m[i] += (g[i] - m[i]) * c1;
        v[i] += (gsq[i] - v[i]) * c2;
        p[i] -= m[i] * alpha / (__builtin_elementwise_sqrt(v[i]) + epsilon);
    }
}

KILN_VECTOR_CLONES void kiln_rmsprop_update_squares(float *p, float *velocity, const float *g, const float *gsq, int64_t n,
                                                   float lr, float rho, float epsilon) {
    const float c = (float)(1.0 - short_decimal(rho));
    for (int64_t i = 0; i < n; i++) {
        velocity[i] = velocity[i] * rho + gsq[i] * c;
        p[i] -= g[i] * lr / __builtin_elementwise_sqrt(velocity[i] + epsilon);
    }
}

float kiln_l2_backward(float *g, const float *p, int64_t n, float l2) {
    const float two_l2 = 2.0f * l2;
    v8f acc = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f pv, gv;
        KILN_LOADV(pv, p + i);
        KILN_LOADV(gv, g + i);
        acc += pv * pv;
        gv += pv * two_l2;
        KILN_STOREV(g + i, gv);
    }
    double sum = 0.0;
    for (int j = 0; j < 8; j++) sum += acc[j];
    for (; i < n; i++) {
        sum += (double)p[i] * p[i];
        g[i] += p[i] * two_l2;
    }
    return (float)(l2 * sum);
}

float kiln_l2_loss(const float *p, int64_t n, float l2) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) sum += (double)p[i] * p[i];
    return (float)(l2 * sum);
}
