#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Spark SQL's operators and functions with Spark 4's default (ANSI) semantics: integer
/// overflow, division by zero and invalid casts are errors, not nulls. Generated code calls
/// these on non-null values; `lift` carries nulls through.
public enum KilnSQL {
    // MARK: nulls

    /// `f(a)` when `a` is not null, else null.
    @inlinable @inline(__always)
    public static func lift<A, R>(_ a: A?, _ f: (A) throws -> R) rethrows -> R? {
        guard let a else { return nil }
        return try f(a)
    }

    /// `f(a, b)` when neither is null, else null.
    @inlinable @inline(__always)
    public static func lift<A, B, R>(_ a: A?, _ b: B?, _ f: (A, B) throws -> R) rethrows -> R? {
        guard let a, let b else { return nil }
        return try f(a, b)
    }

    @inlinable @inline(__always)
    public static func lift<A, B, C, R>(_ a: A?, _ b: B?, _ c: C?, _ f: (A, B, C) throws -> R) rethrows -> R? {
        guard let a, let b, let c else { return nil }
        return try f(a, b, c)
    }

    /// SQL's three-valued AND: false wins over null.
    @inlinable
    public static func and(_ a: Bool?, _ b: Bool?) -> Bool? {
        if a == false || b == false { return false }
        if a == nil || b == nil { return nil }
        return true
    }

    /// SQL's three-valued OR: true wins over null.
    @inlinable
    public static func or(_ a: Bool?, _ b: Bool?) -> Bool? {
        if a == true || b == true { return true }
        if a == nil || b == nil { return nil }
        return false
    }

    // MARK: arithmetic

    public static func overflow(_ type: String, _ operation: String) -> PipelineError {
        PipelineError("[ARITHMETIC_OVERFLOW] \(type) overflow. Use 'try_\(operation)' to tolerate overflow and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error.")
    }

    public static let divideByZero = PipelineError("[DIVIDE_BY_ZERO] Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error.")

    @inlinable public static func add(_ a: Int32, _ b: Int32) throws -> Int32 {
        let (r, o) = a.addingReportingOverflow(b); if o { throw overflow("integer", "add") }; return r
    }
    @inlinable public static func add(_ a: Int64, _ b: Int64) throws -> Int64 {
        let (r, o) = a.addingReportingOverflow(b); if o { throw overflow("long", "add") }; return r
    }
    @inlinable public static func add(_ a: Double, _ b: Double) -> Double { a + b }

    @inlinable public static func subtract(_ a: Int32, _ b: Int32) throws -> Int32 {
        let (r, o) = a.subtractingReportingOverflow(b); if o { throw overflow("integer", "subtract") }; return r
    }
    @inlinable public static func subtract(_ a: Int64, _ b: Int64) throws -> Int64 {
        let (r, o) = a.subtractingReportingOverflow(b); if o { throw overflow("long", "subtract") }; return r
    }
    @inlinable public static func subtract(_ a: Double, _ b: Double) -> Double { a - b }

    @inlinable public static func multiply(_ a: Int32, _ b: Int32) throws -> Int32 {
        let (r, o) = a.multipliedReportingOverflow(by: b); if o { throw overflow("integer", "multiply") }; return r
    }
    @inlinable public static func multiply(_ a: Int64, _ b: Int64) throws -> Int64 {
        let (r, o) = a.multipliedReportingOverflow(by: b); if o { throw overflow("long", "multiply") }; return r
    }
    @inlinable public static func multiply(_ a: Double, _ b: Double) -> Double { a * b }

    /// `/` is always double in Spark; dividing by zero (even 0.0) is an error under ANSI.
    @inlinable public static func divide(_ a: Double, _ b: Double) throws -> Double {
        if b == 0 { throw divideByZero }
        return a / b
    }

    /// `%` truncates toward zero, as Java's.
    @inlinable public static func remainder(_ a: Int32, _ b: Int32) throws -> Int32 {
        if b == 0 { throw divideByZero }
        return a.remainderReportingOverflow(dividingBy: b).partialValue
    }
    @inlinable public static func remainder(_ a: Int64, _ b: Int64) throws -> Int64 {
        if b == 0 { throw divideByZero }
        return a.remainderReportingOverflow(dividingBy: b).partialValue
    }
    @inlinable public static func remainder(_ a: Double, _ b: Double) throws -> Double {
        if b == 0 { throw divideByZero }
        return fmod(a, b)
    }

