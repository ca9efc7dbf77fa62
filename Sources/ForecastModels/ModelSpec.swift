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
    public enum Activation: String, Sendable, CaseIterable {
        case identity, tanh, relu, sigmoid
    }

    /// The recurrent cell.
    public enum Cell: String, Sendable, CaseIterable {
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
    public enum Merge: String, Sendable, CaseIterable {
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

    /// The spec's recurrent blocks in order.
    public var recurrentBlocks: [Recurrent] {
        layers.compactMap { if case let .recurrent(r) = $0 { return r } else { return nil } }
    }

    /// Checks that the layers connect (see the rules above). Columns are 1-based positions in
    /// `text` for error messages (or layer numbers when the spec was built in code).
    static func validate(_ items: [(Layer, Int)], text: String?) throws {
        if items.isEmpty {
            throw ModelSpecError(column: 1, message: "empty model description", expected: "a layer",
                                 hint: "e.g. 'gru(64) > dense(1)'")
        }
        var hasTimeAxis = true
        for (index, (layer, column)) in items.enumerated() {
            let rest = items[(index + 1)...].map(\.0)
            switch layer {
            case .flatten:
                if !hasTimeAxis {
                    throw ModelSpecError(column: column, message: "'flatten' has no time axis to flatten here",
                                         expected: "flatten only while the input is still a sequence",
                                         hint: "a recurrent layer already reduced the sequence to its final state")
                }
                hasTimeAxis = false
            case let .recurrent(r):
                if !hasTimeAxis {
                    throw ModelSpecError(column: column, message: "a recurrent layer needs a sequence, but the time axis is gone here",
                                         expected: "recurrent layers before 'flatten' and before dense layers that follow a recurrent layer",
                                         hint: "a recurrent layer feeds the next one all its hidden states only when nothing but dropout stands between them")
                }
                if r.units < 1 || r.layers < 1 {
                    throw ModelSpecError(column: column, message: "recurrent layer sizes must be positive",
                                         expected: "units ≥ 1 and layers ≥ 1", hint: "e.g. 'gru(64, layers: 2)'")
                }
                let next = rest.first { if case .dropout = $0 { return false } else { return true } }
                if case .recurrent = next {} else { hasTimeAxis = false }
            case let .dense(units, _):
                if units < 1 {
                    throw ModelSpecError(column: column, message: "dense layer needs at least one unit",
                                         expected: "units ≥ 1", hint: "e.g. 'dense(1)'")
                }
                if hasTimeAxis {
                    let laterReducer = rest.contains {
                        switch $0 {
                        case .flatten, .recurrent: return true
                        default: return false
                        }
                    }
                    if !laterReducer {
                        throw ModelSpecError(column: column, message: "dense layer applied to a sequence that nothing later reduces",
                                             expected: "'flatten' before it (feed-forward model) or a recurrent layer after it",
                                             hint: "e.g. 'flatten > dense(64, relu) > dense(1)'")
                    }
                }
            case let .dropout(rate):
                if !(rate >= 0 && rate < 1) {
                    throw ModelSpecError(column: column, message: "dropout rate \(rate) out of range",
                                         expected: "a probability in [0, 1)", hint: "e.g. 'dropout(0.1)'")
                }
            }
        }
        if hasTimeAxis {
            throw ModelSpecError(column: items.last!.1, message: "the model ends with a sequence, not a forecast",
                                 expected: "a recurrent, flatten or dense head at the end", hint: "e.g. append '> dense(1)'")
        }
    }

    /// Checks that the layers connect; for specs built in code (columns are layer numbers).
    public func validate() throws {
        try Self.validate(layers.enumerated().map { ($0.element, $0.offset + 1) }, text: nil)
    }
}

/// A model description that does not parse or whose layers do not connect. Exit code 64 (usage).
public struct ModelSpecError: Error, CustomStringConvertible, Equatable, Sendable {
    /// 1-based character column in the description where the problem starts.
    public var column: Int
    public var message: String
    /// What the parser expected at `column`.
    public var expected: String
    public var hint: String
    public var exitCode: Int32 { 64 }

    public init(column: Int, message: String, expected: String, hint: String) {
        self.column = column
        self.message = message
        self.expected = expected
        self.hint = hint
    }

    public var description: String {
        "model description, column \(column): \(message); expected \(expected) (hint: \(hint))"
    }
}

/// Recursive-descent parser over the characters of a model description.
struct ModelSpecParser {
    struct Item {
        var layer: ModelSpec.Layer
        var column: Int
    }

    private enum Token: Equatable {
        case word(String)
        case number(String)
        case symbol(Character)
        case end
    }

    private let chars: [Character]
    private var index = 0

    init(_ text: String) {
        chars = Array(text)
    }

    private var column: Int { index + 1 }

    private mutating func skipSpaces() {
        while index < chars.count, chars[index].isWhitespace { index += 1 }
    }

    /// The next token and its 1-based column, without consuming it.
    private mutating func peek() -> (Token, Int) {
        skipSpaces()
        let start = index
        defer { index = start }
        return (readToken(), start + 1)
    }

    private mutating func next() -> (Token, Int) {
        skipSpaces()
        let start = index + 1
        return (readToken(), start)
    }

    private mutating func readToken() -> Token {
        guard index < chars.count else { return .end }
        let c = chars[index]
        if c.isLetter || c == "_" {
            var s = ""
            while index < chars.count, chars[index].isLetter || chars[index].isNumber || chars[index] == "_" {
                s.append(chars[index]); index += 1
            }
            return .word(s.lowercased())
        }
        if c.isNumber || c == "." || c == "-" || c == "+" {
            var s = ""
            while index < chars.count,
                  chars[index].isNumber || chars[index] == "." || chars[index] == "e" || chars[index] == "E"
                    || ((chars[index] == "-" || chars[index] == "+") && (s.isEmpty || s.last == "e" || s.last == "E")) {
                s.append(chars[index]); index += 1
            }
            return .number(s)
        }
        index += 1
        return .symbol(c)
    }

    private static func describe(_ token: Token) -> String {
        switch token {
        case let .word(w): return "'\(w)'"
        case let .number(n): return "'\(n)'"
        case let .symbol(c): return "'\(c)'"
        case .end: return "the end of the description"
        }
    }

    private func error(_ column: Int, found: Token, expected: String, hint: String) -> ModelSpecError {
        ModelSpecError(column: column, message: "found \(Self.describe(found))", expected: expected, hint: hint)
    }

    mutating func parse() throws -> [Item] {
        var items: [Item] = []
        while true {
            items.append(try parseLayer())
            let (token, col) = next()
            switch token {
            case .end:
                return items
            case .symbol(">"):
                continue
            default:
                throw error(col, found: token, expected: "'>' between layers or the end of the description",
                            hint: "layers are chained with '>', e.g. 'gru(64) > dense(1)'")
            }
        }
    }

    private enum Value {
        case word(String)
        case number(String)
    }

    private struct Argument {
        var key: String?
        var value: Value
        var column: Int
    }

    private static let layerNames = "flatten, dense, dropout, rnn, gru, lstm, birnn, bigru, bilstm"

    private mutating func parseLayer() throws -> Item {
        let (token, col) = next()
        guard case let .word(name) = token else {
            throw error(col, found: token, expected: "a layer name (\(Self.layerNames))",
                        hint: "e.g. 'gru(64) > dense(1)'")
        }
        var args: [Argument] = []
        var closeColumn = col
        if case .symbol("(") = peek().0 {
            _ = next()
            if case .symbol(")") = peek().0 {
                closeColumn = next().1
            } else {
                while true {
                    args.append(try parseArgument())
                    let (t, c) = next()
                    if case .symbol(",") = t { continue }
                    if case .symbol(")") = t { closeColumn = c; break }
                    throw error(c, found: t, expected: "',' or ')'", hint: "arguments are separated by commas, e.g. 'dense(64, relu)'")
                }
            }
        }
        _ = closeColumn
        let layer = try buildLayer(name: name, column: col, args: args)
        return Item(layer: layer, column: col)
    }

    private mutating func parseArgument() throws -> Argument {
        let (token, col) = next()
        switch token {
        case let .word(w):
            if case .symbol(":") = peek().0 {
                _ = next()
                let (vt, vc) = next()
                switch vt {
                case let .word(v): return Argument(key: w, value: .word(v), column: vc)
                case let .number(v): return Argument(key: w, value: .number(v), column: vc)
                default:
                    throw error(vc, found: vt, expected: "a value after '\(w):'", hint: "e.g. 'layers: 2'")
                }
            }
            return Argument(key: nil, value: .word(w), column: col)
        case let .number(n):
            return Argument(key: nil, value: .number(n), column: col)
        default:
            throw error(col, found: token, expected: "an argument (a number, a word or key: value)",
                        hint: "e.g. 'gru(64, layers: 2)'")
        }
    }

    private func integer(_ arg: Argument, what: String) throws -> Int {
        guard case let .number(text) = arg.value, let v = Int(text), v >= 1 else {
            throw ModelSpecError(column: arg.column, message: "invalid \(what)", expected: "a positive integer for \(what)",
                                 hint: "e.g. 'gru(64)'")
        }
        return v
    }

    private func probability(_ arg: Argument) throws -> Double {
        guard case let .number(text) = arg.value, let v = Double(text), v >= 0, v < 1 else {
            throw ModelSpecError(column: arg.column, message: "invalid dropout rate", expected: "a probability in [0, 1)",
                                 hint: "e.g. 'dropout: 0.1'")
        }
        return v
    }

    private func activation(_ arg: Argument, allowed: [ModelSpec.Activation]) throws -> ModelSpec.Activation {
        if case let .word(w) = arg.value {
            let name = w == "linear" ? "identity" : w
            if let a = ModelSpec.Activation(rawValue: name), allowed.contains(a) { return a }
        }
        throw ModelSpecError(column: arg.column, message: "invalid activation",
                             expected: "one of " + allowed.map(\.rawValue).joined(separator: ", "),
                             hint: "e.g. 'dense(64, relu)'")
    }

    private func buildLayer(name: String, column: Int, args: [Argument]) throws -> ModelSpec.Layer {
        let positional = args.filter { $0.key == nil }
        let keyed = args.filter { $0.key != nil }
        func tooMany(_ arg: Argument, _ expected: String) -> ModelSpecError {
            ModelSpecError(column: arg.column, message: "unexpected argument for '\(name)'", expected: expected,
                           hint: "see the layer table in the model description help")
        }
        switch name {
        case "flatten":
            if let a = args.first { throw tooMany(a, "no arguments for 'flatten'") }
            return .flatten
        case "dense", "linear":
            guard let first = positional.first else {
                throw ModelSpecError(column: column, message: "'dense' needs a size", expected: "dense(units[, activation])",
                                     hint: "e.g. 'dense(64, relu)'")
            }
            let units = try integer(first, what: "dense units")
            var act = ModelSpec.Activation.identity
            if positional.count > 1 { act = try activation(positional[1], allowed: ModelSpec.Activation.allCases) }
            if positional.count > 2 { throw tooMany(positional[2], "at most units and an activation") }
            for a in keyed {
                switch a.key! {
                case "activation": act = try activation(a, allowed: ModelSpec.Activation.allCases)
                case "units": _ = try integer(a, what: "dense units")
                default: throw tooMany(a, "'activation:' as the only keyword of 'dense'")
                }
            }
            return .dense(units: units, activation: act)
        case "dropout":
            guard positional.count == 1, keyed.isEmpty else {
                throw ModelSpecError(column: column, message: "'dropout' takes one rate", expected: "dropout(p) with 0 ≤ p < 1",
                                     hint: "e.g. 'dropout(0.1)'")
            }
            return .dropout(rate: try probability(positional[0]))
        case "rnn", "gru", "lstm", "birnn", "bigru", "bilstm":
            let bi = name.hasPrefix("bi")
            let cell = ModelSpec.Cell(rawValue: String(name.dropFirst(bi ? 2 : 0)))!
            guard let first = positional.first else {
                throw ModelSpecError(column: column, message: "'\(name)' needs a hidden size", expected: "\(name)(units, ...)",
                                     hint: "e.g. '\(name)(64)'")
            }
            var r = ModelSpec.Recurrent(cell: cell, units: try integer(first, what: "hidden units"), bidirectional: bi)
            let rnnActivations: [ModelSpec.Activation] = [.tanh, .relu]
            for a in positional.dropFirst() {
                guard case let .word(w) = a.value else {
                    throw tooMany(a, "a merge (sum, concat) or, for rnn, an activation (tanh, relu)")
                }
                if bi, let m = ModelSpec.Merge(rawValue: w) {
                    r.merge = m
                } else if cell == .rnn, let act = ModelSpec.Activation(rawValue: w), rnnActivations.contains(act) {
                    r.activation = act
                } else {
                    throw tooMany(a, bi ? "a merge: sum or concat" + (cell == .rnn ? ", or an activation: tanh or relu" : "")
                                        : (cell == .rnn ? "an activation: tanh or relu" : "keyword arguments 'layers:' or 'dropout:'"))
                }
            }
            for a in keyed {
                switch a.key! {
                case "layers", "num_layers": r.layers = try integer(a, what: "layers")
                case "dropout": r.dropout = try probability(a)
                case "units", "hidden": r.units = try integer(a, what: "hidden units")
                case "merge" where bi:
                    guard case let .word(w) = a.value, let m = ModelSpec.Merge(rawValue: w) else {
                        throw ModelSpecError(column: a.column, message: "invalid merge", expected: "sum or concat",
                                             hint: "e.g. 'bigru(64, merge: concat)'")
                    }
                    r.merge = m
                case "activation" where cell == .rnn:
                    r.activation = try activation(a, allowed: rnnActivations)
                default:
                    throw tooMany(a, "keywords layers:, dropout:" + (bi ? ", merge:" : "") + (cell == .rnn ? ", activation:" : ""))
                }
            }
            return .recurrent(r)
        default:
            throw ModelSpecError(column: column, message: "unknown layer '\(name)'", expected: "a layer name (\(Self.layerNames))",
                                 hint: "e.g. 'dense(32, relu) > bigru(64, sum) > gru(64) > dense(1)'")
        }
    }
}
