// Recurrent layers (keras.layers.SimpleRNN, LSTM, GRU with reset_after), batch-major.
//
// Forward: the input projection of every step is one GEMM (inp (n*T, F) . kernel into the gate slots
// of mid), then per step the recurrent product h_prev . R (R packed once per call) and the cell's
// gate math, with the samples split over the pool (each chunk runs all steps on its own).
// Backward: BPTT per sample chunk writes the pre-activation gradients dP of every step into dmid;
// then the weight and input gradients are three GEMMs over all n*T rows, not one per step.
//
// mid, per sample and per time step p (input order; go_backwards processes p = T-1 first):
//   [gates G*U][h_prev U][LSTM: c_prev U | GRU: candidate U]
// gates are after their activations (SimpleRNN: h itself), h_prev and c_prev the state before the
// step, and the GRU's candidate h_prev . R_h + b_h (before the reset gate scales it).
// dmid uses the same slots: dP (G*U) where the gates are, and (GRU) the candidate's gradient.
//
// Dropout (training): the inputs of gate block q use input mask q * input_masks / G, and h_prev in the
// recurrent product of block q recurrent mask q * recurrent_masks / G (Keras's implementation 1 draws
// one mask per gate); the cell's own use of h_prev (GRU's z * h_prev) is not masked.
#include "kiln_runtime.h"
#include "kiln_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int G, U, GU, S;  // gates, units, G*U, floats per step
    int hoff, xoff;   // h_prev; c_prev or candidate
} rnn_layout;

static rnn_layout layout_of(const kiln_rnn_geometry *g) {
    rnn_layout l;
    l.G = g->cell == KILN_LSTM ? 4 : g->cell == KILN_GRU ? 3 : 1;
    l.U = g->units;
    l.GU = l.G * l.U;
    l.hoff = l.GU;
    l.xoff = l.GU + l.U;
    l.S = l.GU + l.U + (g->cell == KILN_SIMPLE_RNN ? 0 : l.U);
    return l;
}

int64_t kiln_rnn_mid_floats(const kiln_rnn_geometry *g) { return (int64_t)g->steps * layout_of(g).S; }

// keras.activations' defaults: leaky_relu's negative slope, elu's alpha.
static float alpha_of(int act) { return act == KILN_LEAKY_RELU ? 0.2f : act == KILN_ELU ? 1.0f : 0.0f; }
#define ACT(v, n, a) kiln_act_inplace((v), (n), (a), alpha_of(a))
#define DERIV(d, y, n, a) kiln_act_derivative((d), (y), (n), (a), alpha_of(a))

static float *scratch_floats(size_t count) {
    float *p = malloc((count ? count : 1) * sizeof(float));
    if (!p) abort();
    return p;
}

int64_t kiln_rnn_dropout_floats(const kiln_rnn_geometry *g) {
    return (int64_t)g->input_masks * g->features + (int64_t)g->recurrent_masks * g->units;
}

// Keras clips the rates to [0, 1] and drops nothing at 1.
static float drop_rate(float rate, int keep_all) { return keep_all || !(rate > 0.0f && rate < 1.0f) ? 0.0f : rate; }

static void draw_mask(float *mask, int64_t count, float rate, uint64_t rng[2]) {
    const float keep_scale = 1.0f / (1.0f - rate);
    for (int64_t i = 0; i < count; i++) mask[i] = kiln_rng_uniform(rng) >= rate ? keep_scale : 0.0f;
}

void kiln_rnn_draw_dropout(float *drop, int n, const kiln_rnn_geometry *g, int keep_all, uint64_t rng[2]) {
    const int64_t inputs = (int64_t)n * g->input_masks * g->features;
    draw_mask(drop, inputs, drop_rate(g->dropout, keep_all), rng);
    draw_mask(drop + inputs, (int64_t)n * g->recurrent_masks * g->units, drop_rate(g->recurrent_dropout, keep_all), rng);
}

// dst (n*T, width) = rows of src (row stride lds) times their sample's mask m (sample stride ldm).
static void masked_rows(float *dst, const float *src, long lds, const float *m, long ldm, int n, int T, int width) {
    for (long b = 0; b < n; b++)
        for (long t = 0; t < T; t++) {
            const float *sr = src + (b * T + t) * lds, *mb = m + b * ldm;
            float *dr = dst + (b * T + t) * width;
            for (int j = 0; j < width; j++) dr[j] = sr[j] * mb[j];
        }
}

// LSTM: the gates s (4U: i, f, c, o pre-activations) through their activations, in place, then
// c_next = f * cp + i * cc and h = o * act(c_next) (U each; c_next may be cp).
static void lstm_gates_forward(float *h, float *c_next, float *s, const float *cp, int U, int act, int ract) {
    float *i = s, *f = s + U, *cc = s + 2 * U, *o = s + 3 * U;
    ACT(i, 2 * U, ract);
    ACT(cc, U, act);
    ACT(o, U, ract);
    for (int j = 0; j < U; j++) c_next[j] = f[j] * cp[j] + i[j] * cc[j];
    memcpy(h, c_next, (size_t)U * sizeof(float));
    ACT(h, U, act);
    for (int j = 0; j < U; j++) h[j] *= o[j];
}

// LSTM backward of one step: ds (4U) = dLoss/d(gate pre-activations) from dh (U, the state's
// gradient, then zeroed) and dc (U, then dc_prev); s the activated gates, cp c_prev; t, dt, d scratch (U, U, 4U).
static void lstm_gates_backward(float *ds, float *dh, float *dc, const float *s, const float *cp, float *t, float *dt, float *d,
                                int U, int act, int ract) {
    const float *i = s, *f = s + U, *cc = s + 2 * U, *o = s + 3 * U;
    for (int u = 0; u < U; u++) t[u] = f[u] * cp[u] + i[u] * cc[u];
    ACT(t, U, act);
    DERIV(dt, t, U, act);
    DERIV(d, i, 2 * U, ract);
    DERIV(d + 2 * U, cc, U, act);
    DERIV(d + 3 * U, o, U, ract);
    for (int u = 0; u < U; u++) {
        const float dcu = dc[u] + dh[u] * o[u] * dt[u];
        ds[u] = dcu * cc[u] * d[u];
        ds[U + u] = dcu * cp[u] * d[U + u];
        ds[2 * U + u] = dcu * i[u] * d[2 * U + u];
        ds[3 * U + u] = dh[u] * t[u] * d[3 * U + u];
        dc[u] = dcu * f[u];
        dh[u] = 0.0f;
    }
}

