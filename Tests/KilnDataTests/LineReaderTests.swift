import XCTest
@testable import KilnData

/// textFile's line splitting: Hadoop's rules (\n, \r\n, \r; no trailing empty line), and the
/// same lines whatever the number of parts the file is split into.
final class LineReaderTests: XCTestCase {
    func lines(_ text: String, parts: Int, chunkSize: Int = 1 << 22) throws -> [String] {
        let path = NSTemporaryDirectory() + "kiln-lines-\(UUID().uuidString).txt"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let files = try FileSet.resolve([path])
        var result: [String] = []
        for part in files.partitions(parts) {
            for range in part {
                let reader = try LineReader(path: path, range: range, chunkSize: chunkSize)
                while let view = try reader.next() {
                    for row in 0..<reader.starts.count { result.append(view.value(row).string) }
                }
            }
        }
        return result
    }

    func testTerminatorsTable() throws {
        let rows: [(text: String, expected: [String])] = [
            ("", []),
            ("a", ["a"]),
            ("a\n", ["a"]),
            ("a\n\n", ["a", ""]),
            ("a\nb", ["a", "b"]),
            ("a\r\nb\r\n", ["a", "b"]),
            ("a\rb\r", ["a", "b"]),
            ("\n\nx", ["", "", "x"]),
            ("a\r\n\r\nb", ["a", "", "b"]),
            ("héllo wörld\nzß", ["héllo wörld", "zß"]),
        ]
        for row in rows {
            XCTAssertEqual(try lines(row.text, parts: 1), row.expected, "text \(row.text.debugDescription)")
        }
    }

    func testAnySplitGivesTheSameLines() throws {
        // Every split point, every chunk size down to 1 byte: each line read exactly once.
        let text = "alpha beta\r\ngamma\rdelta\n\nepsilon zeta eta\r\n\ntheta"
        let expected = try lines(text, parts: 1)
        XCTAssertEqual(expected, ["alpha beta", "gamma", "delta", "", "epsilon zeta eta", "", "theta"])
        for parts in 1...text.utf8.count {
            for chunk in [1, 2, 3, 7, 64] {
                XCTAssertEqual(try lines(text, parts: parts, chunkSize: chunk), expected, "parts \(parts), chunk \(chunk)")
            }
        }
    }

    func testMissingPathIsSparksError() {
        XCTAssertThrowsError(try FileSet.resolve(["/nonexistent/kiln/*.txt"])) { error in
            XCTAssertEqual("\(error)", "[PATH_NOT_FOUND] Path does not exist: /nonexistent/kiln/*.txt")
        }
    }
}
