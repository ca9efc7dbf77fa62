import ForecastWorkflow
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the terminal knows of a running fit, folded from ``FitProgress`` events. The lines shown
/// are pure functions of it (no clock, no terminal), so they are tested as values.
struct FitProgressState: Equatable {
    enum Phase: Equatable { case waiting, running, finished }

    struct Model: Equatable {
        var plan: FitProgress.PlannedModel
        var phase: Phase = .waiting
        /// Epochs finished, their summed wall time, and the last one.
        var epochs = 0
        var epochSeconds = 0.0
        var firstEpochSeconds = 0.0
        var last: FitProgress.EpochProgress? = nil
        var end: FitProgress.ModelEnd? = nil

        /// The epochs that measure the steady pace, and their wall time: all but the first once
        /// there are two, since the first also pays one-time costs (allocating workspaces,
        /// first touches of memory) and can overstate the rest.
        var steady: (epochs: Int, seconds: Double) {
            epochs >= 2 ? (epochs - 1, epochSeconds - firstEpochSeconds) : (epochs, epochSeconds)
        }
    }

    var models: [Model] = []
    /// Models that train at once (the fit's worker threads).
    var workers: Int

    init(workers: Int) { self.workers = max(1, workers) }

    mutating func apply(_ event: FitProgress) {
        switch event {
        case .plan(let plan):
            models = plan.map { Model(plan: $0) }
        case .started(let i) where models.indices.contains(i):
            models[i].phase = .running
        case .epoch(let i, let e) where models.indices.contains(i):
            models[i].phase = .running
            models[i].epochs = e.epoch
            models[i].epochSeconds += e.seconds
            if e.epoch == 1 { models[i].firstEpochSeconds = e.seconds }
            models[i].last = e
        case .finished(let i, let end) where models.indices.contains(i):
            models[i].phase = .finished
            models[i].end = end
        default:
            break  // an index outside the plan: nothing to show
        }
    }

    var finishedCount: Int { models.filter { $0.phase == .finished }.count }

    // MARK: - Time left

    /// Seconds until every model has finished (an upper bound when early stopping may end
    /// training sooner): each network's remaining epochs, up to its cap, times its epoch time,
    /// scheduled as the fit does (`workers` models at once, the next waiting model taking the
    /// first free worker). A network's epoch time is its own mean (``Model/steady``) once it has
    /// run an epoch; before that, ``estimatedEpochSeconds(work:)`` of its work per sample. Nil
    /// while nothing is measured, or while a statistical model (whose fit time is not known
    /// ahead) is still to come. O(models · workers).
    var secondsLeft: Double? {
        func remaining(_ m: Model) -> Double? {
            guard let cap = m.plan.maxEpochs else { return nil }  // a statistical fit: unknown
            let perEpoch = m.epochs > 0 ? m.steady.seconds / Double(m.steady.epochs)
                : m.plan.workPerSample.flatMap { estimatedEpochSeconds(work: $0) }
            return perEpoch.map { Double(max(0, cap - m.epochs)) * $0 }
        }
        // Free times of the workers: the running models' remaining times, then idle ones at 0.
        var free: [Double] = []
        for m in models where m.phase == .running {
            guard let r = remaining(m) else { return nil }
            free.append(r)
        }
        while free.count < workers { free.append(0) }
        for m in models where m.phase == .waiting {
            guard let r = remaining(m), let first = free.indices.min(by: { free[$0] < free[$1] }) else { return nil }
            free[first] += r
        }
        return free.max() ?? 0
    }