// The step's state after the cell: h (U), from the slot s (gates hold P + bias, h_prev and c_prev
// set) and rec (h_prev . R, or NULL at the first step). Writes the activated gates into s and, for
// LSTM, c into c_next (U).
static void cell_forward(float *h, float *c_next, float *s, float *rec, const float *bias_in, const float *bias_rec,
                         const kiln_rnn_geometry *g, rnn_layout l) {
    const int U = l.U, GU = l.GU, act = g->activation, ract = g->recurrent_activation;
    if (g->cell != KILN_GRU) {
        if (bias_in)
            for (int j = 0; j < GU; j++) s[j] += bias_in[j];
        if (rec)
            for (int j = 0; j < GU; j++) s[j] += rec[j];
    }
    switch (g->cell) {
    case KILN_SIMPLE_RNN:
        ACT(s, U, act);
        memcpy(h, s, (size_t)U * sizeof(float));
        break;
    case KILN_LSTM:
        lstm_gates_forward(h, c_next, s, s + l.xoff, U, act, ract);
        break;
    default: {  // GRU, reset_after: inner = h_prev . R + b_rec; hh = act(x_h + r * inner_h)
        float *inner = rec;  // (3U), written in place
        for (int j = 0; j < GU; j++) {
            float v = rec ? rec[j] : 0.0f;
            inner[j] = bias_rec ? v + bias_rec[j] : v;
        }
        if (bias_in)
            for (int j = 0; j < GU; j++) s[j] += bias_in[j];
        for (int j = 0; j < 2 * U; j++) s[j] += inner[j];
        ACT(s, 2 * U, ract);
        const float *z = s, *r = s + U, *hp = s + l.hoff;
        float *hh = s + 2 * U, *cand = s + l.xoff;
        for (int j = 0; j < U; j++) {
            cand[j] = inner[2 * U + j];
            hh[j] += r[j] * cand[j];
        }
        ACT(hh, U, act);
        for (int j = 0; j < U; j++) h[j] = z[j] * hp[j] + (1.0f - z[j]) * hh[j];
        break;
    }
    }
}

typedef struct {
    float *out, *mid, *state_h, *state_c;
    const float *init_h, *init_c;  // (n, U) or NULL: the states before the first step
    const float *rpacked, *bias_in, *bias_rec, *mask;
    // With recurrent dropout: rdrop (n, rg, U), the masks of h_prev, and R's column block of each.
    const float *rdrop;
    float *rgroup[4];
    int rg;
    const kiln_rnn_geometry *g;
    int n, chunk;
} forward_job;

static void forward_task(void *ctx, int task) {
    const forward_job *j = ctx;
    const kiln_rnn_geometry *g = j->g;
    const rnn_layout l = layout_of(g);
    const int T = g->steps, U = l.U, GU = l.GU, S = l.S;
    const int b0 = task * j->chunk, nb = j->n - b0 < j->chunk ? j->n - b0 : j->chunk;
    if (nb <= 0) return;
    const long sample = (long)T * S;
    // rec (nb, GU): the step's recurrent products; h, c (U): the state the cell writes; hd (nb, U): h_prev masked.
    float *rec = scratch_floats((size_t)nb * GU + 2 * (size_t)U + (j->rg ? (size_t)nb * U : 0));
    float *h = rec + (size_t)nb * GU, *c = h + U, *hd = c + U;
    for (int k = 0; k < T; k++) {
        const int p = g->go_backwards ? T - 1 - k : k, next = g->go_backwards ? p - 1 : p + 1;
        float *slots = j->mid + (long)b0 * sample + (long)p * S;  // sample b0's slot; the next sample's is `sample` on
        if (k == 0) {
            for (int b = 0; b < nb; b++) {
                float *s = slots + b * sample;
                memset(s + l.hoff, 0, (size_t)(S - l.hoff) * sizeof(float));
                if (j->init_h) memcpy(s + l.hoff, j->init_h + (long)(b0 + b) * U, (size_t)U * sizeof(float));
                if (j->init_c) memcpy(s + l.xoff, j->init_c + (long)(b0 + b) * U, (size_t)U * sizeof(float));
            }
        }
        const int recurrent = k > 0 || j->init_h;  // the first step's h_prev . R is zero from zero states
        if (recurrent && j->rg) {
            const int w = GU / j->rg;
            for (int q = 0; q < j->rg; q++) {
                masked_rows(hd, slots + l.hoff, sample, j->rdrop + ((long)b0 * j->rg + q) * U, (long)j->rg * U, nb, 1, U);
                kiln_gemm_prepacked(nb, w, U, hd, U, 1, j->rgroup[q], rec + q * w, GU, 0);
            }
        } else if (recurrent) {
            kiln_gemm_prepacked(nb, GU, U, slots + l.hoff, sample, 1, j->rpacked, rec, GU, 0);
        }
        for (int b = 0; b < nb; b++) {
            float *s = slots + b * sample;
            float *r = rec + (long)b * GU;
            const int masked = j->mask && j->mask[(long)(b0 + b) * T + p] == 0.0f;
            if (masked) {  // the state carried through: h_prev (and c_prev) again
                memcpy(h, s + l.hoff, (size_t)U * sizeof(float));
                if (g->cell == KILN_LSTM) memcpy(c, s + l.xoff, (size_t)U * sizeof(float));
            } else {
                if (!recurrent && g->cell == KILN_GRU) memset(r, 0, (size_t)GU * sizeof(float));
                cell_forward(h, c, s, !recurrent && g->cell != KILN_GRU ? NULL : r, j->bias_in, j->bias_rec, g, l);
            }
            if (k + 1 < T) {
                float *ns = s + (long)(next - p) * S;
                memcpy(ns + l.hoff, h, (size_t)U * sizeof(float));
                if (g->cell == KILN_LSTM) memcpy(ns + l.xoff, c, (size_t)U * sizeof(float));
            }
            if (g->return_sequences && masked && g->zero_masked_output)
                memset(j->out + ((long)(b0 + b) * T + k) * U, 0, (size_t)U * sizeof(float));
            else if (g->return_sequences)
                memcpy(j->out + ((long)(b0 + b) * T + k) * U, h, (size_t)U * sizeof(float));
            else if (k + 1 == T)
                memcpy(j->out + (long)(b0 + b) * U, h, (size_t)U * sizeof(float));
            if (k + 1 == T && j->state_h) memcpy(j->state_h + (long)(b0 + b) * U, h, (size_t)U * sizeof(float));
            if (k + 1 == T && j->state_c) memcpy(j->state_c + (long)(b0 + b) * U, c, (size_t)U * sizeof(float));
        }
    }
    free(rec);
}

