import CForecastKernels

/// The elementwise parts of one time step of each cell, forward and backward, over a (B, ·)
/// block of rows. Gate blocks are laid out per row as in PyTorch: RNN [a], GRU [r | z | n],
/// LSTM [i | f | g | o], each H wide.
///
/// The LSTM kernels and the column sums run in C for Float (CForecastKernels: 16-, 8- or 4-lane
/// copies per instruction set) and in the generic Swift below for Double (the gradient checks).
/// Both evaluate the same formulas in the same order; the golden tests against PyTorch check the
/// Float path, the finite-difference checks the Double path.
enum RecurrentKernels {
    /// h′ = act(pre). `pre` (B, H) holds W_ih x + b_ih + W_hh h + b_hh (the pre-activation).
    @inline(__always)
    static func rnnForward<S: NetworkScalar>(pre: UnsafeMutablePointer<S>, hOut: UnsafeMutablePointer<S>,
                                             batch: Int, hidden h: Int, relu: Bool) {
        let n = batch * h
        if relu {
            hOut.update(from: pre, count: n)
            S.reluVector(hOut, count: n)
        } else {
            S.tanhVector(pre, into: hOut, count: n)
        }
    }

    /// dPre = dh ⊙ act′, with act′ written through the output h (1 − h² for tanh, [h > 0] for ReLU).
    @inline(__always)
    static func rnnBackward<S: NetworkScalar>(h: UnsafePointer<S>, dh: UnsafePointer<S>, dPre: UnsafeMutablePointer<S>,
                                              batch: Int, hidden: Int, relu: Bool) {
        let n = batch * hidden
        if relu {
            S.reluBackward(output: h, gradient: dh, into: dPre, count: n)
        } else {
            for i in 0..<n { dPre[i] = dh[i] * (1 - h[i] * h[i]) }
        }
    }

    /// LSTM step. `gates` (B, 4H) holds W_ih x + W_hh h on entry (`bias` (4H) = b_ih + b_hh is
    /// added here, which spares writing it into every row before the input projection) and the
    /// activations i, f, g, o on exit; c′ = f ⊙ c + i ⊙ g goes to `cOut`, tanh(c′) to `tanhC`,
    /// h′ = o ⊙ tanh(c′) to `hOut`. In Float both tanh's are ``FastMath/tanhFast(_:)-(Float)``
    /// (absolute error below 2e-7; these values only enter products and sums with O(1) terms).
    @inline(__always)
    static func lstmForward<S: NetworkScalar>(gates: UnsafeMutablePointer<S>, bias: UnsafePointer<S>,
                                              cPrev: UnsafePointer<S>, cOut: UnsafeMutablePointer<S>,
                                              tanhC: UnsafeMutablePointer<S>, hOut: UnsafeMutablePointer<S>,
                                              batch: Int, hidden h: Int) {
        if S.self == Float.self {
            fk_lstm_forward(rebound(gates, to: Float.self), rebound(bias, to: Float.self),
                            rebound(cPrev, to: Float.self), rebound(cOut, to: Float.self),
                            rebound(tanhC, to: Float.self), rebound(hOut, to: Float.self), batch, h)
            return
        }
        for b in 0..<batch {
            let ig = gates + b * 4 * h, fg = ig + h, gg = ig + 2 * h, og = ig + 3 * h
            let cp = cPrev + b * h, co = cOut + b * h, tc = tanhC + b * h, ho = hOut + b * h
            for j in 0..<h {
                let i = sigmoid(ig[j] + bias[j]), f = sigmoid(fg[j] + bias[h + j])
                let g = S.tanh(gg[j] + bias[2 * h + j]), o = sigmoid(og[j] + bias[3 * h + j])
                ig[j] = i; fg[j] = f; gg[j] = g; og[j] = o
                let c = f * cp[j] + i * g
                let t = S.tanh(c)
                co[j] = c; tc[j] = t; ho[j] = o * t
            }
        }
    }

    @inline(__always)
    private static func sigmoid<S: NetworkScalar>(_ x: S) -> S { 1 / (1 + S.exp(-x)) }

