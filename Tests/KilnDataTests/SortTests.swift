import XCTest
@testable import KilnData

/// The numeric fast paths of `Frame.sorted` (one-pass top-k, (key,row) sort) must order rows
/// exactly as the general comparator does: Spark's order of doubles (NaN largest, -0.0 == 0.0),
/// nulls first or last as asked, ties in row order.
final class SortTests: XCTestCase {
    func frame(doubles: [Double?], longs: [Int64?]) -> Frame {
        let d = PrimitiveColumn<Double>(), l = PrimitiveColumn<Int64>(), id = PrimitiveColumn<Int64>()
        for (index, (x, y)) in zip(doubles, longs).enumerated() { d.append(x); l.append(y); id.append(Int64(index)) }
        return Frame(schema: Schema([Field("d", .double), Field("l", .long), Field("id", .long)]), columns: [.double(d), .long(l), .long(id)])
    }

    func ids(_ frame: Frame) -> [Int64] { (0..<frame.count).map { frame.longs(2).view.value($0) } }

    func testFastPathsMatchTheComparator() {
        var rng = SystemRandomNumberGenerator()
        let specials: [Double?] = [nil, .nan, -0.0, 0.0, .infinity, -.infinity, 1.5, -1.5]
        for trial in 0..<40 {
            let n = [0, 1, 5, 64, 500][trial % 5]
            let doubles = (0..<n).map { _ in Bool.random(using: &rng) ? specials.randomElement(using: &rng)! : Double(Int.random(in: -5...5, using: &rng)) }
            let longs = (0..<n).map { _ in Bool.random(using: &rng) ? nil : Int64.random(in: -3...3, using: &rng) }
            let f = frame(doubles: doubles, longs: longs)
            for column in [0, 1] {
                for ascending in [true, false] {
                    for nullsFirst in [true, false] {
                        let order = SortOrder(column: column, ascending: ascending, nullsFirst: nullsFirst)
                        let compare = f.rowComparator([order])
                        let reference = (0..<n).sorted { let c = compare($0, $1); return c != 0 ? c < 0 : $0 < $1 }.map(Int64.init)
                        XCTAssertEqual(ids(f.sorted(by: [order])), reference, "full sort, column \(column) asc \(ascending) nulls first \(nullsFirst)")
                        for limit in [0, 1, 3, 10] {
                            XCTAssertEqual(ids(f.sorted(by: [order], limit: limit)), Array(reference.prefix(limit)),
                                           "top \(limit), column \(column) asc \(ascending) nulls first \(nullsFirst), n \(n)")
                        }
                    }
                }
            }
        }
    }

    /// A top-k over blocks with statistics (as CSV batches have) skips blocks but finds the same rows.
    func testTopKWithZoneMapsMatchesTheComparator() {
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<30 {
            let n = 300
            let doubles: [Double?] = (0..<n).map { _ in Int.random(in: 0..<10, using: &rng) == 0 ? nil : Double(Int.random(in: -50...50, using: &rng)) }
            let f = frame(doubles: doubles, longs: Array(repeating: 0, count: n))
            let column = f.doubles(0), zones = ZoneMap()
            var start = 0
            let covered = trial % 3 == 0 ? n - 17 : n  // a tail without statistics too
            while start < covered {
                let end = min(covered, start + Int.random(in: 1...60, using: &rng))
                let keys = (start..<end).compactMap { doubles[$0].map(Double.sortKey) }
                zones.add(rows: end - start, minimum: keys.min() ?? .max, maximum: keys.max() ?? .min)
                start = end
            }
            column.zones = zones
            for ascending in [true, false] {
                let order = SortOrder(column: 0, ascending: ascending, nullsFirst: !ascending)
                let compare = f.rowComparator([order])
                let reference = (0..<n).sorted { let c = compare($0, $1); return c != 0 ? c < 0 : $0 < $1 }.map(Int64.init)
                for limit in [1, 5, 20] {
                    XCTAssertEqual(ids(f.sorted(by: [order], limit: limit)), Array(reference.prefix(limit)), "trial \(trial) asc \(ascending) top \(limit)")
                }
            }
        }
    }

    func testSparkOrderOfDoubles() {
        let f = frame(doubles: [.nan, 1, nil, -0.0, -.infinity, 0.0, .infinity], longs: Array(repeating: 0, count: 7))
        // Ascending, nulls first: null, -inf, -0.0 and 0.0 tied in row order, 1, inf, NaN.
        XCTAssertEqual(ids(f.sorted(by: [SortOrder(column: 0)])), [2, 4, 3, 5, 1, 6, 0])
        XCTAssertEqual(ids(f.sorted(by: [SortOrder(column: 0, ascending: false)], limit: 3)), [0, 6, 1])
    }
}