static int sample_tasks(int n, int *chunk) {
    int tasks = kiln_get_num_threads();
    if (tasks > n) tasks = n;
    if (tasks < 1) tasks = 1;
    *chunk = (n + tasks - 1) / tasks;
    return (n + *chunk - 1) / *chunk;
}

void kiln_rnn_forward(float *out, float *mid, float *state_h, float *state_c, const float *inp, const float *init_h,
                      const float *init_c, const float *kernel, const float *recurrent_kernel, const float *bias,
                      const float *mask, const float *drop, int n, const kiln_rnn_geometry *g) {
    const rnn_layout l = layout_of(g);
    const int T = g->steps, F = g->features, ig = drop ? g->input_masks : 0, rg = drop ? g->recurrent_masks : 0;
    if (n <= 0) return;
    if (ig) {  // P's gate block q = (inp * its mask) . kernel's block q
        const int w = l.GU / ig;
        float *xd = scratch_floats((size_t)n * T * F);  // (n*T, F)
        for (int q = 0; q < ig; q++) {
            masked_rows(xd, inp, F, drop + (long)q * F, (long)ig * F, n, T, F);
            kiln_gemm_strided(n * T, w, F, xd, F, 1, kernel + q * w, l.GU, 1, mid + q * w, l.S, 0);
        }
        free(xd);
    } else {  // P (n*T, GU) = inp . kernel, into the gate slots (row stride S).
        kiln_gemm_strided(n * T, l.GU, F, inp, F, 1, kernel, l.GU, 1, mid, l.S, 0);
    }
    float *rpacked = kiln_gemm_pack_b(recurrent_kernel, l.GU, 1, l.U, l.GU);
    if (!rpacked) abort();
    const float *bias_in = g->use_bias ? bias : NULL;
    const float *bias_rec = g->use_bias && g->cell == KILN_GRU ? bias + l.GU : NULL;
    forward_job job = {out, mid, state_h, g->cell == KILN_LSTM ? state_c : NULL, init_h, g->cell == KILN_LSTM ? init_c : NULL, rpacked, bias_in, bias_rec, mask, rg ? drop + (long)n * g->input_masks * F : NULL, {0}, rg, g, n, 0};
    for (int q = 0; q < rg; q++) {
        job.rgroup[q] = kiln_gemm_pack_b(recurrent_kernel + q * (l.GU / rg), l.GU, 1, l.U, l.GU / rg);
        if (!job.rgroup[q]) abort();
    }
    const int tasks = sample_tasks(n, &job.chunk);
    kiln_parallel_for(tasks, forward_task, &job);
    free(rpacked);
    for (int q = 0; q < rg; q++) free(job.rgroup[q]);
}

typedef struct {
    float *dmid, *dinit_h, *dinit_c;  // dinit (n, U) or NULL: += the gradients of the initial states
    const float *dout, *dstate_h, *dstate_c, *mid, *rtpacked, *mask;
    // With recurrent dropout: rdrop (n, rg, U) and R's column block q transposed, rtgroup[q] (GU/rg, U).
    const float *rdrop;
    float *rtgroup[4];
    int rg;
    const kiln_rnn_geometry *g;
    int n, chunk;
} backward_job;

static void backward_task(void *ctx, int task) {
    const backward_job *j = ctx;
    const kiln_rnn_geometry *g = j->g;
    const rnn_layout l = layout_of(g);
    const int T = g->steps, U = l.U, GU = l.GU, S = l.S, act = g->activation, ract = g->recurrent_activation;
    const int b0 = task * j->chunk, nb = j->n - b0 < j->chunk ? j->n - b0 : j->chunk;
    if (nb <= 0) return;
    const long sample = (long)T * S;
    // dh, dc (nb, U): gradients of the state after the step being undone; di (nb, GU): the GRU's
    // dLoss/d(h_prev . R); d (GU), t (U), dt (U): one sample's activation derivatives and tanh(c).
    // dhd (nb, U): one gate block's dLoss/d(masked h_prev), with recurrent dropout.
    const size_t rows = (size_t)nb * U;
    float *dh = scratch_floats(3 * rows + (size_t)nb * GU + (size_t)GU + 2 * (size_t)U);
    float *dc = dh + rows, *di = dc + rows, *d = di + (size_t)nb * GU, *t = d + GU, *dt = t + U, *dhd = dt + U;
    // The final states' own gradients (return_state) start the pass.
    if (j->dstate_h) memcpy(dh, j->dstate_h + (long)b0 * U, rows * sizeof(float));
    else memset(dh, 0, rows * sizeof(float));
    if (j->dstate_c) memcpy(dc, j->dstate_c + (long)b0 * U, rows * sizeof(float));
    else memset(dc, 0, rows * sizeof(float));
    for (int k = T - 1; k >= 0; k--) {
        const int p = g->go_backwards ? T - 1 - k : k;
        const float *slots = j->mid + (long)b0 * sample + (long)p * S;
        float *dslots = j->dmid + (long)b0 * sample + (long)p * S;
        for (int b = 0; b < nb; b++) {
            const float *s = slots + b * sample;
            float *ds = dslots + b * sample, *dhb = dh + (long)b * U;
            const int masked = j->mask && j->mask[(long)(b0 + b) * T + p] == 0.0f;
            const float *dy = g->return_sequences ? (masked && g->zero_masked_output ? NULL : j->dout + ((long)(b0 + b) * T + k) * U)
                              : k + 1 == T        ? j->dout + (long)(b0 + b) * U
                                                  : NULL;
            if (dy)
                for (int u = 0; u < U; u++) dhb[u] += dy[u];
            if (masked) {  // the state passed through: dh (and dc) carry on, no gate gradient
                memset(ds, 0, (size_t)S * sizeof(float));
                if (g->cell == KILN_GRU) memset(di + (long)b * GU, 0, (size_t)GU * sizeof(float));
                continue;
            }
            switch (g->cell) {
            case KILN_SIMPLE_RNN:
                DERIV(d, s, U, act);
                for (int u = 0; u < U; u++) {
                    ds[u] = dhb[u] * d[u];
                    dhb[u] = 0.0f;
                }
                break;
            case KILN_LSTM:
                lstm_gates_backward(ds, dhb, dc + (long)b * U, s, s + l.xoff, t, dt, d, U, act, ract);
                break;
            default: {  // GRU
                const float *z = s, *r = s + U, *hh = s + 2 * U, *hp = s + l.hoff, *cand = s + l.xoff;
                float *dcand = ds + l.xoff, *dib = di + (long)b * GU;
                DERIV(d, s, 2 * U, ract);
                DERIV(d + 2 * U, hh, U, act);
                for (int u = 0; u < U; u++) {
                    const float dph = dhb[u] * (1.0f - z[u]) * d[2 * U + u];
                    ds[u] = dhb[u] * (hp[u] - hh[u]) * d[u];
                    ds[U + u] = dph * cand[u] * d[U + u];
                    ds[2 * U + u] = dph;
                    dcand[u] = dph * r[u];
                    dhb[u] *= z[u];
                }
                memcpy(dib, ds, (size_t)(2 * U) * sizeof(float));
                memcpy(dib + 2 * U, dcand, (size_t)U * sizeof(float));
                break;
            }
            }
        }
        // dh_prev += dLoss/d(h_prev . R) . R^T (none before the first step unless an initial state wants it).
        const float *drec = g->cell == KILN_GRU ? di : dslots;
        const long ldr = g->cell == KILN_GRU ? GU : sample;
        const int into_prev = k > 0 || j->dinit_h || j->dinit_c;
        if (into_prev && j->rg) {  // through each block's mask
            const int w = GU / j->rg;
            for (int q = 0; q < j->rg; q++) {
                kiln_gemm_prepacked(nb, U, w, drec + q * w, ldr, 1, j->rtgroup[q], dhd, U, 0);
                for (long b = 0; b < nb; b++) {
                    const float *m = j->rdrop + ((b0 + b) * j->rg + q) * U;
                    for (int u = 0; u < U; u++) dh[b * U + u] += dhd[b * U + u] * m[u];
                }
            }
        } else if (into_prev) {
            kiln_gemm_prepacked(nb, U, GU, drec, ldr, 1, j->rtpacked, dh, U, 1);
        }
    }
    // What is left is the gradient of the states before the first step.
    if (j->dinit_h)
        for (size_t i = 0; i < rows; i++) j->dinit_h[(size_t)b0 * U + i] += dh[i];
    if (j->dinit_c)
        for (size_t i = 0; i < rows; i++) j->dinit_c[(size_t)b0 * U + i] += dc[i];
    free(dh);
}

