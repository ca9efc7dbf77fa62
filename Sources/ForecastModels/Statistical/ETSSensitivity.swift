import Foundation

/// The Jacobian of an ETS model's innovations eₜ with respect to the optimiser's vector
/// (α, β?, γ?, φ?, initial level, slope?, seasonal states s₋₁ … s₋₍ₘ₋₁₎; `ETS.Layout`), by
/// forward sensitivity: the derivative of each state with respect to every coordinate is carried
/// through the filter beside the state itself (tangent-linear, or forward-mode, differentiation of
/// the recursion; Griewank & Walther, "Evaluating Derivatives", 2nd ed. 2008, ch. 3). Differentiating
/// the recursion of `ETSRecursion`,
///
///     ∂base = ∂ℓ + φ·∂b + b·∂φ                         (∂ℓ without a trend)
///     ∂ŷ    = ∂base + ∂s   or   s·∂base + base·∂s
///     ∂e    = −∂ŷ          or   −y/ŷ²·∂ŷ               (additive / multiplicative error)
///     ∂p    = −∂s          or   −y/s²·∂s               (p the deseasonalised observation)
///     ∂ℓ'   = ∂base + α·(∂p − ∂base) + (p − base)·∂α
///     ∂b'   = φ·∂b + b·∂φ + β·(∂p − ∂base) + (p − base)·∂β
///     ∂s'   = ∂s + γ·(−∂base − ∂s) + ((y − base) − s)·∂γ           (additive season)
///           = ∂s + γ·(−y/base²·∂base − ∂s) + (y/base − s)·∂γ       (multiplicative season)
///
/// where ∂α, ∂β, ∂γ, ∂φ are unit vectors, and the start derivatives are unit vectors too, except
/// the closing seasonal state's (the normalisation fixes it): −1 along every seasonal coordinate.
/// One pass costs O(n·k) for k coordinates and replaces
/// the k passes of a forward-difference Jacobian with exact derivatives; the k lanes of a step are
/// independent, so the pass is not bound by the latency of the filter's single dependency chain.
///
/// Where the filter guards a division (|s|, |base| or |ŷ| below `ETSRecursion.tiny`), the guarded
/// value is a constant and its derivative zero, as the filter computes it.
struct ETSSensitivity {
    let recursion: ETSRecursion
    /// Coordinates of the optimiser's vector; the smoothing parameters' indices are −1 when absent.
    let count: Int
    let alphaIndex: Int, betaIndex: Int, gammaIndex: Int, phiIndex: Int
    let levelIndex: Int, slopeIndex: Int, seasonOffset: Int

    init(recursion: ETSRecursion, layout: ETS.Layout) {
        self.recursion = recursion
        alphaIndex = 0
        betaIndex = layout.betaIndex ?? -1
        gammaIndex = layout.gammaIndex ?? -1
        phiIndex = layout.phiIndex ?? -1
        levelIndex = layout.stateOffset
        slopeIndex = layout.slopeIndex ?? -1
        seasonOffset = layout.seasonOffset
        count = layout.count
    }

    /// Scratch for `innovationJacobian`: (m + 7 + n)·k values for k coordinates, season length m
    /// and n observations.
    static func workspaceSize(coordinates k: Int, seasonLength m: Int, count n: Int) -> Int { (m + 7 + n) * k }

