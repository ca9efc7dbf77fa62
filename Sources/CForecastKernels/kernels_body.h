// The vector kernels, instantiated once per instruction set by kernels.c, which defines
//   FK_LANES   lanes per vector (16 for AVX-512, 8 for AVX2, 4 for SSE2),
//   FK_TARGET  the function attribute that enables the instruction set,
//   FK_NAME(x) the name of this instantiation's copy of x.
// Every lane evaluates the scalar formulas of kernels.c operation for operation.

typedef float FK_NAME(vf) __attribute__((vector_size(4 * FK_LANES)));
typedef int FK_NAME(vi) __attribute__((vector_size(4 * FK_LANES)));
typedef unsigned int FK_NAME(vu) __attribute__((vector_size(4 * FK_LANES)));
#define VF FK_NAME(vf)
#define VI FK_NAME(vi)
#define VU FK_NAME(vu)
#define V_INLINE static inline __attribute__((always_inline)) FK_TARGET

V_INLINE VF FK_NAME(load)(const float *p) { VF v; memcpy(&v, p, sizeof v); return v; }
V_INLINE void FK_NAME(store)(float *p, VF v) { memcpy(p, &v, sizeof v); }
V_INLINE VF FK_NAME(splat)(float x) { VF zero = {0}; return zero + x; }
/// Lanes of `b` where `mask` is set, else lanes of `a`.
V_INLINE VF FK_NAME(select)(VI mask, VF b, VF a) { return (VF)((mask & (VI)b) | (~mask & (VI)a)); }
#define LOAD FK_NAME(load)
#define STORE FK_NAME(store)
#define SPLAT FK_NAME(splat)
#define SELECT FK_NAME(select)

V_INLINE VF FK_NAME(exp2_clamped)(VF y) {
    VF v = SELECT(y > SPLAT(125.0f), SPLAT(125.0f), y);
    v = SELECT(v < SPLAT(-125.0f), SPLAT(-125.0f), v);
    const VF shifter = SPLAT(12583039.0f);
    VF t = v + shifter;
    VF f = v - (t - shifter);
    VF q = SPLAT(1.3264727e-3f);
    q = q * f + 9.671513e-3f;
    q = q * f + 5.5507336e-2f;
    q = q * f + 2.4022242e-1f;
    q = q * f + 6.93147004e-1f;
    return (q * f + 1.0f) * (VF)((VU)t << 23);
}

V_INLINE VF FK_NAME(exp_cephes)(VF x) {
    VF v = SELECT(x > SPLAT(88.3f), SPLAT(88.3f), x);
    v = SELECT(v < SPLAT(-87.3f), SPLAT(-87.3f), v);
    const VF shifter = SPLAT(12582912.0f);
    VF t = v * 1.4426950409f + shifter;
    VF n = t - shifter;
    VF r = (v - n * 0.693359375f) - n * -2.1219444e-4f;
    VF r2 = r * r;
    VF e0 = 5.0000001e-1f + 1.6666665e-1f * r;
    VF e1 = 4.1665796e-2f + 8.333452e-3f * r;
    VF e2 = 1.3981999e-3f + 1.9875691e-4f * r;
    VF q = e0 + r2 * (e1 + r2 * e2);
    VF p = (1.0f + r) + r2 * q;
    VI nbits = (VI)t - (VI)shifter;
    return p * (VF)((nbits + 127) << 23);
}

V_INLINE VF FK_NAME(sigmoid)(VF x) { return 1.0f / (1.0f + FK_NAME(exp2_clamped)(x * -1.4426950409f)); }

V_INLINE VF FK_NAME(tanh_fast)(VF x) {
    VF e = FK_NAME(exp2_clamped)(x * -2.8853900818f);
    return (1.0f - e) / (1.0f + e);
}

V_INLINE VF FK_NAME(tanh)(VF x) {
    VF z = x * x;
    VF p = SPLAT(-5.7049887e-3f);
    p = p * z + 2.0639089e-2f;
    p = p * z - 5.3739716e-2f;
    p = p * z + 1.3331442e-1f;
    p = p * z - 3.3333282e-1f;
    VF small = p * z * x + x;
    VF e = FK_NAME(exp_cephes)(2.0f * x);
    VF large = 1.0f - 2.0f / (e + 1.0f);
    return SELECT(z < SPLAT(0.390625f), small, large);
}

static FK_TARGET void FK_NAME(sigmoid_array)(const float *x, float *y, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + FK_LANES <= n; i += FK_LANES) STORE(y + i, FK_NAME(sigmoid)(LOAD(x + i)));
    for (; i < n; i++) y[i] = sigmoid1(x[i]);
}

static FK_TARGET void FK_NAME(tanh_array)(const float *x, float *y, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + FK_LANES <= n; i += FK_LANES) STORE(y + i, FK_NAME(tanh)(LOAD(x + i)));
    for (; i < n; i++) y[i] = tanh1(x[i]);
}

static FK_TARGET void FK_NAME(relu)(float *y, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + FK_LANES <= n; i += FK_LANES) {
        VF v = LOAD(y + i);
        STORE(y + i, SELECT(v < SPLAT(0.0f), SPLAT(0.0f), v));
    }
    for (; i < n; i++) y[i] = y[i] < 0.0f ? 0.0f : y[i];
}