// colsum (cols) += column sums of rows rows of a (row stride lda).
static void column_sums(float *colsum, const float *a, long rows, long lda, int cols) {
    for (long r = 0; r < rows; r++) {
        const float *ar = a + r * lda;
        for (int c = 0; c < cols; c++) colsum[c] += ar[c];
    }
}

void kiln_rnn_backward(float *dinp, float *dinit_h, float *dinit_c, float *dkernel, float *drecurrent, float *dbias, float *dmid,
                       const float *dout, const float *dstate_h, const float *dstate_c, const float *mid, const float *inp,
                       const float *kernel, const float *recurrent_kernel, const float *mask, const float *drop, int n,
                       const kiln_rnn_geometry *g) {
    const rnn_layout l = layout_of(g);
    const int T = g->steps, F = g->features, U = l.U, GU = l.GU, S = l.S;
    const int ig = drop ? g->input_masks : 0, rg = drop ? g->recurrent_masks : 0;
    if (n <= 0) return;
    const long rows = (long)n * T;
    const float *rdrop = rg ? drop + (long)n * g->input_masks * F : NULL;
    float *rtpacked = kiln_gemm_pack_b(recurrent_kernel, 1, GU, GU, U);  // R^T (GU, U)
    if (!rtpacked) abort();
    backward_job job = {dmid, dinit_h, g->cell == KILN_LSTM ? dinit_c : NULL, dout, dstate_h, g->cell == KILN_LSTM ? dstate_c : NULL, mid, rtpacked, mask, rdrop, {0}, rg, g, n, 0};
    for (int q = 0; q < rg; q++) {
        job.rtgroup[q] = kiln_gemm_pack_b(recurrent_kernel + q * (GU / rg), 1, GU, GU / rg, U);
        if (!job.rtgroup[q]) abort();
    }
    const int tasks = sample_tasks(n, &job.chunk);
    kiln_parallel_for(tasks, backward_task, &job);
    free(rtpacked);
    for (int q = 0; q < rg; q++) free(job.rtgroup[q]);
    // xd (n*T, max(F, U)): a gate block's masked inputs or h_prev, or its input gradient before the mask
    float *xd = ig || rg ? scratch_floats((size_t)rows * (size_t)(F > U ? F : U)) : NULL;
    if (ig) {
        const int w = GU / ig;
        for (int q = 0; q < ig; q++) {
            if (dinp) {  // dinp += (dP_q . kernel_q^T) * mask_q
                kiln_gemm_strided((int)rows, F, w, dmid + q * w, S, 1, kernel + q * w, 1, GU, xd, F, 0);
                for (long b = 0; b < n; b++)
                    for (long t = 0; t < T; t++)
                        for (int f = 0; f < F; f++) dinp[(b * T + t) * F + f] += xd[(b * T + t) * F + f] * drop[(b * ig + q) * F + f];
            }
            if (dkernel) {  // dkernel_q += (inp * mask_q)^T . dP_q
                masked_rows(xd, inp, F, drop + (long)q * F, (long)ig * F, n, T, F);
                kiln_gemm_strided(F, w, (int)rows, xd, 1, F, dmid + q * w, S, 1, dkernel + q * w, GU, 1);
            }
        }
    } else {
        if (dinp) kiln_gemm_strided((int)rows, F, GU, dmid, S, 1, kernel, 1, GU, dinp, F, 1);  // dinp += dP . kernel^T
        if (dkernel) kiln_gemm_strided(F, GU, (int)rows, inp, 1, F, dmid, S, 1, dkernel, GU, 1);  // dkernel += inp^T . dP
    }
    if (drecurrent && rg) {  // drecurrent_q += (h_prev * mask_q)^T . dLoss/d(block q of the recurrent product)
        const int w = GU / rg;
        for (int q = 0; q < rg; q++) {
            masked_rows(xd, mid + l.hoff, S, rdrop + (long)q * U, (long)rg * U, n, T, U);
            const float *src = g->cell == KILN_GRU && q == 2 ? dmid + l.xoff : dmid + q * w;
            kiln_gemm_strided(U, w, (int)rows, xd, 1, U, src, S, 1, drecurrent + q * w, GU, 1);
        }
    } else if (drecurrent) {  // drecurrent += h_prev^T . dLoss/d(h_prev . R)
        const int direct = g->cell == KILN_GRU ? 2 * U : GU;
        kiln_gemm_strided(U, direct, (int)rows, mid + l.hoff, 1, S, dmid, S, 1, drecurrent, GU, 1);
        if (g->cell == KILN_GRU)
            kiln_gemm_strided(U, U, (int)rows, mid + l.hoff, 1, S, dmid + l.xoff, S, 1, drecurrent + 2 * U, GU, 1);
    }
    free(xd);
    if (dbias && g->use_bias) {
        column_sums(dbias, dmid, rows, S, GU);
        if (g->cell == KILN_GRU) {
            column_sums(dbias + GU, dmid, rows, S, 2 * U);
            column_sums(dbias + GU + 2 * U, dmid + l.xoff, rows, S, U);
        }
    }
}

