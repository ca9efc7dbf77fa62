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
/// a·b + c rounded once, per lane.
V_INLINE VF FK_NAME(fma)(VF a, VF b, VF c) { return __builtin_elementwise_fma(a, b, c); }
#define LOAD FK_NAME(load)
#define STORE FK_NAME(store)
#define SPLAT FK_NAME(splat)
#define SELECT FK_NAME(select)
#define FMA FK_NAME(fma)

V_INLINE VF FK_NAME(exp2_clamped)(VF y) {
    VF v = SELECT(y > SPLAT(125.0f), SPLAT(125.0f), y);
    v = SELECT(v < SPLAT(-125.0f), SPLAT(-125.0f), v);
    const VF shifter = SPLAT(12583039.0f);
    VF t = v + shifter;
    VF f = v - (t - shifter);
    VF q = SPLAT(1.3264727e-3f);
    q = FMA(q, f, SPLAT(9.671513e-3f));
    q = FMA(q, f, SPLAT(5.5507336e-2f));
    q = FMA(q, f, SPLAT(2.4022242e-1f));
    q = FMA(q, f, SPLAT(6.93147004e-1f));
    return FMA(q, f, SPLAT(1.0f)) * (VF)((VU)t << 23);
}

V_INLINE VF FK_NAME(exp_cephes)(VF x) {
    VF v = SELECT(x > SPLAT(88.3f), SPLAT(88.3f), x);
    v = SELECT(v < SPLAT(-87.3f), SPLAT(-87.3f), v);
    const VF shifter = SPLAT(12582912.0f);
    VF t = FMA(v, SPLAT(1.4426950409f), shifter);
    VF n = t - shifter;
    VF r = FMA(n, SPLAT(2.1219444e-4f), FMA(n, SPLAT(-0.693359375f), v));
    VF r2 = r * r;
    VF e0 = FMA(SPLAT(1.6666665e-1f), r, SPLAT(5.0000001e-1f));
    VF e1 = FMA(SPLAT(8.333452e-3f), r, SPLAT(4.1665796e-2f));
    VF e2 = FMA(SPLAT(1.9875691e-4f), r, SPLAT(1.3981999e-3f));
    VF q = FMA(r2, FMA(r2, e2, e1), e0);
    VF p = FMA(r2, q, 1.0f + r);
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
    p = FMA(p, z, SPLAT(2.0639089e-2f));
    p = FMA(p, z, SPLAT(-5.3739716e-2f));
    p = FMA(p, z, SPLAT(1.3331442e-1f));
    p = FMA(p, z, SPLAT(-3.3333282e-1f));
    VF small = FMA(p * z, x, x);
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
            VF c = FMA(f, LOAD(cp + j), i * g);
            VF t = FK_NAME(tanh_fast)(c);
            STORE(co + j, c); STORE(tc + j, t); STORE(ho + j, o * t);
        }
        for (; j < h; j++) lstm_forward1(ig + j, fg + j, gg + j, og + j, bias + j, h, cp[j], co + j, tc + j, ho + j);
    }
}

static FK_TARGET void FK_NAME(lstm_backward)(const float *gates, const float *c_prev, const float *tanh_c,
                                             const float *dh, float *dc, float *d_gates, float *d_bias,
                                             ptrdiff_t batch, ptrdiff_t h) {
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
        // The bias gradient: this row's pre-activation gradients, still in L1, added in row order.
        ptrdiff_t k = 0;
        for (; k + FK_LANES <= 4 * h; k += FK_LANES) STORE(d_bias + k, LOAD(d_bias + k) + LOAD(d + k));
        for (; k < 4 * h; k++) d_bias[k] = d_bias[k] + d[k];
    }
}

