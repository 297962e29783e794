import Foundation
import XCTest
@testable import KilnData

/// The CSV and JSON-lines readers against what pyspark 4.0.1 read from the same files
/// (Fixtures/io/expected_reads.json): rows and types per mode, FAILFAST failures, and the
/// lines reported as malformed.
final class IOReaderTests: XCTestCase {
    struct Case: Sendable {
        let name: String
        let format: String
        let paths: [String]
        let schema: Schema
        let options: [String: String]
        let mode: ReadMode
        let rows: [[CellValue?]]?
        let error: Bool
        /// "file:line" of each malformed line, sorted by file then line.
        let malformed: [String]
        /// Each line's field count, where the fixture knows it (line number -> fields).
        let fields: [Int: Int]
        /// A directory read: Spark orders files by size, so rows compare as a multiset.
        var unordered: Bool { paths.contains { !$0.contains(".") } }
    }

    static let cases: [Case] = {
        let list = try! IOFixtures.json("expected_reads.json") as! [[String: Any]]
        return list.map { entry in
            let schema = IOFixtures.schema(entry["schema"]!)
            let malformed = (entry["malformed"] as! [String: [Int]]).sorted { $0.key < $1.key }.flatMap { file, lines in
                lines.map { "\(file):\($0)" }
            }
            return Case(name: entry["name"] as! String, format: entry["format"] as! String, paths: entry["paths"] as! [String],
                        schema: schema, options: (entry["options"] as! [String: Any]).mapValues { ($0 as? Bool).map { $0 ? "true" : "false" } ?? ($0 as! String) }, mode: ReadMode(rawValue: entry["mode"] as! String)!,
                        rows: entry["rows"] is NSNull ? nil : IOFixtures.rows(entry["rows"]!, schema),
                        error: entry["error"] as! Bool, malformed: malformed,
                        fields: Dictionary(uniqueKeysWithValues: ((entry["fields"] as? [String: Int]) ?? [:]).map { (Int($0.key)!, $0.value) }))
        }
    }()

    static func source(_ c: Case, mode: ReadMode? = nil, chunkSize: Int? = nil, batchRows: Int? = nil) throws -> any BatchSource<Batch> {
        let paths = c.paths.map(IOFixtures.path)
        if c.format == "csv" {
            var options = CSVOptions(mode: mode ?? c.mode)
            if let header = c.options["header"] { options.header = header == "true" }
            if let sep = c.options["sep"] { options.separator = sep.utf8.first! }
            if let quote = c.options["quote"] { options.quote = quote.utf8.first! }
            if let escape = c.options["escape"] { options.escape = escape.utf8.first! }
            if let nullValue = c.options["nullValue"] { options.nullValue = nullValue }
            let source = try CSVSource(paths: paths, schema: c.schema, options: options)
            if let chunkSize { source.chunkSize = chunkSize }
            if let batchRows { source.batchRows = batchRows }
            return source
        }
        let source = try JSONSource(paths: paths, schema: c.schema, mode: mode ?? c.mode)
        if let chunkSize { source.chunkSize = chunkSize }
        if let batchRows { source.batchRows = batchRows }
        return source
    }

    func testRowsMatchSpark() throws {
        XCTAssertEqual(Self.cases.count, 44)
        for c in Self.cases where c.mode != .failFast {
            let log = WarningLog()
            let rows = try readAll(try Self.source(c), parts: 1, context: log.context())
            var got = IOFixtures.canonical(rows), expected = IOFixtures.canonical(c.rows!)
            if c.unordered { got.sort(); expected.sort() }
            XCTAssertEqual(got.count, expected.count, c.name)
            for (index, (g, e)) in zip(got, expected).enumerated() where g != e {
                XCTFail("\(c.name), row \(index + 1): got \(g), Spark \(e)")
            }
            XCTAssertEqual(log.locations(relativeTo: IOFixtures.directory), c.malformed.sorted(), "\(c.name): reported lines")
            // Where Spark's field counts are known, the reports must state them.
            var checked = 0
            for message in log.all where !c.fields.isEmpty {
                let head = message.components(separatedBy: ": malformed ")[0]
                let line = Int(head[head.index(after: head.lastIndex(of: ":")!)...])!
                XCTAssertTrue(message.contains("(expected \(c.schema.count) fields, found \(c.fields[line]!))"), "\(c.name) line \(line): \(message)")
                checked += 1
            }
            XCTAssertEqual(checked, c.fields.isEmpty ? 0 : c.malformed.count, c.name)
        }
    }

