import ForecastCore
import ForecastWorkflow
import Foundation
import Yams

extension PipelineSchemaParser {
    /// Reads `node` as `kind`, recording a problem (and returning nil) when it does not fit.
    mutating func value(_ node: Node, kind: PipelineSchema.ValueKind, key: String) -> SchemaValue? {
        func wrong() -> SchemaValue? {
            error(node, "'\(key)' must be \(kind.expected), found \(describe(node))")
            return nil
        }
        switch kind {
        case .identifier:
            guard let s = plainText(node) else { return wrong() }
            guard PipelineSchema.isValidJobName(s) else {
                error(node, "job name '\(s)' is not a plain identifier",
                      hint: "use letters, digits, '_' and '-' only, starting with a letter or '_' (no '/', '..', spaces)")
                return nil
            }
            return .text(s)
        case .text:
            guard let s = plainText(node), !s.isEmpty else { return wrong() }
            return .text(s)
        case .modelSpecs:
            // The command line's rules: `name=spec` or a plain spec, at most one without a name.
            var texts: [String] = []
            if case .sequence(let seq) = node, !seq.isEmpty {
                for item in seq {
                    guard let s = plainText(item), !s.isEmpty else {
                        error(item, "each item of '\(key)' must be a model spec, found \(describe(item))",
                              hint: "write name=spec, e.g. deep=lstm(32) > dense(1)")
                        return nil
                    }
                    texts.append(s)
                }
            } else {
                guard let s = plainText(node), !s.isEmpty else { return wrong() }
                texts = [s]
            }
            var probe = FitConfiguration(input: "")
            do { try probe.setModelSpecs(texts) } catch let problem {
                error(node, "'\(key)' \(problem.message)", hint: problem.hint)
                return nil
            }
            return .texts(texts)
        case .character:
            guard let s = plainText(node), s.count == 1 else { return wrong() }
            return .text(s)
        case .path:
            guard let s = plainText(node), !s.isEmpty else { return wrong() }
            if s.hasPrefix("~") {
                error(node, "'\(key)': '~' is not expanded (cron runs without HOME)",
                      hint: "write the path relative to the pipeline file's folder, or absolute")
                return nil
            }
            return .path(s)
        case .paths:
            if case .sequence(let seq) = node {
                guard !seq.isEmpty else { return wrong() }
                var out: [String] = []
                for item in seq {
                    guard case .path(let p)? = value(item, kind: .path, key: key) else { return nil }
                    out.append(p)
                }
                return .texts(out)
            }
            guard plainText(node) != nil else { return wrong() }
            return value(node, kind: .path, key: key)
        case .targets:
            if case .sequence = node { return value(node, kind: .textList, key: key) }
            guard let s = plainText(node), !s.isEmpty else { return wrong() }
            if s.lowercased() == "all" { return .text("all") }
            // The command line's spelling, `a,b,c`; an empty name is refused as it is there.
            let names = s.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !names.contains(where: \.isEmpty) else {
                error(node, "'\(key)' has an empty column name in '\(s)'", hint: "give 'all' or names separated by commas")
                return nil
            }
            return .texts(names)
        case .textList:
            guard case .sequence(let seq) = node, !seq.isEmpty else { return wrong() }
            var out: [String] = []
            for item in seq {
                guard let s = plainText(item), !s.isEmpty else {
                    error(item, "each item of '\(key)' must be a text value, found \(describe(item))")
                    return nil
                }
                out.append(s)
            }
            return .texts(out)
        case .choice(let choices):
            guard let s = plainText(node) else { return wrong() }
            guard choices.contains(s) else {
                error(node, "'\(key)' must be one of \(choices.joined(separator: ", ")); found '\(s)'",
                      hint: nearest(s, in: choices).map { "did you mean '\($0)'?" })
                return nil
            }
            return .text(s)
        case .choiceList(let choices):
            guard case .sequence(let seq) = node, !seq.isEmpty else { return wrong() }
            var out: [String] = []
            for item in seq {
                guard let s = plainText(item), choices.contains(s) else {
                    let found = plainText(item).map { "'\($0)'" } ?? describe(item)
                    error(item, "each item of '\(key)' must be one of \(choices.joined(separator: ", ")); found \(found)",
                          hint: plainText(item).flatMap { nearest($0, in: choices) }.map { "did you mean '\($0)'?" })
                    return nil
                }
                if out.contains(s) {
                    error(item, "'\(s)' is listed twice in '\(key)'")
                    return nil
                }
                out.append(s)
            }
            return .texts(out)
        case .integer(let minimum):
            guard let scalar = node.scalar, resolvedTag(node) == .int, let n = Int(scalar.string.replacingOccurrences(of: "_", with: "")) ?? node.int else {
                return wrong()
            }
            guard n >= minimum else {
                error(node, "'\(key)' must be at least \(minimum), found \(n)")
                return nil
            }
            return .integer(n)
        case .wholeNumber:
            guard let scalar = node.scalar, resolvedTag(node) == .int, let n = Int(scalar.string.replacingOccurrences(of: "_", with: "")) ?? node.int else {
                return wrong()
            }
            return .integer(n)
        case .number:
            guard node.scalar != nil, resolvedTag(node) == .int || resolvedTag(node) == .float, let x = node.float, x.isFinite else {
                return wrong()
            }
            return .number(x)
        case .cron:
            guard let s = plainText(node) else { return wrong() }
            do {
                return .cron(try CronExpression(s))
            } catch let e as CronExpressionError {
                error(node, "invalid schedule '\(s)': \(e.message)", hint: e.hint)
                return nil
            } catch {
                return wrong()
            }
        case .boolean:
            guard node.scalar != nil, resolvedTag(node) == .bool, let b = node.bool else { return wrong() }
            return .boolean(b)
        case .mapping, .jobList:
            return wrong()
        }
    }

