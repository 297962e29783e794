import XCTest
@testable import KilnData

/// JSONRecordParser's walk through objects and arrays: a table of lines and what each gives
/// (rows, or the syntax error and its byte offset).
final class JSONRecordParserTests: XCTestCase {
    static let schema = Schema([Field("a", .long), Field("xs", .array(.long))])

    func outcome(_ line: String) -> String {
        let parser = JSONRecordParser(schema: Self.schema)
        let bytes = Array(line.utf8) + [0]
        return bytes.withUnsafeBufferPointer { buffer in
            switch parser.parse(buffer.baseAddress!, buffer.count - 1) {
            case .noRows: return "no rows"
            case .rows(let badField, _): return "\(parser.rows.count) rows, bad field \(badField)"
            case .syntaxError(let error): return "\(error.message) at \(error.offset.map(String.init) ?? "-")"
            }
        }
    }

    func testContainers() {
        let rows: [(line: String, expected: String)] = [
            ("{}", "1 rows, bad field -1"),
            ("[]", "no rows"),
            ("[{}, {\"a\": 1}]", "2 rows, bad field -1"),
            ("{\"a\": 1, \"xs\": [1, 2]}", "1 rows, bad field -1"),
            ("{\"xs\": []}", "1 rows, bad field -1"),
            ("{\"xs\": [1, \"two\"]}", "1 rows, bad field 1"),
            ("{\"skip\": {\"b\": [1, {}, []], \"c\": {}}, \"a\": 2}", "1 rows, bad field -1"),
            ("{\"a\": 1", "unexpected end of line in an object at 7"),
            ("{\"a\": 1]", "expected ',' or '}' at 7"),
            ("[{}", "unexpected end of line in an array at 3"),
            ("[{} {}]", "expected ',' or ']' at 4"),
            ("{\"xs\": [1 2]}", "expected ',' or ']' at 10"),
            ("{\"xs\": [1,", "unexpected end of line, expected a value at 10"),
            ("{\"skip\": {\"b\": 1", "unexpected end of line in an object at 16"),
            ("{\"skip\": [1 }", "expected ',' or ']' at 12"),
            ("{\"skip\": {\"b\" 1}}", "expected ':' after a field name at 14"),
        ]
        for row in rows { XCTAssertEqual(outcome(row.line), row.expected, row.line) }
    }

    /// Every container left again gives its depth back: many empty and full ones side by side
    /// stay within the nesting limit, while one chain nested past it does not.
    func testDepthIsGivenBackOnLeaving() {
        let wide = "{\"skip\": [" + Array(repeating: "[], {}, [1], {\"b\": []}", count: 2 * JSONRecordParser.maxDepth).joined(separator: ", ") + "], \"a\": 1}"
        XCTAssertEqual(outcome(wide), "1 rows, bad field -1")
        let deep = "{\"skip\": " + String(repeating: "[", count: JSONRecordParser.maxDepth) + String(repeating: "]", count: JSONRecordParser.maxDepth) + "}"
        XCTAssertTrue(outcome(deep).hasPrefix("nesting deeper than \(JSONRecordParser.maxDepth)"), outcome(deep))
    }
}
