// Float32 kernels of the recurrent layers' hot loops, compiled once per instruction set
// (AVX-512, AVX2, baseline x86-64) and picked at load time; plus the single-precision matrix
// product's backend choice. Internal to ForecastModels: no type from here is public API.
#ifndef FORECAST_KERNELS_H
#define FORECAST_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the processor runs AVX-512F instructions, else 0.
int fk_cpu_has_avx512(void);

/// Limits the OpenMP runtime (oneDNN's threads) to one thread for calls from the calling
/// thread. Idempotent and cheap after the first call on a thread.
void fk_single_openmp_thread(void);

/// y[i] = 1 / (1 + 2^(−x·log2 e)) (FastMath.sigmoid), i < n; x and y may alias.
void fk_sigmoid(const float *x, float *y, ptrdiff_t n);
/// y[i] = tanh(x[i]) with relative accuracy (FastMath.tanh), i < n; x and y may alias.
void fk_tanh(const float *x, float *y, ptrdiff_t n);

/// y[i] = y[i] < 0 ? 0 : y[i] (ReLU in place; NaN stays NaN), i < n.
void fk_relu(float *y, ptrdiff_t n);
/// dx[i] = y[i] > 0 ? dy[i] : 0 (ReLU backward through its output y), i < n; dx may be dy.
void fk_relu_backward(const float *y, const float *dy, float *dx, ptrdiff_t n);

/// LSTM step forward over a (B, 4H) gate block [i | f | g | o]: pre-activations without bias on
/// entry (bias (4H) is added to every row), activations on exit; c' = f*c + i*g to c_out,
/// tanh(c') to tanh_c, h' = o*tanh(c') to h_out.
void fk_lstm_forward(float *gates, const float *bias, const float *c_prev, float *c_out, float *tanh_c,
                     float *h_out, ptrdiff_t batch, ptrdiff_t hidden);

/// LSTM step backward: dh = dL/dh_t, dc = dL/dc_t from step t+1 (replaced by dL/dc_{t-1});
/// writes the pre-activation gradients to d_gates (which may be gates itself) and adds their
/// column sums, rows in order, to d_bias (4H).
void fk_lstm_backward(const float *gates, const float *c_prev, const float *tanh_c, const float *dh,
                      float *dc, float *d_gates, float *d_bias, ptrdiff_t batch, ptrdiff_t hidden);

/// GRU step forward over a (B, 3H) gate block [r | z | n]: W_ih x + b_ih (+ b_hh for r, z) on
/// entry, r, z, n on exit; gh (B, 3H) = h_prev W_hh^T; hn (B, H) receives gh_n + bias_hn;
/// r, z = sigmoid(gates + gh), n = tanh(gates_n + r*hn), h_out = n + z*(h_prev - n).
void fk_gru_forward(float *gates, const float *gh, const float *bias_hn, float *hn, const float *h_prev, float *h_out,
                    ptrdiff_t batch, ptrdiff_t hidden);

/// GRU step backward: dh = dL/dh_t on entry, dh*z on exit; writes [da_r, da_z, da_n] to d_gates
/// and [da_r, da_z, da_n*r] to d_gates_hidden (each (B, 3H)) and adds their column sums, rows in
/// order, to d_bias (3H) and (n block of d_gates_hidden) d_bias_hn (H).
void fk_gru_backward(const float *gates, const float *hn, const float *h_prev, float *dh, float *d_gates,
                     float *d_gates_hidden, float *d_bias, float *d_bias_hn, ptrdiff_t batch, ptrdiff_t hidden);

/// sums[j] += sum over r < rows of m[r*stride + j], j < columns, rows added in order.
void fk_add_column_sums(const float *m, ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t stride, float *sums);

/// out[c*rows + r] = m[r*columns + c] (accumulate = 0) or += it (accumulate ≠ 0), for the
/// row-major (rows × columns) m and its (columns × rows) transpose out; m and out must not overlap.
void fk_transpose(const float *m, ptrdiff_t rows, ptrdiff_t columns, float *out, int accumulate);

/// One Adam update of n parameters, in place, as torch.optim.Adam (operation for operation, so
/// the Swift Adam's documented formula): m = m + w1·(g − m), v = b2·v + w2·g·g,
/// p = p − step_size · m / (√v / bc2_sqrt + eps).
void fk_adam_step(float *p, const float *g, float *m, float *v, ptrdiff_t n, float w1, float b2, float w2,
                  float step_size, float bc2_sqrt, float eps);

/// Test hooks: the copy of the kernels for `variant` (0 baseline, 1 AVX2 + FMA, 2 AVX-512F) runs
/// fk_sigmoid and fk_tanh, fk_lstm_forward, fk_lstm_backward, fk_gru_forward or fk_gru_backward. Return 0, doing nothing, when this processor
/// cannot run that copy; else 1.
int fk_variant_activations(int variant, const float *x, float *sigmoid, float *tanh, ptrdiff_t n);
int fk_variant_lstm_forward(int variant, float *gates, const float *bias, const float *c_prev, float *c_out,
                            float *tanh_c, float *h_out, ptrdiff_t batch, ptrdiff_t hidden);
int fk_variant_lstm_backward(int variant, const float *gates, const float *c_prev, const float *tanh_c,
                             const float *dh, float *dc, float *d_gates, float *d_bias, ptrdiff_t batch,
                             ptrdiff_t hidden);
int fk_variant_gru_forward(int variant, float *gates, const float *gh, const float *bias_hn, float *hn,
                           const float *h_prev, float *h_out, ptrdiff_t batch, ptrdiff_t hidden);
int fk_variant_gru_backward(int variant, const float *gates, const float *hn, const float *h_prev, float *dh,
                            float *d_gates, float *d_gates_hidden, float *d_bias, float *d_bias_hn, ptrdiff_t batch,
                            ptrdiff_t hidden);

#ifdef __cplusplus
}
#endif
#endif
