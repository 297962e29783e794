#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `spark.read.csv`'s options that Kiln supports, with Spark's defaults.
public struct CSVOptions: Sendable {
    public var header = false
    public var separator: UInt8 = UInt8(ascii: ",")
    public var quote: UInt8 = UInt8(ascii: "\"")
    public var escape: UInt8 = UInt8(ascii: "\\")
    /// A field equal to this (and an empty unquoted field) is null.
    public var nullValue = ""
    public var mode: ReadMode = .permissive

    public init(header: Bool = false, separator: UInt8 = 44, quote: UInt8 = 34, escape: UInt8 = 92, nullValue: String = "", mode: ReadMode = .permissive) {
        self.header = header; self.separator = separator; self.quote = quote; self.escape = escape
        self.nullValue = nullValue; self.mode = mode
    }
}

/// `spark.read.csv` with a schema (multiLine off): every line is a record, so files split at
/// line boundaries and parts parse independently. Blank lines are skipped; with `header`, the
/// first non-blank line of each file is (Spark skips it in the split that starts the file;
/// Kiln in whichever part holds it, so that any split gives the same rows). Fields parse as Spark parses them (`Integer.parseInt`,
/// `Double.parseDouble` plus `NaN`/`Inf`/`-Inf`, case-insensitive `true`/`false`). A record
/// with too few or too many fields, or a field that does not parse, is malformed: PERMISSIVE
/// keeps it with nulls for what could not be read (extra fields dropped), DROPMALFORMED drops
/// it, FAILFAST stops; each is reported with its file and line.
public final class CSVSource: BatchSource {
    let files: FileSet
    let schema: Schema
    let options: CSVOptions
    /// Bytes read from a file at a time, and rows per batch at most (tests shrink them).
    var chunkSize = 1 << 22
    var batchRows = 1 << 16

    public init(paths: [String], schema: Schema, options: CSVOptions) throws {
        for field in schema.fields {
            if case .array = field.type {
                throw PipelineError("[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `\(field.name)` of the type \"\(field.type.sqlName)\".")
            }
        }
        self.schema = schema
        self.options = options
        self.files = try FileSet.resolve(paths)
    }

    public func partitionCount(workers: Int) -> Int {
        LineRanges(files: files).partitionCount(workers: workers)
    }

    public func read(partition: Int, of count: Int, context: PipelineContext, _ body: (Batch) throws -> Void) throws {
        let parser = CSVRecordParser(schema: schema, options: options)
        for range in LineRanges(files: files).ranges(partition: partition, of: count) {
            let path = files.paths[range.file]
            let reader = try LineReader(path: path, range: range, chunkSize: chunkSize)
            let reporter = MalformedRecordReporter(path: path, format: "CSV", mode: options.mode, context: context, rangeStart: range.start)
            // The header is the file's first non-blank line; whichever part holds its start skips it.
            var headerOffset = options.header ? try Self.headerOffset(path: path, size: files.sizes[range.file]) : nil
            if let offset = headerOffset, offset < range.start || offset >= range.end { headerOffset = nil }
            var firstLine = range.start == 0
            while let lines = try reader.next() {
                reporter.beginBatch(reader)
                let lineCount = reader.starts.count
                var line = 0
                while line < lineCount {
                    let end = min(lineCount, line + batchRows)
                    let textBytes = reader.ends[end - 1] - reader.starts[line]
                    let builder = RowBatchBuilder(schema: schema, capacity: end - line, textBytes: textBytes)
                    let nonASCII = containsNonASCII(lines.bytes + reader.starts[line], textBytes)
                    for row in line..<end {
                        var start = lines.starts[row]
                        let stop = lines.ends[row]
                        if firstLine {
                            firstLine = false
                            if startsWithByteOrderMark(lines.bytes + start, stop - start) { start += 3 }
                        }
                        let p = lines.bytes + start, n = stop - start
                        if n == 0 || (p[0] <= 32 && isBlankLine(p, n)) { continue }
                        if let offset = headerOffset, reader.fileOffset(ofLine: row) == offset { headerOffset = nil; continue }
                        try parser.parse(p, n, into: builder, nonASCII: nonASCII) { problem, kept in
                            try reporter.report(batchLine: row, problem: problem, kept: kept, line: KStr(p, n))
                        }
                    }
                    let frame = builder.finish()
                    if frame.count > 0 { try body(Batch(frame: frame, rows: 0..<frame.count)) }
                    line = end
                }
                reporter.endBatch(lineCount: lineCount)
            }
        }
    }
}

extension CSVSource {
    /// Where a file's header starts: its first line that is not blank (after the byte order
    /// mark Hadoop drops), or nil for a blank file.
    static func headerOffset(path: String, size: Int) throws -> Int? {
        let reader = try LineReader(path: path, range: FileRange(file: 0, start: 0, end: size), chunkSize: 1 << 16)
        var first = true
        while let lines = try reader.next() {
            for row in 0..<reader.starts.count {
                var start = lines.starts[row]
                let stop = lines.ends[row]
                if first {
                    first = false
                    if startsWithByteOrderMark(lines.bytes + start, stop - start) { start += 3 }
                }
                if !isBlankLine(lines.bytes + start, stop - start) { return reader.fileOffset(ofLine: row) }
            }
        }
        return nil
    }
}