// ---- ConvLSTM ------------------------------------------------------------------------
//
// mid, n-major regions: gates G (n*T frames, P positions, 4F) after their activations, h_prev H
// (n*T, P, F) and c_prev C (n*T, P, F); frame b*T + p is sample b's input step p. The input
// convolution of every frame is one kiln_conv_forward over n*T frames; the recurrent one
// (stride 1, "same") runs per step on the n current states, copied together.

// Floats of one frame of the input and of the state, per sample.
static long conv_lstm_frame(const kiln_conv_geometry *input) { return (long)input->in[0] * input->in[1] * input->in[2] * input->c; }
static long conv_lstm_state(const kiln_rnn_geometry *g, const kiln_conv_geometry *input) {
    return (long)input->out[0] * input->out[1] * input->out[2] * g->units;
}

int64_t kiln_conv_lstm_dropout_floats(const kiln_rnn_geometry *g, const kiln_conv_geometry *input) {
    return (int64_t)g->input_masks * conv_lstm_frame(input) + (int64_t)g->recurrent_masks * conv_lstm_state(g, input);
}

void kiln_conv_lstm_draw_dropout(float *drop, int n, const kiln_rnn_geometry *g, const kiln_conv_geometry *input, int keep_all,
                                 uint64_t rng[2]) {
    const int64_t inputs = (int64_t)n * g->input_masks * conv_lstm_frame(input);
    draw_mask(drop, inputs, drop_rate(g->dropout, keep_all), rng);
    draw_mask(drop + inputs, (int64_t)n * g->recurrent_masks * conv_lstm_state(g, input), drop_rate(g->recurrent_dropout, keep_all), rng);
}

// dst (rows, F) = gate block q of src (rows, 4F); add_gate_block: dst (rows, 4F)'s block q += src (rows, F).
static void gate_block(float *dst, const float *src, long rows, int F, int q) {
    for (long r = 0; r < rows; r++) memcpy(dst + r * F, src + r * 4 * F + (long)q * F, (size_t)F * sizeof(float));
}
static void add_gate_block(float *dst, const float *src, long rows, int F, int q) {
    for (long r = 0; r < rows; r++)
        for (int j = 0; j < F; j++) dst[r * 4 * F + (long)q * F + j] += src[r * F + j];
}

// z (frames, P, 4F) = per gate q, (x times its sample's mask q) convolved with the kernel's block q:
// Keras's ConvLSTM cell with dropout. x (n*T frames, width); masks (n, 4, width); kernel (rows, 4F).
static void gated_conv_forward(float *z, const float *x, const float *masks, int n, int T, long width, const float *kernel,
                               long rows, const kiln_conv_geometry *geometry) {
    const int F = geometry->f / 4;
    const long frames = (long)n * T, P = (long)geometry->out[0] * geometry->out[1] * geometry->out[2];
    kiln_conv_geometry gate = *geometry;
    gate.f = F;
    // xm (frames, width), kq (rows, F), zq (frames, P, F)
    float *xm = scratch_floats((size_t)(frames * width + rows * F + frames * P * F)), *kq = xm + frames * width, *zq = kq + rows * F;
    memset(z, 0, (size_t)(frames * P * 4 * F) * sizeof(float));
    for (int q = 0; q < 4; q++) {
        masked_rows(xm, x, width, masks + (long)q * width, 4 * width, n, T, (int)width);
        gate_block(kq, kernel, rows, F, q);
        kiln_conv_forward(zq, xm, kq, (int)frames, &gate);
        add_gate_block(z, zq, frames * P, F, q);
    }
    free(xm);
}

// The backward of gated_conv_forward for dz (frames, P, 4F): dx (frames, width) += and dkernel (rows,
// 4F) += (either may be NULL).
static void gated_conv_backward(float *dx, float *dkernel, const float *dz, const float *x, const float *masks, int n, int T,
                                long width, const float *kernel, long rows, const kiln_conv_geometry *geometry) {
    const int F = geometry->f / 4;
    const long frames = (long)n * T, P = (long)geometry->out[0] * geometry->out[1] * geometry->out[2];
    kiln_conv_geometry gate = *geometry;
    gate.f = F;
    // xm, dxq (frames, width); kq, dkq (rows, F); dzq (frames, P, F)
    float *xm = scratch_floats((size_t)(2 * frames * width + 2 * rows * F + frames * P * F));
    float *dxq = xm + frames * width, *kq = dxq + frames * width, *dkq = kq + rows * F, *dzq = dkq + rows * F;
    for (int q = 0; q < 4; q++) {
        gate_block(dzq, dz, frames * P, F, q);
        if (dx) {
            gate_block(kq, kernel, rows, F, q);
            memset(dxq, 0, (size_t)(frames * width) * sizeof(float));
            kiln_conv_backward_input(dxq, dzq, kq, (int)frames, &gate);
            for (long b = 0; b < n; b++)
                for (long t = 0; t < T; t++) {
                    const float *m = masks + (b * 4 + q) * width, *d = dxq + (b * T + t) * width;
                    float *o = dx + (b * T + t) * width;
                    for (long j = 0; j < width; j++) o[j] += d[j] * m[j];
                }
        }
        if (dkernel) {
            masked_rows(xm, x, width, masks + (long)q * width, 4 * width, n, T, (int)width);
            memset(dkq, 0, (size_t)(rows * F) * sizeof(float));
            kiln_conv_backward_kernel(dkq, xm, dzq, (int)frames, &gate);
            add_gate_block(dkernel, dkq, rows, F, q);
        }
    }
    free(xm);
}

