import XCTest
@testable import KilnData

/// Long sums and products note an overflow as they add and throw Spark's ANSI error from
/// `check` (what pyspark 4.0.1 raises for sum over bigint, checked by hand:
/// `df.groupBy("k").agg(F.sum("x"))` with 9223372036854775807 and 1).
final class AccumulatorTests: XCTestCase {
    static let sumOverflow = "[ARITHMETIC_OVERFLOW] long overflow. Use 'try_add' to tolerate overflow and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error."

    func testLongSumsPerGroupAndOverflow() {
        // (values of group 0, values of group 1, expected sums or nil for the overflow error)
        let rows: [(String, [Int64?], [Int64?], [Int64?]?)] = [
            ("plain", [1, 2, 3], [10], [6, 10]),
            ("nulls are skipped; all-null is null", [nil, 5, nil], [nil], [5, nil]),
            ("to the edge", [Int64.max - 1, 1], [Int64.min + 1, -1], [Int64.max, Int64.min]),
            ("past the top", [Int64.max, 1], [0], nil),
            ("past the bottom", [0], [Int64.min, -1], nil),
        ]
        for (name, first, second, expected) in rows {
            let sum = SumLong()
            for (g, values) in [first, second].enumerated() { for value in values { sum.add(g, value) } }
            if let expected {
                XCTAssertNoThrow(try sum.check(), name)
                let column = sum.finish(groups: 2)
                XCTAssertEqual((0..<2).map { Frame.value(column, row: $0) }, expected.map { $0.map(CellValue.long) }, name)
            } else {
                XCTAssertThrowsError(try sum.check(), name) { XCTAssertEqual("\($0)", Self.sumOverflow, name) }
            }
        }
    }

    /// A sum of a non-nullable argument (`nullable: false`, the word count's) keeps no `seen`
    /// flags, and its groups are never null, merged or not.
    func testNonNullableSumKeepsNoFlags() throws {
        let a = SumLong(nullable: false), b = SumLong(nullable: false)
        for (g, value) in [(0, 1), (1, 2), (0, 3), (2, 0)] { a.add(g, Int64(value)) }
        b.add(0, 10)
        b.add(1, -2)
        XCTAssertEqual(a.seen.count, 0)
        let target = SumLong(nullable: false)
        try [0, 1, 2].withUnsafeBufferPointer { try target.merge(from: a, remap: $0) }
        try [2, 0].withUnsafeBufferPointer { try target.merge(from: b, remap: $0) }
        let column = target.finish(groups: 3)
        XCTAssertEqual((0..<3).map { Frame.value(column, row: $0) }, [2, 2, 10].map { CellValue.long($0) })
        XCTAssertEqual(target.seen.count, 0)
    }

    func testMergeOverflowThrows() {
        let a = SumLong(), b = SumLong()
        a.add(0, Int64.max)
        b.add(0, 1)
        XCTAssertNoThrow(try a.check())
        XCTAssertNoThrow(try b.check())
        XCTAssertThrowsError(try [0].withUnsafeBufferPointer { try a.merge(from: b, remap: $0) }) {
            XCTAssertEqual("\($0)", Self.sumOverflow)
        }
    }

    func testLongProductOverflow() {
        let product = ProductLong()
        product.add(0, 1 << 32)
        product.add(0, 1 << 30)
        XCTAssertNoThrow(try product.check())
        product.add(0, 2)
        XCTAssertThrowsError(try product.check()) { XCTAssertTrue("\($0)".hasPrefix("[ARITHMETIC_OVERFLOW] long overflow. Use 'try_multiply'"), "\($0)") }
    }
}
