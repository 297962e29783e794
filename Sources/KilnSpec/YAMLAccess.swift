/// What a scalar means under the YAML 1.2 core schema (quoted scalars are always strings).
public enum YAMLScalarKind: Equatable, Sendable {
    case null, bool(Bool), int(Int), float(Double), string(String)
}

extension YAMLNode {
    public var scalarKind: YAMLScalarKind? {
        guard case let .scalar(text, style) = value else { return nil }
        if style != .plain || tag == "!!str" || tag == "tag:yaml.org,2002:str" { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        if let int = Int(text) { return .int(int) }
        if text.hasPrefix("0x"), let int = Int(text.dropFirst(2), radix: 16) { return .int(int) }
        if text.hasPrefix("0o"), let int = Int(text.dropFirst(2), radix: 8) { return .int(int) }
        let numeric = text.unicodeScalars.allSatisfy { "0123456789.eE+-".unicodeScalars.contains($0) }
        if numeric, text.unicodeScalars.contains(where: { ("0"..."9").contains($0) }), let double = Double(text) { return .float(double) }
        return .string(text)
    }

    /// How an error message shows what the spec wrote.
    public var kindDescription: String {
        switch value {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar:
            switch scalarKind! {
            case .null: return "null"
            case let .bool(b): return "a boolean \(b)"
            case let .int(i): return "an integer \(i)"
            case let .float(d): return "a number \(d)"
            case let .string(s): return "a string \"\(s.count > 40 ? String(s.prefix(40)) + "..." : s)\""
            }
        }
    }

    public func mismatch(_ expected: String, _ what: String, _ diagnostics: DiagnosticEngine) {
        diagnostics.error("expected \(expected) for '\(what)', received \(kindDescription)", at: location)
    }

    public func int(_ what: String, in diagnostics: DiagnosticEngine) -> Int? {
        if case let .int(i)? = scalarKind { return i }
        // 3.0 is an integer to Python, so it is to Keras's checks.
        if case let .float(d)? = scalarKind, d.rounded() == d, abs(d) < 1e15 { return Int(d) }
        mismatch("an integer", what, diagnostics)
        return nil
    }

    public func double(_ what: String, in diagnostics: DiagnosticEngine) -> Double? {
        switch scalarKind {
        case let .int(i)?: return Double(i)
        case let .float(d)?: return d
        default: mismatch("a number", what, diagnostics); return nil
        }
    }

    public func bool(_ what: String, in diagnostics: DiagnosticEngine) -> Bool? {
        if case let .bool(b)? = scalarKind { return b }
        mismatch("a boolean (true or false)", what, diagnostics)
        return nil
    }

    public func string(_ what: String, in diagnostics: DiagnosticEngine) -> String? {
        if case let .string(s)? = scalarKind { return s }
        mismatch("a string", what, diagnostics)
        return nil
    }

    /// A list of integers (`[3, 4]`), each item checked.
    public func intList(_ what: String, in diagnostics: DiagnosticEngine) -> [Int]? {
        guard let items = sequence(what, in: diagnostics) else { return nil }
        var values: [Int] = []
        for item in items {
            guard let value = item.int(what, in: diagnostics) else { return nil }
            values.append(value)
        }
        return values
    }

    public func sequence(_ what: String, in diagnostics: DiagnosticEngine) -> [YAMLNode]? {
        if case let .sequence(items) = value { return items }
        mismatch("a list", what, diagnostics)
        return nil
    }

    public func mapping(_ what: String, in diagnostics: DiagnosticEngine) -> [(key: YAMLNode, value: YAMLNode)]? {
        if case let .mapping(pairs) = value { return pairs }
        mismatch("a mapping", what, diagnostics)
        return nil
    }
}

/// Reads one mapping's keys; whatever was not read is reported by `finish` as unknown,
/// with a did-you-mean among the keys the reader knows.
public final class MappingReader {
    public let node: YAMLNode
    public let context: String
    let diagnostics: DiagnosticEngine
    private var entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)] = []
    private var used: Set<String> = []

    public init(_ node: YAMLNode, context: String, diagnostics: DiagnosticEngine) {
        self.node = node; self.context = context; self.diagnostics = diagnostics
        if case let .mapping(pairs) = node.value {
            for pair in pairs {
                if case let .scalar(key, _) = pair.key.value {
                    entries.append((key, pair.key, pair.value))
                } else {
                    diagnostics.error("expected a string key in \(context), received \(pair.key.kindDescription)", at: pair.key.location)
                }
            }
        }
    }

    /// The value under `key`, marking the key as known.
    public subscript(key: String) -> YAMLNode? {
        used.insert(key)
        return entries.first { $0.key == key }?.value
    }

    /// Typed getters: nil when absent (no error) or when of the wrong type (error reported).
    public func int(_ key: String) -> Int? { self[key]?.int(key, in: diagnostics) }
    public func double(_ key: String) -> Double? { self[key]?.double(key, in: diagnostics) }
    public func bool(_ key: String) -> Bool? { self[key]?.bool(key, in: diagnostics) }
    public func string(_ key: String) -> String? { self[key]?.string(key, in: diagnostics) }

    /// Whether the mapping has a key that is not `key` but is a likely typo of it: a missing
    /// required key is then left to `finish`'s did-you-mean, so one typo gives one error.
    public func hasMisspelling(of key: String) -> Bool {
        entries.contains { $0.key != key && didYouMean($0.key, among: [key]) != nil }
    }

    /// Reports each key outside `allowed` (and not read), at the key.
    public func finish(allowed: [String]) {
        let known = Set(allowed).union(used)
        for entry in entries where !known.contains(entry.key) {
            var message = "unknown key '\(entry.key)' for \(context)"
            if let guess = didYouMean(entry.key, among: allowed.isEmpty ? Array(used) : allowed) { message += "; did you mean '\(guess)'?" }
            diagnostics.error(message, at: entry.keyNode.location)
        }
    }

    /// Reports each key that was not read.
    public func finish() { finish(allowed: Array(used)) }
}