int64_t kiln_conv_lstm_mid_floats(const kiln_rnn_geometry *g, const kiln_conv_geometry *input) {
    const int64_t positions = (int64_t)input->out[0] * input->out[1] * input->out[2];
    return (int64_t)g->steps * positions * 6 * g->units;
}

void kiln_conv_lstm_forward(float *out, float *mid, const float *inp, const float *kernel, const float *recurrent_kernel,
                            const float *bias, const float *mask, const float *drop, int n, const kiln_rnn_geometry *g,
                            const kiln_conv_geometry *input, const kiln_conv_geometry *recurrent) {
    const int T = g->steps, F = g->units, GF = 4 * F, act = g->activation, ract = g->recurrent_activation;
    const long P = (long)input->out[0] * input->out[1] * input->out[2], frames = (long)n * T;
    const long frame = conv_lstm_frame(input), state = P * F, krows = (long)input->c * input->k[0] * input->k[1] * input->k[2];
    if (n <= 0) return;
    // drop: (n, 4, frame) masks of the inputs (if input_masks), then (n, 4, state) of h_prev (if recurrent_masks)
    const float *input_drop = drop && g->input_masks ? drop : NULL;
    const float *state_drop = drop && g->recurrent_masks ? drop + (long)n * g->input_masks * frame : NULL;
    float *G = mid, *H = G + frames * P * GF, *C = H + frames * P * F;
    if (input_drop)
        gated_conv_forward(G, inp, input_drop, n, T, frame, kernel, krows, input);
    else
        kiln_conv_forward(G, inp, kernel, n * T, input);
    // h, c (n, P, F): the current states; rec (n, P, 4F): their recurrent convolution
    float *h = scratch_floats((size_t)n * P * (2 * F + GF)), *c = h + (size_t)n * P * F, *rec = c + (size_t)n * P * F;
    memset(h, 0, (size_t)n * P * 2 * F * sizeof(float));
    for (int k = 0; k < T; k++) {
        const int p = g->go_backwards ? T - 1 - k : k;
        for (long b = 0; b < n; b++) {
            memcpy(H + (b * T + p) * P * F, h + b * P * F, (size_t)(P * F) * sizeof(float));
            memcpy(C + (b * T + p) * P * F, c + b * P * F, (size_t)(P * F) * sizeof(float));
        }
        if (k > 0 && state_drop)
            gated_conv_forward(rec, h, state_drop, n, 1, state, recurrent_kernel, (long)F * recurrent->k[0] * recurrent->k[1] * recurrent->k[2], recurrent);
        else if (k > 0)
            kiln_conv_forward(rec, h, recurrent_kernel, n, recurrent);
        for (long b = 0; b < n; b++) {
            if (!(mask && mask[b * T + p] == 0.0f)) {
                for (long q = 0; q < P; q++) {
                    float *s = G + ((b * T + p) * P + q) * GF, *cq = c + (b * P + q) * F;
                    if (g->use_bias)
                        for (int j = 0; j < GF; j++) s[j] += bias[j];
                    if (k > 0)
                        for (int j = 0; j < GF; j++) s[j] += rec[(b * P + q) * GF + j];
                    lstm_gates_forward(h + (b * P + q) * F, cq, s, cq, F, act, ract);
                }
            }
            float *o = g->return_sequences ? out + (b * T + k) * P * F : k + 1 == T ? out + b * P * F : NULL;
            if (o && g->return_sequences && g->zero_masked_output && mask && mask[b * T + p] == 0.0f)
                memset(o, 0, (size_t)(P * F) * sizeof(float));
            else if (o)
                memcpy(o, h + b * P * F, (size_t)(P * F) * sizeof(float));
        }
    }
    free(h);
}

void kiln_conv_lstm_backward(float *dinp, float *dkernel, float *drecurrent, float *dbias, float *dmid, const float *dout,
                             const float *mid, const float *inp, const float *kernel, const float *recurrent_kernel,
                             const float *mask, const float *drop, int n, const kiln_rnn_geometry *g, const kiln_conv_geometry *input,
                             const kiln_conv_geometry *recurrent) {
    const int T = g->steps, F = g->units, GF = 4 * F, act = g->activation, ract = g->recurrent_activation;
    const long P = (long)input->out[0] * input->out[1] * input->out[2], frames = (long)n * T;
    const long frame = conv_lstm_frame(input), state = P * F, krows = (long)input->c * input->k[0] * input->k[1] * input->k[2];
    const long rrows = (long)F * recurrent->k[0] * recurrent->k[1] * recurrent->k[2];
    if (n <= 0) return;
    const float *input_drop = drop && g->input_masks ? drop : NULL;
    const float *state_drop = drop && g->recurrent_masks ? drop + (long)n * g->input_masks * frame : NULL;
    const float *G = mid, *H = G + frames * P * GF, *C = H + frames * P * F;
    float *dG = dmid;
    // dh, dc (n, P, F); dgt (n, P, 4F): this step's gate gradients together; t, dt, d: one row's scratch
    float *dh = scratch_floats((size_t)n * P * (2 * F + GF) + 2 * (size_t)F + (size_t)GF);
    float *dc = dh + (size_t)n * P * F, *dgt = dc + (size_t)n * P * F, *t = dgt + (size_t)n * P * GF, *dt = t + F, *d = dt + F;
    memset(dh, 0, (size_t)n * P * 2 * F * sizeof(float));
    for (int k = T - 1; k >= 0; k--) {
        const int p = g->go_backwards ? T - 1 - k : k;
        for (long b = 0; b < n; b++) {
            const int masked = mask && mask[b * T + p] == 0.0f;
            const float *dy = g->return_sequences ? (masked && g->zero_masked_output ? NULL : dout + (b * T + k) * P * F)
                              : k + 1 == T        ? dout + b * P * F
                                                  : NULL;
            if (dy)
                for (long j = 0; j < P * F; j++) dh[b * P * F + j] += dy[j];
            float *ds = dG + (b * T + p) * P * GF;
            if (masked) {
                memset(ds, 0, (size_t)(P * GF) * sizeof(float));
            } else {
                for (long q = 0; q < P; q++)
                    lstm_gates_backward(ds + q * GF, dh + (b * P + q) * F, dc + (b * P + q) * F, G + ((b * T + p) * P + q) * GF,
                                        C + ((b * T + p) * P + q) * F, t, dt, d, F, act, ract);
            }
            memcpy(dgt + b * P * GF, ds, (size_t)(P * GF) * sizeof(float));
        }
        if (k > 0 && state_drop)
            gated_conv_backward(dh, NULL, dgt, NULL, state_drop, n, 1, state, recurrent_kernel, rrows, recurrent);
        else if (k > 0)
            kiln_conv_backward_input(dh, dgt, recurrent_kernel, n, recurrent);  // dh_prev += dG_t (x) R, transposed
    }
    free(dh);
    if (input_drop) {
        gated_conv_backward(dinp, dkernel, dG, inp, input_drop, n, T, frame, kernel, krows, input);
    } else {
        if (dinp) kiln_conv_backward_input(dinp, dG, kernel, n * T, input);
        if (dkernel) kiln_conv_backward_kernel(dkernel, inp, dG, n * T, input);
    }
    if (drecurrent && state_drop)
        gated_conv_backward(NULL, drecurrent, dG, H, state_drop, n, T, state, recurrent_kernel, rrows, recurrent);
    else if (drecurrent)
        kiln_conv_backward_kernel(drecurrent, H, dG, n * T, recurrent);
    if (dbias && g->use_bias) kiln_bias_backward(dbias, dG, (int)(frames * P), GF);  // dbias += column sums of dG
}

