import Foundation
import XCTest
@testable import KilnData

/// CSVWriter and JSONWriter against the files Spark's writers produced from the same rows
/// (Fixtures/io/write_*), byte for byte.
final class IOWriterTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "kiln-write-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func frame(_ name: String) throws -> Frame {
        let entry = (try IOFixtures.json("write_frames.json") as! [String: Any])[name] as! [String: Any]
        let schema = IOFixtures.schema(entry["schema"]!)
        return IOFixtures.frame(schema, IOFixtures.rows(entry["rows"]!, schema))
    }

    func assertSameBytes(_ path: String, _ fixture: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let got = try Data(contentsOf: URL(fileURLWithPath: path))
        let expected = try Data(contentsOf: URL(fileURLWithPath: IOFixtures.path(fixture)))
        if got != expected {
            let gotLines = String(decoding: got, as: UTF8.self).components(separatedBy: "\n")
            let expectedLines = String(decoding: expected, as: UTF8.self).components(separatedBy: "\n")
            for (index, (g, e)) in zip(gotLines, expectedLines).enumerated() where g != e {
                XCTFail("\(fixture) line \(index + 1): got \(g.debugDescription), Spark \(e.debugDescription)", file: file, line: line)
                return
            }
            XCTFail("\(fixture): got \(gotLines.count) lines, Spark \(expectedLines.count)", file: file, line: line)
        }
    }

    func testCSVMatchesSpark() throws {
        let rows = try frame("rows")
        try CSVWriter.write(rows, to: directory + "/rows.csv", header: false)
        try assertSameBytes(directory + "/rows.csv", "write_rows.csv")
        try CSVWriter.write(rows, to: directory + "/rows_header.csv", header: true)
        try assertSameBytes(directory + "/rows_header.csv", "write_rows_header.csv")
        try CSVWriter.write(try frame("names"), to: directory + "/names.csv", header: true)
        try assertSameBytes(directory + "/names.csv", "write_names_header.csv")
        try CSVWriter.write(try frame("empty"), to: directory + "/empty_header.csv", header: true)
        try assertSameBytes(directory + "/empty_header.csv", "write_empty_header.csv")
        try CSVWriter.write(try frame("empty"), to: directory + "/empty.csv", header: false)
        try assertSameBytes(directory + "/empty.csv", "write_empty.csv")
    }

    func testJSONMatchesSpark() throws {
        try JSONWriter.write(try frame("rows"), to: directory + "/rows.json")
        try assertSameBytes(directory + "/rows.json", "write_rows.json")
        try JSONWriter.write(try frame("names"), to: directory + "/names.json")
        try assertSameBytes(directory + "/names.json", "write_names.json")
        try JSONWriter.write(try frame("arrays"), to: directory + "/arrays.json")
        try assertSameBytes(directory + "/arrays.json", "write_arrays.json")
        try JSONWriter.write(try frame("empty"), to: directory + "/empty.json")
        try assertSameBytes(directory + "/empty.json", "write_empty.json")
    }

    func testArraysCannotBeWrittenToCSV() throws {
        let expected = try String(contentsOfFile: IOFixtures.path("write_arrays_csv_error.txt"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertThrowsError(try CSVWriter.write(try frame("arrays"), to: directory + "/arrays.csv", header: true)) {
            XCTAssertEqual("\($0)", expected)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/arrays.csv"))
    }

    /// What the writers write, the readers read back (strings that survive Spark's trimming).
    func testRoundTrip() throws {
        let source = try frame("rows")
        try CSVWriter.write(source, to: directory + "/rt.csv", header: true)
        try JSONWriter.write(source, to: directory + "/rt.json")
        let log = WarningLog()
        let fromJSON = try readAll(try JSONSource(paths: [directory + "/rt.json"], schema: source.schema, mode: .failFast), parts: 3, context: log.context())
        XCTAssertEqual(IOFixtures.canonical(fromJSON), IOFixtures.canonical(source.rows))
        let csv = try CSVSource(paths: [directory + "/rt.csv"], schema: Schema([Field("s", .string), Field("i", .int), Field("l", .long),
                                                                              Field("d", .double), Field("b", .boolean)]),
                                options: CSVOptions(header: true))
        let fromCSV = try readAll(csv, parts: 1, context: log.context())
        // Numbers and booleans survive exactly (values with line breaks split records, as in Spark).
        let plain = fromCSV.filter { $0[1] != nil }.prefix(5).map { $0.dropFirst().map(IOFixtures.canonical) }
        XCTAssertEqual(plain, source.rows.filter { $0[1] != nil }.prefix(5).map { $0.dropFirst().map(IOFixtures.canonical) })
    }

    func testWritesAtomicallyAndReplaces() throws {
        let path = directory + "/out.json"
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: path))
        try JSONWriter.write(try frame("names"), to: path)
        try assertSameBytes(path, "write_names.json")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0 != "out.json" }
        XCTAssertEqual(leftovers, [])
        XCTAssertThrowsError(try JSONWriter.write(try frame("names"), to: directory + "/missing/dir/out.json")) {
            XCTAssertTrue("\($0)".hasPrefix("cannot write \(self.directory)/missing/dir/out.json: "), "\($0)")
        }
    }
}
