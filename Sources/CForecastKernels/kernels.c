// Float32 kernels of the recurrent layers' hot loops (activations, LSTM and GRU steps, Adam). See forecast_kernels.h.
//
// kernels_body.h is compiled three times, for AVX-512F (16 lanes), AVX2 + FMA (8) and baseline
// x86-64 SSE2 (4), and the first call picks the widest copy the processor runs. The formulas are
// FastMath's (Swift), operation for operation: floating-point contraction is off, and the fused
// multiply-adds of the polynomials are written out (fmaf here, an elementwise fma in the vector
// copies, `addingProduct` in Swift), so every copy — and the Swift scalar code — produces the
// same bits. (The baseline copy's fma is libm's, slower but exact.) Columns past the last full
// vector take the scalar formulas.
#include "forecast_kernels.h"

#include <dlfcn.h>
#include <string.h>

#pragma clang fp contract(off)

#define FK_SCALAR static inline __attribute__((always_inline))

// --- scalar formulas (FastMath.exp2Clamped, .exp, .sigmoid, .tanhFast, .tanh) ---

FK_SCALAR float bits_to_float(unsigned int u) { float f; memcpy(&f, &u, sizeof f); return f; }
FK_SCALAR unsigned int float_to_bits(float f) { unsigned int u; memcpy(&u, &f, sizeof u); return u; }
/// a·b + c rounded once.
FK_SCALAR float fma1(float a, float b, float c) { return __builtin_fmaf(a, b, c); }

/// 2^y for y clamped to [-125, 125]: 2^n · 2^f with n = round(y) read from the mantissa of
/// y + 1.5·2²³ + 127, 2^f a degree-5 polynomial.
FK_SCALAR float exp2_clamped1(float y) {
    float v = y > 125.0f ? 125.0f : y;
    v = v < -125.0f ? -125.0f : v;
    const float shifter = 12583039.0f;
    float t = v + shifter;
    float f = v - (t - shifter);
    float q = 1.3264727e-3f;
    q = fma1(q, f, 9.671513e-3f);
    q = fma1(q, f, 5.5507336e-2f);
    q = fma1(q, f, 2.4022242e-1f);
    q = fma1(q, f, 6.93147004e-1f);
    return fma1(q, f, 1.0f) * bits_to_float(float_to_bits(t) << 23);
}

/// Cephes expf: Cody–Waite reduction, minimax polynomial; inputs clamped to [-87.3, 88.3].
FK_SCALAR float exp_cephes1(float x) {
    float v = x > 88.3f ? 88.3f : x;
    v = v < -87.3f ? -87.3f : v;
    const float shifter = 12582912.0f;
    float t = fma1(v, 1.4426950409f, shifter);
    float n = t - shifter;
    float r = fma1(n, 2.1219444e-4f, fma1(n, -0.693359375f, v));
    float r2 = r * r;
    float e0 = fma1(1.6666665e-1f, r, 5.0000001e-1f);
    float e1 = fma1(8.333452e-3f, r, 4.1665796e-2f);
    float e2 = fma1(1.9875691e-4f, r, 1.3981999e-3f);
    float q = fma1(r2, fma1(r2, e2, e1), e0);
    float p = fma1(r2, q, 1.0f + r);
    int nbits = (int)(float_to_bits(t) - float_to_bits(shifter));
    return p * bits_to_float((unsigned int)(nbits + 127) << 23);
}

FK_SCALAR float sigmoid1(float x) { return 1.0f / (1.0f + exp2_clamped1(x * -1.4426950409f)); }

FK_SCALAR float tanh_fast1(float x) {
    float e = exp2_clamped1(x * -2.8853900818f);
    return (1.0f - e) / (1.0f + e);
}

/// Cephes tanhf's odd polynomial below |x| = 0.625, 1 − 2/(e^{2x} + 1) above.
FK_SCALAR float tanh1(float x) {
    float z = x * x;
    float p = -5.7049887e-3f;
    p = fma1(p, z, 2.0639089e-2f);
    p = fma1(p, z, -5.3739716e-2f);
    p = fma1(p, z, 1.3331442e-1f);
    p = fma1(p, z, -3.3333282e-1f);
    float small = fma1(p * z, x, x);
    float e = exp_cephes1(2.0f * x);
    float large = 1.0f - 2.0f / (e + 1.0f);
    return z < 0.390625f ? small : large;
}