// ---- Bidirectional -----------------------------------------------------------------

void kiln_bidirectional_forward(float *out, const float *fwd, const float *bwd, int n, int steps, int units, int mode) {
    const int width = mode == KILN_BIDI_CONCAT ? 2 * units : units;
    for (long b = 0; b < n; b++)
        for (int t = 0; t < steps; t++) {
            const float *f = fwd + (b * steps + t) * units, *r = bwd + (b * steps + steps - 1 - t) * units;
            float *o = out + (b * steps + t) * width;
            switch (mode) {
            case KILN_BIDI_CONCAT:
                memcpy(o, f, (size_t)units * sizeof(float));
                memcpy(o + units, r, (size_t)units * sizeof(float));
                break;
            case KILN_BIDI_SUM:
                for (int u = 0; u < units; u++) o[u] = f[u] + r[u];
                break;
            case KILN_BIDI_MUL:
                for (int u = 0; u < units; u++) o[u] = f[u] * r[u];
                break;
            default:
                for (int u = 0; u < units; u++) o[u] = 0.5f * (f[u] + r[u]);
                break;
            }
        }
}

void kiln_bidirectional_backward(float *dfwd, float *dbwd, const float *dout, const float *fwd, const float *bwd, int n,
                                 int steps, int units, int mode) {
    const int width = mode == KILN_BIDI_CONCAT ? 2 * units : units;
    for (long b = 0; b < n; b++)
        for (int t = 0; t < steps; t++) {
            const long fi = (b * steps + t) * units, ri = (b * steps + steps - 1 - t) * units;
            const float *d = dout + (b * steps + t) * width;
            float *df = dfwd + fi, *dr = dbwd + ri;
            switch (mode) {
            case KILN_BIDI_CONCAT:
                for (int u = 0; u < units; u++) df[u] += d[u], dr[u] += d[units + u];
                break;
            case KILN_BIDI_SUM:
                for (int u = 0; u < units; u++) df[u] += d[u], dr[u] += d[u];
                break;
            case KILN_BIDI_MUL:
                for (int u = 0; u < units; u++) df[u] += d[u] * bwd[ri + u], dr[u] += d[u] * fwd[fi + u];
                break;
            default:
                for (int u = 0; u < units; u++) df[u] += 0.5f * d[u], dr[u] += 0.5f * d[u];
                break;
            }
        }
}

// ---- naive reference --------------------------------------------------------------

static float act_ref(float x, int act) {
    float y = x;
    ACT(&y, 1, act);
    return y;
}

void kiln_rnn_forward_ref(float *out, float *mid, float *state_h, float *state_c, const float *inp, const float *init_h,
                          const float *init_c, const float *kernel, const float *recurrent_kernel, const float *bias,
                          const float *mask, const float *drop, int n, const kiln_rnn_geometry *g) {
    const rnn_layout l = layout_of(g);
    const int T = g->steps, F = g->features, U = l.U, GU = l.GU, S = l.S;
    const int ig = drop ? g->input_masks : 0, rg = drop ? g->recurrent_masks : 0;
    const float *rdrop = rg ? drop + (long)n * g->input_masks * F : NULL;
    float *h = scratch_floats(3 * (size_t)U + 2 * (size_t)GU), *c = h + U, *hn = c + U, *x = hn + U, *rec = x + GU;
    for (int b = 0; b < n; b++) {
        memset(h, 0, 2 * (size_t)U * sizeof(float));
        if (init_h) memcpy(h, init_h + (long)b * U, (size_t)U * sizeof(float));
        if (init_c && g->cell == KILN_LSTM) memcpy(c, init_c + (long)b * U, (size_t)U * sizeof(float));
        for (int k = 0; k < T; k++) {
            const int p = g->go_backwards ? T - 1 - k : k;
            const float *xt = inp + ((long)b * T + p) * F;
            float *s = mid + ((long)b * T + p) * S;
            for (int q = 0; q < GU; q++) {
                float sx = g->use_bias ? bias[q] : 0.0f, sr = g->use_bias && g->cell == KILN_GRU ? bias[GU + q] : 0.0f;
                const float *mi = ig ? drop + ((long)b * ig + q / (GU / ig)) * F : NULL;
                const float *mr = rg ? rdrop + ((long)b * rg + q / (GU / rg)) * U : NULL;
                for (int f = 0; f < F; f++) sx += xt[f] * (mi ? mi[f] : 1.0f) * kernel[(long)f * GU + q];
                for (int u = 0; u < U; u++) sr += h[u] * (mr ? mr[u] : 1.0f) * recurrent_kernel[(long)u * GU + q];
                x[q] = sx;
                rec[q] = sr;
            }
            memcpy(s + l.hoff, h, (size_t)U * sizeof(float));
            if (g->cell == KILN_LSTM) memcpy(s + l.xoff, c, (size_t)U * sizeof(float));
            if (mask && mask[(long)b * T + p] == 0.0f) {
                if (g->return_sequences)
                    for (int u = 0; u < U; u++) out[((long)b * T + k) * U + u] = g->zero_masked_output ? 0.0f : h[u];
                continue;
            }
            for (int u = 0; u < U; u++) {
                switch (g->cell) {
                case KILN_SIMPLE_RNN:
                    hn[u] = s[u] = act_ref(x[u] + rec[u], g->activation);
                    break;
                case KILN_LSTM: {
                    float i = act_ref(x[u] + rec[u], g->recurrent_activation);
                    float f = act_ref(x[U + u] + rec[U + u], g->recurrent_activation);
                    float cc = act_ref(x[2 * U + u] + rec[2 * U + u], g->activation);
                    float o = act_ref(x[3 * U + u] + rec[3 * U + u], g->recurrent_activation);
                    s[u] = i, s[U + u] = f, s[2 * U + u] = cc, s[3 * U + u] = o;
                    c[u] = f * c[u] + i * cc;
                    hn[u] = o * act_ref(c[u], g->activation);
                    break;
                }
                default: {
                    float z = act_ref(x[u] + rec[u], g->recurrent_activation);
                    float r = act_ref(x[U + u] + rec[U + u], g->recurrent_activation);
                    float hh = act_ref(x[2 * U + u] + r * rec[2 * U + u], g->activation);
                    s[u] = z, s[U + u] = r, s[2 * U + u] = hh, s[l.xoff + u] = rec[2 * U + u];
                    hn[u] = z * h[u] + (1.0f - z) * hh;
                    break;
                }
                }
            }
            memcpy(h, hn, (size_t)U * sizeof(float));
            if (g->return_sequences) memcpy(out + ((long)b * T + k) * U, h, (size_t)U * sizeof(float));
        }
        if (!g->return_sequences) memcpy(out + (long)b * U, h, (size_t)U * sizeof(float));
        if (state_h) memcpy(state_h + (long)b * U, h, (size_t)U * sizeof(float));
        if (state_c && g->cell == KILN_LSTM) memcpy(state_c + (long)b * U, c, (size_t)U * sizeof(float));
    }
    free(h);
}

