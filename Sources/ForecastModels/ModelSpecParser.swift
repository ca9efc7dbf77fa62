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
        /// Column of the value.
        var column: Int
        /// Column where the argument starts: its key, or its value when positional.
        var start: Int
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
                case let .word(v): return Argument(key: w, value: .word(v), column: vc, start: col)
                case let .number(v): return Argument(key: w, value: .number(v), column: vc, start: col)
                default:
                    throw error(vc, found: vt, expected: "a value after '\(w):'", hint: "e.g. 'layers: 2'")
                }
            }
            return Argument(key: nil, value: .word(w), column: col, start: col)
        case let .number(n):
            return Argument(key: nil, value: .number(n), column: col, start: col)
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
        // Each setting at most once, whether given by position, by key or by an alias of the key.
        var seen: [String: Int] = [:]
        func note(_ setting: String, _ arg: Argument) throws {
            if let first = seen[setting] {
                throw ModelSpecError(column: arg.start, message: "duplicate argument '\(setting)' (already given at column \(first))",
                                     expected: "each argument of '\(name)' at most once", hint: "remove one of the two")
            }
            seen[setting] = arg.start
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
            var units = try integer(first, what: "dense units")
            try note("units", first)
            var act = ModelSpec.Activation.identity
            if positional.count > 1 {
                act = try activation(positional[1], allowed: ModelSpec.Activation.allCases)
                try note("activation", positional[1])
            }
            if positional.count > 2 { throw tooMany(positional[2], "at most units and an activation") }
            for a in keyed {
                switch a.key! {
                case "activation":
                    try note("activation", a)
                    act = try activation(a, allowed: ModelSpec.Activation.allCases)
                case "units":
                    try note("units", a)
                    units = try integer(a, what: "dense units")
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
            try note("units", first)
            let rnnActivations: [ModelSpec.Activation] = [.tanh, .relu]
            for a in positional.dropFirst() {
                guard case let .word(w) = a.value else {
                    throw tooMany(a, "a merge (sum, concat) or, for rnn, an activation (tanh, relu)")
                }
                if bi, let m = ModelSpec.Merge(rawValue: w) {
                    try note("merge", a)
                    r.merge = m
                } else if cell == .rnn, let act = ModelSpec.Activation(rawValue: w), rnnActivations.contains(act) {
                    try note("activation", a)
                    r.activation = act
                } else {
                    throw tooMany(a, bi ? "a merge: sum or concat" + (cell == .rnn ? ", or an activation: tanh or relu" : "")
                                        : (cell == .rnn ? "an activation: tanh or relu" : "keyword arguments 'layers:' or 'dropout:'"))
                }
            }
            for a in keyed {
                switch a.key! {
                case "layers", "num_layers":
                    try note("layers", a)
                    r.layers = try integer(a, what: "layers")
                case "dropout":
                    try note("dropout", a)
                    r.dropout = try probability(a)
                case "units", "hidden":
                    try note("units", a)
                    r.units = try integer(a, what: "hidden units")
                case "merge" where bi:
                    try note("merge", a)
                    guard case let .word(w) = a.value, let m = ModelSpec.Merge(rawValue: w) else {
                        throw ModelSpecError(column: a.column, message: "invalid merge", expected: "sum or concat",
                                             hint: "e.g. 'bigru(64, merge: concat)'")
                    }
                    r.merge = m
                case "activation" where cell == .rnn:
                    try note("activation", a)
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