/// Words longer than this get no suggestion: a typo of a name is short, and comparing long
/// texts costs their product (a 20,000-character word took 8 s and 3 GB).
let maxSuggestionLength = 128

/// The closest candidate by edit distance (case-insensitive, adjacent swaps count once),
/// if it is close enough to be a likely typo.
public func didYouMean(_ word: String, among candidates: [String]) -> String? {
    let target = Array(word.lowercased())
    guard target.count <= maxSuggestionLength else { return nil }
    let threshold = max(1, target.count / 3)
    var best: (String, Int)?
    for candidate in candidates {
        // Only a strictly closer candidate replaces the best one, and only one within the threshold counts.
        let bound = min(threshold, (best?.1 ?? .max) - 1)
        guard bound >= 0 else { break }
        if let distance = editDistance(target, Array(candidate.lowercased()), atMost: bound) { best = (candidate, distance) }
    }
    guard let (guess, distance) = best, distance < target.count else { return nil }
    return guess
}

/// The optimal-string-alignment distance of `a` and `b` if it is at most `bound`, else nil.
/// Three rows, and a length difference over the bound is refused before any work.
func editDistance(_ a: [Character], _ b: [Character], atMost bound: Int) -> Int? {
    guard abs(a.count - b.count) <= bound, b.count <= maxSuggestionLength else { return nil }
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var before = [Int](repeating: 0, count: b.count + 1)  // row i - 2
    var previous = Array(0...b.count)                    // row i - 1
    var row = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        row[0] = i
        var smallest = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { row[j] = min(row[j], before[j - 2] + 1) }
            smallest = min(smallest, row[j])
        }
        // Every later cell is at least this row's smallest.
        if smallest > bound { return nil }
        (before, previous, row) = (previous, row, before)
    }
    return previous[b.count] <= bound ? previous[b.count] : nil
}