    @inlinable public static func negate(_ a: Int32) throws -> Int32 {
        if a == .min { throw overflow("integer", "subtract") }; return -a
    }
    @inlinable public static func negate(_ a: Int64) throws -> Int64 {
        if a == .min { throw overflow("long", "subtract") }; return -a
    }
    @inlinable public static func negate(_ a: Double) -> Double { -a }

    @inlinable public static func abs(_ a: Int32) throws -> Int32 {
        if a == .min { throw overflow("integer", "abs") }; return Swift.abs(a)
    }
    @inlinable public static func abs(_ a: Int64) throws -> Int64 {
        if a == .min { throw overflow("long", "abs") }; return Swift.abs(a)
    }
    @inlinable public static func abs(_ a: Double) -> Double { Swift.abs(a) }

    // MARK: comparison (Spark's order: NaN is the largest double and equals itself; -0.0 == 0.0)

    @inlinable public static func compare(_ a: Int32, _ b: Int32) -> Int { a < b ? -1 : a == b ? 0 : 1 }
    @inlinable public static func compare(_ a: Int64, _ b: Int64) -> Int { a < b ? -1 : a == b ? 0 : 1 }
    @inlinable public static func compare(_ a: Double, _ b: Double) -> Int {
        if a < b { return -1 }
        if a > b { return 1 }
        if a == b { return 0 }
        // At least one NaN.
        return a.isNaN ? (b.isNaN ? 0 : 1) : -1
    }
    @inlinable public static func compare(_ a: Bool, _ b: Bool) -> Int { a == b ? 0 : (a ? 1 : -1) }
    @inlinable public static func compare(_ a: KStr, _ b: KStr) -> Int { KStr.compare(a, b) }

