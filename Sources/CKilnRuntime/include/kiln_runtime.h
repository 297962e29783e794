// Kiln C runtime: the only C code that generated kernels call.
// Row-major float32 throughout. Outputs come first in every argument list.
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stdint.h>
#include <stddef.h>
#include <math.h>  // INFINITY: KILN_UNBOUNDED

#ifdef __cplusplus
extern "C" {
#endif

// Generated C checks this with #if/#error, so a runtime/codegen mismatch fails at compile time.
#define KILN_RUNTIME_ABI 9

// ---- model state -------------------------------------------------------------
// One allocation per role; sizes are compile-time constants of each generated model.
typedef struct kiln_state {
    float *params;   // (P) all weights, Keras order: layer by layer, kernel then bias
    float *grads;    // (P) gradients, same layout as params
    float *slots;    // (S*P) optimizer slots (Adam: m then v; SGD: momentum; RMSprop: velocity)
    float *acts;     // (A) activations for one batch of the compiled batch size
    float *dacts;    // (A) gradients of activations, same layout as acts
    // optimizer hyperparameters (Keras names); the host sets them from the spec, may change lr
    float learning_rate, beta_1, beta_2, epsilon, momentum, rho;
    int nesterov;
    int64_t iterations;  // optimizer steps taken, as Keras's optimizer.iterations
    uint64_t rng[2];     // dropout mask stream (xoroshiro128+)
    int dropout_off;     // 1: Dropout keeps every value in training too (comparing training with a reference)
} kiln_state;

// ---- activations ---------------------------------------------------------------
// Ids shared with the compiler's ActivationKind raw values.
enum kiln_activation {
    KILN_LINEAR = 0, KILN_RELU = 1, KILN_TANH = 2, KILN_SIGMOID = 3, KILN_SOFTMAX = 4,
    KILN_ELU = 5, KILN_SELU = 6, KILN_GELU = 7, KILN_SOFTPLUS = 8, KILN_LEAKY_RELU = 9,
};

// z (rows,cols) += bias (cols) in place (bias may be NULL), then y (rows,cols) = act(z); y may alias z.
// alpha: negative slope for leaky_relu, alpha for elu (1 in keras.activations.elu). softmax is taken over each row.
void kiln_bias_act_forward(float *y, float *z, const float *bias, int rows, int cols, int act, float alpha);
// dz (rows,cols) += dy * act'(.), from the pre-activation z and/or the output y. dz must not alias dy.
void kiln_act_backward(float *dz, const float *dy, const float *z, const float *y, int rows, int cols, int act, float alpha);
// dbias (cols) += column sums of dz (rows,cols)
void kiln_bias_backward(float *dbias, const float *dz, int rows, int cols);

// ---- GEMM ----------------------------------------------------------------------
// Fast versions: packed, register-blocked, vectorized; split over the thread pool when large.
// C (M,N) = A (M,K) . B (K,N)          [+= when accumulate]
void kiln_sgemm_nn(float *C, const float *A, const float *B, int M, int N, int K, int accumulate);
// C (M,N) = A^T . B  with A (K,M), B (K,N)   [+= when accumulate]   e.g. dW = X^T dZ
void kiln_sgemm_tn(float *C, const float *A, const float *B, int M, int N, int K, int accumulate);
// C (M,N) = A . B^T  with A (M,K), B (N,K)   [+= when accumulate]   e.g. dX = dZ W^T
void kiln_sgemm_nt(float *C, const float *A, const float *B, int M, int N, int K, int accumulate);
// Naive reference versions, same contracts, for tests.
void kiln_sgemm_nn_ref(float *C, const float *A, const float *B, int M, int N, int K, int accumulate);
void kiln_sgemm_tn_ref(float *C, const float *A, const float *B, int M, int N, int K, int accumulate);
void kiln_sgemm_nt_ref(float *C, const float *A, const float *B, int M, int N, int K, int accumulate);
// Instruction set of the fast GEMMs: 0 portable vectors, 1 AVX2+FMA, 2 AVX-512 (x86-64 only).
// Chosen from the CPU at first use. kiln_gemm_set_isa (for tests) selects a level the CPU supports
// (out of range: the best one) and returns the level in effect.
int kiln_gemm_get_isa(void);
int kiln_gemm_set_isa(int level);
const char *kiln_gemm_isa_name(void);

// ---- optimizers (one fused loop over a flat range of params) --------------------
// Keras 3 formulas. `t` is the 1-based step number after increment.
void kiln_adam_update(float *p, float *m, float *v, const float *g, int64_t n,
                      float lr, float beta_1, float beta_2, float epsilon, int64_t t);
void kiln_sgd_update(float *p, float *velocity, const float *g, int64_t n,
                     float lr, float momentum, int nesterov);
void kiln_rmsprop_update(float *p, float *velocity, const float *g, int64_t n,
                         float lr, float rho, float epsilon);
// Adam and RMSprop for a lookup weight (an Embedding's table): the squared gradient is gsq, the sum
// of the squares of each lookup's gradient, where g is their sum (TensorFlow's IndexedSlices).
void kiln_adam_update_squares(float *p, float *m, float *v, const float *g, const float *gsq, int64_t n, float lr,
                              float beta_1, float beta_2, float epsilon, int64_t t);
void kiln_rmsprop_update_squares(float *p, float *velocity, const float *g, const float *gsq, int64_t n, float lr,
                                 float rho, float epsilon);
// l2 * sum(p^2): Keras's L2 regularization loss of one weight
float kiln_l2_loss(const float *p, int64_t n, float l2);
// g (n) += 2 * l2 * p (n); returns l2 * sum(p^2) (Keras L2 regularizer)
float kiln_l2_backward(float *g, const float *p, int64_t n, float l2);

// ---- dropout ---------------------------------------------------------------------
// Inverted dropout: mask[i] = 0 or 1/(1-rate); out = inp * mask. Seeded from rng.
void kiln_dropout_forward(float *out, float *mask, const float *inp, int64_t n, float rate, uint64_t rng[2]);
// dinp (n) += dout * mask
void kiln_dropout_backward(float *dinp, const float *dout, const float *mask, int64_t n);
// SpatialDropout: whole channels dropped, one draw per sample and channel for all its
// positions: mask (n, positions, c) holds 0 or 1/(1-rate); backward is kiln_dropout_backward.
void kiln_spatial_dropout_forward(float *out, float *mask, const float *inp, int n, int positions, int c, float rate, uint64_t rng[2]);

// ---- normalization (keras.layers.Normalization) -----------------------------------
// out (rows,f) = (inp - mean) / max(sqrt(var), 1e-7); invert: inp * max(sqrt(var), 1e-7) + mean.
// mean, var (f): per feature of the last axis (f = 1: one pair for every value).
void kiln_normalize_forward(float *out, const float *inp, const float *mean, const float *var, int64_t rows, int f, int invert);
// dinp (rows,f) += dout / max(sqrt(var), 1e-7) (invert: * instead of /)
void kiln_normalize_backward(float *dinp, const float *dout, const float *var, int64_t rows, int f, int invert);

// ---- batch normalization (keras.layers.BatchNormalization, last axis) ---------------
// Training: stats (2,c) = the batch mean and 1/sqrt(var + eps) (biased var), kept for backward;
// moving_mean, moving_var (c) move by momentum. gamma or beta may be NULL (scale/center off).
// mask (rows), or NULL: the statistics of the rows whose mask is not 0 alone, each sum over
// (kept + 1e-7), as Keras's masked moments; every row is normalized by them.
void kiln_batchnorm_forward_train(float *out, float *stats, float *moving_mean, float *moving_var, const float *inp,
                                  const float *mask, const float *gamma, const float *beta, int64_t rows, int c, float momentum,
                                  float epsilon);
// Inference (and a frozen layer): the moving statistics.
void kiln_batchnorm_forward_infer(float *out, const float *inp, const float *gamma, const float *beta, const float *moving_mean,
                                  const float *moving_var, int64_t rows, int c, float epsilon);
// dinp (rows,c) += through the batch statistics (of the kept rows under the forward's mask); dgamma,
// dbeta (c) +=. Any output may be NULL.
void kiln_batchnorm_backward_train(float *dinp, float *dgamma, float *dbeta, const float *dout, const float *inp,
                                   const float *mask, const float *gamma, const float *stats, int64_t rows, int c);
// dinp (rows,c) += dout * gamma / sqrt(moving_var + eps): inference mode's per-channel scale.
void kiln_batchnorm_backward_infer(float *dinp, const float *dout, const float *gamma, const float *moving_var, int64_t rows, int c,
                                   float epsilon);

// ---- merges (keras.layers.Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate) ----
enum kiln_merge_op {
    KILN_MERGE_ADD = 0, KILN_MERGE_SUBTRACT = 1, KILN_MERGE_MULTIPLY = 2, KILN_MERGE_AVERAGE = 3,
    KILN_MERGE_MAXIMUM = 4, KILN_MERGE_MINIMUM = 5,
};
// out (count) from k inputs of count values (subtract: exactly 2).
void kiln_merge_forward(float *out, const float *const *inputs, int k, int64_t count, int op);
// dinputs[i] (count) += each input's gradient (NULL: not needed); maximum/minimum: to the first input holding the result.
void kiln_merge_backward(float *const *dinputs, const float *dout, const float *const *inputs, const float *out, int k, int64_t count, int op);
// Concatenate: inputs[i] (outer, widths[i], inner) -> out (outer, sum of widths, inner); backward slices dout back (+=).
void kiln_concat_forward(float *out, const float *const *inputs, const int *widths, int k, int64_t outer, int inner);
void kiln_concat_backward(float *const *dinputs, const float *dout, const int *widths, int k, int64_t outer, int inner);
// outs[i] (rows, widths[i]) = their columns of inp (rows, sum of widths): packed inputs or targets
void kiln_split_columns(float *const *outs, const float *inp, const int *widths, int k, int64_t rows);

// Permute: per sample, out (out_dims, row-major) from inp through in_strides (each output axis's
// stride in the input); backward scatters the same way (dinp +=). rank <= KILN_MAX_RANK.
#define KILN_MAX_RANK 8
void kiln_permute_forward(float *out, const float *inp, int n, int size, int rank, const int *out_dims, const int *in_strides);
void kiln_permute_backward(float *dinp, const float *dout, int n, int size, int rank, const int *out_dims, const int *in_strides);
// RepeatVector: out (n,repeats,d) copies inp (n,d); backward sums the repeats into dinp.
void kiln_repeat_forward(float *out, const float *inp, int n, int repeats, int d);
void kiln_repeat_backward(float *dinp, const float *dout, int n, int repeats, int d);
// keras.layers.ReLU with max_value (KILN_UNBOUNDED: none), negative_slope and threshold.
#define KILN_UNBOUNDED INFINITY
void kiln_relu_forward(float *out, const float *inp, int64_t count, float max_value, float negative_slope, float threshold);
void kiln_relu_backward(float *dinp, const float *dout, const float *inp, int64_t count, float max_value, float negative_slope, float threshold);
// PReLU: alpha broadcast over the shared axes (alpha_strides 0 there); dinp or dalpha may be NULL.
void kiln_prelu_forward(float *out, const float *inp, const float *alpha, int n, int size, int rank, const int *dims, const int *alpha_strides);
void kiln_prelu_backward(float *dinp, float *dalpha, const float *dout, const float *inp, const float *alpha, int n, int size, int rank,
                         const int *dims, const int *alpha_strides);

// ---- convolution and pooling (channels_last) ----------------------------------------
// One geometry serves 1, 2 and 3 spatial axes: Conv1D uses (1, 1, w), Conv2D (1, h, w), Conv3D
// (d, h, w); unused axes have size, kernel, stride and dilation 1 and padding 0. Per sample, the
// input is (in[0], in[1], in[2], c) and the output (out[0], out[1], out[2], f), row-major.
typedef struct kiln_conv_geometry {
    int in[3];        // input spatial sizes
    int c;            // input channels
    int k[3];         // kernel sizes
    int stride[3];
    int dilation[3];
    int pad[3];       // zero rows before each axis ("same": total // 2, the rest after, as TF)
    int out[3];       // output spatial sizes
    int f;            // filters (output channels)
    int groups;       // c and f split into this many groups (DepthwiseConv2D: groups = c)
} kiln_conv_geometry;
// z (n, out..., f) = inp (n, in..., c) convolved with kernel (k[0], k[1], k[2], c/groups, f);
// no bias: kiln_bias_act_forward adds bias and activation over (n * out..., f) rows.
void kiln_conv_forward(float *z, const float *inp, const float *kernel, int n, const kiln_conv_geometry *g);
// The same, then y = act(z + bias) as kiln_bias_act_forward, chunk by chunk while z is in cache;
// z keeps the pre-activation (bias included). y may be z (linear); bias may be NULL.
void kiln_conv_bias_act_forward(float *y, float *z, const float *inp, const float *kernel, const float *bias, int n,
                                const kiln_conv_geometry *g, int act, float alpha);
// Inference through a conv, the BatchNormalization reading it and an elementwise activation:
// y (n, out..., f) = act(batchnorm(conv(inp) + bias)) with the moving statistics, in the conv's
// epilogue (kiln_batchnorm_forward_infer's map; act KILN_LINEAR when no activation follows).
// bias, gamma, beta may be NULL.
void kiln_conv_batchnorm_forward(float *y, const float *inp, const float *kernel, const float *bias, const float *gamma,
                                 const float *beta, const float *moving_mean, const float *moving_var, float epsilon, int n,
                                 const kiln_conv_geometry *g, int act, float alpha);
// Inference through a conv (bias, elementwise activation) and the MaxPooling reading it alone:
// out (n, pool out..., f) = max_pool(act(conv(inp) + bias)). With windows that do not overlap (pool
// size = strides, valid) the conv runs band by band, its rows pooled while they are in cache and rows
// no window reads never computed; any other pair runs as the two calls.
void kiln_conv_max_pool_forward(float *out, const float *inp, const float *kernel, const float *bias, int n,
                                const kiln_conv_geometry *g, const kiln_conv_geometry *pool, int act, float alpha);
// z += the same: a transposed convolution's input gradient, which adds to its input's others.
void kiln_conv_forward_accumulate(float *z, const float *inp, const float *kernel, int n, const kiln_conv_geometry *g);
// dkernel (k..., c/groups, f) += the kernel gradient for dz (n, out..., f)
void kiln_conv_backward_kernel(float *dkernel, const float *inp, const float *dz, int n, const kiln_conv_geometry *g);
// The same, and dbias (f) += the column sums of dz (as kiln_bias_backward), read once with the kernel's; dbias may be NULL.
void kiln_conv_backward_kernel_bias(float *dkernel, float *dbias, const float *inp, const float *dz, int n,
                                    const kiln_conv_geometry *g);
// dinp (n, in..., c) += the input gradient for dz (n, out..., f)
void kiln_conv_backward_input(float *dinp, const float *dz, const float *kernel, int n, const kiln_conv_geometry *g);
// 3x3 convs with stride 1 and one group run as Winograd F(2x2,3x3) (forward and input gradient) where
// they are deep enough; 0 turns that off (im2col everywhere), 1 back on. Returns the previous setting.
int kiln_conv_set_winograd(int enabled);
// Naive references, same contracts, for tests.
void kiln_conv_forward_ref(float *z, const float *inp, const float *kernel, int n, const kiln_conv_geometry *g);
void kiln_conv_backward_kernel_ref(float *dkernel, const float *inp, const float *dz, int n, const kiln_conv_geometry *g);
void kiln_conv_backward_input_ref(float *dinp, const float *dz, const float *kernel, int n, const kiln_conv_geometry *g);

// Pooling windows over the spatial axes, each channel on its own; c = f, k = pool size,
// dilation 1. Max ignores padding; average divides by the window's cells inside the input
// (TF's "same" average pooling).
void kiln_max_pool_forward(float *out, const float *inp, int n, const kiln_conv_geometry *g);
// dinp += dout at each window's first maximum (row-major within the window), found again from
// inp and out: no argmax buffer.
void kiln_max_pool_backward(float *dinp, const float *dout, const float *inp, const float *out, int n, const kiln_conv_geometry *g);
// The max pool's backward and the ReLU's before it in one pass: dz (n, in..., c) += dout at each
// window's first maximum where that maximum is > 0; inp is the ReLU's output
void kiln_max_pool_relu_backward(float *dz, const float *dout, const float *inp, const float *out, int n, const kiln_conv_geometry *g);
void kiln_avg_pool_forward(float *out, const float *inp, int n, const kiln_conv_geometry *g);
void kiln_avg_pool_backward(float *dinp, const float *dout, int n, const kiln_conv_geometry *g);
// Global pooling: out (n, c) from inp (n, spatial, c); backward spreads dout (max: to the first maximum).
void kiln_global_avg_pool_forward(float *out, const float *inp, int n, int spatial, int c);
void kiln_global_avg_pool_backward(float *dinp, const float *dout, int n, int spatial, int c);
// GlobalAveragePooling1D under a mask of the steps (n, steps), 1 or 0 (Embedding mask_zero, Masking):
// the mean of the kept steps; the gradient goes to them alone.
void kiln_global_avg_pool_masked_forward(float *out, const float *inp, const float *mask, int n, int steps, int c);
void kiln_global_avg_pool_masked_backward(float *dinp, const float *dout, const float *mask, int n, int steps, int c);
void kiln_global_max_pool_forward(float *out, const float *inp, int n, int spatial, int c);
void kiln_global_max_pool_backward(float *dinp, const float *dout, const float *inp, const float *out, int n, int spatial, int c);

// ---- spatial moves (ZeroPadding, Cropping, UpSampling; channels_last, 3 spatial axes) ----
// Output position p reads input position p - offset (zeros outside the input): padding is a
// positive offset, cropping a negative one. Backward adds each output's gradient back (+=).
void kiln_shift_forward(float *out, const float *inp, int n, const int in[3], const int out_dims[3], const int offset[3], int c);
void kiln_shift_backward(float *dinp, const float *dout, int n, const int in[3], const int out_dims[3], const int offset[3], int c);
// Nearest upsampling: out (in * size..., c) repeats each position; backward sums the copies.
void kiln_upsample_forward(float *out, const float *inp, int n, const int in[3], const int size[3], int c);
void kiln_upsample_backward(float *dinp, const float *dout, int n, const int in[3], const int size[3], int c);

// ---- recurrent layers (keras.layers.SimpleRNN, LSTM, GRU with reset_after; batch-major inputs) ----
enum kiln_rnn_cell { KILN_SIMPLE_RNN = 0, KILN_LSTM = 1, KILN_GRU = 2 };
typedef struct {
    int cell;                             // enum kiln_rnn_cell
    int steps, features, units;           // inp (n, steps, features); state (n, units)
    int activation, recurrent_activation; // enum kiln_activation (not gelu or softmax)
    int go_backwards, return_sequences;   // out (n, steps, units) in processing order, or (n, units)
    int use_bias;
    int zero_masked_output;               // masked steps output zeros (a Bidirectional's sequences), not the carried h
    // Keras's dropout and recurrent_dropout in training: masks drawn once per batch and kept for every
    // step, input_masks of the inputs (0, 1, or G: one per gate) and recurrent_masks of h_prev (0 or G).
    int input_masks, recurrent_masks;
    float dropout, recurrent_dropout;
} kiln_rnn_geometry;
// Floats of mid per sample: per time step the gates after their activations (SimpleRNN: h), the state
// before the step (h; LSTM: and c), and (GRU) the recurrent part of the candidate, h_prev . R_h + b_h.
int64_t kiln_rnn_mid_floats(const kiln_rnn_geometry *g);
// kernel (features, G*units), recurrent_kernel (units, G*units), bias (G*units) or, GRU, (2, G*units)
// [input bias, recurrent bias]; G = 1, 4 (i, f, c, o) or 3 (z, r, h), Keras's gate order.
// mask (n, steps), 1 or 0, or NULL: a masked step carries the state through unchanged (Keras's masking).
// drop: the dropout masks (kiln_rnn_draw_dropout), or NULL for none (inference). state_h, state_c
// (n, units) or NULL: the states after the last step (return_state; state_c for LSTM only). init_h,
// init_c (n, units) or NULL: the states before the first step (initial_state; zeros without).
void kiln_rnn_forward(float *out, float *mid, float *state_h, float *state_c, const float *inp, const float *init_h,
                      const float *init_c, const float *kernel, const float *recurrent_kernel, const float *bias,
                      const float *mask, const float *drop, int n, const kiln_rnn_geometry *g);
// Backpropagation through time; dmid is scratch of mid's size. dinp, dinit_h, dinit_c, dkernel, drecurrent,
// dbias += (each may be NULL). dstate_h, dstate_c (n, units) or NULL: the gradients of the final states.
void kiln_rnn_backward(float *dinp, float *dinit_h, float *dinit_c, float *dkernel, float *drecurrent, float *dbias, float *dmid,
                       const float *dout, const float *dstate_h, const float *dstate_c, const float *mid, const float *inp,
                       const float *kernel, const float *recurrent_kernel, const float *mask, const float *drop, int n,
                       const kiln_rnn_geometry *g);
// Floats of the dropout masks per sample: input_masks * features + recurrent_masks * units.
int64_t kiln_rnn_dropout_floats(const kiln_rnn_geometry *g);
// drop: (n, input_masks, features) of the inputs, then (n, recurrent_masks, units) of h_prev, each value 0
// or 1/(1-rate) (inverted dropout); keep_all: every value 1 (training compared with a reference).
void kiln_rnn_draw_dropout(float *drop, int n, const kiln_rnn_geometry *g, int keep_all, uint64_t rng[2]);
// keras.layers.ConvLSTM1D/2D (channels_last): an LSTM whose products are convolutions. inp (n, steps,
// spatial..., channels); g's units are the filters F; input: the input convolution (kernel (k..., c, 4F));
// recurrent: the state's (stride 1, "same", kernel (k..., F, 4F)). out (n, [steps,] out..., F).
int64_t kiln_conv_lstm_mid_floats(const kiln_rnn_geometry *g, const kiln_conv_geometry *input);
// drop: the dropout masks (kiln_conv_lstm_draw_dropout), or NULL for none (inference).
void kiln_conv_lstm_forward(float *out, float *mid, const float *inp, const float *kernel, const float *recurrent_kernel,
                            const float *bias, const float *mask, const float *drop, int n, const kiln_rnn_geometry *g,
                            const kiln_conv_geometry *input, const kiln_conv_geometry *recurrent);
void kiln_conv_lstm_backward(float *dinp, float *dkernel, float *drecurrent, float *dbias, float *dmid, const float *dout,
                             const float *mid, const float *inp, const float *kernel, const float *recurrent_kernel,
                             const float *mask, const float *drop, int n, const kiln_rnn_geometry *g, const kiln_conv_geometry *input,
                             const kiln_conv_geometry *recurrent);
// Floats of the dropout masks per sample: input_masks (0 or 4) frames of the input, then
// recurrent_masks (0 or 4) of the state (out..., F); one mask per gate, as Keras's ConvLSTM cell.
int64_t kiln_conv_lstm_dropout_floats(const kiln_rnn_geometry *g, const kiln_conv_geometry *input);
// drop: (n, input_masks, frame) then (n, recurrent_masks, state), each 0 or 1/(1-rate).
void kiln_conv_lstm_draw_dropout(float *drop, int n, const kiln_rnn_geometry *g, const kiln_conv_geometry *input, int keep_all,
                                 uint64_t rng[2]);

// keras.layers.Bidirectional's merge of the two directions' outputs fwd and bwd (n, steps, units)
// (steps 1: the last states): bwd's sequence reversed in time first, so that both read step t.
enum kiln_bidirectional_merge { KILN_BIDI_CONCAT = 0, KILN_BIDI_SUM = 1, KILN_BIDI_MUL = 2, KILN_BIDI_AVE = 3 };
// out (n, steps, units or 2*units for concat)
void kiln_bidirectional_forward(float *out, const float *fwd, const float *bwd, int n, int steps, int units, int mode);
// dfwd, dbwd (n, steps, units) += their parts of dout
void kiln_bidirectional_backward(float *dfwd, float *dbwd, const float *dout, const float *fwd, const float *bwd, int n,
                                 int steps, int units, int mode);
// Naive references (loops only, one sample at a time), for the tests.
void kiln_rnn_forward_ref(float *out, float *mid, float *state_h, float *state_c, const float *inp, const float *init_h,
                          const float *init_c, const float *kernel, const float *recurrent_kernel, const float *bias,
                          const float *mask, const float *drop, int n, const kiln_rnn_geometry *g);
void kiln_conv_lstm_forward_ref(float *out, float *mid, const float *inp, const float *kernel, const float *recurrent_kernel,
                                const float *bias, const float *mask, const float *drop, int n, const kiln_rnn_geometry *g,
                                const kiln_conv_geometry *input, const kiln_conv_geometry *recurrent);

// ---- embeddings (keras.layers.Embedding, keras.layers.Masking) ------------------------
// out (n*steps, dim) = table[ids] (ids as floats; one out of [0, vocabulary) gives zeros); mask (n*steps)
// = ids != 0 when not NULL (mask_zero).
void kiln_embedding_forward(float *out, float *mask, const float *ids, const float *table, int64_t count, int vocabulary, int dim);
// dtable (vocabulary, dim) += dout rows at their ids; dsquares (vocabulary, dim), if not NULL, += their squares
void kiln_embedding_backward(float *dtable, float *dsquares, const float *dout, const float *ids, int64_t count, int vocabulary, int dim);
// mask (n*steps) = any(inp[step] != mask_value); out = inp * mask (per step of features values)
void kiln_masking_forward(float *out, float *mask, const float *inp, int64_t count, int features, float mask_value);
void kiln_masking_backward(float *dinp, const float *dout, const float *mask, int64_t count, int features);

// ---- losses (mean over the batch, as Keras's sum_over_batch_size) ----------------
// Each returns the batch loss and writes dpred (rows,cols) = dLoss/dpred (overwrites).
// from_logits: pred holds logits. Generated code passes the logits of a fused softmax/sigmoid
// output layer with from_logits=1, as Keras's TF backend does (it keeps the logits).
float kiln_mse_loss(float *dpred, const float *pred, const float *y, int rows, int cols);
// x (count) *= factor (an output's loss weight)
void kiln_scale(float *x, int64_t count, float factor);
float kiln_mae_loss(float *dpred, const float *pred, const float *y, int rows, int cols);
// y in {0,1} (rows,cols). from_logits: pred are logits.
float kiln_binary_crossentropy_loss(float *dpred, const float *pred, const float *y, int rows, int cols, int from_logits);
// y one-hot (rows,cols).
float kiln_categorical_crossentropy_loss(float *dpred, const float *pred, const float *y, int rows, int cols, int from_logits);
// y class index as float (rows).
float kiln_sparse_categorical_crossentropy_loss(float *dpred, const float *pred, const float *y, int rows, int cols, int from_logits);

// ---- batches ------------------------------------------------------------------------
// dst (n,row_size) = src rows `rows[0..n)` (each row_size floats), prefetching ahead.
void kiln_gather_rows(float *dst, const float *src, const int64_t *rows, int n, int64_t row_size);

// ---- RNG --------------------------------------------------------------------------
void kiln_rng_seed(uint64_t rng[2], uint64_t seed);
uint64_t kiln_rng_next(uint64_t rng[2]);
float kiln_rng_uniform(uint64_t rng[2]);  // [0,1)

// ---- threads ----------------------------------------------------------------------
// Worker threads used by large GEMMs (default: number of online CPUs, at most 8).
void kiln_set_num_threads(int n);
int kiln_get_num_threads(void);

#ifdef __cplusplus
}
#endif
#endif
