#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text-to-value rules of the JVM as Spark's CSV reader applies them to a field:
/// `Integer.parseInt`, `Long.parseLong`, `Double.parseDouble`, Scala's `toBoolean`, and the
/// UTF-8 decoding (with replacement) that `new String(bytes, "UTF-8")` does.
enum JavaText {
    // MARK: integers

    /// `Integer.parseInt` / `Long.parseLong` within `min...max`: an optional sign, then one or
    /// more decimal digits. No spaces, no decimal point, no exponent. Like Java, any Unicode
    /// decimal digit of the BMP counts (`٣` is 3).
    @inline(__always)
    static func parseInteger(_ p: UnsafePointer<UInt8>, _ n: Int, min: Int64, max: Int64) -> Int64? {
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        let first = p[0]
        if first < 48 {  // below '0': only a sign may stand here
            if first == 45 { negative = true } else if first != 43 { return nil }
            if n == 1 { return nil }
            i = 1
        }
        let limit = negative ? UInt64(bitPattern: 0 &- min) : UInt64(max)
        var value: UInt64 = 0
        while i < n {
            let digit = UInt64(p[i] &- 48)
            if digit > 9 {
                if p[i] < 0x80 { return nil }
                return parseIntegerUnicode(p, n, from: i, value: value, negative: negative, limit: limit)
            }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(digit)
            if o1 || o2 || sum > limit { return nil }
            value = sum
            i += 1
        }
        return negative ? Int64(bitPattern: 0 &- value) : Int64(value)
    }

    /// The rest of an integer that contains non-ASCII digits (Character.digit's rule).
    static func parseIntegerUnicode(_ p: UnsafePointer<UInt8>, _ n: Int, from start: Int, value initial: UInt64, negative: Bool, limit: UInt64) -> Int64? {
        var value = initial
        var ok = true
        forEachJavaChar(p + start, n - start) { unit in
            guard ok else { return }
            let digit: UInt64
            if unit >= 48 && unit <= 57 {
                digit = UInt64(unit - 48)
            } else if let scalar = Unicode.Scalar(unit), scalar.properties.generalCategory == .decimalNumber,
                      let numeric = scalar.properties.numericValue, numeric >= 0, numeric <= 9 {
                digit = UInt64(numeric)
            } else {
                ok = false; return
            }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(digit)
            if o1 || o2 || sum > limit { ok = false; return }
            value = sum
        }
        guard ok else { return nil }
        return negative ? Int64(bitPattern: 0 &- value) : Int64(value)
    }

    // MARK: doubles

    static let exactPowersOf10: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// `Double.parseDouble`: surrounding chars <= ' ' trimmed; an optional sign; `NaN`,
    /// `Infinity`, a decimal (`1`, `1.`, `.5`, `1e3`) or a hex float (`0x1.8p1`); an optional
    /// `f`/`F`/`d`/`D` suffix. Correctly rounded.
    static func parseDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        var start = 0, end = n
        while start < end && p[start] <= 32 { start += 1 }
        while end > start && p[end - 1] <= 32 { end -= 1 }
        guard start < end else { return nil }
        var i = start
        var negative = false
        if p[i] == 43 || p[i] == 45 { negative = p[i] == 45; i += 1 }
        guard i < end else { return nil }
        if p[i] == 78 { return matches(p + i, end - i, "NaN") ? Double.nan : nil }
        if p[i] == 73 { return matches(p + i, end - i, "Infinity") ? (negative ? -Double.infinity : Double.infinity) : nil }
        if p[i] == 48, i + 1 < end, p[i + 1] | 0x20 == 120 { return parseHexDouble(p + start, end - start) }