    func testFailFastStopsAtTheFirstMalformedLine() throws {
        for c in Self.cases where c.mode == .failFast {
            let log = WarningLog()
            do {
                let rows = try readAll(try Self.source(c), parts: 1, context: log.context())
                XCTAssertFalse(c.error, "\(c.name): Spark failed, Kiln read \(rows.count) rows")
                if !c.unordered { XCTAssertEqual(IOFixtures.canonical(rows), IOFixtures.canonical(c.rows!), c.name) }
            } catch let error as PipelineError {
                XCTAssertTrue(c.error, "\(c.name): Spark read it, Kiln failed: \(error)")
                let first = c.malformed.first ?? "?"
                XCTAssertTrue(error.message.contains("/\(first): malformed"), "\(c.name): \(error.message) should name \(first)")
                XCTAssertTrue(error.message.hasSuffix("(mode FAILFAST; PERMISSIVE keeps such rows with nulls, DROPMALFORMED drops them)"), error.message)
            }
            XCTAssertTrue(log.all.isEmpty)
        }
    }

    /// Any number of parts, any chunk and batch size: the same rows in the same order, and the
    /// same lines reported (parts that start mid-file count the lines before them).
    func testPartsAndBatchSizesDoNotChangeRowsOrLineNumbers() throws {
        for c in Self.cases where c.mode != .failFast && !c.unordered {
            let reference = IOFixtures.canonical(c.rows!)
            let large = c.rows!.count > 200  // the random-line files: fewer combinations, to stay fast
            for parts in large ? [3, 7] : [1, 2, 3, 7] {
                for (chunkSize, batchRows) in large ? [(64, 3)] : [(1 << 22, 1 << 16), (16, 1), (64, 3), (7, 1000)] {
                    let log = WarningLog()
                    let rows = try readAll(try Self.source(c, chunkSize: chunkSize, batchRows: batchRows), parts: parts, context: log.context())
                    let got = IOFixtures.canonical(rows)
                    if got != reference {
                        let index = zip(got, reference).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, reference.count)
                        XCTFail("\(c.name): \(parts) parts, chunk \(chunkSize), batch \(batchRows): \(got.count) rows, Spark \(reference.count); first difference at row \(index + 1)")
                    }
                    XCTAssertEqual(log.locations(relativeTo: IOFixtures.directory), c.malformed.sorted(),
                                   "\(c.name): \(parts) parts, chunk \(chunkSize), batch \(batchRows)")
                }
            }
        }
    }

    /// `load` reads a CSV part straight into one frame: the same rows (and zone maps that
    /// cover them), whatever the parts and batch sizes.
    func testLoadIntoOneFrameMatchesBatches() throws {
        for c in Self.cases where c.format == "csv" && c.mode != .failFast && !c.unordered {
            let reference = IOFixtures.canonical(c.rows!)
            for (parts, batchRows) in [(1, 1 << 16), (2, 1), (3, 5)] {
                let source = try Self.source(c, chunkSize: 64, batchRows: batchRows)
                let frame = try WarningLog().context(threads: parts).load(source, schema: c.schema)
                XCTAssertEqual(IOFixtures.canonical(frame.rows), reference, "\(c.name): \(parts) parts, batch \(batchRows)")
                for case let .double(column) in frame.columns {
                    if let zones = column.zones { XCTAssertEqual(zones.end, frame.count, c.name) }
                }
            }
        }
    }

    func testReportWording() throws {
        let c = Self.cases.first { $0.name == "csv typed values PERMISSIVE" }!
        let log = WarningLog()
        _ = try readAll(try Self.source(c), parts: 1, context: log.context())
        let path = IOFixtures.path("csv_typed.csv")
        XCTAssertTrue(log.all.contains("\(path):3: malformed CSV record (' 5' is not a valid int for field 'i'):  5,6,1.5,True; the row is kept, unparsable fields are null (mode PERMISSIVE)"), "\(log.all.prefix(3))")
        XCTAssertTrue(log.all.contains("\(path):65: malformed CSV record (expected 4 fields, found 3): 1,2,3; the row is kept, missing fields are null (mode PERMISSIVE)"))
        XCTAssertTrue(log.all.contains("\(path):66: malformed CSV record (expected 4 fields, found 5): 1,2,3,true,5; the row is kept, extra fields are dropped (mode PERMISSIVE)"))

        let dropped = WarningLog()
        _ = try readAll(try Self.source(c, mode: .dropMalformed), parts: 1, context: dropped.context())
        XCTAssertTrue(dropped.all.contains("\(path):65: malformed CSV record (expected 4 fields, found 3): 1,2,3; the row is dropped (mode DROPMALFORMED)"))

        let j = Self.cases.first { $0.name == "json lines PERMISSIVE" }!
        let jlog = WarningLog()
        _ = try readAll(try Self.source(j), parts: 1, context: jlog.context())
        let jpath = IOFixtures.path("json_lines.json")
        XCTAssertTrue(jlog.all.contains("\(jpath):2: malformed JSON record (field 'i' (int) cannot hold \"1\"): {\"s\":1.50,\"i\":\"1\",\"l\":\"2\",\"d\":\"1.5\",\"b\":\"true\"}; the row is kept, unparsable fields are null (mode PERMISSIVE)"), "\(jlog.all.prefix(2))")
        XCTAssertTrue(jlog.all.contains { $0.hasPrefix(jpath) && $0.hasSuffix(": malformed JSON record (invalid JSON at column 1: unrecognized token): not json; the row is kept with all fields null (mode PERMISSIVE)") })
        XCTAssertTrue(jlog.all.contains { $0.hasPrefix(jpath) && $0.hasSuffix(": malformed JSON record (a record must be a JSON object or an array of objects): null; the row is kept with all fields null (mode PERMISSIVE)") })
        XCTAssertTrue(jlog.all.contains { $0.hasPrefix(jpath) && $0.hasSuffix(": malformed JSON record (invalid JSON at column 10: expected a field name in quotes): {\"s\":\"x\",}; the row is kept with all fields null (mode PERMISSIVE)") })
    }

    func testLongRecordsAreCutInReports() throws {
        let directory = NSTemporaryDirectory() + "kiln-io-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/long.csv"
        let long = String(repeating: "é", count: 150) + ",x"
        try Data("1,2\n\(long)\n".utf8).write(to: URL(fileURLWithPath: path))
        let log = WarningLog()
        let source = try CSVSource(paths: [path], schema: Schema([Field("a", .string), Field("b", .int)]), options: CSVOptions())
        _ = try readAll(source, parts: 1, context: log.context())
        XCTAssertEqual(log.all.count, 1)
        XCTAssertTrue(log.all[0].contains(":2: malformed CSV record ('x' is not a valid int for field 'b'): " + String(repeating: "é", count: 100) + "...; "), log.all[0])
    }

    /// A file of many lines split into many parts and small chunks: every malformed line is
    /// reported with its own number, exactly once, and no good row is lost in any mode.
    func testLineNumbersInALargeSplitFile() throws {
        let directory = NSTemporaryDirectory() + "kiln-io-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/big.csv"
        var text = "id,name\r\n"
        var bad: [Int] = []
        var good = 0
        for line in 2...3000 {
            let terminator = ["\n", "\r\n", "\r"][line % 3]
            if line % 97 == 0 {
                text += "\(line),\"a\",\"b,c\"" + terminator  // three fields
                bad.append(line)
            } else if line % 101 == 0 {
                text += "   " + terminator  // blank: skipped, but counted
            } else {
                text += "\(line),\"name, \(line)\"" + terminator
                good += 1
            }
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let schema = Schema([Field("id", .int), Field("name", .string)])
        for mode in [ReadMode.permissive, .dropMalformed] {
            for parts in [1, 3, 7, 16] {
                let log = WarningLog()
                let source = try CSVSource(paths: [path], schema: schema, options: CSVOptions(header: true, mode: mode))
                source.chunkSize = 512
                source.batchRows = 100
                let rows = try readAll(source, parts: parts, context: log.context())
                XCTAssertEqual(rows.count, mode == .permissive ? good + bad.count : good, "\(mode) \(parts)")
                XCTAssertEqual(log.locations(relativeTo: directory), bad.map { "big.csv:\($0)" }.sorted(), "\(mode) \(parts)")
                let ids = rows.compactMap { $0[0] }.map { IOFixtures.canonical($0) }
                XCTAssertEqual(ids.count, rows.count)
                XCTAssertEqual(rows[0].map(IOFixtures.canonical), ["i2", IOFixtures.canonical(.string("name, 2"))])
            }
        }
    }

    func testParallelDriverReadsEverything() throws {
        let c = Self.cases.first { $0.name == "csv typed values PERMISSIVE" }!
        let source = try Self.source(c, chunkSize: 64, batchRows: 5)
        let log = WarningLog()
        let context = log.context(threads: 2)
        final class Collector: @unchecked Sendable { var rows: [String] = [] }
        let workers = [Collector(), Collector(), Collector()]
        let used = try context.run(source, workers: workers) { worker, batch in
            let frame = batch.frame
            for row in batch.rows {
                worker.rows.append(frame.columns.indices.map { IOFixtures.canonical(frame.value(row: row, column: $0)) }.joined(separator: " | "))
            }
        }
        XCTAssertGreaterThanOrEqual(used, 1)
        XCTAssertEqual(workers.prefix(used).flatMap(\.rows), IOFixtures.canonical(c.rows!))
        XCTAssertEqual(log.locations(relativeTo: IOFixtures.directory), c.malformed.sorted())
    }

    func testMissingPathAndArrayColumnErrors() {
        XCTAssertThrowsError(try CSVSource(paths: ["/nonexistent/kiln/x.csv"], schema: Schema([Field("a", .string)]), options: CSVOptions())) {
            XCTAssertEqual("\($0)", "[PATH_NOT_FOUND] Path does not exist: /nonexistent/kiln/x.csv")
        }
        XCTAssertThrowsError(try JSONSource(paths: ["/nonexistent/kiln/*.json"], schema: Schema([Field("a", .string)]), mode: .permissive)) {
            XCTAssertEqual("\($0)", "[PATH_NOT_FOUND] Path does not exist: /nonexistent/kiln/*.json")
        }
        XCTAssertThrowsError(try CSVSource(paths: [IOFixtures.path("csv_typed.csv")], schema: Schema([Field("ai", .array(.int))]), options: CSVOptions())) {
            XCTAssertEqual("\($0)", "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `ai` of the type \"ARRAY<INT>\".")
        }
    }

    func testJavaNumberRules() {
        func int(_ text: String) -> Int64? {
            Array(text.utf8).withUnsafeBufferPointer { JavaText.parseInteger($0.baseAddress!, $0.count, min: Int64(Int32.min), max: Int64(Int32.max)) }
        }
        func double(_ text: String) -> Double? {
            Array(text.utf8).withUnsafeBufferPointer { JavaText.parseDouble($0.baseAddress!, $0.count) }
        }
        XCTAssertEqual(int("2147483647"), 2147483647)
        XCTAssertNil(int("2147483648"))
        XCTAssertEqual(int("-0002147483648"), -2147483648)
        XCTAssertNil(int("+"))
        XCTAssertEqual(int("٠٧"), 7)
        XCTAssertEqual(double("0.1"), 0.1)
        XCTAssertEqual(double("123456789012345678901234567890"), 123456789012345678901234567890.0)
        XCTAssertEqual(double("1e23"), 1e23)
        XCTAssertEqual(double("8.98846567431158e307"), 8.98846567431158e307)
        XCTAssertEqual(double(" -0x1.8p1f\t"), -3)
        XCTAssertNil(double("1e"))
        XCTAssertNil(double("0x1"))
        XCTAssertNil(double("Infinityd"))
    }
}

