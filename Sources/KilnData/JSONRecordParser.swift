#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A line that is not JSON as Spark's Jackson parser accepts it (the whole record is bad).
struct JSONSyntaxError: Error {
    var message: String
    /// Byte offset in the line where reading failed; nil when the JSON is valid but not a record.
    var offset: Int?
}

/// One JSON line read against a schema, as Spark's JSON reader (Jackson with Spark's
/// features: single-quoted strings and NaN/Infinity allowed; comments, unquoted names,
/// leading zeros, trailing commas and unescaped control characters not) turns it into rows.
///
/// - The record is an object, or an array of objects (one row each; `[]` gives none). Anything
///   after the first value on the line is ignored, as Jackson stops reading there.
/// - Fields match schema names exactly (case-sensitive); unknown fields are skipped (but must
///   be valid JSON); a repeated field: the last readable value wins.
/// - A value of the wrong type leaves its field null and makes the record malformed
///   ("partial result"): int/long take integer numbers in range only; double takes numbers
///   and the strings "NaN", "Infinity", "+Infinity", "-Infinity", "+INF", "-INF"; boolean only
///   true/false; a string column takes any value, non-strings as their raw JSON text; an array
///   column takes an array whose elements all convert (else the whole array is null).
final class JSONRecordParser {
    enum Staged {
        case null
        case integer(Int64)
        case double(Double)
        case boolean(Bool)
        /// Bytes `from..<to` of `stage`.
        case string(Int, Int)
        case list([Staged])
    }

    /// What a line gave.
    enum Outcome {
        /// Blank line, or an empty top-level array.
        case noRows
        /// `rows` staged rows; `badField` is the first field that did not convert (-1: none).
        case rows(badField: Int, badValue: String)
        /// Not a JSON object (or array of objects): one all-null row in PERMISSIVE.
        case syntaxError(JSONSyntaxError)
    }

    let schema: Schema
    let names: [[UInt8]]
    let types: [DataType]
    // Parsing state, owned by one worker: no dynamic exclusivity checks.
    /// Staged rows of the current line (top-level arrays give several).
    @exclusivity(unchecked) private(set) var rows: [[Staged]] = []
    /// Bytes of the staged strings.
    @exclusivity(unchecked) private(set) var stage: [UInt8] = []
    @exclusivity(unchecked) private var key: [UInt8] = []
    @exclusivity(unchecked) private var p: UnsafePointer<UInt8> = KStr.empty.base
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var pos = 0
    @exclusivity(unchecked) private var depth = 0
    @exclusivity(unchecked) private var encoder = UTF16ToUTF8()
    @exclusivity(unchecked) private var badField = -1
    @exclusivity(unchecked) private var badValue = ""
    static let maxDepth = 1000

    init(schema: Schema) {
        self.schema = schema
        names = schema.fields.map { Array($0.name.utf8) }
        types = schema.fields.map(\.type)
    }

    func parse(_ line: UnsafePointer<UInt8>, _ count: Int) -> Outcome {
        p = line; end = count; pos = 0; depth = 0
        rows.removeAll(keepingCapacity: true)
        stage.removeAll(keepingCapacity: true)
        badField = -1; badValue = ""
        do throws(JSONSyntaxError) {
            skipWhitespace()
            if pos == end { return .noRows }
            switch p[pos] {
            case UInt8(ascii: "{"):
                rows.append(try parseObjectRow())
            case UInt8(ascii: "["):
                try parseArrayOfRows()
                if rows.isEmpty { return .noRows }
            default:
                try skipValue()
                throw JSONSyntaxError(message: "a record must be a JSON object or an array of objects", offset: nil)
            }
            return .rows(badField: badField, badValue: badValue)
        } catch {
            rows.removeAll(keepingCapacity: true)
            return .syntaxError(error)
        }
    }

    // MARK: structure

