import Foundation

/// A cleaned time series read from a CSV file: sorted by time, duplicates resolved, missing values
/// handled by the chosen policy. All arrays have `count` elements, index 0 the oldest row.
public struct Series: Sendable {
    /// Timestamps (UTC), strictly increasing; `nil` for a file without a date column, whose
    /// order is the file order.
    public var dates: [Date]?
    /// Name of the target column, as written in the header.
    public var targetName: String
    /// Input feature columns in the order given by `--features` (default: `[targetName]`).
    /// The target appears here only if it was selected as a feature; by default it is the only one.
    public var featureNames: [String]
    /// `values[d]` is the column of `featureNames[d]`; `values.count == featureNames.count`.
    public var values: [[Double]]
    /// The target column, original scale.
    public var target: [Double]
    /// Rows (indices into `target`, increasing) whose target was missing in the file and filled
    /// by the missing-value policy (`ffill`, `interpolate`): values the models may see, but not
    /// observations to score a forecast against.
    public var filledTargetRows: [Int] = []
    /// Inferred sampling frequency (`.unknown` without dates).
    public var frequency: Frequency
    /// What was read and what was done to it, for reports.
    public var summary: IngestSummary

    public init(dates: [Date]?, targetName: String, featureNames: [String], values: [[Double]],
                target: [Double], frequency: Frequency, summary: IngestSummary) {
        self.dates = dates
        self.targetName = targetName
        self.featureNames = featureNames
        self.values = values
        self.target = target
        self.frequency = frequency
        self.summary = summary
    }

    /// A single-column series built in code (tests, synthetic data): the target is the only
    /// feature; the frequency is inferred from `dates` when not given. `dates` must be strictly
    /// increasing and as many as `target`.
    public init(target: [Double], name: String = "value", dates: [Date]? = nil, frequency: Frequency? = nil) {
        let freq = frequency ?? dates.map { Frequency.infer($0.map(\.timeIntervalSince1970)) } ?? .unknown
        self.init(dates: dates, targetName: name, featureNames: [name], values: [target], target: target,
                  frequency: freq,
                  summary: IngestSummary(file: "(in memory)", columns: (dates == nil ? [] : ["date"]) + [name],
                                         dateColumn: dates == nil ? nil : "date", rowsRead: target.count,
                                         rowsUsed: target.count, firstDate: dates?.first, lastDate: dates?.last,
                                         frequency: freq, missingByColumn: [name: 0]))
    }

    /// Number of rows (time points).
    public var count: Int { target.count }
    /// Number of input features (`dim_input`).
    public var dimInput: Int { featureNames.count }
    /// Position of the target among the features, if it is one of them.
    public var targetFeatureIndex: Int? {
        featureNames.firstIndex { $0 == targetName }
    }
}

/// A run of missing periods between two consecutive rows of a dated series.
public struct Gap: Sendable, Equatable {
    /// The row before the gap and the row after it.
    public var after: Date
    public var before: Date
    /// Periods of the series' frequency missing between them (≥ 1).
    public var missingPeriods: Int
    /// Line of the row after the gap in the file.
    public var line: Int
}