    /// The epoch time of a network with `work` multiply-adds per sample that has not run yet: the
    /// measured network nearest in work (by ratio) scaled by `work / its work`. An epoch also has
    /// costs that do not grow with the work (batching, the optimizer step, per-time-step loop
    /// overhead), so seconds per unit of work differ several times between a small network and a
    /// large one; networks of similar size share the balance. Nil before any network has run an
    /// epoch. O(models).
    func estimatedEpochSeconds(work: Double) -> Double? {
        let measured = models.compactMap { m -> (w: Double, t: Double)? in
            guard m.epochs > 0, let w = m.plan.workPerSample, w > 0 else { return nil }
            return (w, m.steady.seconds / Double(m.steady.epochs))
        }
        guard work > 0, let nearest = measured.min(by: { abs(log($0.w / work)) < abs(log($1.w / work)) }) else { return nil }
        return nearest.t * work / nearest.w
    }

    /// Whether ``secondsLeft`` counts epochs that early stopping may never run.
    var timeLeftIsUpperBound: Bool {
        models.contains { $0.phase != .finished && $0.plan.mayStopEarly }
    }

    /// "about 3 min left", "at most about 3 min left" (early stopping usually ends sooner),
    /// "less than 10 s left", or nil when it cannot be estimated yet or nothing is left.
    var timeLeftText: String? {
        guard let s = secondsLeft, s > 0 else { return nil }
        if s < 10 { return "less than 10 s left" }
        return (timeLeftIsUpperBound ? "at most " : "") + "about \(Self.roughDuration(s)) left"
    }

    /// A duration of 10 s or more as a person would say it: to 10 s under a minute, to the
    /// minute under an hour, to 10 min beyond ("40 s", "3 min", "1 h 20 min").
    static func roughDuration(_ seconds: Double) -> String {
        if seconds < 55 { return "\(max(10, Int((seconds / 10).rounded()) * 10)) s" }
        if seconds < 59.5 * 60 { return "\(max(1, Int((seconds / 60).rounded()))) min" }
        let tens = Int((seconds / 600).rounded())
        let (h, m) = (tens / 6, tens % 6 * 10)
        return m == 0 ? "\(h) h" : "\(h) h \(m) min"
    }

    /// A measured duration: "0.84 s", "12.3 s", "4 min 05 s".
    static func elapsed(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.2f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        return String(format: "%d min %02d s", whole / 60, whole % 60)
    }

    // MARK: - Lines

    /// "model 3/6 gru".
    func label(_ i: Int) -> String { "model \(i + 1)/\(models.count) \(models[i].plan.name)" }

    /// The block a terminal redraws in place: one line per running model (so two networks
    /// training at once never take turns on one line), then the count and the time left. Each
    /// line is cut to `width` − 1 characters, so none wraps and the redraw can move up over them.
    func liveLines(width: Int) -> [String] {
        let labels = models.indices.filter { models[$0].phase == .running }.map(label)
        let pad = labels.map(\.count).max() ?? 0
        var lines: [String] = []
        for (i, m) in models.enumerated() where m.phase == .running {
            let name = label(i).padding(toLength: pad, withPad: " ", startingAt: 0)
            guard let cap = m.plan.maxEpochs else { lines.append("\(name)  fitting"); continue }
            var line = "\(name)  epoch \(m.epochs)/\(cap)"
            if let e = m.last {
                line += String(format: "  loss %.4g", e.trainLoss)
                if let v = e.validationLoss { line += String(format: "  val %.4g", v) }
            }
            lines.append(line)
        }
        lines.append("\(finishedCount)/\(models.count) done" + (timeLeftText.map { ", \($0)" } ?? ""))
        let limit = max(width - 1, 10)
        return lines.map { $0.count > limit ? String($0.prefix(limit - 1)) + "…" : $0 }
    }

