/// Spark's CSV schema inference (`inferSchema=true`), used by the compiler at build time on a
/// file the spec names, so that the generated code is typed. Each field tries int, then long,
/// then double, then boolean, else string; a column's type is the widest its fields need.
public enum CSVInference {
    /// Splits one line into fields: `sep` separates, `quote` quotes (a doubled quote or
    /// `escape` before a quote is a literal quote). Quoted fields come back unquoted.
    public static func fields(_ line: Substring, separator: Character = ",", quote: Character = "\"", escape: Character = "\\") -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            let next = line.index(after: index)
            if inQuotes {
                if c == escape, next < line.endIndex, line[next] == quote, escape != quote {
                    current.append(quote); index = line.index(after: next); continue
                }
                if c == quote {
                    if next < line.endIndex, line[next] == quote { current.append(quote); index = line.index(after: next); continue }
                    inQuotes = false
                } else {
                    current.append(c)
                }
            } else if c == quote, current.isEmpty {
                inQuotes = true
            } else if c == separator {
                fields.append(current); current = ""
            } else {
                current.append(c)
            }
            index = next
        }
        fields.append(current)
        return fields
    }

    /// The type one field needs, or nil for a null (empty or `nullValue`) field.
    public static func fieldType(_ text: String, nullValue: String = "") -> DataType? {
        if text == nullValue { return nil }
        if Int32(text) != nil { return .int }
        if Int64(text) != nil { return .long }
        if isDouble(text) { return .double }
        if text.lowercased() == "true" || text.lowercased() == "false" { return .boolean }
        return .string
    }

    /// Java's Double.parseDouble subset Spark accepts: decimal and exponent forms, NaN, Infinity.
    public static func isDouble(_ text: String) -> Bool {
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
    public static func merge(_ a: DataType?, _ b: DataType?) -> DataType? {
        guard let a else { return b }
        guard let b else { return a }
        if a == b { return a }
        if let wider = DataType.widerNumeric(a, b) { return wider }
        return .string
    }

    /// Column types for the given data lines (header excluded); all-null columns are strings.
    public static func inferTypes(lines: [Substring], columns: Int, separator: Character, quote: Character, escape: Character, nullValue: String) -> [DataType] {
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
