extension ModelSpec {
    /// Checks that the layers connect (see the rules in ``ModelSpec``). Columns are 1-based positions in
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
