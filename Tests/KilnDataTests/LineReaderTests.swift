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

    /// Lines of 0 to 200 bytes (line ends found 64 bytes at a time), against a plain split.
    func testLinesOfAnyLengthMatchAPlainSplit() throws {
        var state: UInt64 = 99
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let terminators = ["\n", "\r\n", "\r"]
        var text = "", expected: [String] = []
        for _ in 0..<300 {
            let line = String((0..<next(200)).map { _ in Character(Unicode.Scalar(UInt8(97 + next(26)))) })
            expected.append(line)
            text += line + terminators[next(3)]
        }
        for parts in [1, 2, 3] {
            for chunk in [5, 63, 64, 65, 1 << 22] {
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
