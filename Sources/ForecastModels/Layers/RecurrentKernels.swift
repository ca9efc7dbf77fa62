/// The elementwise parts of one time step of each cell, forward and backward, over a (B, ·)
/// block of rows. Gate blocks are laid out per row as in PyTorch: RNN [a], GRU [r | z | n],
/// LSTM [i | f | g | o], each H wide. Generic so Float64 gradient checks run this very code;
/// called from concrete contexts so release builds specialise it for Float.
enum RecurrentKernels {
    /// h′ = act(pre + bias). `pre` (B, H) holds W_ih x + W_hh h; it is left with the pre-activation.
    @inline(__always)
    static func rnnForward<S: NetworkScalar>(pre: UnsafeMutablePointer<S>, bias: UnsafePointer<S>,
                                             hOut: UnsafeMutablePointer<S>, batch: Int, hidden h: Int, relu: Bool) {
        for b in 0..<batch {
            let row = pre + b * h
            for j in 0..<h { row[j] += bias[j] }
        }
        let n = batch * h
        if relu {
            for i in 0..<n { hOut[i] = pre[i] > 0 ? pre[i] : 0 }
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
            for i in 0..<n { dPre[i] = h[i] > 0 ? dh[i] : 0 }
        } else {
            for i in 0..<n { dPre[i] = dh[i] * (1 - h[i] * h[i]) }
        }
    }

    /// LSTM step. `gates` (B, 4H) holds W_ih x + W_hh h on entry and the activations i, f, g, o on
    /// exit; c′ = f ⊙ c + i ⊙ g goes to `cOut`, tanh(c′) to `tanhC`, h′ = o ⊙ tanh(c′) to `hOut`.
    /// `bias` (4H) is b_ih + b_hh; `gateScale` (4H) is 1 for i, f, o and 2 for g: all four gates
    /// go through one sigmoid pass over the whole block and g = tanh(a) = 2σ(2a) − 1.
    @inline(__always)
    static func lstmForward<S: NetworkScalar>(gates: UnsafeMutablePointer<S>, bias: UnsafePointer<S>,
                                              gateScale: UnsafePointer<S>,
                                              cPrev: UnsafePointer<S>, cOut: UnsafeMutablePointer<S>,
                                              tanhC: UnsafeMutablePointer<S>, hOut: UnsafeMutablePointer<S>,
                                              batch: Int, hidden h: Int) {
        let g4 = 4 * h
        for b in 0..<batch {
            let row = gates + b * g4
            for j in 0..<g4 { row[j] = (row[j] + bias[j]) * gateScale[j] }
        }
        S.sigmoidVector(gates, into: gates, count: batch * g4)
        for b in 0..<batch {
            let row = gates + b * g4
            let cp = cPrev + b * h
            let co = cOut + b * h
            let ig = row, fg = row + h, gg = row + 2 * h
            for j in 0..<h { gg[j] = 2 * gg[j] - 1 }
            for j in 0..<h { co[j] = fg[j] * cp[j] + ig[j] * gg[j] }
        }
        S.tanhVector(cOut, into: tanhC, count: batch * h)
        for b in 0..<batch {
            let og = gates + b * g4 + 3 * h
            let tc = tanhC + b * h
            let ho = hOut + b * h
            for j in 0..<h { ho[j] = og[j] * tc[j] }
        }
    }

    /// LSTM step backward. On entry `dh` is ∂L/∂h_t (all paths) and `dc` the ∂L/∂c_t carried from
    /// step t + 1; writes the pre-activation gradients to `dGates` (B, 4H) and leaves
    /// ∂L/∂c_{t−1} in `dc`. (∂L/∂h_{t−1} = dGates · W_hh is the caller's GEMM.)
    /// Each loop writes one array so the compiler can vectorise it (few aliasing checks).
    @inline(__always)
    static func lstmBackward<S: NetworkScalar>(gates: UnsafePointer<S>, cPrev: UnsafePointer<S>, tanhC: UnsafePointer<S>,
                                               dh: UnsafePointer<S>, dc: UnsafeMutablePointer<S>,
                                               dGates: UnsafeMutablePointer<S>, batch: Int, hidden h: Int) {
        let g4 = 4 * h
        for b in 0..<batch {
            // Row pointers hoisted out of the loops: index arithmetic inside them would carry
            // overflow checks that block vectorisation.
            let ig = gates + b * g4, fg = ig + h, gg = ig + 2 * h, og = ig + 3 * h
            let di = dGates + b * g4, df = di + h, dg = di + 2 * h, dO = di + 3 * h
            let tc = tanhC + b * h, cp = cPrev + b * h
            let dhb = dh + b * h, dcb = dc + b * h
            // ∂L/∂c_t over both paths (through h_t and from step t + 1).
            for j in 0..<h {
                let t = tc[j]
                dcb[j] += dhb[j] * og[j] * (1 - t * t)
            }
            for j in 0..<h {
                let i = ig[j], g = gg[j]
                di[j] = dcb[j] * g * i * (1 - i)
            }
            for j in 0..<h {
                let f = fg[j]
                df[j] = dcb[j] * cp[j] * f * (1 - f)
            }
            for j in 0..<h {
                let i = ig[j], g = gg[j]
                dg[j] = dcb[j] * i * (1 - g * g)
            }
            for j in 0..<h {
                let o = og[j]
                dO[j] = dhb[j] * tc[j] * o * (1 - o)
            }
            for j in 0..<h { dcb[j] *= fg[j] }
        }
    }

    /// GRU step. `gates` (B, 3H) holds W_ih x on entry and r, z, n on exit; `hiddenProjection`
    /// (B, 3H) holds W_hh h_{t−1}; `bias` is b_ih + b_hh for r, z and b_in for n; `biasHN` is
    /// b_hn. Stores W_hn h_{t−1} + b_hn in `hn` for the backward pass.
    @inline(__always)
    static func gruForward<S: NetworkScalar>(gates: UnsafeMutablePointer<S>, hiddenProjection: UnsafePointer<S>,
                                             bias: UnsafePointer<S>, biasHN: UnsafePointer<S>,
                                             hn: UnsafeMutablePointer<S>, hPrev: UnsafePointer<S>,
                                             hOut: UnsafeMutablePointer<S>, batch: Int, hidden h: Int) {
        let g3 = 3 * h
        for b in 0..<batch {
            let row = gates + b * g3
            let ghr = hiddenProjection + b * g3
            for j in 0..<(2 * h) { row[j] += ghr[j] + bias[j] }
            S.sigmoidVector(row, into: row, count: 2 * h)
            let hnb = hn + b * h
            let nRow = row + 2 * h, ghn = ghr + 2 * h, bn = bias + 2 * h
            for j in 0..<h { hnb[j] = ghn[j] + biasHN[j] }
            for j in 0..<h { nRow[j] += bn[j] + row[j] * hnb[j] }
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