        // Decimal: digits [. digits] [e [sign] digits] [fFdD]
        var mantissa: UInt64 = 0
        var significant = 0     // digits folded into `mantissa`
        var dropped = 0         // integer digits past 19 (each a factor of 10)
        var fractionDigits = 0  // fraction digits folded into `mantissa`
        var exact = true        // no nonzero digit was dropped
        var sawDigit = false
        var j = i
        while j < end, p[j] &- 48 <= 9 {
            sawDigit = true
            if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(p[j] - 48)
                if mantissa != 0 { significant += 1 }
            } else {
                dropped += 1
                if p[j] != 48 { exact = false }
            }
            j += 1
        }
        if j < end, p[j] == 46 {
            j += 1
            while j < end, p[j] &- 48 <= 9 {
                sawDigit = true
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[j] - 48)
                    if mantissa != 0 { significant += 1 }
                    fractionDigits += 1
                } else if p[j] != 48 {
                    exact = false
                }
                j += 1
            }
        }
        guard sawDigit else { return nil }
        var exponent = 0
        if j < end, p[j] | 0x20 == 101 {
            j += 1
            var exponentNegative = false
            if j < end, p[j] == 43 || p[j] == 45 { exponentNegative = p[j] == 45; j += 1 }
            var sawExponentDigit = false
            while j < end, p[j] &- 48 <= 9 {
                sawExponentDigit = true
                if exponent < 100_000 { exponent = exponent * 10 + Int(p[j] - 48) }
                j += 1
            }
            guard sawExponentDigit else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        let numberEnd = j
        if j < end, j == end - 1, "fFdD".utf8.contains(p[j]) { j += 1 }
        guard j == end else { return nil }

        let scale = exponent + dropped - fractionDigits
        if exact, mantissa <= 1 << 53, scale >= -22, scale <= 22 {
            let value = Double(mantissa)
            let result = scale >= 0 ? value * exactPowersOf10[scale] : value / exactPowersOf10[-scale]
            return negative ? -result : result
        }
        return strtodText(p + start, numberEnd - start)
    }

    /// The common `-?digits[.digits]` with at most 15 digits, exactly; nil means "use
    /// parseDouble" (not "invalid").
    @inline(__always)
    static func parseSimpleDecimal(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        guard n > 0, n <= 16 else { return nil }
        let negative = p[0] == 45
        var i = negative ? 1 : 0
        guard i < n else { return nil }
        var digit = p[i] &- 48
        guard digit <= 9 else { return nil }
        var mantissa: UInt64 = 0
        repeat {
            mantissa = mantissa &* 10 &+ UInt64(digit)
            i += 1
            if i == n {
                guard i - (negative ? 1 : 0) <= 15 else { return nil }
                let value = Double(Int64(bitPattern: mantissa))
                return negative ? -value : value
            }
            digit = p[i] &- 48
        } while digit <= 9
        guard p[i] == 46 else { return nil }
        i += 1
        let fractionStart = i
        while i < n {
            digit = p[i] &- 48
            guard digit <= 9 else { return nil }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            i += 1
        }
        guard n - 1 - (negative ? 1 : 0) <= 15 else { return nil }
        let value = Double(Int64(bitPattern: mantissa)) / powerOf10(n - fractionStart)
        return negative ? -value : value
    }

    /// 10^k for 0 <= k <= 15, exactly.
    @inline(__always)
    static func powerOf10(_ k: Int) -> Double {
        switch k {
        case 0: 1
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        default: 1e15
        }
    }

    /// Java's hex float form: `0x` hexdigits [. hexdigits] `p` [sign] digits [fFdD].
    static func parseHexDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        var i = 0
        if p[0] == 43 || p[0] == 45 { i = 1 }
        i += 2  // 0x
        var digits = 0
        func isHex(_ c: UInt8) -> Bool { c &- 48 <= 9 || (c | 0x20) &- 97 <= 5 }
        while i < n, isHex(p[i]) { digits += 1; i += 1 }
        if i < n, p[i] == 46 { i += 1; while i < n, isHex(p[i]) { digits += 1; i += 1 } }
        guard digits > 0, i < n, p[i] | 0x20 == 112 else { return nil }
        i += 1
        if i < n, p[i] == 43 || p[i] == 45 { i += 1 }
        var exponentDigits = 0
        while i < n, p[i] &- 48 <= 9 { exponentDigits += 1; i += 1 }
        guard exponentDigits > 0 else { return nil }
        let numberEnd = i
        if i == n - 1, "fFdD".utf8.contains(p[i]) { i += 1 }
        guard i == n else { return nil }
        return strtodText(p, numberEnd)
    }

    /// A validated number through the C library's correctly rounded conversion (locale-free).
    static func strtodText(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        Double(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
    }

    @inline(__always)
    static func matches(_ p: UnsafePointer<UInt8>, _ n: Int, _ literal: StaticString) -> Bool {
        n == literal.utf8CodeUnitCount && memcmp(p, literal.utf8Start, n) == 0
    }

    // MARK: booleans

    /// Scala's `toBoolean`: "true" or "false" ignoring case, as Java's equalsIgnoreCase
    /// compares (so the long s, U+017F, matches 's').
    @inline(__always)
    static func parseBoolean(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool? {
        if n == 4, p[0] | 0x20 == 116, p[1] | 0x20 == 114, p[2] | 0x20 == 117, p[3] | 0x20 == 101 { return true }
        if n == 5, p[0] | 0x20 == 102, p[1] | 0x20 == 97, p[2] | 0x20 == 108, p[3] | 0x20 == 115, p[4] | 0x20 == 101 { return false }
        guard n > 4, n <= 10 else { return nil }
        // Rare: a long s among the letters.
        var folded: [UInt8] = []
        var ok = true
        forEachJavaChar(p, n) { unit in
            if unit < 0x80 { folded.append(UInt8(unit) | 0x20) } else if unit == 0x17F { folded.append(115) } else { ok = false }
        }
        guard ok else { return nil }
        if folded == Array("true".utf8) { return true }
        if folded == Array("false".utf8) { return false }
        return nil
    }

    // MARK: UTF-8 as Java decodes it

    /// Whether `p[0..<n]` is well-formed UTF-8 (what Java's decoder accepts unchanged).
    static func isValidUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i < n {
            let b = p[i]
            if b < 0x80 { i += 1; continue }
            if b >= 0xC2 && b <= 0xDF {
                guard i + 1 < n, p[i + 1] & 0xC0 == 0x80 else { return false }
                i += 2
            } else if b >= 0xE0 && b <= 0xEF {
                guard i + 2 < n, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80 else { return false }
                if b == 0xE0 && p[i + 1] < 0xA0 { return false }  // overlong
                if b == 0xED && p[i + 1] >= 0xA0 { return false }  // surrogate
                i += 3
            } else if b >= 0xF0 && b <= 0xF4 {
                guard i + 3 < n, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80, p[i + 3] & 0xC0 == 0x80 else { return false }
                if b == 0xF0 && p[i + 1] < 0x90 { return false }
                if b == 0xF4 && p[i + 1] >= 0x90 { return false }
                i += 4
            } else {
                return false
            }
        }
        return true
    }

    /// The UTF-16 units `new String(bytes, UTF_8)` decodes (JDK 17's decoder: each malformed
    /// sequence becomes one U+FFFD, with the lengths Java chooses), in order.
    static func forEachJavaChar(_ p: UnsafePointer<UInt8>, _ n: Int, _ body: (UInt16) -> Void) {
        let replacement: UInt16 = 0xFFFD
        @inline(__always) func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        var i = 0
        while i < n {
            let b1 = p[i]
            i += 1
            if b1 < 0x80 {
                body(UInt16(b1))
            } else if b1 >= 0xC2 && b1 <= 0xDF {
                if i < n {
                    let b2 = p[i]
                    if !isContinuation(b2) { body(replacement); continue }  // b2 is read again
                    i += 1
                    body(UInt16(b1 & 0x1F) << 6 | UInt16(b2 & 0x3F))
                    continue
                }
                body(replacement); return
            } else if b1 >= 0xE0 && b1 <= 0xEF {
                if i + 1 < n {
                    let b2 = p[i], b3 = p[i + 1]
                    let overlong = b1 == 0xE0 && b2 & 0xE0 == 0x80
                    if overlong || !isContinuation(b2) || !isContinuation(b3) {
                        body(replacement)
                        i += (overlong || !isContinuation(b2)) ? 0 : 1
                        continue
                    }
                    i += 2
                    let unit = UInt16(b1 & 0x0F) << 12 | UInt16(b2 & 0x3F) << 6 | UInt16(b3 & 0x3F)
                    body(unit >= 0xD800 && unit <= 0xDFFF ? replacement : unit)
                    continue
                }
                if i < n, (b1 == 0xE0 && p[i] & 0xE0 == 0x80) || !isContinuation(p[i]) {
                    body(replacement); continue
                }
                body(replacement); return
            } else if b1 >= 0xF0 && b1 <= 0xF7 {
                if i + 2 < n {
                    let b2 = p[i], b3 = p[i + 1], b4 = p[i + 2]
                    let scalar = UInt32(b1 & 0x07) << 18 | UInt32(b2 & 0x3F) << 12 | UInt32(b3 & 0x3F) << 6 | UInt32(b4 & 0x3F)
                    if !isContinuation(b2) || !isContinuation(b3) || !isContinuation(b4) || scalar < 0x10000 || scalar > 0x10FFFF {
                        body(replacement)
                        // Java skips the longest prefix that could still have been valid.
                        if b1 > 0xF4 || (b1 == 0xF0 && (b2 < 0x90 || b2 > 0xBF)) || (b1 == 0xF4 && b2 & 0xF0 != 0x80) || !isContinuation(b2) {
                            continue
                        }
                        i += isContinuation(b3) ? 2 : 1
                        continue
                    }
                    i += 3
                    let offset = scalar - 0x10000
                    body(UInt16(0xD800 | (offset >> 10)))
                    body(UInt16(0xDC00 | (offset & 0x3FF)))
                    continue
                }
                if b1 > 0xF4 || (i < n && ((b1 == 0xF0 && (p[i] < 0x90 || p[i] > 0xBF)) || (b1 == 0xF4 && p[i] & 0xF0 != 0x80) || !isContinuation(p[i]))) {
                    body(replacement); continue
                }
                i += 1
                body(replacement)
                if i < n && !isContinuation(p[i]) { continue }
                return
            } else {
                body(replacement)
            }
        }
    }

    /// The bytes Spark holds for `p[0..<n]` read as a Java string: invalid UTF-8 replaced by
    /// U+FFFD as Java replaces it.
    static func repairedUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(n + 8)
        var encoder = UTF16ToUTF8()
        forEachJavaChar(p, n) { encoder.add($0, to: &out) }
        encoder.finish(to: &out)
        return out
    }
}