    /// LSTM step backward. On entry `dh` is ∂L/∂h_t (all paths) and `dc` the ∂L/∂c_t carried from
    /// step t + 1; writes the pre-activation gradients to `dGates` (B, 4H) and leaves
    /// ∂L/∂c_{t−1} in `dc`, and adds the step's column sums of `dGates` to `dBias` (4H), rows in
    /// order (the bias gradient, while each row is still in L1). (∂L/∂h_{t−1} = dGates · W_hh
    /// is the caller's GEMM.) `dGates` may be `gates` itself: each column's activations are read
    /// before its gradients are written.
    @inline(__always)
    static func lstmBackward<S: NetworkScalar>(gates: UnsafePointer<S>, cPrev: UnsafePointer<S>, tanhC: UnsafePointer<S>,
                                               dh: UnsafePointer<S>, dc: UnsafeMutablePointer<S>,
                                               dGates: UnsafeMutablePointer<S>, dBias: UnsafeMutablePointer<S>,
                                               batch: Int, hidden h: Int) {
        if S.self == Float.self {
            fk_lstm_backward(rebound(gates, to: Float.self), rebound(cPrev, to: Float.self),
                             rebound(tanhC, to: Float.self), rebound(dh, to: Float.self),
                             rebound(dc, to: Float.self), rebound(dGates, to: Float.self),
                             rebound(dBias, to: Float.self), batch, h)
            return
        }
        for b in 0..<batch {
            let row = gates + b * 4 * h, d = dGates + b * 4 * h
            let tc = tanhC + b * h, cp = cPrev + b * h, dhb = dh + b * h, dcb = dc + b * h
            for j in 0..<h {
                let i = row[j], f = row[h + j], g = row[2 * h + j], o = row[3 * h + j]
                let t = tc[j], dhv = dhb[j]
                // ∂L/∂c_t over both paths (through h_t and from step t + 1).
                let dcv = dcb[j] + dhv * o * (1 - t * t)
                d[j] = dcv * g * i * (1 - i)
                d[h + j] = dcv * cp[j] * f * (1 - f)
                d[2 * h + j] = dcv * i * (1 - g * g)
                d[3 * h + j] = dhv * t * o * (1 - o)
                dcb[j] = dcv * f
            }
        }
        addColumnSums(UnsafePointer(dGates), rows: batch, columns: 4 * h, rowStride: 4 * h, into: dBias)
    }

    /// `out` (columns × rows) = `m`ᵀ, or `out` += `m`ᵀ when `accumulate`, for a row-major
    /// (rows × columns) `m`. Float32 in 8 × 8 register-transposed blocks (C kernel); the generic
    /// path writes one output row at a time (sequential stores, strided loads).
    static func transpose<S: NetworkScalar>(_ m: UnsafePointer<S>, rows: Int, columns: Int,
                                            into out: UnsafeMutablePointer<S>, accumulate: Bool) {
        if S.self == Float.self {
            fk_transpose(rebound(m, to: Float.self), rows, columns, rebound(out, to: Float.self), accumulate ? 1 : 0)
            return
        }
        for c in 0..<columns {
            let o = out + c * rows
            if accumulate {
                for r in 0..<rows { o[r] += m[r * columns + c] }
            } else {
                for r in 0..<rows { o[r] = m[r * columns + c] }
            }
        }
    }

    /// `sums[j] += Σ_r m[r·rowStride + j]` for j < `columns`, r < `rows`, rows added in order
    /// (four at a time per column, as the C kernel does). For the bias gradients, one time
    /// step's (B, G·H) block at a time while it is still in cache.
    @inline(__always)
    static func addColumnSums<S: NetworkScalar>(_ m: UnsafePointer<S>, rows: Int, columns: Int, rowStride: Int,
                                                into sums: UnsafeMutablePointer<S>) {
        if S.self == Float.self {
            fk_add_column_sums(rebound(m, to: Float.self), rows, columns, rowStride, rebound(sums, to: Float.self))
            return
        }
        var r = 0
        while r + 4 <= rows {
            let r0 = m + r * rowStride, r1 = r0 + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride
            for j in 0..<columns { sums[j] = sums[j] + r0[j] + r1[j] + r2[j] + r3[j] }
            r += 4
        }
        while r < rows {
            let r0 = m + r * rowStride
            for j in 0..<columns { sums[j] += r0[j] }
            r += 1
        }
    }