// One tap's input offset in a frame (in..., c) for output position o and kernel tap k under geometry
// cg, or -1 in the padding.
static long tap_offset(const kiln_conv_geometry *cg, const int o[3], const int k[3]) {
    long at = 0;
    for (int a = 0; a < 3; a++) {
        const int i = o[a] * cg->stride[a] + k[a] * cg->dilation[a] - cg->pad[a];
        if (i < 0 || i >= cg->in[a]) return -1;
        at = at * cg->in[a] + i;
    }
    return at * cg->c;
}

// Output position o's sum for output channel j of a convolution with kernel (k..., c, GF) over src
// (in..., c), each value times its mask m (same shape as src) when m is not NULL.
static float tap_sum(const float *src, const float *m, const float *kernel, const kiln_conv_geometry *cg, const int o[3], int GF,
                     int j) {
    float s = 0.0f;
    for (int k0 = 0; k0 < cg->k[0]; k0++)
        for (int k1 = 0; k1 < cg->k[1]; k1++)
            for (int k2 = 0; k2 < cg->k[2]; k2++) {
                const int kk[3] = {k0, k1, k2};
                const long at = tap_offset(cg, o, kk), tap = ((long)k0 * cg->k[1] + k1) * cg->k[2] + k2;
                if (at < 0) continue;
                for (int ci = 0; ci < cg->c; ci++) s += src[at + ci] * (m ? m[at + ci] : 1.0f) * kernel[(tap * cg->c + ci) * GF + j];
            }
    return s;
}

// kiln_conv_lstm_forward in loops, one sample, step and output position at a time.
void kiln_conv_lstm_forward_ref(float *out, float *mid, const float *inp, const float *kernel, const float *recurrent_kernel,
                                const float *bias, const float *mask, const float *drop, int n, const kiln_rnn_geometry *g,
                                const kiln_conv_geometry *input, const kiln_conv_geometry *recurrent) {
    const int T = g->steps, F = g->units, GF = 4 * F;
    const long P = (long)input->out[0] * input->out[1] * input->out[2], frame = conv_lstm_frame(input), state = P * F;
    const long frames = (long)n * T;
    const float *input_drop = drop && g->input_masks ? drop : NULL;
    const float *state_drop = drop && g->recurrent_masks ? drop + (long)n * g->input_masks * frame : NULL;
    float *G = mid, *H = G + frames * P * GF, *C = H + frames * P * F;
    // h, c (P, F): the state; hn, cn: after the step; z (4F): one position's gates
    float *h = scratch_floats((size_t)(4 * state + GF)), *c = h + state, *hn = c + state, *cn = hn + state, *z = cn + state;
    for (int b = 0; b < n; b++) {
        memset(h, 0, (size_t)(2 * state) * sizeof(float));
        for (int k = 0; k < T; k++) {
            const int p = g->go_backwards ? T - 1 - k : k;
            const long fi = (long)b * T + p;
            memcpy(H + fi * state, h, (size_t)state * sizeof(float));
            memcpy(C + fi * state, c, (size_t)state * sizeof(float));
            const int masked = mask && mask[fi] == 0.0f;
            if (!masked) {
                const float *x = inp + fi * frame;
                for (long q = 0; q < P; q++) {
                    const int o[3] = {(int)(q / ((long)input->out[1] * input->out[2])), (int)(q / input->out[2] % input->out[1]), (int)(q % input->out[2])};
                    for (int j = 0; j < GF; j++) {
                        const int gate = j / F;
                        float s = g->use_bias ? bias[j] : 0.0f;
                        s += tap_sum(x, input_drop ? input_drop + ((long)b * 4 + gate) * frame : NULL, kernel, input, o, GF, j);
                        s += tap_sum(h, state_drop ? state_drop + ((long)b * 4 + gate) * state : NULL, recurrent_kernel, recurrent, o, GF, j);
                        z[j] = s;
                    }
                    float *gates = G + (fi * P + q) * GF;
                    for (int u = 0; u < F; u++) {
                        const float i = act_ref(z[u], g->recurrent_activation), f = act_ref(z[F + u], g->recurrent_activation);
                        const float cc = act_ref(z[2 * F + u], g->activation), og = act_ref(z[3 * F + u], g->recurrent_activation);
                        gates[u] = i, gates[F + u] = f, gates[2 * F + u] = cc, gates[3 * F + u] = og;
                        cn[q * F + u] = f * c[q * F + u] + i * cc;
                        hn[q * F + u] = og * act_ref(cn[q * F + u], g->activation);
                    }
                }
                memcpy(h, hn, (size_t)state * sizeof(float));
                memcpy(c, cn, (size_t)state * sizeof(float));
            }
            if (g->return_sequences)
                for (long j = 0; j < state; j++) out[((long)b * T + k) * state + j] = masked && g->zero_masked_output ? 0.0f : h[j];
        }
        if (!g->return_sequences) memcpy(out + (long)b * state, h, (size_t)state * sizeof(float));
    }
    free(h);
}
