/// `spark.read.json` with a schema (JSON lines: one record per line, multiLine off). Blank
/// lines give no rows. See `JSONRecordParser` for how values convert. A line that is not
/// JSON, or whose top level is not an object (or array of objects), is malformed as a whole:
/// PERMISSIVE yields one all-null row for it. A value of the wrong type makes the record
/// malformed too, but PERMISSIVE keeps the other fields. DROPMALFORMED drops malformed
/// records, FAILFAST stops at the first; each is reported with its file and line.
public final class JSONSource: BatchSource {
    let files: FileSet
    let schema: Schema
    let mode: ReadMode
    /// Bytes read from a file at a time, and lines per batch at most (tests shrink them).
    var chunkSize = 1 << 22
    var batchRows = 1 << 16

    public init(paths: [String], schema: Schema, mode: ReadMode) throws {
        self.schema = schema
        self.mode = mode
        self.files = try FileSet.resolve(paths)
    }

    public func partitionCount(workers: Int) -> Int {
        LineRanges(files: files).partitionCount(workers: workers)
    }

    public func read(partition: Int, of count: Int, context: PipelineContext, _ body: (Batch) throws -> Void) throws {
        let parser = JSONRecordParser(schema: schema)
        for range in LineRanges(files: files).ranges(partition: partition, of: count) {
            let path = files.paths[range.file]
            let reader = try LineReader(path: path, range: range, chunkSize: chunkSize)
            let reporter = MalformedRecordReporter(path: path, format: "JSON", mode: mode, context: context, rangeStart: range.start)
            var firstLine = range.start == 0
            while let lines = try reader.next() {
                reporter.beginBatch(reader)
                let lineCount = reader.starts.count
                var line = 0
                while line < lineCount {
                    let end = min(lineCount, line + batchRows)
                    let frame = Frame(schema: schema, capacity: end - line)
                    for row in line..<end {
                        let start = lines.start(of: row, firstLine: &firstLine)
                        let stop = lines.ends[row]
                        let text = KStr(lines.bytes + start, stop - start)
                        switch parser.parse(text.base, text.count) {
                        case .noRows:
                            break
                        case let .rows(badField, badValue):
                            if badField < 0 || mode == .permissive { appendStagedRows(parser, to: frame) }
                            if badField >= 0 {
                                let field = schema.fields[badField]
                                try reporter.report(batchLine: row, problem: "field '\(field.name)' (\(field.type)) cannot hold \(badValue)",
                                                    kept: "the row is kept, unparsable fields are null", line: text)
                            }
                        case let .syntaxError(error):
                            if mode == .permissive { for column in frame.columns { column.appendNull() } }
                            let problem = error.offset.map { "invalid JSON at column \($0 + 1): \(error.message)" } ?? error.message
                            try reporter.report(batchLine: row, problem: problem, kept: "the row is kept with all fields null", line: text)
                        }
                    }
                    if frame.count > 0 { try body(Batch(frame: frame, rows: 0..<frame.count)) }
                    line = end
                }
                reporter.endBatch(lineCount: lineCount)
            }
        }
    }

    /// The records of every file as Spark's `count()` reads them: it needs no column, so each
    /// line is parsed as JSON against an empty schema. A line that is not JSON, or whose top
    /// level is not an object (or array of objects), is still malformed (DROPMALFORMED drops
    /// it, FAILFAST fails, PERMISSIVE counts it once); a value of the wrong type is not.
    public func countRecords(context: PipelineContext) throws -> Int {
        let parser = JSONRecordParser(schema: Schema([]))
        var records = 0
        for file in files.paths.indices {
            let path = files.paths[file]
            let reader = try LineReader(path: path, range: FileRange(file: file, start: 0, end: files.sizes[file]), chunkSize: chunkSize)
            let reporter = MalformedRecordReporter(path: path, format: "JSON", mode: mode, context: context, rangeStart: 0)
            var firstLine = true
            while let lines = try reader.next() {
                reporter.beginBatch(reader)
                for row in 0..<reader.starts.count {
                    let start = lines.start(of: row, firstLine: &firstLine)
                    let stop = lines.ends[row]
                    let text = KStr(lines.bytes + start, stop - start)
                    switch parser.parse(text.base, text.count) {
                    case .noRows: break
                    case .rows: records += parser.rows.count
                    case let .syntaxError(error):
                        if mode == .permissive { records += 1 }
                        let problem = error.offset.map { "invalid JSON at column \($0 + 1): \(error.message)" } ?? error.message
                        try reporter.report(batchLine: row, problem: problem, kept: "the row is kept with all fields null", line: text)
                    }
                }
                reporter.endBatch(lineCount: reader.starts.count)
            }
        }
        return records
    }

    func appendStagedRows(_ parser: JSONRecordParser, to frame: Frame) {
        parser.stage.withUnsafeBufferPointer { stage in
            let base = stage.baseAddress ?? KStr.empty.base
            for row in parser.rows {
                for (column, value) in zip(frame.columns, row) { Self.append(value, to: column, stage: base) }
            }
        }
    }

    static func append(_ value: JSONRecordParser.Staged, to column: AnyColumn, stage: UnsafePointer<UInt8>) {
        switch (column, value) {
        case (_, .null): column.appendNull()
        case let (.string(c), .string(from, to)): c.append(KStr(stage + from, to - from))
        case let (.int(c), .integer(v)): c.append(Int32(truncatingIfNeeded: v))
        case let (.long(c), .integer(v)): c.append(v)
        case let (.double(c), .double(v)): c.append(v)
        case let (.boolean(c), .boolean(v)): c.append(v)
        case let (.list(c), .list(elements)):
            for element in elements { append(element, to: c.child, stage: stage) }
            c.finishRow()
        default: column.appendNull()
        }
    }
}