/// Encodes UTF-16 units as Java's `String.getBytes(UTF_8)` does: surrogate pairs become one
/// 4-byte sequence, a lone surrogate becomes '?'.
struct UTF16ToUTF8 {
    var pendingHigh: UInt16 = 0

    mutating func add(_ unit: UInt16, to out: inout [UInt8]) {
        if pendingHigh != 0 {
            let high = pendingHigh
            pendingHigh = 0
            if unit >= 0xDC00 && unit <= 0xDFFF {
                let scalar = 0x10000 + (UInt32(high - 0xD800) << 10) + UInt32(unit - 0xDC00)
                out.append(UInt8(0xF0 | (scalar >> 18)))
                out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
                out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (scalar & 0x3F)))
                return
            }
            out.append(63)
        }
        switch unit {
        case 0..<0x80:
            out.append(UInt8(unit))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (unit >> 6)))
            out.append(UInt8(0x80 | (unit & 0x3F)))
        case 0xD800...0xDBFF:
            pendingHigh = unit
        case 0xDC00...0xDFFF:
            out.append(63)
        default:
            out.append(UInt8(0xE0 | (unit >> 12)))
            out.append(UInt8(0x80 | ((unit >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (unit & 0x3F)))
        }
    }

    /// Ends the text (or a run before plain ASCII): a high surrogate still waiting for its
    /// pair becomes '?'.
    @inline(__always)
    mutating func finish(to out: inout [UInt8]) {
        if pendingHigh != 0 { out.append(63); pendingHigh = 0 }
    }
}

