import Foundation
import XCTest
@testable import KilnData

/// lower() and upper() map case as Spark 4.0 does, with ICU's root-locale mappings:
/// Fixtures/spark_case.txt is icu4j 76.1's (pyspark 4.0.1's jar) mapping of every code point it
/// changes, and of strings whose mapping depends on context (the final sigma), written by
/// Fixtures/SparkCase.java.
final class SparkCaseTests: XCTestCase {
    static func scalars(_ hex: Substring) -> String {
        var view = String.UnicodeScalarView()
        for part in hex.split(separator: " ") { view.append(Unicode.Scalar(UInt32(part, radix: 16)!)!) }
        return String(view)
    }

    func testEveryCodePointAndContextMapsAsSpark() throws {
        let url = Bundle.module.url(forResource: "Fixtures/spark_case", withExtension: "txt")!
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        var listed: Set<UInt32> = []
        var failures: [String] = []
        for line in lines {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if fields[0] == "s" {
                let text = Self.scalars(fields[1])
                if SparkCase.lower(text) != Self.scalars(fields[2]) { failures.append("lower(\(text)) = \(SparkCase.lower(text))") }
                if SparkCase.upper(text) != Self.scalars(fields[3]) { failures.append("upper(\(text)) = \(SparkCase.upper(text))") }
                continue
            }
            let text = Self.scalars(fields[0])
            let scalar = text.unicodeScalars.first!
            listed.insert(scalar.value)
            if SparkCase.lower(text) != Self.scalars(fields[1]) { failures.append("lower(U+\(fields[0])) = \(SparkCase.lower(text).unicodeScalars.map { String($0.value, radix: 16) })") }
            if SparkCase.upper(text) != Self.scalars(fields[2]) { failures.append("upper(U+\(fields[0])) = \(SparkCase.upper(text).unicodeScalars.map { String($0.value, radix: 16) })") }
        }
        XCTAssertGreaterThan(listed.count, 2900)
        // ICU leaves every other code point as it is.
        for value in UInt32(0)...0x10FFFF where !listed.contains(value) {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = String(scalar)
            if SparkCase.lower(text) != text || SparkCase.upper(text) != text { failures.append("U+\(String(value, radix: 16)) changes, ICU keeps it") }
        }
        XCTAssertEqual(failures, [], "\(failures.count) differences from Spark's ICU mappings")
    }

    func testSQLLowerAndUpperUseSparksRules() {
        let scratch = Scratch()
        func run(_ f: (KStr, Scratch) -> KStr, _ s: String) -> String {
            let owned = OwnedString(s)
            return f(owned.value, scratch).string
        }
        XCTAssertEqual(run(KilnSQL.lower, "ΟΔΟΣ"), "οδος")
        XCTAssertEqual(run(KilnSQL.lower, "ΟΔΟΣ ΣΑΣ Σ"), "οδος σας σ")
        XCTAssertEqual(run(KilnSQL.lower, "ΌΣΟΣ-ΣΑΣ"), "όσος-σας")  // the JVM's toLowerCase gives όσοσ-σας
        XCTAssertEqual(run(KilnSQL.lower, "İstanbul"), "i\u{307}stanbul")
        XCTAssertEqual(run(KilnSQL.upper, "straße"), "STRASSE")
        XCTAssertEqual(run(KilnSQL.upper, "ﬁx"), "FIX")
    }
}