/// Turns CSV lines into rows of a schema (one parser per worker: it keeps scratch state).
final class CSVRecordParser {
    let schema: Schema
    let options: CSVOptions
    let kinds: [RowBatchBuilder.Kind]
    let nullValue: [UInt8]
    var tokenizer: CSVLineTokenizer
    /// The first field that failed to parse in the current line, for the report.
    private var badColumn = -1
    private var badText = ""

    init(schema: Schema, options: CSVOptions) {
        self.schema = schema
        self.options = options
        self.kinds = schema.fields.map { field in
            switch field.type {
            case .string: .string
            case .int: .int
            case .long: .long
            case .double: .double
            case .boolean: .boolean
            case .array: .string
            }
        }
        self.nullValue = Array(options.nullValue.utf8)
        self.tokenizer = CSVLineTokenizer(separator: options.separator, quote: options.quote, escape: options.escape)
    }

    /// Parses one non-blank line into the builder's next row and commits it unless the mode
    /// drops it. `report(problem, kept)` is called for a malformed record (and throws in FAILFAST).
    @inline(__always)
    func parse(_ p: UnsafePointer<UInt8>, _ n: Int, into builder: RowBatchBuilder, nonASCII: Bool,
               report: (String, String) throws -> Void) throws {
        let columns = kinds.count
        let separator = options.separator, quote = options.quote
        badColumn = -1
        var fields = 0
        var start = 0
        var quoted = false
        // Plain split, converting as it goes; a field that starts with a quote sends the whole
        // line to the tokenizer (such a line splits differently).
        while true {
            if start < n && p[start] == quote { quoted = true; break }
            var end = start
            while end < n && p[end] != separator { end += 1 }
            if fields < columns {
                store(fields, p + start, end - start, univocityNull: end == start, builder, nonASCII)
            }
            fields += 1
            if end >= n { break }
            start = end + 1
        }
        if quoted {
            builder.discard()  // drop the bytes of the fields stored so far
            badColumn = -1
            fields = 0
            tokenizer.tokenize(p, n)
            tokenizer.values.withUnsafeBufferPointer { values in
                let base = values.baseAddress ?? KStr.empty.base
                for token in tokenizer.tokens {
                    if fields < columns {
                        switch token {
                        case .null: store(fields, base, 0, univocityNull: true, builder, nonASCII)
                        case let .value(from, to): store(fields, base + from, to - from, univocityNull: false, builder, nonASCII)
                        }
                    }
                    fields += 1
                }
            }
        }
        if fields < columns { for column in fields..<columns { builder.setNull(column) } }
        if fields == columns && badColumn < 0 { builder.commit(); return }

        // Malformed: say why and what PERMISSIVE keeps.
        var problems: [String] = [], kept: [String] = []
        if fields != columns {
            problems.append("expected \(columns) field\(columns == 1 ? "" : "s"), found \(fields)")
            kept.append(fields < columns ? "missing fields are null" : "extra fields are dropped")
        }
        if badColumn >= 0 {
            let field = schema.fields[badColumn]
            problems.append("'\(badText)' is not a valid \(field.type) for field '\(field.name)'")
            kept.append("unparsable fields are null")
        }
        if options.mode == .permissive { builder.commit() } else { builder.discard() }
        try report(problems.joined(separator: "; "), "the row is kept, " + kept.joined(separator: ", "))
    }

    /// Converts one field into column `column` of the current row (null for a failed
    /// conversion, remembered as the line's first bad field).
    @inline(__always)
    func store(_ column: Int, _ p: UnsafePointer<UInt8>, _ n: Int, univocityNull: Bool, _ builder: RowBatchBuilder, _ nonASCII: Bool) {
        if univocityNull || (n == nullValue.count && (n == 0 || memcmp(p, nullValue, n) == 0)) {
            builder.setNull(column)
            return
        }
        switch kinds[column] {
        case .string:
            if nonASCII && containsNonASCII(p, n) && !JavaText.isValidUTF8(p, n) {
                let repaired = JavaText.repairedUTF8(p, n)
                repaired.withUnsafeBufferPointer { builder.setString(column, $0.baseAddress!, $0.count) }
            } else {
                builder.setString(column, p, n)
            }
            return
        case .int:
            if let value = JavaText.parseInteger(p, n, min: Int64(Int32.min), max: Int64(Int32.max)) {
                builder.set(column, Int32(truncatingIfNeeded: value)); return
            }
        case .long:
            if let value = JavaText.parseInteger(p, n, min: Int64.min, max: Int64.max) { builder.set(column, value); return }
        case .double:
            if let value = JavaText.parseSimpleDecimal(p, n) ?? Self.sparkDouble(p, n) { builder.set(column, value); return }
        case .boolean:
            if let value = JavaText.parseBoolean(p, n) { builder.set(column, value); return }
        }
        builder.setNull(column)
        if badColumn < 0 { badColumn = column; badText = MalformedRecordReporter.excerpt(KStr(p, n), limit: 60) }
    }

    /// Spark's CSV double: its `NaN`/`Inf`/`-Inf` spellings, else `Double.parseDouble`.
    static func sparkDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        if JavaText.matches(p, n, "NaN") { return .nan }
        if JavaText.matches(p, n, "Inf") { return .infinity }
        if JavaText.matches(p, n, "-Inf") { return -.infinity }
        return JavaText.parseDouble(p, n)
    }
}