/// GRU step forward over one (B, 3H) gate block [r | z | n]: the same operations, in the same
/// order, as the Swift reference (RecurrentKernels.Reference.gruForward) with FastMath's sigmoid
/// and tanh: r, z = σ(gates + gh); hn = gh_n + b_hn; n = tanh(gates_n + r·hn) (a product, then a
/// sum); h' = n + z·(h − n).
static FK_TARGET void FK_NAME(gru_forward)(float *gates, const float *gh, const float *bias_hn, float *hn,
                                           const float *h_prev, float *h_out, ptrdiff_t batch, ptrdiff_t h) {
    for (ptrdiff_t b = 0; b < batch; b++) {
        float *row = gates + b * 3 * h, *nrow = row + 2 * h;
        const float *ghr = gh + b * 3 * h, *ghn = ghr + 2 * h, *zrow = row + h;
        const float *hp = h_prev + b * h;
        float *hnb = hn + b * h, *ho = h_out + b * h;
        ptrdiff_t k = 0;
        for (; k + FK_LANES <= 2 * h; k += FK_LANES) STORE(row + k, FK_NAME(sigmoid)(LOAD(row + k) + LOAD(ghr + k)));
        for (; k < 2 * h; k++) row[k] = sigmoid1(row[k] + ghr[k]);
        ptrdiff_t j = 0;
        for (; j + FK_LANES <= h; j += FK_LANES) {
            VF hnv = LOAD(ghn + j) + LOAD(bias_hn + j);
            STORE(hnb + j, hnv);
            VF n = FK_NAME(tanh)(LOAD(nrow + j) + LOAD(row + j) * hnv);
            STORE(nrow + j, n);
            STORE(ho + j, n + LOAD(zrow + j) * (LOAD(hp + j) - n));
        }
        for (; j < h; j++) {
            float hnv = ghn[j] + bias_hn[j];
            hnb[j] = hnv;
            float n = tanh1(nrow[j] + row[j] * hnv);
            nrow[j] = n;
            ho[j] = n + zrow[j] * (hp[j] - n);
        }
    }
}

