import Foundation
import XCTest
import KilnCore

/// Doubles as Spark 4.0.1 on Java 17 casts them to strings (and so prints them in show()).
/// Java 17's Double.toString is not always the shortest round-trip form; the rows marked
/// "not shortest" are where it differs from Swift's (and JDK 19+'s) `description`.
final class JavaDoubleFormatTests: XCTestCase {
    static let table: [(Double, String)] = [
        (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"), (-1.0, "-1.0"), (100.0, "100.0"), (-1.5, "-1.5"),
        (123.0, "123.0"), (1234567.0, "1234567.0"),
        // Plain form for 10^-3 <= |d| < 10^7, E form outside.
        (0.001, "0.001"), (0.0009999999999999998, "9.999999999999998E-4"), (9.99e-4, "9.99E-4"),
        (0.002, "0.002"), (1e-4, "1.0E-4"), (1e-5, "1.0E-5"), (1e-8, "1.0E-8"),
        (9999999.0, "9999999.0"), (9999999.999999998, "9999999.999999998"), (1e7, "1.0E7"),
        (-1e7, "-1.0E7"), (12345678.9, "1.23456789E7"), (123456789.125, "1.23456789125E8"),
        (1e21, "1.0E21"), (1e22, "1.0E22"), (1e24, "1.0E24"),
        (0.1, "0.1"), (0.1 + 0.2, "0.30000000000000004"), (1.0 / 3.0, "0.3333333333333333"),
        (3.141592653589793, "3.141592653589793"), (2.0 / 3.0, "0.6666666666666666"),
        // Integers in [2^54, 2^63): Java keeps the digits above the ulp (not shortest).
        (1152921504606846976.0, "1.15292150460684698E18"), (2.82879384806159e17, "2.82879384806159008E17"),
        (9007199254740993.0, "9.007199254740992E15"), (9223372036854775807.0, "9.223372036854776E18"),
        // The symmetric stopping test (not shortest).
        (1e23, "9.999999999999999E22"), (.leastNonzeroMagnitude, "4.9E-324"), (-.leastNonzeroMagnitude, "-4.9E-324"),
        // Subnormals, extremes.
        (Double("1e-310")!, "1.0E-310"), (Double("2.225073858507201e-308")!, "2.225073858507201E-308"),
        (2.2250738585072014e-308, "2.2250738585072014E-308"), (1.7976931348623157e308, "1.7976931348623157E308"),
        (.nan, "NaN"), (.infinity, "Infinity"), (-.infinity, "-Infinity"),
    ]

    func testTable() {
        for (value, expected) in Self.table {
            XCTAssertEqual(JavaDoubleFormat.string(value), expected, "bits \(String(value.bitPattern, radix: 16))")
        }
    }

    /// Some thousand doubles (boundaries, powers of two, random bits, decimals, integers) that
    /// Spark cast to strings: Fixtures/show/doubles.json, made by make_show_fixtures.py.
    func testSparkCasts() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/show/doubles.json")
        let pairs = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String]])
        XCTAssertGreaterThan(pairs.count, 3000)
        var notShortest = 0
        for pair in pairs {
            let value = Double(bitPattern: try XCTUnwrap(UInt64(pair[0], radix: 16)))
            XCTAssertEqual(JavaDoubleFormat.string(value), pair[1], "bits \(pair[0])")
            if value.isFinite && Self.significantDigits(pair[1]) > Self.significantDigits("\(value)") { notShortest += 1 }
        }
        // Java 17 keeps more digits than needed for a share of these (see the class comment).
        XCTAssertGreaterThan(notShortest, 0)
    }

    /// Digits of the mantissa without leading or trailing zeros: "1.0E7" -> 1, "0.0012" -> 2.
    static func significantDigits(_ text: String) -> Int {
        let mantissa = text.prefix { $0 != "E" && $0 != "e" }.filter(\.isNumber)
        return mantissa.drop { $0 == "0" }.reversed().drop { $0 == "0" }.count
    }
}
