import ForecastWorkflow
import Foundation
import Testing
@testable import ForecastCLI

/// The progress lines as pure functions of the progress state: no clock, no terminal.
@Suite("fit progress lines")
struct FitProgressDisplayTests {
    typealias Planned = FitProgress.PlannedModel

    /// ets (statistical), then ff, gru and lstm (30 epochs, early stopping on) whose forward
    /// passes cost 100, 300 and 400 units of work per sample.
    func plan(earlyStopping: Bool = true) -> FitProgress {
        .plan([Planned(name: "ets", maxEpochs: nil, mayStopEarly: false, workPerSample: nil),
               Planned(name: "ff", maxEpochs: 30, mayStopEarly: earlyStopping, workPerSample: 100),
               Planned(name: "gru", maxEpochs: 30, mayStopEarly: earlyStopping, workPerSample: 300),
               Planned(name: "lstm", maxEpochs: 30, mayStopEarly: earlyStopping, workPerSample: 400)])
    }

    func epoch(_ model: Int, _ n: Int, seconds: Double, loss: Double = 0.5, validation: Double? = 0.625) -> FitProgress {
        .epoch(model: model, FitProgress.EpochProgress(epoch: n, trainLoss: loss, validationLoss: validation, seconds: seconds))
    }

    /// Sums of measured seconds are not exact in binary.
    func near(_ x: Double?, _ y: Double) -> Bool { x.map { abs($0 - y) <= 1e-9 * y } ?? false }

    func state(_ events: [FitProgress], workers: Int = 2) -> FitProgressState {
        var s = FitProgressState(workers: workers)
        for e in events { s.apply(e) }
        return s
    }

    /// ets fitted; ff and gru each one epoch in (1 s and 3 s); lstm waiting.
    var twoTraining: [FitProgress] {
        [plan(), .started(model: 0), .finished(model: 0, FitProgress.ModelEnd(epochs: nil, seconds: 0.5)),
         .started(model: 1), .started(model: 2), epoch(1, 1, seconds: 1), epoch(2, 1, seconds: 3, loss: 0.25, validation: nil)]
    }