    @inlinable public static func equal(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
    @inlinable public static func equal<T: Equatable>(_ a: T, _ b: T) -> Bool { a == b }

    // MARK: strings

    /// Bytes 0x20 (space) only, as Spark's trim/ltrim/rtrim.
    @inlinable public static func trim(_ s: KStr) -> KStr { rtrim(ltrim(s)) }
    @inlinable public static func ltrim(_ s: KStr) -> KStr {
        var i = 0
        while i < s.count, s[i] == 0x20 { i += 1 }
        return KStr(s.base + i, s.count - i)
    }
    @inlinable public static func rtrim(_ s: KStr) -> KStr {
        var n = s.count
        while n > 0, s[n - 1] == 0x20 { n -= 1 }
        return KStr(s.base, n)
    }

    /// Characters (code points), as Spark's length and Python's len.
    @inlinable public static func length(_ s: KStr) -> Int32 {
        var n = 0
        for i in 0..<s.count where s[i] & 0xC0 != 0x80 { n += 1 }
        return Int32(n)
    }

    /// A double as a grouping key keeps it: -0.0 as 0.0 and every NaN as the one NaN
    /// (Spark's NormalizeFloatingNumbers), matching the key bytes KeyEncoder groups by.
    @inlinable public static func groupKey(_ v: Double) -> Double { v.isNaN ? .nan : (v == 0 ? 0 : v) }
    @inlinable public static func groupKey(_ v: Double?) -> Double? { v.map(groupKey) }

    public static func lower(_ s: KStr, _ scratch: Scratch) -> KStr {
        let out = scratch.allocate((s.count + 7) & ~7)  // whole words: see KilnASCII.lower
        if KilnASCII.lower(s, into: out) { return KStr(out, s.count) }
        return scratch.copy(SparkCase.lower(s.string))  // ICU's rules, as Spark 4: final sigma, İ
    }

    public static func upper(_ s: KStr, _ scratch: Scratch) -> KStr {
        if s.isASCII {
            let out = scratch.allocate(s.count)
            for i in 0..<s.count {
                let b = s[i]
                out[i] = b &- 97 < 26 ? b & ~0x20 : b
            }
            return KStr(out, s.count)
        }
        return scratch.copy(SparkCase.upper(s.string))  // ICU's rules, as Spark 4: ß -> SS
    }

    public static func concat(_ parts: [KStr], _ scratch: Scratch) -> KStr {
        let total = parts.reduce(0) { $0 + $1.count }
        let out = scratch.allocate(total)
        var at = 0
        for part in parts where part.count > 0 {
            (out + at).update(from: part.base, count: part.count)
            at += part.count
        }
        return KStr(out, total)
    }

    /// Spark's substring(s, pos, len) on characters: pos is 1-based, 0 means 1, negative
    /// counts from the end; a negative or zero length gives "".
    public static func substring(_ s: KStr, _ pos: Int32, _ length: Int32) -> KStr {
        let starts = characterStarts(s)
        let count = starts.count
        var start = pos > 0 ? Int(pos) - 1 : (pos < 0 ? count + Int(pos) : 0)
        let end = min(max(start + Int(length), Int(Int32.min)), Int(Int32.max))
        start = max(start, 0)
        if start >= end || start >= count { return KStr(s.base, 0) }
        let from = starts[start], to = end >= count ? s.count : starts[end]
        return KStr(s.base + from, to - from)
    }

    /// Byte offsets where each character begins.
    static func characterStarts(_ s: KStr) -> [Int] {
        var starts: [Int] = []
        starts.reserveCapacity(s.count)
        for i in 0..<s.count where s[i] & 0xC0 != 0x80 { starts.append(i) }
        return starts
    }

    @inlinable public static func contains(_ s: KStr, _ t: KStr) -> Bool { find(t, in: s, from: 0) != nil }
    @inlinable public static func startswith(_ s: KStr, _ t: KStr) -> Bool { t.count <= s.count && KStr(s.base, t.count) == t }
    @inlinable public static func endswith(_ s: KStr, _ t: KStr) -> Bool { t.count <= s.count && KStr(s.base + s.count - t.count, t.count) == t }

    /// Byte offset of the first occurrence of `t` in `s` at or after `from`.
    @inlinable public static func find(_ t: KStr, in s: KStr, from: Int) -> Int? {
        if t.count == 0 { return from <= s.count ? from : nil }
        guard s.count - from >= t.count else { return nil }
        let first = t[0]
        var i = from
        let last = s.count - t.count
        while i <= last {
            if s[i] == first && memcmp(s.base + i + 1, t.base + 1, t.count - 1) == 0 { return i }
            i += 1
        }
        return nil
    }

    /// Spark's split(s, sep) with a literal separator: empty fields kept, "" gives [""].
    public static func split(_ s: KStr, _ separator: KStr) -> [KStr] {
        var parts: [KStr] = []
        var start = 0
        while let at = find(separator, in: s, from: start) {
            parts.append(KStr(s.base + start, at - start))
            start = at + separator.count
        }
        parts.append(KStr(s.base + start, s.count - start))
        return parts
    }

    /// Python's str.split(): the tokens between runs of whitespace.
    @inlinable public static func splitWhitespace(_ s: KStr) -> WhitespaceTokens { WhitespaceTokens(s) }

    // MARK: casts (Spark's rules under ANSI)

    static func invalidCast(_ s: KStr, _ type: String) -> PipelineError {
        PipelineError("[CAST_INVALID_INPUT] The value '\(s.string)' of the type \"STRING\" cannot be cast to \"\(type)\" because it is malformed. Correct the value as per the syntax, or change its target type. Use `try_cast` to tolerate malformed input and return NULL instead.")
    }

    static func castOverflow(_ text: String, from: String, to: String) -> PipelineError {
        PipelineError("[CAST_OVERFLOW] The value \(text) of the type \"\(from)\" cannot be cast to \"\(to)\" due to an overflow. Use `try_cast` to tolerate overflow and return NULL instead.")
    }

    /// Leading and trailing bytes <= 0x20 go, as Spark trims before parsing numbers.
    @inlinable static func trimControl(_ s: KStr) -> KStr {
        var start = 0, end = s.count
        while start < end, s[start] <= 0x20 { start += 1 }
        while end > start, s[end - 1] <= 0x20 { end -= 1 }
        return KStr(s.base + start, end - start)
    }

    public static func castToLong(_ s: KStr) throws -> Int64 {
        guard let value = parseInteger(trimControl(s)) else { throw invalidCast(s, "BIGINT") }
        return value
    }

    public static func castToInt(_ s: KStr) throws -> Int32 {
        guard let value = parseInteger(trimControl(s)), let narrow = Int32(exactly: value) else { throw invalidCast(s, "INT") }
        return narrow
    }

    /// An optional sign and decimal digits, within Int64.
    @inlinable public static func parseInteger(_ s: KStr) -> Int64? {
        guard s.count > 0 else { return nil }
        var i = 0
        var negative = false
        if s[0] == 45 || s[0] == 43 { negative = s[0] == 45; i = 1 }
        guard i < s.count else { return nil }
        var value: Int64 = 0
        while i < s.count {
            let d = s[i] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            value = a
            i += 1
        }
        return value
    }

    public static func castToDouble(_ s: KStr) throws -> Double {
        guard let value = parseDouble(trimControl(s)) else { throw invalidCast(s, "DOUBLE") }
        return value
    }

    /// Java's Double.parseDouble syntax (decimal, exponent, optional d/f suffix) plus Spark's
    /// inf/infinity/nan in any case.
    public static func parseDouble(_ s: KStr) -> Double? {
        let text = s.string
        switch text.lowercased() {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: break
        }
        var body = Substring(text)
        if let last = body.last, "dDfF".contains(last) { body = body.dropLast() }
        var sawDigit = false, sawDot = false, sawExponent = false, digitsAfterExponent = false
        for (offset, c) in body.enumerated() {
            switch c {
            case "0"..."9": if sawExponent { digitsAfterExponent = true } else { sawDigit = true }
            case "+", "-":
                let previous = offset > 0 ? body[body.index(body.startIndex, offsetBy: offset - 1)] : " "
                if !(offset == 0 || previous == "e" || previous == "E") { return nil }
            case ".": if sawDot || sawExponent { return nil }; sawDot = true
            case "e", "E": if sawExponent || !sawDigit { return nil }; sawExponent = true
            default: return nil
            }
        }
        guard sawDigit, !sawExponent || digitsAfterExponent else { return nil }
        return strtod(String(body), nil)
    }

    public static func castToBoolean(_ s: KStr) throws -> Bool {
        switch trimControl(s).string.lowercased() {
        case "t", "true", "y", "yes", "1": return true
        case "f", "false", "n", "no", "0": return false
        default: throw invalidCast(s, "BOOLEAN")
        }
    }

    public static func castToInt(_ v: Int64) throws -> Int32 {
        guard let narrow = Int32(exactly: v) else { throw castOverflow("\(v)L", from: "BIGINT", to: "INT") }
        return narrow
    }

    public static func castToInt(_ v: Double) throws -> Int32 {
        guard v.isFinite, v > -2147483649.0, v < 2147483648.0 else { throw castOverflow(JavaDoubleFormat.string(v) + "D", from: "DOUBLE", to: "INT") }
        return Int32(v.rounded(.towardZero))
    }

    public static func castToLong(_ v: Double) throws -> Int64 {
        guard v.isFinite, v >= -9223372036854775808.0, v < 9223372036854775808.0 else { throw castOverflow(JavaDoubleFormat.string(v) + "D", from: "DOUBLE", to: "BIGINT") }
        return Int64(v.rounded(.towardZero))
    }

    public static func string(_ v: Int32, _ scratch: Scratch) -> KStr { scratch.copy(String(v)) }
    public static func string(_ v: Int64, _ scratch: Scratch) -> KStr { scratch.copy(String(v)) }
    public static func string(_ v: Double, _ scratch: Scratch) -> KStr { scratch.copy(JavaDoubleFormat.string(v)) }
    public static func string(_ v: Bool, _ scratch: Scratch) -> KStr { KStr(v ? "true" : "false") }
}

/// Python's str.split() tokens of a string, without allocating: runs of whitespace separate
/// (the ASCII whitespace and control separators 0x09-0x0D, 0x1C-0x20, and Unicode's spaces),
/// and there are no empty tokens.
@frozen
public struct WhitespaceTokens: IteratorProtocol, Sequence {
    @usableFromInline let s: KStr
    @usableFromInline var i = 0

