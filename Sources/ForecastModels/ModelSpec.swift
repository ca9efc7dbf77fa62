import ForecastCore
/// A model description: a chain of layers from the windowed input to the forecast, parsed from a
/// one-line string used by the CLI (`--model`) and by pipeline files.
///
/// Grammar (whitespace is ignored, names are case-insensitive):
///
///     spec     = layer { ">" layer }
///     layer    = name [ "(" [ argument { "," argument } ] ")" ]
///     argument = value | key ":" value
///
/// Layers and their arguments (positional first, then `key: value` in any order):
///
/// | layer | arguments | meaning |
/// |---|---|---|
/// | `flatten` | — | (T, B, D) → (B, T·D): the windowed feed-forward input |
/// | `dense(units[, act])` | `act`/`activation:` identity (alias linear), tanh, relu, sigmoid; default identity | fully connected |
/// | `dropout(p)` | 0 ≤ p < 1 | inverted dropout, active only while training |
/// | `rnn(units[, act])` | `act` tanh (default) or relu; `layers: n`, `dropout: p` | Elman RNN |
/// | `gru(units)`, `lstm(units)` | `layers: n`, `dropout: p` | gated cells (PyTorch equations) |
/// | `birnn`, `bigru`, `bilstm` | as above, plus a merge `sum` (default) or `concat` (positional or `merge:`) | bidirectional |
///
/// `layers: n` stacks n recurrent layers of the same kind; `dropout: p` puts dropout between
/// them (not after the last), as PyTorch's `nn.GRU(num_layers:, dropout:)` does.
///
/// How layers connect (the input is a time-major window (T, B, D)):
/// - a recurrent layer followed (possibly after dropout) by another recurrent layer hands it all
///   its hidden states (many-to-many); followed by anything else, or last, it hands on its final
///   hidden state (many-to-one), shape (B, H), or (B, 2H) for a concatenating bidirectional layer;
/// - for a bidirectional layer, "final" means the final state of each direction: h_T of the
///   forward direction and, for the backward direction, its state after reading the whole
///   sequence back to t = 1 (PyTorch's `h_n`, not `output[-1]`);
/// - a dense layer before a recurrent layer or before `flatten` applies to every time step;
///   after a recurrent layer or `flatten` it applies to the (B, F) features;
/// - a model without any recurrent layer needs a `flatten` before its first dense layer that is
///   not followed by one.
///
/// Examples: `flatten > dense(64,relu) > dense(64,relu) > dense(1)`, `gru(64) > dense(1)`,
/// `dense(32,relu) > bigru(64,sum) > gru(64) > dense(1)`, `lstm(64, layers: 2, dropout: 0.1) > dense(1)`.
public struct ModelSpec: Equatable, Sendable, CustomStringConvertible {
    /// Elementwise activation of a dense layer (and of a vanilla RNN: tanh or relu).
    public enum Activation: String, Codable, CaseIterable, Sendable, Hashable {
        case identity, tanh, relu, sigmoid
    }

    /// The recurrent cell.
    public enum Cell: String, Codable, CaseIterable, Sendable, Hashable {
        case rnn, gru, lstm

        /// Gates per cell: the G in the (G·H, D) weight shapes.
        public var gateCount: Int {
            switch self {
            case .rnn: return 1
            case .gru: return 3
            case .lstm: return 4
            }
        }
    }

    /// How a bidirectional layer merges its two directions' hidden states.
    public enum Merge: String, Codable, CaseIterable, Sendable, Hashable {
        /// h = h_forward + h_backward, width H.
        case sum
        /// h = [h_forward, h_backward], width 2H.
        case concat
    }

    /// A recurrent block: `layers` stacked recurrent layers of one kind.
    public struct Recurrent: Equatable, Sendable {
        public var cell: Cell
        /// Hidden size H of each direction.
        public var units: Int
        /// Number of stacked layers (≥ 1).
        public var layers: Int
        public var bidirectional: Bool
        public var merge: Merge
        /// Dropout probability between stacked layers (training only).
        public var dropout: Double
        /// Nonlinearity of a vanilla RNN cell: `.tanh` (default) or `.relu`; ignored by GRU/LSTM.
        public var activation: Activation

        public init(cell: Cell, units: Int, layers: Int = 1, bidirectional: Bool = false,
                    merge: Merge = .sum, dropout: Double = 0, activation: Activation = .tanh) {
            self.cell = cell
            self.units = units
            self.layers = layers
            self.bidirectional = bidirectional
            self.merge = merge
            self.dropout = dropout
            self.activation = activation
        }

