import XCTest
@testable import KilnData

/// split(s) and lower(s) take eight bytes per step; each row puts a space, a control byte or a
/// non-ASCII character at every offset around the 8-byte boundaries, and the result must equal
/// Python's str.split() and ASCII lowercasing (ICU for non-ASCII, as Spark), computed one
/// character at a time.
final class WordKernelTests: XCTestCase {
    /// Python's str.split() whitespace: \t \n \v \f \r, \x1c-\x1f, space, U+0085, U+00A0, U+1680,
    /// U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000.
    static func isPythonSpace(_ c: Character) -> Bool {
        guard let scalar = c.unicodeScalars.first, c.unicodeScalars.count == 1 else { return false }
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    static func referenceSplit(_ text: String) -> [String] {
        var tokens: [String] = [], current = ""
        for scalar in text.unicodeScalars {
            if isPythonSpace(Character(scalar)) {
                if !current.isEmpty { tokens.append(current); current = "" }
            } else {
                current.unicodeScalars.append(scalar)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    static func split(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            Array(KilnSQL.splitWhitespace(KStr(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count))).map(\.string)
        }
    }

    static func lower(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let scratch = Scratch()
        return bytes.withUnsafeBufferPointer { buffer in
            KilnSQL.lower(KStr(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count), scratch).string
        }
    }

    /// `lower` stores its tail as a whole word, and the hash reads a key's bytes after the 8th as
    /// one zero-padded word: a lowered key must still hash, compare and stage like the same bytes
    /// anywhere else, at every length, with garbage after the copy's end.
    func testLoweredKeysHashAndCompareAsTheirBytes() {
        var failures: [String] = []
        let scratch = Scratch()
        for length in 0...40 {
            let text = String(String(repeating: "QwErTyUiOpAsDfGhJkLz", count: 2).prefix(length))
            let upper = Array(text.utf8), expected = Array(text.lowercased().utf8)
            var padded = expected + Array(repeating: UInt8(0xAB), count: 16)  // bytes past the end differ
            upper.withUnsafeBufferPointer { source in
                padded.withUnsafeMutableBufferPointer { copy in
                    let lowered = KilnSQL.lower(KStr(source.baseAddress ?? UnsafePointer(bitPattern: 1)!, length), scratch)
                    let other = KStr(copy.baseAddress!, length)
                    if lowered.fastHash != other.fastHash { failures.append("hash differs at length \(length)") }
                    if !(lowered == other) { failures.append("not equal at length \(length)") }
                    let table = KeyTable(), staging = KeyStaging<Int64>()
                    var applied: [(String, UInt64)] = []
                    staging.push(lowered, 1, table: table, prefetchGroup: { _ in }) { key, hash, _ in applied.append((key.string, hash)) }
                    staging.drain { key, hash, _ in applied.append((key.string, hash)) }
                    if applied.map(\.0) != [text.lowercased()] || applied.map(\.1) != [other.fastHash] {
                        failures.append("staged \(applied) at length \(length)")
                    }
                }
            }
            scratch.reset()
        }
        XCTAssertEqual(failures, [])
    }

    /// Inserts that matter to the byte-parallel scans: separators, bytes next to the 0x21 and
    /// 0x80 boundaries, and multi-byte characters (a space among them).
    static let inserts: [String] = [" ", "\t", "\u{1F}", "\u{0B}", "\u{0}", "\u{8}", "!", "\u{7F}", "@", "[", "`", "{", "é", "\u{A0}", "\u{3000}", "\u{2029}", "İ", "Σ", "ß"]

    func testSplitMatchesPythonAtEveryOffset() {
        var failures: [String] = []
        for insert in Self.inserts {
            for length in 0...20 {
                for at in 0...length {
                    let base = String("ABCDEFGHIJKLMNOPQRSTUV".prefix(length))
                    let text = String(base.prefix(at)) + insert + String(base.dropFirst(at))
                    for row in [text, text + " " + text, "  " + text + "\n"] where Self.split(row) != Self.referenceSplit(row) {
                        failures.append("split(\(row.debugDescription)) = \(Self.split(row)), expected \(Self.referenceSplit(row))")
                    }
                }
            }
        }
        XCTAssertEqual(failures.count, 0, failures.prefix(5).joined(separator: "\n"))
    }

    func testLowerMatchesSparkAtEveryOffset() {
        var failures: [String] = []
        for insert in Self.inserts {
            for length in 0...20 {
                for at in 0...length {
                    let base = String("AbCdEfGhIjKlMnOpQrStUvWxYz@[`{".prefix(length))
                    let text = String(base.prefix(at)) + insert + String(base.dropFirst(at))
                    let expected = text.unicodeScalars.allSatisfy(\.isASCII) ? String(text.map { $0.isASCII ? Character($0.lowercased()) : $0 }) : SparkCase.lower(text)
                    if Self.lower(text) != expected { failures.append("lower(\(text.debugDescription)) = \(Self.lower(text).debugDescription), expected \(expected.debugDescription)") }
                }
            }
        }
        XCTAssertEqual(failures.count, 0, failures.prefix(5).joined(separator: "\n"))
    }
}