    @inlinable
    public init(_ s: KStr) { self.s = s }

    /// The length of the whitespace character at `i`, or 0.
    @inlinable @inline(__always)
    func whitespaceLength(at i: Int) -> Int {
        let b = s[i]
        if b < 0x80 {
            return (b == 0x20 || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F)) ? 1 : 0
        }
        return Self.unicodeSpaceLength(s, i)
    }

    @usableFromInline
    static func unicodeSpaceLength(_ s: KStr, _ i: Int) -> Int {
        let b0 = s[i]
        if b0 == 0xC2, i + 1 < s.count, s[i + 1] == 0x85 || s[i + 1] == 0xA0 { return 2 }
        guard i + 2 < s.count else { return 0 }
        let b1 = s[i + 1], b2 = s[i + 2]
        switch b0 {
        case 0xE1: return b1 == 0x9A && b2 == 0x80 ? 3 : 0  // U+1680
        case 0xE2:
            if b1 == 0x80, (b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF { return 3 }  // U+2000-200A, 2028, 2029, 202F
            if b1 == 0x81, b2 == 0x9F { return 3 }  // U+205F
            return 0
        case 0xE3: return b1 == 0x80 && b2 == 0x80 ? 3 : 0  // U+3000
        default: return 0
        }
    }

    @inlinable
    public mutating func next() -> KStr? {
        let n = s.count
        while i < n {
            let w = whitespaceLength(at: i)
            if w == 0 { break }
            i += w
        }
        guard i < n else { return nil }
        let start = i
        while i < n {
            // Eight bytes at a time while they are all printable ASCII (0x21...0x7F, never a space).
            if i + 8 <= n {
                let special = KilnASCII.firstBelow0x21OrNonASCII(UnsafeRawPointer(s.base + i).loadUnaligned(as: UInt64.self))
                if special == 8 { i += 8; continue }
                i += special
            }
            if whitespaceLength(at: i) != 0 { break }
            i += 1
        }
        return KStr(s.base + start, i - start)
    }
}

/// Byte-parallel ASCII helpers: eight bytes per step in a 64-bit word.
public enum KilnASCII {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The index (0...7, little-endian) of the first byte of `word` below 0x21 or above 0x7F, or 8.
    /// Exact: a borrow starts only at a byte below 0x21, which is itself marked.
    @inlinable @inline(__always)
    public static func firstBelow0x21OrNonASCII(_ word: UInt64) -> Int {
        let marked = ((word &- 0x21 &* ones) | word) & highs
        return marked.trailingZeroBitCount >> 3
    }