    /// Writes ∂eₜ/∂xⱼ for t < y.count into `columns[j·y.count + t]` (column-major, k columns) and
    /// eₜ into `innovations`, filtering from `level`, `slope` and the seasonal `ring` (filled as
    /// for `ETSRecursion`'s pass, slot 0 the closing state; consumed). When `logForecastGradient`
    /// is given, it receives Σₜ ∂log|ŷₜ|/∂xⱼ (k values), which the multiplicative-error criterion
    /// needs. `workspace` holds `workspaceSize` values. O(n·k).
    func innovationJacobian(_ y: UnsafeBufferPointer<Double>, level: Double, slope: Double,
                            ring: UnsafeMutableBufferPointer<Double>, columns: UnsafeMutablePointer<Double>,
                            innovations: UnsafeMutablePointer<Double>,
                            logForecastGradient: UnsafeMutablePointer<Double>?,
                            workspace: UnsafeMutablePointer<Double>) {
        switch (recursion.additiveError, recursion.hasTrend, recursion.seasonKind) {
        // Without a season k ≤ 5 (α, β, φ, level, slope): all lanes in one SIMD vector, of 2 lanes
        // without a trend, 4 with an undamped and 8 with a damped one.
        case (true, false, .none): passWithoutSeason(y, level, slope, columns, innovations, logForecastGradient, additiveError: true, trend: false, lanes: SIMD2<Double>.self)
        case (true, true, .none):
            if phiIndex < 0 {
                passWithoutSeason(y, level, slope, columns, innovations, logForecastGradient, additiveError: true, trend: true, lanes: SIMD4<Double>.self)
            } else {
                passWithoutSeason(y, level, slope, columns, innovations, logForecastGradient, additiveError: true, trend: true, lanes: SIMD8<Double>.self)
            }
        case (true, false, .additive): pass(y, level, slope, ring, columns, innovations, logForecastGradient, workspace, additiveError: true, trend: false, season: .additive)
        case (true, true, .additive): pass(y, level, slope, ring, columns, innovations, logForecastGradient, workspace, additiveError: true, trend: true, season: .additive)
        case (true, false, .multiplicative): pass(y, level, slope, ring, columns, innovations, logForecastGradient, workspace, additiveError: true, trend: false, season: .multiplicative)
        case (true, true, .multiplicative): pass(y, level, slope, ring, columns, innovations, logForecastGradient, workspace, additiveError: true, trend: true, season: .multiplicative)
        case (false, false, .none): passWithoutSeason(y, level, slope, columns, innovations, logForecastGradient, additiveError: false, trend: false, lanes: SIMD2<Double>.self)
        case (false, true, .none):
            if phiIndex < 0 {
                passWithoutSeason(y, level, slope, columns, innovations, logForecastGradient, additiveError: false, trend: true, lanes: SIMD4<Double>.self)
            } else {
                passWithoutSeason(y, level, slope, columns, innovations, logForecastGradient, additiveError: false, trend: true, lanes: SIMD8<Double>.self)
            }
        case (false, false, .additive): pass(y, level, slope, ring, columns, innovations, logForecastGradient, workspace, additiveError: false, trend: false, season: .additive)
        case (false, true, .additive): pass(y, level, slope, ring, columns, innovations, logForecastGradient, workspace, additiveError: false, trend: true, season: .additive)
        case (false, false, .multiplicative): pass(y, level, slope, ring, columns, innovations, logForecastGradient, workspace, additiveError: false, trend: false, season: .multiplicative)
        case (false, true, .multiplicative): pass(y, level, slope, ring, columns, innovations, logForecastGradient, workspace, additiveError: false, trend: true, season: .multiplicative)
        }
    }

    /// The pass of a non-seasonal shape, the k ≤ 5 derivatives of each state in one SIMD vector
    /// of at least k lanes; the explicit partials (∂α, ∂β, ∂φ) are added as unit vectors, so no
    /// step touches a single lane except to write the Jacobian's row.
    @inline(__always)
    private func passWithoutSeason<Lanes: SIMD>(_ y: UnsafeBufferPointer<Double>, _ startLevel: Double, _ startSlope: Double,
                                                _ columns: UnsafeMutablePointer<Double>, _ innovations: UnsafeMutablePointer<Double>,
                                                _ logGradient: UnsafeMutablePointer<Double>?,
                                                additiveError: Bool, trend: Bool, lanes: Lanes.Type) where Lanes.Scalar == Double {
        let k = count
        let n = y.count
        let (alpha, beta, phi) = (recursion.alpha, recursion.beta, recursion.phi)
        func unit(_ index: Int) -> Lanes {
            var v = Lanes()
            if index >= 0 { v[index] = 1 }
            return v
        }
        let alphaUnit = unit(alphaIndex), betaUnit = unit(betaIndex), phiUnit = unit(phiIndex)
        var dLevel = unit(levelIndex)
        var dSlope = trend ? unit(slopeIndex) : Lanes()
        var logSum = Lanes()
        var level = startLevel
        var slope = trend ? startSlope : 0
        for t in 0..<n {
            let value = y[t]
            let base = trend ? level + phi * slope : level
            let dBase = trend ? dLevel + phi * dSlope + slope * phiUnit : dLevel
            let e: Double
            let dInnovation: Lanes
            if additiveError {
                e = value - base
                dInnovation = -dBase
            } else {
                let d = abs(base) < ETSRecursion.tiny ? base + ETSRecursion.tiny : base
                e = (value - base) / d
                dInnovation = (-(d + value - base) / (d * d)) * dBase
                logSum += (1 / base) * dBase
            }
            innovations[t] = e
            for c in 0..<k { columns[c * n + t] = dInnovation[c] }
            let correction = value - base
            dLevel = dBase - alpha * dBase + correction * alphaUnit
            if trend {
                dSlope = phi * dSlope + slope * phiUnit - beta * dBase + correction * betaUnit
                slope = phi * slope + beta * correction
            }
            level = base + alpha * correction
        }
        if let logGradient { for c in 0..<k { logGradient[c] = logSum[c] } }
    }

