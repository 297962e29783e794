import KilnCore

/// Spark's CSV schema inference (`inferSchema=true`), used by the compiler at build time on a
/// file the spec names, so that the generated code is typed. Each field tries int, then long,
/// then double, then boolean, else string; a column's type is the widest its fields need.
enum CSVInference {
    /// Splits one line into fields as the runtime's reader does (`CSVLineTokenizer`, univocity's
    /// rules); a null field is "".
    static func fields(_ line: Substring, separator: Character = ",", quote: Character = "\"", escape: Character = "\\") -> [String] {
        var tokenizer = CSVLineTokenizer(separator: separator.asciiValue ?? 44, quote: quote.asciiValue ?? 34, escape: escape.asciiValue ?? 92)
        let bytes = Array(line.utf8)
        if bytes.isEmpty { return [""] }
        return bytes.withUnsafeBufferPointer { tokenizer.fields($0.baseAddress!, $0.count) }
    }

    /// The type one field needs, or nil for a null field: empty (whatever `nullValue` is, as
    /// Spark's CSVInferSchema skips it) or `nullValue`.
    static func fieldType(_ text: String, nullValue: String = "") -> DataType? {
        if text.isEmpty || text == nullValue { return nil }
        if Int32(text) != nil { return .int }
        if Int64(text) != nil { return .long }
        if isDouble(text) { return .double }
        if text.lowercased() == "true" || text.lowercased() == "false" { return .boolean }
        return .string
    }

    /// Java's Double.parseDouble subset Spark accepts: decimal and exponent forms, NaN, Infinity.
    static func isDouble(_ text: String) -> Bool {
        if ["NaN", "Infinity", "+Infinity", "-Infinity"].contains(text) { return true }
        var sawDigit = false, sawDot = false, sawExponent = false
        var previous: Character = " "
        for (offset, c) in text.enumerated() {
            switch c {
            case "0"..."9": sawDigit = true
            case "+", "-": if !(offset == 0 || previous == "e" || previous == "E") { return false }
            case ".": if sawDot || sawExponent { return false }; sawDot = true
            case "e", "E": if sawExponent || !sawDigit { return false }; sawExponent = true; sawDigit = false
            default: return false
            }
            previous = c
        }
        return sawDigit
    }

    /// The wider of two inferred types (Spark's `compatibleType` for CSV).
    static func merge(_ a: DataType?, _ b: DataType?) -> DataType? {
        guard let a else { return b }
        guard let b else { return a }
        if a == b { return a }
        if let wider = DataType.widerNumeric(a, b) { return wider }
        return .string
    }

    /// Column types for the given data lines (header excluded); all-null columns are strings.
    static func inferTypes(lines: [Substring], columns: Int, separator: Character, quote: Character, escape: Character, nullValue: String) -> [DataType] {
        var types = [DataType?](repeating: nil, count: columns)
        for line in lines where !line.isEmpty {
            let values = fields(line, separator: separator, quote: quote, escape: escape)
            for (index, value) in values.prefix(columns).enumerated() {
                types[index] = merge(types[index], fieldType(value, nullValue: nullValue))
            }
        }
        return types.map { $0 ?? .string }
    }
}