        /// Width of this block's output features: H, or 2H for a concatenating bidirectional layer.
        public var outputWidth: Int { bidirectional && merge == .concat ? 2 * units : units }
    }

    /// One element of the chain.
    public enum Layer: Equatable, Sendable {
        case flatten
        case dense(units: Int, activation: Activation)
        case dropout(rate: Double)
        case recurrent(Recurrent)
    }

    public var layers: [Layer]

    /// Builds a spec from layers; `validate()` checks that they connect.
    public init(layers: [Layer]) {
        self.layers = layers
    }

    /// Parses `text` (see the grammar above) and checks that the layers connect.
    /// - Throws: ``ModelSpecError`` naming the 1-based column and what was expected.
    public init(parsing text: String) throws {
        var parser = ModelSpecParser(text)
        let parsed = try parser.parse()
        self.layers = parsed.map(\.layer)
        try Self.validate(parsed.map { ($0.layer, $0.column) }, text: text)
    }

    /// Canonical text that parses back to an equal spec, e.g. `dense(32, relu) > bigru(64, sum) > dense(1)`.
    public var description: String {
        layers.map { layer -> String in
            switch layer {
            case .flatten:
                return "flatten"
            case let .dense(units, activation):
                return activation == .identity ? "dense(\(units))" : "dense(\(units), \(activation.rawValue))"
            case let .dropout(rate):
                return "dropout(\(rate))"
            case let .recurrent(r):
                var args = ["\(r.units)"]
                if r.cell == .rnn && r.activation != .tanh { args.append(r.activation.rawValue) }
                if r.bidirectional { args.append(r.merge.rawValue) }
                if r.layers != 1 { args.append("layers: \(r.layers)") }
                if r.dropout != 0 { args.append("dropout: \(r.dropout)") }
                return (r.bidirectional ? "bi" : "") + r.cell.rawValue + "(" + args.joined(separator: ", ") + ")"
            }
        }.joined(separator: " > ")
    }

    /// Named presets:
    /// - `ff` / `mlp`: `flatten > dense(hidden, relu) > dense(hidden, relu) > dense(outputs)` (the
    ///   windowed feed-forward baseline; the default hidden width is 64);
    /// - `rnn`, `gru`, `lstm`: `cell(hidden) > dense(outputs)`;
    /// - `birnn`, `bigru`, `bilstm`: `bicell(hidden, sum) > dense(outputs)`.
    /// - Throws: ``ModelSpecError`` for an unknown name or a non-positive size.
    public static func preset(_ name: String, hidden: Int, outputs: Int = 1) throws -> ModelSpec {
        guard hidden > 0, outputs > 0 else {
            throw ModelSpecError(column: 1, message: "preset '\(name)' needs positive sizes (hidden \(hidden), outputs \(outputs))",
                                 expected: "a hidden size ≥ 1", hint: "pass --hidden with a positive integer")
        }
        let key = name.lowercased()
        switch key {
        case "ff", "mlp":
            return ModelSpec(layers: [.flatten, .dense(units: hidden, activation: .relu),
                                      .dense(units: hidden, activation: .relu),
                                      .dense(units: outputs, activation: .identity)])
        case "rnn", "gru", "lstm", "birnn", "bigru", "bilstm":
            let bi = key.hasPrefix("bi")
            let cell = Cell(rawValue: String(key.dropFirst(bi ? 2 : 0)))!
            return ModelSpec(layers: [.recurrent(Recurrent(cell: cell, units: hidden, bidirectional: bi)),
                                      .dense(units: outputs, activation: .identity)])
        default:
            throw ModelSpecError(column: 1, message: "unknown model preset '\(name)'",
                                 expected: "one of ff, mlp, rnn, gru, lstm, birnn, bigru, bilstm",
                                 hint: "or write a model description such as 'gru(64) > dense(1)'")
        }
    }
}

/// A model description that does not parse or whose layers do not connect. Exit code 64 (usage).
public struct ModelSpecError: ForecastError, Equatable {
    /// 1-based character column in the description where the problem starts.
    public var column: Int
    /// What was found wrong at `column`.
    public var found: String
    /// What the parser expected at `column`.
    public var expected: String
    public var hint: String?
    public var exitStatus: ExitStatus { .usage }
    public var location: ErrorLocation? { ErrorLocation(option: "model description, column \(column)") }
    public var message: String { "\(found); expected \(expected)" }

    public init(column: Int, message: String, expected: String, hint: String) {
        self.column = column
        self.found = message
        self.expected = expected
        self.hint = hint
    }
}