/// GRU step backward: dh = dL/dh_t on entry, dh ⊙ z (the direct path to h_{t-1}) on exit;
/// d_gates (B, 3H) = [da_r, da_z, da_n], d_gates_hidden (B, 3H) = [da_r, da_z, da_n ⊙ r]; adds
/// each row of d_gates to d_bias (3H) and of the n block of d_gates_hidden to d_bias_hn (H), rows
/// in order. Same operations and order as RecurrentKernels.Reference.gruBackward.
static FK_TARGET void FK_NAME(gru_backward)(const float *gates, const float *hn, const float *h_prev, float *dh,
                                            float *d_gates, float *d_gates_hidden, float *d_bias, float *d_bias_hn,
                                            ptrdiff_t batch, ptrdiff_t h) {
    for (ptrdiff_t b = 0; b < batch; b++) {
        const float *rg = gates + b * 3 * h, *zg = rg + h, *ng = rg + 2 * h;
        const float *hnb = hn + b * h, *hp = h_prev + b * h;
        float *d = d_gates + b * 3 * h, *dgh = d_gates_hidden + b * 3 * h, *dhb = dh + b * h;
        ptrdiff_t j = 0;
        for (; j + FK_LANES <= h; j += FK_LANES) {
            VF r = LOAD(rg + j), z = LOAD(zg + j), n = LOAD(ng + j), dhv = LOAD(dhb + j);
            VF dxn = dhv * (1.0f - z) * (1.0f - n * n);
            VF dxr = dxn * LOAD(hnb + j) * r * (1.0f - r);
            VF dxz = dhv * (LOAD(hp + j) - n) * z * (1.0f - z);
            STORE(d + j, dxr); STORE(d + h + j, dxz); STORE(d + 2 * h + j, dxn);
            STORE(dgh + j, dxr); STORE(dgh + h + j, dxz); STORE(dgh + 2 * h + j, dxn * r);
            STORE(dhb + j, dhv * z);
        }
        for (; j < h; j++) {
            float r = rg[j], z = zg[j], n = ng[j], dhv = dhb[j];
            float dxn = dhv * (1.0f - z) * (1.0f - n * n);
            float dxr = dxn * hnb[j] * r * (1.0f - r);
            float dxz = dhv * (hp[j] - n) * z * (1.0f - z);
            d[j] = dxr; d[h + j] = dxz; d[2 * h + j] = dxn;
            dgh[j] = dxr; dgh[h + j] = dxz; dgh[2 * h + j] = dxn * r;
            dhb[j] = dhv * z;
        }
        // The bias gradients: this row's gradients, still in L1, added in row order.
        ptrdiff_t k = 0;
        for (; k + FK_LANES <= 3 * h; k += FK_LANES) STORE(d_bias + k, LOAD(d_bias + k) + LOAD(d + k));
        for (; k < 3 * h; k++) d_bias[k] = d_bias[k] + d[k];
        const float *dn = dgh + 2 * h;
        for (k = 0; k + FK_LANES <= h; k += FK_LANES) STORE(d_bias_hn + k, LOAD(d_bias_hn + k) + LOAD(dn + k));
        for (; k < h; k++) d_bias_hn[k] = d_bias_hn[k] + dn[k];
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

static FK_TARGET void FK_NAME(adam_step)(float *p, const float *g, float *m, float *v, ptrdiff_t n, float w1, float b2,
                                         float w2, float step_size, float bc2_sqrt, float eps) {
    ptrdiff_t i = 0;
    for (; i + FK_LANES <= n; i += FK_LANES) {
        VF gi = LOAD(g + i), m_old = LOAD(m + i);
        VF mi = m_old + w1 * (gi - m_old);
        VF vi = b2 * LOAD(v + i) + w2 * gi * gi;
        STORE(m + i, mi);
        STORE(v + i, vi);
        STORE(p + i, LOAD(p + i) - step_size * (mi / (__builtin_elementwise_sqrt(vi) / bc2_sqrt + eps)));
    }
    for (; i < n; i++) adam_step1(p + i, g[i], m + i, v + i, w1, b2, w2, step_size, bc2_sqrt, eps);
}

typedef float FK_NAME(v8f) __attribute__((vector_size(32)));

/// 8 × 8 block of out = mᵀ (or out += mᵀ): rows of m loaded as vectors, transposed in registers
/// by three rounds of two-input shuffles, stored as rows of out.
V_INLINE void FK_NAME(transpose8)(const float *m, ptrdiff_t ldm, float *out, ptrdiff_t ldo, int accumulate) {
    typedef FK_NAME(v8f) V8;
    V8 r[8], t[8], u[8];
    for (int i = 0; i < 8; i++) memcpy(&r[i], m + i * ldm, sizeof(V8));
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = __builtin_shufflevector(t[i], t[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 1] = __builtin_shufflevector(t[i], t[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        u[i + 2] = __builtin_shufflevector(t[i + 1], t[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        u[i + 3] = __builtin_shufflevector(t[i + 1], t[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    // u[0..3] hold columns 0–3 (low half) and 4–7 (high half) of rows 0–3; u[4..7] of rows 4–7.
    for (int c = 0; c < 4; c++) {
        V8 lo = __builtin_shufflevector(u[c], u[c + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        V8 hi = __builtin_shufflevector(u[c], u[c + 4], 4, 5, 6, 7, 12, 13, 14, 15);
        float *o0 = out + c * ldo, *o1 = out + (c + 4) * ldo;
        if (accumulate) {
            V8 a, b;
            memcpy(&a, o0, sizeof a);
            memcpy(&b, o1, sizeof b);
            lo = a + lo;
            hi = b + hi;
        }
        memcpy(o0, &lo, sizeof lo);
        memcpy(o1, &hi, sizeof hi);
    }
}

static FK_TARGET void FK_NAME(transpose)(const float *m, ptrdiff_t rows, ptrdiff_t columns, float *out,
                                         int accumulate) {
    ptrdiff_t r8 = rows - rows % 8, c8 = columns - columns % 8;
    // Column panels of m (row panels of out) outermost, so each panel of out, 8 × rows floats,
    // is written while it stays in L1.
    for (ptrdiff_t c = 0; c < c8; c += 8)
        for (ptrdiff_t r = 0; r < r8; r += 8)
            FK_NAME(transpose8)(m + r * columns + c, columns, out + c * rows + r, rows, accumulate);
    for (ptrdiff_t c = 0; c < columns; c++) {
        ptrdiff_t r0 = c < c8 ? r8 : 0;
        for (ptrdiff_t r = r0; r < rows; r++) {
            float v = m[r * columns + c];
            out[c * rows + r] = accumulate ? out[c * rows + r] + v : v;
        }
    }
}

static const struct fk_table FK_NAME(table) = {
    FK_NAME(sigmoid_array), FK_NAME(tanh_array), FK_NAME(relu), FK_NAME(relu_backward), FK_NAME(lstm_forward),
    FK_NAME(lstm_backward), FK_NAME(add_column_sums), FK_NAME(transpose),
    FK_NAME(adam_step), FK_NAME(gru_forward), FK_NAME(gru_backward),
};

#undef VF
#undef VI
#undef VU
#undef V_INLINE
#undef LOAD
#undef STORE
#undef SPLAT
#undef SELECT
#undef FMA
