import Foundation
import XCTest
@testable import KilnData

/// Fixtures made by Fixtures/make_spark_io_fixtures.py from real pyspark, and helpers to read
/// them and to run readers the way the pipeline driver does.
enum IOFixtures {
    static let directory: String = {
        if let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) {
            let path = url.appendingPathComponent("io").path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/io").path
    }()

    static func path(_ relative: String) -> String { directory + "/" + relative }

    static func json(_ relative: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }

    static func schema(_ fields: Any) -> Schema {
        Schema((fields as! [[String]]).map { Field($0[0], DataType(name: $0[1])!) })
    }

    /// A fixture cell (see the script's encoding) as the reader's boxed value.
    static func cell(_ value: Any, _ type: DataType) -> CellValue? {
        if value is NSNull { return nil }
        switch type {
        case .string: return .string(value as! String)
        case .int, .long: return .long(Int64(value as! String)!)
        case .double: return .double(Double(value as! String)!)
        case .boolean: return .boolean(value as! Bool)
        case let .array(element): return .array((value as! [Any]).map { cell($0, element) })
        case .vector: fatalError("the I/O fixtures hold no vectors")
        }
    }

    static func rows(_ value: Any, _ schema: Schema) -> [[CellValue?]] {
        (value as! [[Any]]).map { row in zip(row, schema.fields).map { cell($0, $1.type) } }
    }

    /// A canonical text of a cell: exact for doubles (bit patterns, any NaN alike) and strings.
    static func canonical(_ cell: CellValue?) -> String {
        guard let cell else { return "null" }
        switch cell {
        case let .string(s): return "s" + s.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: ".")
        case let .long(v): return "i\(v)"
        case let .double(v): return v.isNaN ? "nan" : "d\(v.bitPattern)"
        case let .boolean(b): return b ? "true" : "false"
        case let .array(items): return "[" + items.map(canonical).joined(separator: ",") + "]"
        case let .vector(v): return "v\(v)"
        }
    }

    static func canonical(_ rows: [[CellValue?]]) -> [String] {
        rows.map { $0.map(canonical).joined(separator: " | ") }
    }

    /// A frame of `schema` holding `rows`.
    static func frame(_ schema: Schema, _ rows: [[CellValue?]]) -> Frame {
        let frame = Frame(schema: schema)
        for row in rows {
            for (column, value) in zip(frame.columns, row) { append(value, to: column) }
        }
        return frame
    }

    static func append(_ value: CellValue?, to column: AnyColumn) {
        guard let value else { column.appendNull(); return }
        switch (column, value) {
        case let (.string(c), .string(s)): c.append(s)
        case let (.int(c), .long(v)): c.append(Int32(v))
        case let (.long(c), .long(v)): c.append(v)
        case let (.double(c), .double(v)): c.append(v)
        case let (.boolean(c), .boolean(v)): c.append(v)
        case let (.list(c), .array(items)):
            for item in items { append(item, to: c.child) }
            c.finishRow()
        default: XCTFail("cell \(value) does not fit \(column)")
        }
    }
}

/// Collects what a reader reports.
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    var all: [String] { lock.lock(); defer { lock.unlock() }; return messages }

    func context(threads: Int = 1) -> PipelineContext {
        PipelineContext(threads: threads, output: { _ in }, warning: { [self] message in
            lock.lock(); messages.append(message); lock.unlock()
        })
    }

    /// (file relative to `root`, line) of every `path:LINE: ...` report, sorted.
    func locations(relativeTo root: String) -> [String] {
        all.map { message -> String in
            let head = message.components(separatedBy: ": malformed ")[0]
            let colon = head.lastIndex(of: ":")!
            var file = String(head[..<colon])
            if file.hasPrefix(root + "/") { file.removeFirst(root.count + 1) }
            return "\(file):\(head[head.index(after: colon)...])"
        }.sorted()
    }
}

/// Reads every part of `source` in order, as `count` parts.
func readAll(_ source: some BatchSource<Batch>, parts count: Int, context: PipelineContext) throws -> [[CellValue?]] {
    var rows: [[CellValue?]] = []
    for part in 0..<count {
        try source.read(partition: part, of: count, context: context) { batch in
            let frame = batch.frame
            for row in batch.rows { rows.append(frame.columns.indices.map { frame.value(row: row, column: $0) }) }
        }
    }
    return rows
}