    @Test("two networks training at once keep one line each, then the count done and the time left")
    func oneLinePerRunningModel() {
        // Time left, by hand: ff 29 epochs × 1 s = 29 s, gru 29 × 3 s = 87 s; 4 s over 400 units
        // of work measured, so lstm ≈ 0.01 s × 400 = 4 s an epoch, 120 s, on the worker ff frees
        // at 29 s: done at 149 s, "about 2 min", at most (early stopping may end sooner).
        #expect(near(state(twoTraining).secondsLeft, 149))
        #expect(state(twoTraining).liveLines(width: 200) == [
            "model 2/4 ff   epoch 1/30  loss 0.5  val 0.625",
            "model 3/4 gru  epoch 1/30  loss 0.25",
            "1/4 done, at most about 2 min left",
        ])
    }

    @Test("the lines do not depend on how the two threads' events interleave")
    func interleavingDoesNotReorderLines() {
        var swapped = twoTraining
        swapped.swapAt(5, 6)   // gru's epoch reported before ff's
        swapped.swapAt(3, 4)   // and gru started first
        #expect(state(swapped).liveLines(width: 200) == state(twoTraining).liveLines(width: 200))
    }

    @Test("time left: unknown before the first epoch and while a statistical fit is to come; exact wording without early stopping")
    func timeLeftWhenKnown() {
        #expect(state([plan(), .started(model: 0)]).secondsLeft == nil)
        #expect(state([plan(), .started(model: 0)]).liveLines(width: 80) == ["model 1/4 ets  fitting", "0/4 done"])
        var events = twoTraining
        events[0] = plan(earlyStopping: false)
        #expect(state(events).timeLeftText == "about 2 min left")
        // ff finishes after 29 more epochs of 1 s; lstm starts and runs 2 epochs of 5 s.
        events += (2...30).map { epoch(1, $0, seconds: 1) }
        events += [.finished(model: 1, FitProgress.ModelEnd(epochs: 30, seconds: 30)), .started(model: 3),
                   epoch(3, 1, seconds: 5), epoch(3, 2, seconds: 5)]
        // gru: 29 × 3 s = 87 s; lstm now at its own pace: 28 × 5 s = 140 s.
        #expect(near(state(events).secondsLeft, 140))
        #expect(state(events).liveLines(width: 200).last == "2/4 done, about 2 min left")
        // Only ff has run (an epoch of 1 s over 100 units: 0.01 s a unit): gru ≈ 3 s and lstm
        // ≈ 4 s an epoch. One worker runs them one after the other: 29 + 90 + 120 s; two run gru
        // beside ff, then lstm where ff ends: max(29 + 120, 90) s.
        let ffOnly = Array(twoTraining.prefix(4)) + [epoch(1, 1, seconds: 1)]
        #expect(near(state(ffOnly, workers: 1).secondsLeft, 29 + 90 + 120))
        #expect(near(state(ffOnly, workers: 2).secondsLeft, 149))
        // A slow first epoch (workspaces allocated, memory first touched) does not set the pace:
        // 10 s then 1 s, 1 s gives 1 s an epoch, and 0.01 s a unit of work for the others.
        let slowStart = Array(twoTraining.prefix(4)) + [epoch(1, 1, seconds: 10), epoch(1, 2, seconds: 1), epoch(1, 3, seconds: 1)]
        #expect(near(state(slowStart, workers: 1).secondsLeft, 27 + 90 + 120))
        // ff (100 units) at 2 s an epoch (0.02 s a unit, mostly fixed costs), gru (300) at 3 s
        // (0.01 s a unit): lstm (400) is estimated from gru, the nearest in work: 4 s an epoch,
        // 120 s, on the worker ff frees first (29 × 2 = 58 s; gru's at 29 × 3 = 87 s): 178 s.
        var overheads = twoTraining
        overheads[5] = epoch(1, 1, seconds: 2)
        #expect(near(state(overheads).estimatedEpochSeconds(work: 400), 4))
        #expect(near(state(overheads).estimatedEpochSeconds(work: 50), 1))
        #expect(near(state(overheads).secondsLeft, 178))
    }

    @Test("a finished model's line for a log: epochs, time, early stop or failure, and the time left")
    func finishedLines() {
        var events = twoTraining
        events += [.finished(model: 1, FitProgress.ModelEnd(epochs: 12, seconds: 12.34, stoppedEarly: true))]
        let s = state(events)
        // gru 87 s; lstm 120 s from now on the free worker.
        #expect(s.finishedLine(1) == "model 2/4 ff: 12 epochs in 12.3 s (early stopping); at most about 2 min left")
        #expect(s.finishedLine(0) == "model 1/4 ets: fitted in 0.50 s; at most about 2 min left")
        let failed = state(events + [.finished(model: 2, FitProgress.ModelEnd(epochs: 1, seconds: 3, failure: "training diverged: loss became nan"))])
        #expect(failed.finishedLine(2) == "model 3/4 gru: failed after 1 epoch: training diverged: loss became nan; at most about 2 min left")
        let quoted = state(events + [.finished(model: 2, FitProgress.ModelEnd(epochs: 1, seconds: 3, failure: "bad value '1\r\n\u{1B}[2J' in column x"))])
        #expect(quoted.finishedLine(2).hasPrefix("model 3/4 gru: failed after 1 epoch: bad value '1   [2J' in column x;"), "\(quoted.finishedLine(2))")
        let all = state([plan(), .started(model: 0), .finished(model: 0, FitProgress.ModelEnd(epochs: nil, seconds: 75, failure: "no admissible model"))]
                        + (1...3).flatMap { [FitProgress.started(model: $0), .finished(model: $0, FitProgress.ModelEnd(epochs: 30, seconds: 61))] })
        #expect(all.finishedLine(0) == "model 1/4 ets: failed: no admissible model")
        // Near the end an estimate rounded up to 10 s would overstate: it says "less than".
        let nearlyDone = state(twoTraining + (2...29).map { epoch(1, $0, seconds: 0.25) } + (2...29).map { epoch(2, $0, seconds: 0.25) }
                               + [.finished(model: 1, FitProgress.ModelEnd(epochs: 29, seconds: 8)), .started(model: 3)]
                               + (1...29).map { epoch(3, $0, seconds: 0.25) })
        #expect(nearlyDone.timeLeftText == "less than 10 s left")
        #expect(all.finishedLine(3) == "model 4/4 lstm: 30 epochs in 1 min 01 s")
        for line in [s.finishedLine(1), failed.finishedLine(2)] + s.liveLines(width: 80) {
            #expect(!line.contains("\u{1B}") && !line.contains("\r") && !line.contains("\n"), "\(line)")
        }
    }

    @Test("durations are rounded as a person says them", arguments: [
        (12.0, "10 s"), (44.0, "40 s"), (56.0, "1 min"), (149.0, "2 min"), (151.0, "3 min"),
        (3599.0, "1 h"), (4700.0, "1 h 20 min"), (7200.0, "2 h"),
    ])
    func roughDurations(_ seconds: Double, _ text: String) {
        #expect(FitProgressState.roughDuration(seconds) == text)
    }

    @Test("lines are cut to the terminal's width, so none wraps and the in-place redraw stays aligned")
    func linesFitTheWidth() {
        let lines = state(twoTraining).liveLines(width: 24)
        #expect(lines == ["model 2/4 ff   epoch 1…", "model 3/4 gru  epoch 1…", "1/4 done, at most abou…"])
        #expect(lines.allSatisfy { $0.count <= 23 })
    }

    @Test("the redraw erases exactly the lines it drew")
    func eraseSequence() {
        #expect(FitProgressPrinter.erase(0) == "")
        #expect(FitProgressPrinter.erase(1) == "\r\u{1B}[K")
        #expect(FitProgressPrinter.erase(3) == "\r\u{1B}[K\u{1B}[1A\u{1B}[K\u{1B}[1A\u{1B}[K")
    }

    @Test("--verbose: one line per epoch, named and numbered")
    func verboseEpochLine() {
        #expect(state(twoTraining).epochLine(2) == "model 3/4 gru epoch 1/30 train 0.25000 (3.00s)")
        #expect(state(twoTraining).epochLine(0) == nil)
    }
}
