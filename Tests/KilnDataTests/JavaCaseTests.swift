import Foundation
import XCTest
@testable import KilnData

/// lower() and upper() map case as Java's String.toLowerCase/toUpperCase(Locale.ROOT), which
/// Spark applies: Fixtures/java_case.txt is JDK 17's mapping of every code point it changes, and
/// of strings whose mapping depends on context (the final sigma), written by
/// Fixtures/JavaCase.java.
final class JavaCaseTests: XCTestCase {
    static func scalars(_ hex: Substring) -> String {
        var view = String.UnicodeScalarView()
        for part in hex.split(separator: " ") { view.append(Unicode.Scalar(UInt32(part, radix: 16)!)!) }
        return String(view)
    }

    /// Code points of Unicode versions after JDK 17's 13.0 are left out: their case data is
    /// this toolchain's.
    static func inJDK17(_ c: Unicode.Scalar) -> Bool {
        guard let age = c.properties.age else { return false }
        return age.major < 13 || (age.major == 13 && age.minor == 0)
    }

    func testEveryCodePointAndContextMapsAsJava() throws {
        let url = Bundle.module.url(forResource: "Fixtures/java_case", withExtension: "txt")!
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        var listed: Set<UInt32> = []
        var failures: [String] = []
        for line in lines {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if fields[0] == "s" {
                let text = Self.scalars(fields[1])
                if JavaCase.lower(text) != Self.scalars(fields[2]) { failures.append("lower(\(text)) = \(JavaCase.lower(text))") }
                if JavaCase.upper(text) != Self.scalars(fields[3]) { failures.append("upper(\(text)) = \(JavaCase.upper(text))") }
                continue
            }
            let text = Self.scalars(fields[0])
            let scalar = text.unicodeScalars.first!
            listed.insert(scalar.value)
            guard Self.inJDK17(scalar) else { continue }
            if JavaCase.lower(text) != Self.scalars(fields[1]) { failures.append("lower(U+\(fields[0])) = \(JavaCase.lower(text).unicodeScalars.map { String($0.value, radix: 16) })") }
            if JavaCase.upper(text) != Self.scalars(fields[2]) { failures.append("upper(U+\(fields[0])) = \(JavaCase.upper(text).unicodeScalars.map { String($0.value, radix: 16) })") }
        }
        XCTAssertGreaterThan(listed.count, 2800)
        // Java leaves every other code point as it is.
        for value in UInt32(0)...0x10FFFF where !listed.contains(value) {
            guard let scalar = Unicode.Scalar(value), Self.inJDK17(scalar) else { continue }
            let text = String(scalar)
            if JavaCase.lower(text) != text || JavaCase.upper(text) != text { failures.append("U+\(String(value, radix: 16)) changes, Java keeps it") }
        }
        XCTAssertEqual(failures, [], "\(failures.count) differences from Java")
    }

    func testSQLLowerAndUpperUseJavasRules() {
        let scratch = Scratch()
        func run(_ f: (KStr, Scratch) -> KStr, _ s: String) -> String {
            let owned = OwnedString(s)
            return f(owned.value, scratch).string
        }
        XCTAssertEqual(run(KilnSQL.lower, "ΟΔΟΣ"), "οδος")
        XCTAssertEqual(run(KilnSQL.lower, "ΟΔΟΣ ΣΑΣ Σ"), "οδος σας σ")
        XCTAssertEqual(run(KilnSQL.lower, "İstanbul"), "i\u{307}stanbul")
        XCTAssertEqual(run(KilnSQL.upper, "straße"), "STRASSE")
        XCTAssertEqual(run(KilnSQL.upper, "ﬁx"), "FIX")
    }
}
