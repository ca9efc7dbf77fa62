import Dispatch
import Synchronization

/// One parsed block; a class so that its buffers are freed through the one shared instance.
// @unchecked Sendable: its raw buffers are filled by one task, then read by the merge after every task has ended.
final class ParsedBlock: @unchecked Sendable {
    var builder: BlockBuilder
    let outcome: CSVReader.BlockOutcome

    init(_ builder: BlockBuilder, _ outcome: CSVReader.BlockOutcome) {
        self.builder = builder
        self.outcome = outcome
    }
}

/// Runs block parses (inline for one thread, else on a dispatch queue with at most threads + 1
/// blocks in memory) and merges their results in file order (`BlockRunner+Merge`).
final class BlockRunner: Sendable {
    let plan: ReaderPlan
    let delimiter: UInt8
    let threads: Int
    let bytesPerLine: Int
    let input: InputRegion

    private struct State {
        var results: [Int: ParsedBlock] = [:]
        /// Index of the first block that failed (Int.max: none yet).
        var firstFailure = Int.max
    }
    private let state = Mutex(State())
    private let group = DispatchGroup()
    private let inFlight: DispatchSemaphore

    init(plan: ReaderPlan, delimiter: UInt8, threads: Int, bytesPerLine: Int, input: InputRegion) {
        self.input = input
        self.plan = plan
        self.delimiter = delimiter
        self.threads = threads
        self.bytesPerLine = bytesPerLine
        inFlight = DispatchSemaphore(value: threads + 1)
    }

    var hasFailure: Bool { state.withLock { $0.firstFailure != Int.max } }

    /// Parses `input[range]` as block `index`.
    func submit(index: Int, range: Range<Int>, skipRecords: Int) {
        if threads == 1 {
            parse(index: index, range: range, skipRecords: skipRecords)
            return
        }
        inFlight.wait()
        DispatchQueue.global(qos: .userInitiated).async(group: group) { [self] in
            parse(index: index, range: range, skipRecords: skipRecords)
            inFlight.signal()
        }
    }

    private func parse(index: Int, range: Range<Int>, skipRecords: Int) {
        let skip = state.withLock { index > $0.firstFailure }  // a later block cannot change the outcome
        if !skip {
            // Rows expected (the buffers are reserved and populated once), at most one per
            // `columnCount` bytes (a row has columnCount − 1 delimiters and a line end).
            let estimate = min(range.count / bytesPerLine * 102 / 100 + 64, range.count / max(1, plan.columnCount) + 2)
            let (builder, outcome) = CSVReader.parseBlock(input.base + range.lowerBound, range.count, fileOffset: range.lowerBound,
                                                          plan: plan, delimiter: delimiter, skipRecords: skipRecords,
                                                          rowEstimate: estimate)
            let block = ParsedBlock(builder, outcome)
            state.withLock { state in
                state.results[index] = block
                if case .ok = outcome {} else { state.firstFailure = min(state.firstFailure, index) }
            }
        }
    }

    func wait() { group.wait() }

    /// The parsed blocks in file order (call after `wait()`).
    var blocks: [ParsedBlock] {
        state.withLock { state in state.results.keys.sorted().map { state.results[$0]! } }
    }

    /// Frees what the merge did not take (after an error).
    func releaseAll() {
        state.withLock { state in
            for block in state.results.values { block.builder.release() }
            state.results = [:]
        }
    }
}