    /// The tag the resolver gave the node (`!!int`, `!!str`, …); Yams keeps `Tag.name` internal.
    func resolvedTag(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.description) }

    /// The text of a scalar that is not null; numbers and booleans are accepted as their text
    /// (a column may well be called `2024`).
    func plainText(_ node: Node) -> String? {
        guard let scalar = node.scalar, resolvedTag(node) != .null else { return nil }
        return scalar.string
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s):
            if resolvedTag(node) == .null { return "nothing (null)" }
            return "'\(s.string)'"
        }
    }

    /// The pairs of a mapping node, or nil (with a problem) when it is not a mapping or has
    /// duplicate or non-text keys.
    mutating func mappingEntries(_ node: Node, context: String) -> [(key: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(context) must be a mapping of 'key: value' lines, found \(describe(node))")
            return nil
        }
        var seen: [String: Int] = [:]
        var entries: [(key: Node, value: Node)] = []
        var ok = true
        for (k, v) in mapping {
            guard let key = k.scalar?.string else {
                error(k, "keys must be plain words, found \(describe(k))")
                ok = false
                continue
            }
            if let first = seen[key] {
                error(k, "duplicate key '\(key)' (first on line \(first))", hint: "remove one of them")
                ok = false
                continue
            }
            seen[key] = k.mark?.line ?? 0
            entries.append((k, v))
        }
        return ok ? entries : nil
    }

    /// The key's text if it is allowed; otherwise records "unknown key" with a spelling hint.
    mutating func checkKey(_ k: Node, allowed: [String], context: String) -> String? {
        guard let key = k.scalar?.string else { return nil }
        guard allowed.contains(key) else {
            let suggestion = nearest(key, in: allowed).map { "did you mean '\($0)'? " } ?? ""
            error(k, "unknown key '\(key)' \(context)",
                  hint: "\(suggestion)valid keys: \(allowed.joined(separator: ", "))")
            return nil
        }
        return key
    }

    /// The closest candidate within edit distance 2, for "did you mean" hints.
    func nearest(_ word: String, in candidates: [String]) -> String? {
        ClosestMatch.among(candidates, to: word)
    }

    static func syntaxError(_ e: YamlError, file: String) -> PipelineError {
        switch e {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let ctx = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return PipelineError(file: file, line: mark.line, column: mark.column,
                                 message: "YAML syntax: \(problem)\(ctx)",
                                 hint: "check indentation (spaces, not tabs) and quoting; quote values containing ': ' or starting with '*' or '@'")
        case .reader(let problem, _, _, _):
            return PipelineError(file: file, line: nil, message: "YAML: \(problem)", hint: "save the file as UTF-8 text")
        default:
            return PipelineError(file: file, line: nil, message: "YAML: \(e)")
        }
    }
}