FK_SCALAR void lstm_forward1(float *ig, float *fg, float *gg, float *og, const float *bias, ptrdiff_t h, float cp,
                              float *co, float *tc, float *ho) {
    float i = sigmoid1(*ig + bias[0]), f = sigmoid1(*fg + bias[h]);
    float g = tanh_fast1(*gg + bias[2 * h]), o = sigmoid1(*og + bias[3 * h]);
    *ig = i; *fg = f; *gg = g; *og = o;
    float c = fma1(f, cp, i * g);
    float t = tanh_fast1(c);
    *co = c; *tc = t; *ho = o * t;
}

FK_SCALAR void lstm_backward1(const float *row, ptrdiff_t h, ptrdiff_t j, float t, float dhv, float c, float *dc,
                              float *d) {
    float i = row[j], f = row[h + j], g = row[2 * h + j], o = row[3 * h + j];
    float dcv = *dc + dhv * o * (1.0f - t * t);
    d[j] = dcv * g * i * (1.0f - i);
    d[h + j] = dcv * c * f * (1.0f - f);
    d[2 * h + j] = dcv * i * (1.0f - g * g);
    d[3 * h + j] = dhv * t * o * (1.0f - o);
    *dc = dcv * f;
}

FK_SCALAR void adam_step1(float *p, float gi, float *m, float *v, float w1, float b2, float w2, float step_size,
                          float bc2_sqrt, float eps) {
    float mi = *m + w1 * (gi - *m);
    float vi = b2 * *v + w2 * gi * gi;
    *m = mi;
    *v = vi;
    *p = *p - step_size * (mi / (__builtin_sqrtf(vi) / bc2_sqrt + eps));
}

struct fk_table {
    void (*sigmoid)(const float *, float *, ptrdiff_t);
    void (*tanh)(const float *, float *, ptrdiff_t);
    void (*relu)(float *, ptrdiff_t);
    void (*relu_backward)(const float *, const float *, float *, ptrdiff_t);
    void (*lstm_forward)(float *, const float *, const float *, float *, float *, float *, ptrdiff_t, ptrdiff_t);
    void (*lstm_backward)(const float *, const float *, const float *, const float *, float *, float *, float *,
                          ptrdiff_t, ptrdiff_t);
    void (*add_column_sums)(const float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, float *);
    void (*transpose)(const float *, ptrdiff_t, ptrdiff_t, float *, int);
    void (*adam_step)(float *, const float *, float *, float *, ptrdiff_t, float, float, float, float, float, float);
    void (*gru_forward)(float *, const float *, const float *, float *, const float *, float *, ptrdiff_t, ptrdiff_t);
    void (*gru_backward)(const float *, const float *, const float *, float *, float *, float *, float *, float *,
                         ptrdiff_t, ptrdiff_t);
};

#define FK_CAT2(a, b) a##_##b
#define FK_CAT(a, b) FK_CAT2(a, b)

#if defined(__x86_64__) && defined(__clang__)
#define FK_X86 1
#define FK_LANES 16
#define FK_TARGET __attribute__((target("avx512f")))
#define FK_NAME(x) FK_CAT(x, avx512)
#include "kernels_body.h"
#undef FK_LANES
#undef FK_TARGET
#undef FK_NAME

#define FK_LANES 8
#define FK_TARGET __attribute__((target("avx2,fma")))
#define FK_NAME(x) FK_CAT(x, avx2)
#include "kernels_body.h"
#undef FK_LANES
#undef FK_TARGET
#undef FK_NAME
#endif

#define FK_LANES 4
#define FK_TARGET
#define FK_NAME(x) FK_CAT(x, base)
#include "kernels_body.h"
#undef FK_LANES
#undef FK_TARGET
#undef FK_NAME