    /// `word` with 'A'...'Z' made lowercase; every byte must be ASCII.
    @inlinable @inline(__always)
    static func lowerWord(_ word: UInt64) -> UInt64 {
        let atLeastA = word &+ (0x80 - 0x41) &* ones  // high bit set where byte >= 'A'
        let aboveZ = word &+ (0x80 - 0x5B) &* ones  // high bit set where byte > 'Z'
        return word | (((atLeastA ^ aboveZ) & highs) >> 2)
    }

    /// Writes `s` lowercased (ASCII rules) to `out` (room for `s.count` rounded up to whole
    /// words: the tail is stored as one zero-padded word) and returns true,
    /// or returns false, `out` undefined, when `s` has a byte above 0x7F.
    @inlinable @inline(__always)
    public static func lower(_ s: KStr, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        let n = s.count
        var i = 0
        while i + 8 <= n {
            let word = UnsafeRawPointer(s.base + i).loadUnaligned(as: UInt64.self)
            if word & highs != 0 { return false }
            UnsafeMutableRawPointer(out + i).storeBytes(of: lowerWord(word), as: UInt64.self)
            i += 8
        }
        if i < n {
            // The tail as one zero-padded word, so that a hash's word loads of `out` each fall
            // inside one store and are forwarded from it (loads spanning byte stores stall).
            let word = KilnHash.word(UnsafeRawPointer(s.base + i), n - i)
            if word & highs != 0 { return false }
            UnsafeMutableRawPointer(out + i).storeBytes(of: lowerWord(word), as: UInt64.self)
        }
        return true
    }
}