    private func fail(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, offset: pos)
    }

    @inline(__always)
    private func skipWhitespace() {
        while pos < end {
            let c = p[pos]
            if c == 32 || c == 9 || c == 10 || c == 13 { pos += 1 } else { return }
        }
    }

    private func expect(_ c: UInt8, _ what: String) throws(JSONSyntaxError) {
        skipWhitespace()
        guard pos < end, p[pos] == c else { throw fail(pos < end ? "expected \(what)" : "unexpected end of line, expected \(what)") }
        pos += 1
    }

    private func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth)") }
    }

    /// Enters the object or array whose opener is at `pos`: false when it is empty (and left
    /// again), true when a member or element comes next.
    private func open(closing: UInt8) throws(JSONSyntaxError) -> Bool {
        try enter()
        pos += 1
        skipWhitespace()
        if pos < end && p[pos] == closing { pos += 1; depth -= 1; return false }
        return true
    }

    /// After a member or element: true past a ',' (another comes), false past the closer (the
    /// object or array is left).
    private func next(closing: UInt8) throws(JSONSyntaxError) -> Bool {
        let isObject = closing == UInt8(ascii: "}")
        skipWhitespace()
        guard pos < end else { throw fail(isObject ? "unexpected end of line in an object" : "unexpected end of line in an array") }
        if p[pos] == UInt8(ascii: ",") { pos += 1; return true }
        if p[pos] == closing { pos += 1; depth -= 1; return false }
        throw fail(isObject ? "expected ',' or '}'" : "expected ',' or ']'")
    }

    /// `{...}` at `pos` as one row.
    private func parseObjectRow() throws(JSONSyntaxError) -> [Staged] {
        var row = [Staged](repeating: .null, count: types.count)
        guard try open(closing: UInt8(ascii: "}")) else { return row }
        repeat {
            skipWhitespace()
            guard pos < end, p[pos] == 34 || p[pos] == 39 else { throw fail(pos < end ? "expected a field name in quotes" : "unexpected end of line in an object") }
            key.removeAll(keepingCapacity: true)
            try readString(into: &key)
            try expect(UInt8(ascii: ":"), "':' after a field name")
            skipWhitespace()
            if let column = columnIndex() {
                let start = pos
                if let value = try convert(types[column]) {
                    row[column] = value
                } else if badField < 0 {
                    badField = column
                    badValue = MalformedRecordReporter.excerpt(KStr(p + start, pos - start), limit: 60)
                }
            } else {
                try skipValue()
            }
        } while try next(closing: UInt8(ascii: "}"))
        return row
    }

    /// A top-level `[...]`: every element must be an object.
    private func parseArrayOfRows() throws(JSONSyntaxError) {
        guard try open(closing: UInt8(ascii: "]")) else { return }
        repeat {
            skipWhitespace()
            guard pos < end else { throw fail("unexpected end of line in an array") }
            if p[pos] == UInt8(ascii: "{") {
                rows.append(try parseObjectRow())
            } else {
                try skipValue()
                throw JSONSyntaxError(message: "a top-level array must hold objects only", offset: nil)
            }
        } while try next(closing: UInt8(ascii: "]"))
    }

    private func columnIndex() -> Int? {
        let n = key.count
        return key.withUnsafeBufferPointer { k -> Int? in
            for (index, name) in names.enumerated() where name.count == n {
                if n == 0 || name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, k.baseAddress!, n) }) == 0 { return index }
            }
            return nil
        }
    }

    // MARK: values

    /// The value at `pos` converted to `type`, or nil (value skipped) when it does not fit.
    private func convert(_ type: DataType) throws(JSONSyntaxError) -> Staged? {
        guard pos < end else { throw fail("unexpected end of line, expected a value") }
        let start = pos
        let c = p[pos]
        switch c {
        case 34, 39:  // " '
            switch type {
            case .string:
                let from = stage.count
                try readString(into: &stage)
                return .string(from, stage.count)
            case .double:
                key.removeAll(keepingCapacity: true)
                try readString(into: &key)
                return key.withUnsafeBufferPointer { text -> Staged? in
                    guard let base = text.baseAddress else { return nil }
                    let n = text.count
                    if JavaText.matches(base, n, "NaN") { return .double(.nan) }
                    if JavaText.matches(base, n, "Infinity") || JavaText.matches(base, n, "+Infinity") || JavaText.matches(base, n, "+INF") { return .double(.infinity) }
                    if JavaText.matches(base, n, "-Infinity") || JavaText.matches(base, n, "-INF") { return .double(-.infinity) }
                    return nil
                }
            default:
                try skipString()
                return nil
            }
        case UInt8(ascii: "{"):
            try skipValue()
            return type == .string ? rawText(from: start) : nil
        case UInt8(ascii: "["):
            if case let .array(element) = type {
                var elements: [Staged] = []
                var ok = true
                guard try open(closing: UInt8(ascii: "]")) else { return .list(elements) }
                repeat {
                    skipWhitespace()
                    if let value = try convert(element) { elements.append(value) } else { ok = false }
                } while try next(closing: UInt8(ascii: "]"))
                return ok ? .list(elements) : nil
            }
            try skipValue()
            return type == .string ? rawText(from: start) : nil
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let literal = try readLiteral()
            switch (literal, type) {
            case (nil, _): return .null
            case let (value?, .boolean): return .boolean(value)
            case (_, .string): return rawText(from: start)
            default: return nil
            }
        default:
            let number = try readNumber()
            switch type {
            case .string:
                return rawText(from: start)
            case .int, .long:
                guard number.isInteger else { return nil }
                let bounds: (Int64, Int64) = type == .int ? (Int64(Int32.min), Int64(Int32.max)) : (Int64.min, Int64.max)
                return JavaText.parseInteger(p + start, pos - start, min: bounds.0, max: bounds.1).map { .integer($0) }
            case .double:
                if let special = number.special { return .double(special) }
                let n = pos - start
                // Jackson converts an integer token through its long value: -0 becomes 0.0.
                if number.isInteger, let value = JavaText.parseInteger(p + start, n, min: Int64.min, max: Int64.max) { return .double(Double(value)) }
                if let value = JavaText.parseSimpleDecimal(p + start, n) ?? JavaText.strtodText(p + start, n) { return .double(value) }
                return nil
            default:
                return nil
            }
        }
    }

    private func rawText(from start: Int) -> Staged {
        let from = stage.count
        stage.append(contentsOf: UnsafeBufferPointer(start: p + start, count: pos - start))
        return .string(from, stage.count)
    }

    /// Skips (and checks) the value at `pos`.
    private func skipValue() throws(JSONSyntaxError) {
        guard pos < end else { throw fail("unexpected end of line, expected a value") }
        switch p[pos] {
        case 34, 39:
            try skipString()
        case UInt8(ascii: "{"):
            guard try open(closing: UInt8(ascii: "}")) else { return }
            repeat {
                skipWhitespace()
                guard pos < end, p[pos] == 34 || p[pos] == 39 else { throw fail(pos < end ? "expected a field name in quotes" : "unexpected end of line in an object") }
                try skipString()
                try expect(UInt8(ascii: ":"), "':' after a field name")
                skipWhitespace()
                try skipValue()
            } while try next(closing: UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            guard try open(closing: UInt8(ascii: "]")) else { return }
            repeat {
                skipWhitespace()
                try skipValue()
            } while try next(closing: UInt8(ascii: "]"))
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            _ = try readLiteral()
        default:
            _ = try readNumber()
        }
    }

    /// true, false or null (nil).
    private func readLiteral() throws(JSONSyntaxError) -> Bool? {
        let rest = end - pos
        if rest >= 4 && JavaText.matches(p + pos, 4, "true") { pos += 4; return true }
        if rest >= 5 && JavaText.matches(p + pos, 5, "false") { pos += 5; return false }
        if rest >= 4 && JavaText.matches(p + pos, 4, "null") { pos += 4; return nil }
        throw fail("unrecognized token")
    }

    /// A number token as Jackson reads it: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`,
    /// or NaN, Infinity, +Infinity, -Infinity, +INF, -INF.
    private func readNumber() throws(JSONSyntaxError) -> (isInteger: Bool, special: Double?) {
        let start = pos
        var negative = false
        if p[pos] == 45 || p[pos] == 43 {
            negative = p[pos] == 45
            pos += 1
            if pos < end && p[pos] == UInt8(ascii: "I") {
                if end - pos >= 8 && JavaText.matches(p + pos, 8, "Infinity") { pos += 8 } else if end - pos >= 3 && JavaText.matches(p + pos, 3, "INF") { pos += 3 } else { throw fail("unrecognized token") }
                return (false, negative ? -.infinity : .infinity)
            }
            if p[start] == 43 { throw fail("a number may not start with '+'") }
        } else if p[pos] == UInt8(ascii: "N") {
            if end - pos >= 3 && JavaText.matches(p + pos, 3, "NaN") { pos += 3; return (false, .nan) }
            throw fail("unrecognized token")
        } else if p[pos] == UInt8(ascii: "I") {
            if end - pos >= 8 && JavaText.matches(p + pos, 8, "Infinity") { pos += 8; return (false, .infinity) }
            throw fail("unrecognized token")
        }
        guard pos < end, p[pos] &- 48 <= 9 else { throw fail("unexpected character in a number") }
        if p[pos] == 48 {
            pos += 1
            if pos < end && p[pos] &- 48 <= 9 { throw fail("leading zeros are not allowed") }
        } else {
            while pos < end && p[pos] &- 48 <= 9 { pos += 1 }
        }
        var isInteger = true
        if pos < end && p[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard pos < end, p[pos] &- 48 <= 9 else { throw fail("a decimal point must be followed by digits") }
            while pos < end && p[pos] &- 48 <= 9 { pos += 1 }
        }
        if pos < end && p[pos] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            pos += 1
            if pos < end && (p[pos] == 43 || p[pos] == 45) { pos += 1 }
            guard pos < end, p[pos] &- 48 <= 9 else { throw fail("an exponent must have digits") }
            while pos < end && p[pos] &- 48 <= 9 { pos += 1 }
        }
        return (isInteger, nil)
    }

    // MARK: strings

    private func skipString() throws(JSONSyntaxError) {
        key.removeAll(keepingCapacity: true)
        try readString(into: &key)
    }

    /// The string at `pos` ("..." or '...'), decoded to UTF-8 as Spark holds it: escapes
    /// resolved, lone surrogates as '?', and UTF-8 decoded as leniently as Jackson does.
    private func readString(into out: inout [UInt8]) throws(JSONSyntaxError) {
        let quote = p[pos]
        pos += 1
        encoder = UTF16ToUTF8()
        while true {
            // A run of plain ASCII.
            let runStart = pos
            while pos < end {
                let c = p[pos]
                if c == quote || c == 92 || c < 32 || c >= 0x80 { break }
                pos += 1
            }
            if pos > runStart {
                flushSurrogate(&out)
                out.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: pos - runStart))
            }
            guard pos < end else { throw fail("unterminated string") }
            let c = p[pos]
            if c == quote {
                pos += 1
                flushSurrogate(&out)
                return
            }
            if c == 92 {
                pos += 1
                guard pos < end else { throw fail("unterminated string") }
                let e = p[pos]
                pos += 1
                switch e {
                case 34, 92, 47, 39: flushSurrogate(&out); out.append(e)
                case UInt8(ascii: "b"): flushSurrogate(&out); out.append(8)
                case UInt8(ascii: "f"): flushSurrogate(&out); out.append(12)
                case UInt8(ascii: "n"): flushSurrogate(&out); out.append(10)
                case UInt8(ascii: "r"): flushSurrogate(&out); out.append(13)
                case UInt8(ascii: "t"): flushSurrogate(&out); out.append(9)
                case UInt8(ascii: "u"):
                    guard end - pos >= 4 else { throw fail("bad \\u escape") }
                    var unit: UInt16 = 0
                    for _ in 0..<4 {
                        let h = p[pos]
                        let digit: UInt8
                        if h &- 48 <= 9 { digit = h - 48 } else if (h | 0x20) &- 97 <= 5 { digit = (h | 0x20) - 87 } else { throw fail("bad \\u escape") }
                        unit = unit << 4 | UInt16(digit)
                        pos += 1
                    }
                    addUnit(unit, &out)
                default:
                    throw fail("unrecognized escape '\\\(Unicode.Scalar(e))'")
                }
                continue
            }
            if c < 32 { throw fail("unescaped control character in a string") }
            try readMultiByte(&out)
        }
    }

    /// A non-ASCII character as Jackson decodes UTF-8: lead bytes C0-DF, E0-EF, F0-F7 with the
    /// right count of continuation bytes (overlong forms and surrogates pass), else an error.
    private func readMultiByte(_ out: inout [UInt8]) throws(JSONSyntaxError) {
        let lead = p[pos]
        let extra: Int
        switch lead {
        case 0xC0...0xDF: extra = 1
        case 0xE0...0xEF: extra = 2
        case 0xF0...0xF7: extra = 3
        default: throw fail("invalid UTF-8")
        }
        guard end - pos > extra else { throw fail("invalid UTF-8") }
        var value = Int32(lead) & (extra == 1 ? 0x1F : extra == 2 ? 0x0F : 0x07)
        for k in 1...extra {
            let b = p[pos + k]
            guard b & 0xC0 == 0x80 else { throw fail("invalid UTF-8") }
            value = value << 6 | Int32(b & 0x3F)
        }
        pos += extra + 1
        if extra < 3 {
            addUnit(UInt16(truncatingIfNeeded: value), &out)
        } else {
            let offset = value - 0x10000
            addUnit(UInt16(truncatingIfNeeded: 0xD800 | (offset >> 10)), &out)
            addUnit(UInt16(truncatingIfNeeded: 0xDC00 | (offset & 0x3FF)), &out)
        }
    }

    @inline(__always)
    private func flushSurrogate(_ out: inout [UInt8]) { encoder.finish(to: &out) }

    @inline(__always)
    private func addUnit(_ unit: UInt16, _ out: inout [UInt8]) { encoder.add(unit, to: &out) }
}