static FK_TARGET void FK_NAME(relu_backward)(const float *y, const float *dy, float *dx, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + FK_LANES <= n; i += FK_LANES) {
        VF v = LOAD(y + i);
        STORE(dx + i, SELECT(v > SPLAT(0.0f), LOAD(dy + i), SPLAT(0.0f)));
    }
    for (; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

static FK_TARGET void FK_NAME(lstm_forward)(float *gates, const float *bias, const float *c_prev, float *c_out,
                                            float *tanh_c, float *h_out, ptrdiff_t batch, ptrdiff_t h) {
    for (ptrdiff_t b = 0; b < batch; b++) {
        float *ig = gates + b * 4 * h, *fg = ig + h, *gg = ig + 2 * h, *og = ig + 3 * h;
        const float *cp = c_prev + b * h;
        float *co = c_out + b * h, *tc = tanh_c + b * h, *ho = h_out + b * h;
        ptrdiff_t j = 0;
        // Two passes over the row: the gate activations (independent of each other), then the
        // cell update; within each pass the iterations are independent, so they overlap.
        for (ptrdiff_t k = 0; k + FK_LANES <= h; k += FK_LANES) {
            STORE(ig + k, FK_NAME(sigmoid)(LOAD(ig + k) + LOAD(bias + k)));
            STORE(fg + k, FK_NAME(sigmoid)(LOAD(fg + k) + LOAD(bias + h + k)));
            STORE(gg + k, FK_NAME(tanh_fast)(LOAD(gg + k) + LOAD(bias + 2 * h + k)));
            STORE(og + k, FK_NAME(sigmoid)(LOAD(og + k) + LOAD(bias + 3 * h + k)));
        }
        for (; j + FK_LANES <= h; j += FK_LANES) {
            VF i = LOAD(ig + j), f = LOAD(fg + j), g = LOAD(gg + j), o = LOAD(og + j);
            VF c = f * LOAD(cp + j) + i * g;
            VF t = FK_NAME(tanh_fast)(c);
            STORE(co + j, c); STORE(tc + j, t); STORE(ho + j, o * t);
        }
        for (; j < h; j++) lstm_forward1(ig + j, fg + j, gg + j, og + j, bias + j, h, cp[j], co + j, tc + j, ho + j);
    }
}

static FK_TARGET void FK_NAME(lstm_backward)(const float *gates, const float *c_prev, const float *tanh_c,
                                             const float *dh, float *dc, float *d_gates, ptrdiff_t batch, ptrdiff_t h) {
    for (ptrdiff_t b = 0; b < batch; b++) {
        const float *row = gates + b * 4 * h;
        float *d = d_gates + b * 4 * h;
        const float *tc = tanh_c + b * h, *cp = c_prev + b * h, *dhb = dh + b * h;
        float *dcb = dc + b * h;
        ptrdiff_t j = 0;
        for (; j + FK_LANES <= h; j += FK_LANES) {
            // Every load of a column group before its stores: d_gates may be gates.
            VF i = LOAD(row + j), f = LOAD(row + h + j), g = LOAD(row + 2 * h + j), o = LOAD(row + 3 * h + j);
            VF t = LOAD(tc + j), dhv = LOAD(dhb + j), c = LOAD(cp + j);
            VF dcv = LOAD(dcb + j) + dhv * o * (1.0f - t * t);
            STORE(d + j, dcv * g * i * (1.0f - i));
            STORE(d + h + j, dcv * c * f * (1.0f - f));
            STORE(d + 2 * h + j, dcv * i * (1.0f - g * g));
            STORE(d + 3 * h + j, dhv * t * o * (1.0f - o));
            STORE(dcb + j, dcv * f);
        }
        for (; j < h; j++) lstm_backward1(row, h, j, tc[j], dhb[j], cp[j], dcb + j, d);
    }
}

static FK_TARGET void FK_NAME(add_column_sums)(const float *m, ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t stride,
                                               float *sums) {
    ptrdiff_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *r0 = m + r * stride, *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride;
        ptrdiff_t j = 0;
        for (; j + FK_LANES <= columns; j += FK_LANES)
            STORE(sums + j, LOAD(sums + j) + LOAD(r0 + j) + LOAD(r1 + j) + LOAD(r2 + j) + LOAD(r3 + j));
        for (; j < columns; j++) sums[j] = sums[j] + r0[j] + r1[j] + r2[j] + r3[j];
    }
    for (; r < rows; r++) {
        const float *r0 = m + r * stride;
        ptrdiff_t j = 0;
        for (; j + FK_LANES <= columns; j += FK_LANES) STORE(sums + j, LOAD(sums + j) + LOAD(r0 + j));
        for (; j < columns; j++) sums[j] = sums[j] + r0[j];
    }
}

static const struct fk_table FK_NAME(table) = {
    FK_NAME(sigmoid_array), FK_NAME(tanh_array), FK_NAME(relu), FK_NAME(relu_backward), FK_NAME(lstm_forward),
    FK_NAME(lstm_backward), FK_NAME(add_column_sums),
};

#undef VF
#undef VI
#undef VU
#undef V_INLINE
#undef LOAD
#undef STORE
#undef SPLAT
#undef SELECT