    /// GRU step. `gates` (B, 3H) holds W_ih x + b_ih (+ b_hh for r and z) on entry and r, z, n on
    /// exit; `hiddenProjection` (B, 3H) holds W_hh h_{t−1}; `biasHN` is b_hn. Stores
    /// W_hn h_{t−1} + b_hn in `hn` for the backward pass.
    @inline(__always)
    static func gruForward<S: NetworkScalar>(gates: UnsafeMutablePointer<S>, hiddenProjection: UnsafePointer<S>,
                                             biasHN: UnsafePointer<S>,
                                             hn: UnsafeMutablePointer<S>, hPrev: UnsafePointer<S>,
                                             hOut: UnsafeMutablePointer<S>, batch: Int, hidden h: Int) {
        let g3 = 3 * h
        for b in 0..<batch {
            let row = gates + b * g3
            let ghr = hiddenProjection + b * g3
            for j in 0..<(2 * h) { row[j] += ghr[j] }
            S.sigmoidVector(row, into: row, count: 2 * h)
            let hnb = hn + b * h
            let nRow = row + 2 * h, ghn = ghr + 2 * h
            for j in 0..<h { hnb[j] = ghn[j] + biasHN[j] }
            for j in 0..<h { nRow[j] += row[j] * hnb[j] }
            S.tanhVector(nRow, into: nRow, count: h)
            let zRow = row + h, hp = hPrev + b * h, ho = hOut + b * h
            for j in 0..<h {
                let n = nRow[j]
                ho[j] = n + zRow[j] * (hp[j] - n)
            }
        }
    }

    /// GRU step backward. On entry `dh` is ∂L/∂h_t; writes the input-side pre-activation
    /// gradients [da_r, da_z, da_n] to `dGates`, the hidden-side ones [da_r, da_z, da_n ⊙ r] to
    /// `dGatesHidden`, and replaces `dh` by the direct path dh ⊙ z (the caller adds
    /// dGatesHidden · W_hh to finish ∂L/∂h_{t−1}). One written array per loop (vectorisable).
    @inline(__always)
    static func gruBackward<S: NetworkScalar>(gates: UnsafePointer<S>, hn: UnsafePointer<S>, hPrev: UnsafePointer<S>,
                                              dh: UnsafeMutablePointer<S>, dGates: UnsafeMutablePointer<S>,
                                              dGatesHidden: UnsafeMutablePointer<S>, batch: Int, hidden h: Int) {
        let g3 = 3 * h
        for b in 0..<batch {
            let rg = gates + b * g3, zg = rg + h, ng = rg + 2 * h
            let dxr = dGates + b * g3, dxz = dxr + h, dxn = dxr + 2 * h
            let dhr = dGatesHidden + b * g3, dhn = dhr + 2 * h
            let hnb = hn + b * h, hp = hPrev + b * h, dhb = dh + b * h
            for j in 0..<h {
                let z = zg[j], n = ng[j]
                dxn[j] = dhb[j] * (1 - z) * (1 - n * n)
            }
            for j in 0..<h {
                let r = rg[j]
                dxr[j] = dxn[j] * hnb[j] * r * (1 - r)
            }
            for j in 0..<h {
                let z = zg[j]
                dxz[j] = dhb[j] * (hp[j] - ng[j]) * z * (1 - z)
            }
            for j in 0..<h { dhn[j] = dxn[j] * rg[j] }
            (dhr).update(from: dxr, count: 2 * h)
            for j in 0..<h { dhb[j] *= zg[j] }
        }
    }
}

/// The same memory viewed as scalars of type `T`: only called where `S == T` was checked.
@inline(__always)
func rebound<S, T>(_ p: UnsafeMutablePointer<S>, to _: T.Type) -> UnsafeMutablePointer<T> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: T.self)
}

@inline(__always)
func rebound<S, T>(_ p: UnsafePointer<S>, to _: T.Type) -> UnsafePointer<T> {
    UnsafeRawPointer(p).assumingMemoryBound(to: T.self)
}