    /// The one line a log gets when model `i` finishes, with the time left for the others.
    func finishedLine(_ i: Int) -> String {
        let m = models[i]
        var line = label(i) + ": "
        let epochs = m.end?.epochs ?? m.epochs
        let time = Self.elapsed(m.end?.seconds ?? m.epochSeconds)
        if let reason = m.end?.failure {
            // A reason may quote data; a log line gets no control characters.
            let failure = String(String.UnicodeScalarView(reason.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
            line += m.plan.maxEpochs == nil ? "failed: \(failure)" : "failed after \(epochs) epoch\(epochs == 1 ? "" : "s"): \(failure)"
        } else if m.plan.maxEpochs == nil {
            line += "fitted in \(time)"
        } else {
            line += "\(epochs) epoch\(epochs == 1 ? "" : "s") in \(time)" + (m.end?.stoppedEarly == true ? " (early stopping)" : "")
        }
        if let left = timeLeftText { line += "; \(left)" }
        return line
    }

    /// `--verbose`: one line per epoch.
    func epochLine(_ i: Int) -> String? {
        let m = models[i]
        guard let e = m.last, let cap = m.plan.maxEpochs else { return nil }
        let v = e.validationLoss.map { String(format: " val %.5f", $0) } ?? ""
        return label(i) + String(format: " epoch %d/%d train %.5f%@ (%.2fs)", e.epoch, cap, e.trainLoss, v, e.seconds)
    }
}

/// Shows a fit's progress on stderr. `.live` (a terminal): the block of
/// ``FitProgressState/liveLines(width:)`` redrawn in place with ANSI cursor moves, and a
/// permanent line above it for each finished model. `.lines` (a log, cron): one plain line per
/// finished model, no control characters. `.verbose`: one plain line per epoch as well.
/// Events come from two training threads; one lock orders the state and the writes.
final class FitProgressPrinter: Sendable {
    enum Mode: Sendable { case live, lines, verbose }

    private struct Screen {
        var state: FitProgressState
        /// Lines of the live block now on screen.
        var drawn = 0
        var lastDraw: UInt64 = 0
    }

    private let mode: Mode
    private let screen: Mutex<Screen>

    init(mode: Mode, workers: Int) {
        self.mode = mode
        self.screen = Mutex(Screen(state: FitProgressState(workers: workers)))
    }

    func handle(_ event: FitProgress) {
        screen.withLock { s in
            s.state.apply(event)
            var permanent: [String] = []
            switch event {
            case .finished(let i, _) where s.state.models.indices.contains(i):
                permanent.append(s.state.finishedLine(i))
            case .epoch(let i, _) where mode == .verbose && s.state.models.indices.contains(i):
                if let line = s.state.epochLine(i) { permanent.append(line) }
            default:
                break
            }
            guard mode == .live else {
                if !permanent.isEmpty { write(permanent.map { $0 + "\n" }.joined()) }
                return
            }
            // Epochs can come every few milliseconds: redraw them at most ten times a second, but
            // a model starting or ending at once.
            let now = DispatchTime.now().uptimeNanoseconds
            var isEpoch = false
            if case .epoch = event { isEpoch = true }
            guard !isEpoch || now - s.lastDraw >= 100_000_000 else { return }
            s.lastDraw = now
            let block = s.state.liveLines(width: Self.terminalWidth())
            write(Self.erase(s.drawn) + permanent.map { $0 + "\n" }.joined() + block.joined(separator: "\n"))
            s.drawn = block.count
        }
    }

    /// Whether every model of the plan has finished (false before the plan).
    var everyModelFinished: Bool {
        screen.withLock { s in !s.state.models.isEmpty && s.state.finishedCount == s.state.models.count }
    }

    /// Clears the live block (before the summary is printed, or an error).
    func end() {
        screen.withLock { s in
            guard mode == .live, s.drawn > 0 else { return }
            write(Self.erase(s.drawn))
            s.drawn = 0
        }
    }

    /// Clears `lines` lines ending at the cursor's and leaves the cursor at the first one's start.
    static func erase(_ lines: Int) -> String {
        guard lines > 0 else { return "" }
        return "\r\u{1B}[K" + String(repeating: "\u{1B}[1A\u{1B}[K", count: lines - 1)
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Columns of the terminal on stderr; 80 when it cannot be asked.
    static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
