/// The elementwise parts of one time step of each cell, forward and backward, over a (B, ·)
/// block of rows. Gate blocks are laid out per row as in PyTorch: RNN [a], GRU [r | z | n],
/// LSTM [i | f | g | o], each H wide. Generic so Float64 gradient checks run this very code;
/// called from concrete contexts so release builds specialise it for Float.
enum RecurrentKernels {
    /// h′ = act(pre). `pre` (B, H) holds W_ih x + b_ih + W_hh h + b_hh (the pre-activation).
    @inline(__always)
    static func rnnForward<S: NetworkScalar>(pre: UnsafeMutablePointer<S>, hOut: UnsafeMutablePointer<S>,
                                             batch: Int, hidden h: Int, relu: Bool) {
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

    /// LSTM step. `gates` (B, 4H) holds the pre-activations W_ih x + b_ih + W_hh h + b_hh on entry
    /// and the activations i, f, g, o on exit; c′ = f ⊙ c + i ⊙ g goes to `cOut`, tanh(c′) to
    /// `tanhC`, h′ = o ⊙ tanh(c′) to `hOut`. In Float both tanh's are ``FastMath/tanhFast(_:)-(Float)``
    /// (absolute error below 2e-7; these values only enter products and sums with O(1) terms).
    ///
    /// Row by row, in two passes that stay in L1: first the four gate activations of the row,
    /// then the cell update. Each pass's iterations are independent, so the processor overlaps
    /// their long polynomial chains (one fused pass would chain σ → c′ → tanh(c′) per column and
    /// run latency-bound).
    @inline(__always)
    static func lstmForward<S: NetworkScalar>(gates: UnsafeMutablePointer<S>, cPrev: UnsafePointer<S>, cOut: UnsafeMutablePointer<S>,
                                              tanhC: UnsafeMutablePointer<S>, hOut: UnsafeMutablePointer<S>,
                                              batch: Int, hidden h: Int) {
        if S.self == Float.self {
            lstmForwardRows(FloatLanes.self, Float.self, gates: rebound(gates, to: Float.self),
                            cPrev: rebound(cPrev, to: Float.self),
                            cOut: rebound(cOut, to: Float.self), tanhC: rebound(tanhC, to: Float.self),
                            hOut: rebound(hOut, to: Float.self), batch: batch, hidden: h)
        } else {
            precondition(S.self == Double.self, "recurrent kernels support Float and Double")
            lstmForwardRows(Double.self, Double.self, gates: rebound(gates, to: Double.self),
                            cPrev: rebound(cPrev, to: Double.self),
                            cOut: rebound(cOut, to: Double.self), tanhC: rebound(tanhC, to: Double.self),
                            hOut: rebound(hOut, to: Double.self), batch: batch, hidden: h)
        }
    }

    /// Lane type of the Float kernels' main loops: vectors in release builds, plain Float in debug
    /// builds (unoptimised SIMD code is slow there). Same results either way.
    #if DEBUG
    typealias FloatLanes = Float
    #else
    typealias FloatLanes = SIMD8<Float>
    #endif

    /// ``lstmForward`` on `V`-wide groups of columns, the last (count mod `V.laneCount`) ones as `W`.
    @inline(__always)
    static func lstmForwardRows<V: KernelLanes, W: KernelLanes>(
        _: V.Type, _: W.Type, gates: UnsafeMutablePointer<W.Scalar>,
        cPrev: UnsafePointer<W.Scalar>, cOut: UnsafeMutablePointer<W.Scalar>, tanhC: UnsafeMutablePointer<W.Scalar>,
        hOut: UnsafeMutablePointer<W.Scalar>, batch: Int, hidden h: Int
    ) where V.Scalar == W.Scalar {
        for b in 0..<batch {
            let row = gates + b * 4 * h
            let cp = cPrev + b * h, co = cOut + b * h, tc = tanhC + b * h, ho = hOut + b * h
            // Gate activations: σ for i, f (columns 0..<2H) and o (3H..<4H), tanh for g.
            var j = 0
            while j + V.laneCount <= 2 * h { lstmGateColumns(V.self, row: row, column: j, tanh: false); j += V.laneCount }
            while j < 2 * h { lstmGateColumns(W.self, row: row, column: j, tanh: false); j += 1 }
            while j + V.laneCount <= 3 * h { lstmGateColumns(V.self, row: row, column: j, tanh: true); j += V.laneCount }
            while j < 3 * h { lstmGateColumns(W.self, row: row, column: j, tanh: true); j += 1 }
            while j + V.laneCount <= 4 * h { lstmGateColumns(V.self, row: row, column: j, tanh: false); j += V.laneCount }
            while j < 4 * h { lstmGateColumns(W.self, row: row, column: j, tanh: false); j += 1 }
            // Cell update.
            j = 0
            while j + V.laneCount <= h {
                lstmCellColumns(V.self, row: row, cPrev: cp, cOut: co, tanhC: tc, hOut: ho, hidden: h, column: j)
                j += V.laneCount
            }
            while j < h {
                lstmCellColumns(W.self, row: row, cPrev: cp, cOut: co, tanhC: tc, hOut: ho, hidden: h, column: j)
                j += 1
            }
        }
    }

    /// Activation of the `V.laneCount` gate pre-activations at `j`, in place: σ(a), or tanh(a)
    /// for the g block.
    @inline(__always)
    static func lstmGateColumns<V: KernelLanes>(_: V.Type, row: UnsafeMutablePointer<V.Scalar>, column j: Int,
                                                tanh: Bool) {
        let a = V(loading: row + j)
        (tanh ? V.kernelTanh(a) : V.kernelSigmoid(a)).store(to: row + j)
    }

    /// c′ = f ⊙ c + i ⊙ g, tanh(c′) and h′ = o ⊙ tanh(c′) for the `V.laneCount`
    /// columns at `j`, from the activated gate row.
    @inline(__always)
    static func lstmCellColumns<V: KernelLanes>(_: V.Type, row: UnsafePointer<V.Scalar>, cPrev: UnsafePointer<V.Scalar>,
                                                cOut: UnsafeMutablePointer<V.Scalar>,
                                                tanhC: UnsafeMutablePointer<V.Scalar>,
                                                hOut: UnsafeMutablePointer<V.Scalar>, hidden h: Int, column j: Int) {
        let i = V(loading: row + j), f = V(loading: row + h + j)
        let g = V(loading: row + 2 * h + j), o = V(loading: row + 3 * h + j)
        let c = f * V(loading: cPrev + j) + i * g
        let t = V.kernelTanh(c)
        c.store(to: cOut + j)
        t.store(to: tanhC + j)
        (o * t).store(to: hOut + j)
    }

    /// LSTM step backward. On entry `dh` is ∂L/∂h_t (all paths) and `dc` the ∂L/∂c_t carried from
    /// step t + 1; writes the pre-activation gradients to `dGates` (B, 4H) and leaves
    /// ∂L/∂c_{t−1} in `dc`. (∂L/∂h_{t−1} = dGates · W_hh is the caller's GEMM.) One pass: each
    /// column's inputs are read once. `dGates` may be `gates` itself (each column's activations
    /// are read before its gradients are written).
    @inline(__always)
    static func lstmBackward<S: NetworkScalar>(gates: UnsafePointer<S>, cPrev: UnsafePointer<S>, tanhC: UnsafePointer<S>,
                                               dh: UnsafePointer<S>, dc: UnsafeMutablePointer<S>,
                                               dGates: UnsafeMutablePointer<S>, batch: Int, hidden h: Int) {
        if S.self == Float.self {
            lstmBackwardRows(FloatLanes.self, Float.self, gates: rebound(gates, to: Float.self),
                             cPrev: rebound(cPrev, to: Float.self), tanhC: rebound(tanhC, to: Float.self),
                             dh: rebound(dh, to: Float.self), dc: rebound(dc, to: Float.self),
                             dGates: rebound(dGates, to: Float.self), batch: batch, hidden: h)
        } else {
            precondition(S.self == Double.self, "recurrent kernels support Float and Double")
            lstmBackwardRows(Double.self, Double.self, gates: rebound(gates, to: Double.self),
                             cPrev: rebound(cPrev, to: Double.self), tanhC: rebound(tanhC, to: Double.self),
                             dh: rebound(dh, to: Double.self), dc: rebound(dc, to: Double.self),
                             dGates: rebound(dGates, to: Double.self), batch: batch, hidden: h)
        }
    }

    /// ``lstmBackward`` with `V`-wide groups of columns, the last H mod `V.laneCount` ones as `W`.
    @inline(__always)
    static func lstmBackwardRows<V: KernelLanes, W: KernelLanes>(
        _: V.Type, _: W.Type, gates: UnsafePointer<W.Scalar>, cPrev: UnsafePointer<W.Scalar>,
        tanhC: UnsafePointer<W.Scalar>, dh: UnsafePointer<W.Scalar>, dc: UnsafeMutablePointer<W.Scalar>,
        dGates: UnsafeMutablePointer<W.Scalar>, batch: Int, hidden h: Int
    ) where V.Scalar == W.Scalar {
        for b in 0..<batch {
            let row = gates + b * 4 * h, dRow = dGates + b * 4 * h
            let tc = tanhC + b * h, cp = cPrev + b * h, dhb = dh + b * h, dcb = dc + b * h
            var j = 0
            while j + V.laneCount <= h {
                lstmBackwardColumns(V.self, row: row, cPrev: cp, tanhC: tc, dh: dhb, dc: dcb, dRow: dRow,
                                    hidden: h, column: j)
                j += V.laneCount
            }
            while j < h {
                lstmBackwardColumns(W.self, row: row, cPrev: cp, tanhC: tc, dh: dhb, dc: dcb, dRow: dRow,
                                    hidden: h, column: j)
                j += 1
            }
        }
    }

    /// ``lstmBackward`` for the `V.laneCount` columns starting at `j` of one row.
    @inline(__always)
    static func lstmBackwardColumns<V: KernelLanes>(_: V.Type, row: UnsafePointer<V.Scalar>, cPrev: UnsafePointer<V.Scalar>,
                                                    tanhC: UnsafePointer<V.Scalar>, dh: UnsafePointer<V.Scalar>,
                                                    dc: UnsafeMutablePointer<V.Scalar>,
                                                    dRow: UnsafeMutablePointer<V.Scalar>, hidden h: Int, column j: Int) {
        let one = V(repeating: 1)
        let i = V(loading: row + j), f = V(loading: row + h + j)
        let g = V(loading: row + 2 * h + j), o = V(loading: row + 3 * h + j)
        let t = V(loading: tanhC + j), dhv = V(loading: dh + j)
        // ∂L/∂c_t over both paths (through h_t and from step t + 1).
        let dcv = V(loading: dc + j) + dhv * o * (one - t * t)
        (dcv * g * i * (one - i)).store(to: dRow + j)
        (dcv * V(loading: cPrev + j) * f * (one - f)).store(to: dRow + h + j)
        (dcv * i * (one - g * g)).store(to: dRow + 2 * h + j)
        (dhv * t * o * (one - o)).store(to: dRow + 3 * h + j)
        (dcv * f).store(to: dc + j)
    }

    /// `sums[j] += Σ_r m[r·rowStride + j]` for j < `columns`, r < `rows`, rows added in order
    /// (four at a time per register block, same sums as one row at a time). For the bias
    /// gradients, one time step's (B, G·H) block at a time while it is still in cache.
    @inline(__always)
    static func addColumnSums<S: NetworkScalar>(_ m: UnsafePointer<S>, rows: Int, columns: Int, rowStride: Int,
                                                into sums: UnsafeMutablePointer<S>) {
        if S.self == Float.self {
            columnSums(FloatLanes.self, Float.self, rebound(m, to: Float.self), rows: rows, columns: columns,
                       rowStride: rowStride, into: rebound(sums, to: Float.self))
        } else {
            precondition(S.self == Double.self, "recurrent kernels support Float and Double")
            columnSums(Double.self, Double.self, rebound(m, to: Double.self), rows: rows, columns: columns,
                       rowStride: rowStride, into: rebound(sums, to: Double.self))
        }
    }

    @inline(__always)
    static func columnSums<V: KernelLanes, W: KernelLanes>(_: V.Type, _: W.Type, _ m: UnsafePointer<W.Scalar>, rows: Int,
                                                           columns: Int, rowStride: Int,
                                                           into sums: UnsafeMutablePointer<W.Scalar>)
    where V.Scalar == W.Scalar {
        var r = 0
        while r + 4 <= rows {
            let r0 = m + r * rowStride, r1 = r0 + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride
            var j = 0
            while j + V.laneCount <= columns {
                let a = V(loading: sums + j) + V(loading: r0 + j) + V(loading: r1 + j) + V(loading: r2 + j) + V(loading: r3 + j)
                a.store(to: sums + j)
                j += V.laneCount
            }
            while j < columns {
                let a = W(loading: sums + j) + W(loading: r0 + j) + W(loading: r1 + j) + W(loading: r2 + j) + W(loading: r3 + j)
                a.store(to: sums + j)
                j += 1
            }
            r += 4
        }
        while r < rows {
            let r0 = m + r * rowStride
            var j = 0
            while j + V.laneCount <= columns {
                (V(loading: sums + j) + V(loading: r0 + j)).store(to: sums + j)
                j += V.laneCount
            }
            while j < columns {
                (W(loading: sums + j) + W(loading: r0 + j)).store(to: sums + j)
                j += 1
            }
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
