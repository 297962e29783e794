import Foundation
import XCTest
@testable import KilnData

/// show() and printSchema() against pyspark 4.0.1's own output (Fixtures/show/show_cases.json,
/// made by make_show_fixtures.py): every case's Frame is rebuilt from its typed rows and printed
/// for each (n, truncate) Spark was asked for.
final class ShowTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/show")

    struct Case {
        var name: String
        var frame: Frame
        var treeString: String
        var shows: [(n: Int, truncate: Int, text: String)]
    }

    static func loadCases() throws -> [Case] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("show_cases.json"))
        let entries = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return try entries.map { entry in
            let fields = try (entry["schema"] as? [[String: Any]] ?? []).map { field -> Field in
                let type = try XCTUnwrap(DataType(name: field["type"] as? String ?? ""), "type of \(field)")
                return Field(field["name"] as? String ?? "", type, nullable: field["nullable"] as? Bool ?? true)
            }
            let frame = Frame(schema: Schema(fields))
            for row in entry["rows"] as? [[Any]] ?? [] {
                for (column, cell) in zip(frame.columns, row) { try append(cell, to: column) }
            }
            let shows = (entry["show"] as? [[String: Any]] ?? []).map {
                (n: $0["n"] as? Int ?? 0, truncate: $0["truncate"] as? Int ?? 0, text: $0["text"] as? String ?? "")
            }
            return Case(name: entry["name"] as? String ?? "", frame: frame,
                        treeString: entry["treeString"] as? String ?? "", shows: shows)
        }
    }

    /// One typed JSON cell: null, a string (numbers too, doubles as Python's repr), a bool, a list.
    static func append(_ cell: Any, to column: AnyColumn) throws {
        if cell is NSNull { column.appendNull(); return }
        switch column {
        case let .string(c): c.append(try XCTUnwrap(cell as? String))
        case let .int(c): c.append(try XCTUnwrap(Int32(try XCTUnwrap(cell as? String))))
        case let .long(c): c.append(try XCTUnwrap(Int64(try XCTUnwrap(cell as? String))))
        case let .double(c): c.append(try XCTUnwrap(Double(try XCTUnwrap(cell as? String))))
        case let .boolean(c): c.append(try XCTUnwrap(cell as? Bool))
        case let .list(c):
            for element in try XCTUnwrap(cell as? [Any]) { try append(element, to: c.child) }
            c.finishRow()
        case .vector: XCTFail("the show fixtures hold no vectors")
        }
    }

    func testShowMatchesSpark() throws {
        let cases = try Self.loadCases()
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        var compared = 0
        for c in cases {
            for show in c.shows {
                let got = c.frame.showString(rows: show.n, truncate: show.truncate)
                XCTAssertEqual(got, show.text, "\(c.name): show(\(show.n), \(show.truncate))")
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 150)
    }

    func testTreeStringMatchesSpark() throws {
        for c in try Self.loadCases() {
            XCTAssertEqual(c.frame.schema.treeString, c.treeString, c.name)
        }
    }

    func testDefaultsAreTwentyRowsTruncatedAtTwenty() throws {
        let c = try XCTUnwrap(Self.loadCases().first { $0.name == "many_rows" })
        let spark = try XCTUnwrap(c.shows.first { $0.n == 20 && $0.truncate == 20 })
        XCTAssertEqual(c.frame.showString(), spark.text)
        XCTAssertTrue(spark.text.hasSuffix("+\nonly showing top 20 rows\n"))
    }

    /// The shapes in one place, independent of the fixtures.
    func testSmallTable() {
        let frame = Frame(schema: Schema([Field("k", .int), Field("word", .string)]))
        for (k, word) in [(1, "alphabet soup"), (22, "日本")] as [(Int32, String)] {
            frame.ints(0).append(k)
            frame.strings(1).append(word)
        }
        frame.ints(0).appendNull()
        frame.strings(1).append("a😀b")  // a cut after 2 UTF-16 units splits the emoji
        XCTAssertEqual(frame.showString(rows: 2, truncate: 5), """
            +---+-----+
            |  k| word|
            +---+-----+
            |  1|al...|
            | 22| 日本|
            +---+-----+
            only showing top 2 rows

            """)
        XCTAssertEqual(frame.showString(rows: 5, truncate: 2), """
            +---+----+
            |  k|word|
            +---+----+
            |  1|  al|
            | 22|日本|
            | NU|  a?|
            +---+----+


            """)
        XCTAssertEqual(frame.showString(rows: 3, truncate: 3), """
            +---+----+
            |  k|word|
            +---+----+
            |  1| alp|
            | 22|日本|
            |NUL| a😀|
            +---+----+


            """)
    }

    func testNoColumns() {
        let frame = Frame(schema: Schema([]))
        XCTAssertEqual(frame.showString(), "++\n||\n++\n++\n\n")
        XCTAssertEqual(frame.schema.treeString, "root\n")
    }
}