    /// One seasonal shape's pass, inlined with constant flags (as `ETSRecursion`'s filter). Each
    /// step runs one loop over the k lanes that carries every derivative forward, with the explicit
    /// partials added through 0/1 unit rows, so the loop has no branch and vectorises; the
    /// Jacobian's rows go to a row-major scratch, transposed into `columns` at the end.
    @inline(__always)
    private func pass(_ y: UnsafeBufferPointer<Double>, _ startLevel: Double, _ startSlope: Double,
                      _ ring: UnsafeMutableBufferPointer<Double>, _ columns: UnsafeMutablePointer<Double>,
                      _ innovations: UnsafeMutablePointer<Double>, _ logGradient: UnsafeMutablePointer<Double>?,
                      _ workspace: UnsafeMutablePointer<Double>,
                      additiveError: Bool, trend: Bool, season: ETSSpec.SeasonKind) {
        let k = count
        let n = y.count
        let m = recursion.seasonLength
        let (alpha, beta, gamma, phi) = (recursion.alpha, recursion.beta, recursion.gamma, recursion.phi)
        let tiny = ETSRecursion.tiny
        // Workspace: ∂ring (m rows of k), ∂ℓ, ∂b, Σ∂log|ŷ|, the unit rows of α, β, γ, φ, then the
        // n rows of the Jacobian.
        workspace.initialize(repeating: 0, count: Self.workspaceSize(coordinates: k, seasonLength: m, count: n))
        let dRing = workspace
        let dLevel = workspace + m * k
        let dSlope = dLevel + k
        let logSum = dSlope + k
        let alphaUnit = logSum + k, betaUnit = alphaUnit + k, gammaUnit = betaUnit + k, phiUnit = gammaUnit + k
        let rows = phiUnit + k
        alphaUnit[alphaIndex] = 1
        if betaIndex >= 0 { betaUnit[betaIndex] = 1 }
        gammaUnit[gammaIndex] = 1
        if phiIndex >= 0 { phiUnit[phiIndex] = 1 }
        dLevel[levelIndex] = 1
        if trend { dSlope[slopeIndex] = 1 }
        // Ring slot j ≥ 1 holds s₋₍ₘ₋₁₋ⱼ₎ = x[seasonOffset + m − 1 − j]; slot 0 is the closing
        // state, the normalisation constant minus the sum of the others.
        for j in 1..<m { dRing[j * k + seasonOffset + m - 1 - j] = 1 }
        for c in seasonOffset..<(seasonOffset + m - 1) { dRing[c] = -1 }
        var level = startLevel
        var slope = trend ? startSlope : 0
        var slot = 0
        for t in 0..<n {
            let value = y[t]
            let base = trend ? level + phi * slope : level
            let s = ring[slot]
            let f = season == .additive ? base + s : base * s
            // e = y − ŷ, or (y − ŷ)/d with d = ŷ (moved off zero by `tiny`): ∂e = −∂ŷ·(d + y − ŷ)/d².
            let e: Double
            let innovationScale: Double
            if additiveError {
                e = value - f
                innovationScale = -1
            } else {
                let d = abs(f) < tiny ? f + tiny : f
                e = (value - f) / d
                innovationScale = -(d + value - f) / (d * d)
            }
            innovations[t] = e
            let inverseForecast = additiveError ? 0 : 1 / f
            // p, ∂p = pScale·∂s; the seasonal target and ∂target = targetScale·∂base (− ∂s).
            let p: Double, pScale: Double, target: Double, targetScale: Double
            if season == .additive {
                p = value - s
                pScale = -1
                target = (value - base) - s
                targetScale = -1
            } else {
                let sGuarded = abs(s) < tiny
                p = sGuarded ? ETSRecursion.huge : value / s
                pScale = sGuarded ? 0 : -value / (s * s)
                let baseGuarded = abs(base) < tiny
                target = (baseGuarded ? ETSRecursion.huge : value / base) - s
                targetScale = baseGuarded ? 0 : -value / (base * base)
            }
            let correction = p - base
            let dSeason = dRing + slot * k
            let row = rows + t * k
            for c in 0..<k {
                let dBase = trend ? dLevel[c] + phi * dSlope[c] + slope * phiUnit[c] : dLevel[c]
                let ds = dSeason[c]
                let dForecast = season == .additive ? dBase + ds : s * dBase + base * ds
                row[c] = innovationScale * dForecast
                if !additiveError { logSum[c] += dForecast * inverseForecast }
                let dCorrection = pScale * ds - dBase
                dSeason[c] = ds + gamma * (targetScale * dBase - ds) + target * gammaUnit[c]
                dLevel[c] = dBase + alpha * dCorrection + correction * alphaUnit[c]
                if trend { dSlope[c] = phi * dSlope[c] + slope * phiUnit[c] + beta * dCorrection + correction * betaUnit[c] }
            }
            ring[slot] = s + gamma * target
            level = base + alpha * correction
            if trend { slope = phi * slope + beta * correction }
            slot += 1
            if slot == m { slot = 0 }
        }
        for c in 0..<k {
            let column = columns + c * n
            for t in 0..<n { column[t] = rows[t * k + c] }
        }
        if let logGradient { for c in 0..<k { logGradient[c] = logSum[c] } }
    }
}