/// The copy for `variant` (0 baseline, 1 AVX2 + FMA, 2 AVX-512F), or NULL when this processor
/// cannot run it.
static const struct fk_table *variant_table(int variant) {
    if (variant == 0) return &table_base;
#ifdef FK_X86
    __builtin_cpu_init();
    if (variant == 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &table_avx2;
    if (variant == 2 && __builtin_cpu_supports("avx512f")) return &table_avx512;
#endif
    return 0;
}

int fk_cpu_has_avx512(void) { return variant_table(2) != 0; }

/// The widest copy this processor runs; chosen once (racing first calls pick the same one).
static const struct fk_table *table(void) {
    static const struct fk_table *chosen;
    const struct fk_table *t = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
    if (t) return t;
    for (int variant = 2; !t; variant--) t = variant_table(variant);
    __atomic_store_n(&chosen, t, __ATOMIC_RELEASE);
    return t;
}

int fk_variant_activations(int variant, const float *x, float *sigmoid, float *tanh, ptrdiff_t n) {
    const struct fk_table *t = variant_table(variant);
    if (!t) return 0;
    t->sigmoid(x, sigmoid, n);
    t->tanh(x, tanh, n);
    return 1;
}

int fk_variant_lstm_forward(int variant, float *gates, const float *bias, const float *c_prev, float *c_out,
                            float *tanh_c, float *h_out, ptrdiff_t batch, ptrdiff_t hidden) {
    const struct fk_table *t = variant_table(variant);
    if (!t) return 0;
    t->lstm_forward(gates, bias, c_prev, c_out, tanh_c, h_out, batch, hidden);
    return 1;
}

int fk_variant_lstm_backward(int variant, const float *gates, const float *c_prev, const float *tanh_c,
                             const float *dh, float *dc, float *d_gates, float *d_bias, ptrdiff_t batch,
                             ptrdiff_t hidden) {
    const struct fk_table *t = variant_table(variant);
    if (!t) return 0;
    t->lstm_backward(gates, c_prev, tanh_c, dh, dc, d_gates, d_bias, batch, hidden);
    return 1;
}

int fk_variant_gru_forward(int variant, float *gates, const float *gh, const float *bias_hn, float *hn,
                           const float *h_prev, float *h_out, ptrdiff_t batch, ptrdiff_t hidden) {
    const struct fk_table *t = variant_table(variant);
    if (!t) return 0;
    t->gru_forward(gates, gh, bias_hn, hn, h_prev, h_out, batch, hidden);
    return 1;
}

int fk_variant_gru_backward(int variant, const float *gates, const float *hn, const float *h_prev, float *dh,
                            float *d_gates, float *d_gates_hidden, float *d_bias, float *d_bias_hn, ptrdiff_t batch,
                            ptrdiff_t hidden) {
    const struct fk_table *t = variant_table(variant);
    if (!t) return 0;
    t->gru_backward(gates, hn, h_prev, dh, d_gates, d_gates_hidden, d_bias, d_bias_hn, batch, hidden);
    return 1;
}

void fk_single_openmp_thread(void) {
    static __thread int done;
    if (done) return;
    done = 1;
    // oneDNN runs on the OpenMP runtime it was built with, where a thread outside any parallel
    // region gets a team as large as the machine. Looked up at run time so this library does
    // not link an OpenMP runtime itself.
    void (*set_threads)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (set_threads) set_threads(1);
}

void fk_sigmoid(const float *x, float *y, ptrdiff_t n) { table()->sigmoid(x, y, n); }
void fk_tanh(const float *x, float *y, ptrdiff_t n) { table()->tanh(x, y, n); }
void fk_relu(float *y, ptrdiff_t n) { table()->relu(y, n); }
void fk_relu_backward(const float *y, const float *dy, float *dx, ptrdiff_t n) { table()->relu_backward(y, dy, dx, n); }

void fk_lstm_forward(float *gates, const float *bias, const float *c_prev, float *c_out, float *tanh_c, float *h_out,
                     ptrdiff_t batch, ptrdiff_t hidden) {
    table()->lstm_forward(gates, bias, c_prev, c_out, tanh_c, h_out, batch, hidden);
}

void fk_lstm_backward(const float *gates, const float *c_prev, const float *tanh_c, const float *dh, float *dc,
                      float *d_gates, float *d_bias, ptrdiff_t batch, ptrdiff_t hidden) {
    table()->lstm_backward(gates, c_prev, tanh_c, dh, dc, d_gates, d_bias, batch, hidden);
}

void fk_gru_forward(float *gates, const float *gh, const float *bias_hn, float *hn, const float *h_prev, float *h_out,
                    ptrdiff_t batch, ptrdiff_t hidden) {
    table()->gru_forward(gates, gh, bias_hn, hn, h_prev, h_out, batch, hidden);
}

void fk_gru_backward(const float *gates, const float *hn, const float *h_prev, float *dh, float *d_gates,
                     float *d_gates_hidden, float *d_bias, float *d_bias_hn, ptrdiff_t batch, ptrdiff_t hidden) {
    table()->gru_backward(gates, hn, h_prev, dh, d_gates, d_gates_hidden, d_bias, d_bias_hn, batch, hidden);
}

void fk_add_column_sums(const float *m, ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t stride, float *sums) {
    table()->add_column_sums(m, rows, columns, stride, sums);
}

void fk_transpose(const float *m, ptrdiff_t rows, ptrdiff_t columns, float *out, int accumulate) {
    table()->transpose(m, rows, columns, out, accumulate);
}

void fk_adam_step(float *p, const float *g, float *m, float *v, ptrdiff_t n, float w1, float b2, float w2,
                  float step_size, float bc2_sqrt, float eps) {
    table()->adam_step(p, g, m, v, n, w1, b2, w2, step_size, bc2_sqrt, eps);
}