/// Spark's CSVHeaderChecker: with header and a schema, a header whose names differ from the
/// schema's (ignoring case) is a warning, in Spark's words (pyspark 4.0.1's log lines), once
/// per file.
final class CSVHeaderCheckTests: XCTestCase {
    func testAHeaderThatDiffersFromTheSchemaIsWarnedOncePerFile() throws {
        let directory = NSTemporaryDirectory() + "kiln-header-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = ["a.csv": "Name,qty\nx,1\ny,2\n", "b.csv": "name,qty,extra\nx,1,2\n", "d e.csv": "nom,qty\nx,1\n" + String(repeating: "z,3\n", count: 400)]
        for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + name)) }
        let schema = Schema([Field("name", .string), Field("qty", .int)])
        for parts in [1, 3] {
            let log = WarningLog()
            let source = try CSVSource(paths: files.keys.sorted().map { directory + "/" + $0 }, schema: schema, options: CSVOptions(header: true))
            source.chunkSize = 256
            let rows = try readAll(source, parts: parts, context: log.context())
            XCTAssertEqual(rows.count, 404)
            let url = "file:///" + directory.split(separator: "/").joined(separator: "/")
            XCTAssertEqual(log.all.filter { $0.hasPrefix("WARN CSVHeaderChecker") }.sorted(), [
                """
                WARN CSVHeaderChecker: CSV header does not conform to the schema.
                 Header: nom, qty
                 Schema: name, qty
                Expected: name but found: nom
                CSV file: \(url)/d%20e.csv
                """,
                """
                WARN CSVHeaderChecker: Number of column in CSV header is not equal to number of fields in the schema:
                 Header length: 3, schema size: 2
                CSV file: \(url)/b.csv
                """,
            ].sorted(), "parts \(parts)")
        }
    }

    func testARelativePathIsNamedAbsolutely() {
        let message = CSVHeaderCheck.message(header: ["a"], schema: ["b"], path: "./x/../y z.csv")
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertEqual(message?.components(separatedBy: "\n").last, "CSV file: file://\(cwd == "/" ? "" : cwd)/y%20z.csv".replacingOccurrences(of: " z", with: "%20z"))
    }
}
