/// Namespace of the recurrent layers' elementwise step kernels.
enum RecurrentKernels {
    /// The Swift reference formulas of the ``NetworkScalar`` step kernels, generic over the
    /// scalar: `Double` runs them (the finite-difference gradient checks), `Float` runs C copies
    /// of them (CForecastKernels) that evaluate the same operations in the same order — no
    /// implicit contraction, a fused multiply-add only where one is written here — and so give
    /// the same bits (checked per copy by the tests).
    ///
    /// Gate blocks are laid out per row as in PyTorch: GRU [r | z | n], LSTM [i | f | g | o],
    /// each H wide; every buffer is row-major over the B rows of the batch.
    enum Reference {
        /// LSTM step, see ``NetworkScalar/lstmStepForward(gates:bias:cPrev:cOut:tanhC:hOut:batch:hidden:)``.
        /// gates: (B, 4H); bias: (4H); cPrev, cOut, tanhC, hOut: (B, H).
        static func lstmForward<S: NetworkScalar>(gates: UnsafeMutablePointer<S>, bias: UnsafePointer<S>,
                                                  cPrev: UnsafePointer<S>, cOut: UnsafeMutablePointer<S>,
                                                  tanhC: UnsafeMutablePointer<S>, hOut: UnsafeMutablePointer<S>,
                                                  batch: Int, hidden h: Int) {
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

        /// LSTM step backward, see ``NetworkScalar/lstmStepBackward(gates:cPrev:tanhC:dh:dc:dGates:dBias:batch:hidden:)``.
        /// gates, dGates: (B, 4H) (may be the same buffer); dBias: (4H); the rest (B, H).
        static func lstmBackward<S: NetworkScalar>(gates: UnsafePointer<S>, cPrev: UnsafePointer<S>,
                                                   tanhC: UnsafePointer<S>, dh: UnsafePointer<S>,
                                                   dc: UnsafeMutablePointer<S>, dGates: UnsafeMutablePointer<S>,
                                                   dBias: UnsafeMutablePointer<S>, batch: Int, hidden h: Int) {
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

        /// GRU step, see ``NetworkScalar/gruStepForward(gates:hiddenProjection:biasHN:hn:hPrev:hOut:batch:hidden:)``.
        /// gates, hiddenProjection: (B, 3H); biasHN: (H); hn, hPrev, hOut: (B, H).
        static func gruForward<S: NetworkScalar>(gates: UnsafeMutablePointer<S>, hiddenProjection: UnsafePointer<S>,
                                                 biasHN: UnsafePointer<S>, hn: UnsafeMutablePointer<S>,
                                                 hPrev: UnsafePointer<S>, hOut: UnsafeMutablePointer<S>,
                                                 batch: Int, hidden h: Int) {
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

        /// GRU step backward, see
        /// ``NetworkScalar/gruStepBackward(gates:hn:hPrev:dh:dGates:dGatesHidden:dBias:dBiasHN:batch:hidden:)``.
        /// gates, dGates, dGatesHidden: (B, 3H); dBias: (3H); dBiasHN: (H); hn, hPrev, dh: (B, H).
        static func gruBackward<S: NetworkScalar>(gates: UnsafePointer<S>, hn: UnsafePointer<S>, hPrev: UnsafePointer<S>,
                                                  dh: UnsafeMutablePointer<S>, dGates: UnsafeMutablePointer<S>,
                                                  dGatesHidden: UnsafeMutablePointer<S>, dBias: UnsafeMutablePointer<S>,
                                                  dBiasHN: UnsafeMutablePointer<S>, batch: Int, hidden h: Int) {
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
                dhr.update(from: dxr, count: 2 * h)
                for j in 0..<h { dhb[j] *= zg[j] }
            }
            addColumnSums(UnsafePointer(dGates), rows: batch, columns: g3, rowStride: g3, into: dBias)
            addColumnSums(UnsafePointer(dGatesHidden + 2 * h), rows: batch, columns: h, rowStride: g3, into: dBiasHN)
        }

        /// `sums[j] += Σ_r m[r·rowStride + j]`, rows added in order (four per pass, the sum still
        /// left to right). m: (rows, rowStride); sums: (columns).
        static func addColumnSums<S: NetworkScalar>(_ m: UnsafePointer<S>, rows: Int, columns: Int, rowStride: Int,
                                                    into sums: UnsafeMutablePointer<S>) {
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

        /// out (columns, rows) = mᵀ (or += mᵀ) for m (rows, columns): one output row at a time.
        static func transpose<S: NetworkScalar>(_ m: UnsafePointer<S>, rows: Int, columns: Int,
                                                into out: UnsafeMutablePointer<S>, accumulate: Bool) {
            for c in 0..<columns {
                let o = out + c * rows
                if accumulate {
                    for r in 0..<rows { o[r] += m[r * columns + c] }
                } else {
                    for r in 0..<rows { o[r] = m[r * columns + c] }
                }
            }
        }
    }
}