/// Spark 4's lower() and upper() on text that is not all ASCII: ICU's root-locale case mapping
/// (`spark.sql.icu.caseMappings.enabled`, on by default; icu4j 76.1 in pyspark 4.0.1), not the
/// JVM's `String.toLowerCase`, which differs on the final sigma after a word break.
/// - Lowercase: each code point's full mapping ('İ' (U+0130) is "i̇"), except that 'Σ' (U+03A3)
///   is the final 'ς' in Unicode's Final_Sigma context: a cased letter before it and none after
///   it, skipping case-ignorable characters (`ΟΔΟΣ` is `οδος`, `ΌΣΟΣ-ΣΑΣ` is `όσος-σας`, `Σ`
///   alone is `σ`, `ΑΣ'Α` is `ασ'α`).
/// - Uppercase: each code point's full mapping, so 'ß' is "SS" and 'ŉ' is "ʼN".
/// Case data is this toolchain's Unicode, limited to the code points of Unicode 16.0 (ICU 76's).
public enum SparkCase {
    public static func lower(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, c) in scalars.enumerated() {
            if c.value == 0x03A3 {
                out.append(isFinalSigma(scalars, at: i) ? "\u{03C2}" : "\u{03C3}")
            } else {
                let mapped = c.properties.lowercaseMapping.unicodeScalars
                if mapped.allSatisfy({ inICU76(c, $0) }) { out.append(contentsOf: mapped) } else { out.append(c) }
            }
        }
        return String(out)
    }

    public static func upper(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for c in text.unicodeScalars {
            let mapped = c.properties.uppercaseMapping.unicodeScalars
            if mapped.allSatisfy({ inICU76(c, $0) }) { out.append(contentsOf: mapped) } else { out.append(c) }
        }
        return String(out)
    }

    /// Whether ICU 76 (Unicode 16.0) knows a mapping from `c` to `m`: both are assigned in
    /// Unicode 16.0 (this toolchain's data may be newer).
    @inline(__always) static func inICU76(_ c: Unicode.Scalar, _ m: Unicode.Scalar) -> Bool {
        c == m || (inUnicode16(c) && inUnicode16(m))
    }

    static func inUnicode16(_ c: Unicode.Scalar) -> Bool {
        guard let age = c.properties.age else { return false }
        return age.major <= 16
    }

    /// Unicode's Final_Sigma (as ICU tests it): before `i`, past case-ignorable characters, a
    /// cased one; after it, past case-ignorable characters, no cased one.
    static func isFinalSigma(_ s: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0, s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, s[j].properties.isCased else { return false }
        var k = i + 1
        while k < s.count, s[k].properties.isCaseIgnorable { k += 1 }
        return !(k < s.count && s[k].properties.isCased)
    }
}
