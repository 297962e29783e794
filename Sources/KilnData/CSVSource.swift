import CKilnData
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
/// line boundaries and parts parse independently. Blank lines (nothing above ' ') are skipped;
/// with `header`, so is the first non-blank line of each file (Spark skips it in the split
/// that starts the file; Kiln in whichever part holds it, so any split gives the same rows).
/// A UTF-8 byte order mark at a file's start is dropped, invalid UTF-8 in strings becomes
/// U+FFFD as Java decodes it. Fields split as univocity splits them (`CSVLineTokenizer`) and
/// parse as Spark parses them: `Integer.parseInt`/`Long.parseLong`, `Double.parseDouble` plus
/// `NaN`/`Inf`/`-Inf`, case-insensitive `true`/`false`; a field equal to `nullValue`, or empty
/// and unquoted, is null. A record with too few or too many fields, or a field that does not
/// parse, is malformed: PERMISSIVE keeps it with nulls for what could not be read (extra
/// fields dropped), DROPMALFORMED drops it, FAILFAST stops; each is reported with its file and
/// line.
public final class CSVSource: BatchSource, FrameLoadable {
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
        try scan(partition: partition, of: count, context: context, builder: { RowBatchBuilder(schema: schema, capacity: $0, textBytes: $1) }) { builder, rows in
            let frame = builder.finish(rows: rows)
            if rows > 0 { try body(Batch(frame: frame, rows: 0..<rows)) }
        }
    }

    /// A whole part in one frame: every batch is written at the end of the same columns, which
    /// after the first batch are sized for the rest at its bytes per row (see `Frame.reserve`).
    public func readFrame(partition: Int, of count: Int, context: PipelineContext, roomForAll: Bool) throws -> Frame {
        let frame = Frame(schema: schema)
        let lineRanges = LineRanges(files: files)
        let partBytes = lineRanges.ranges(partition: partition, of: count).reduce(0) { $0 + $1.end - $1.start }
        let expectedBytes = roomForAll ? files.sizes.reduce(0, +) : partBytes
        var bytesRead = 0, sized = false
        try scan(partition: partition, of: count, context: context, builder: { rows, textBytes in
            bytesRead += textBytes
            return RowBatchBuilder(appendingTo: frame, capacity: rows, textBytes: textBytes)
        }) { builder, rows in
            builder.finishAppending(rows: rows)
            if !sized && frame.count > 0 && bytesRead > 0 {
                sized = true
                // 5% over, for lines that run longer later on.
                frame.reserve(scale: 1.05 * Double(expectedBytes) / Double(bytesRead))
            }
        }
        return frame
    }

    /// Parses a part batch by batch into builders made by `builder(rows, textBytes)`, handing
    /// each filled builder and its row count to `done`.
    func scan(partition: Int, of count: Int, context: PipelineContext, builder makeBuilder: (Int, Int) -> RowBatchBuilder,
              _ done: (RowBatchBuilder, Int) throws -> Void) throws {
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
                    let builder = makeBuilder(end - line, textBytes)
                    let sinks = builder.sinks
                    let nonASCII = containsNonASCII(lines.bytes + reader.starts[line], textBytes)
                    var rows = 0
                    for row in line..<end {
                        let start = lines.start(of: row, firstLine: &firstLine)
                        let stop = lines.ends[row]
                        let p = lines.bytes + start, n = stop - start
                        if n == 0 || (p[0] <= 32 && isBlankLine(p, n)) { continue }
                        if let offset = headerOffset, reader.fileOffset(ofLine: row) == offset {
                            headerOffset = nil
                            // Spark's CSVHeaderChecker: a header that differs from the schema is
                            // a warning (enforceSchema, the default), once per file read.
                            if let message = CSVHeaderCheck.message(header: parser.fieldNames(p, n), schema: schema.names, path: path) {
                                context.warning("WARN CSVHeaderChecker: " + message)
                            }
                            continue
                        }
                        let outcome = parser.parseLine(p, n, into: sinks, row: rows, nonASCII: nonASCII)
                        if outcome.isClean {
                            rows += 1
                            continue
                        }
                        if options.mode == .permissive { rows += 1 } else { builder.rewind(toRow: rows) }
                        let (problem, kept) = parser.describe(outcome)
                        try reporter.report(batchLine: row, problem: problem, kept: kept, line: KStr(p, n))
                    }
                    try done(builder, rows)
                    line = end
                }
                reporter.endBatch(lineCount: lineCount)
            }
        }
    }
}

/// Spark's `CSVHeaderChecker.checkHeaderColumnNames` with `enforceSchema` (the default): the
/// header's names against the schema's, ignoring case (`spark.sql.caseSensitive` is off), in
/// Spark's words, naming the file as Spark does (`file://` and the absolute path, URL-encoded).
public enum CSVHeaderCheck {
    public static func message(header: [String], schema: [String], path: String) -> String? {
        let file = fileURL(path)
        guard header.count == schema.count else {
            return """
                Number of column in CSV header is not equal to number of fields in the schema:
                 Header length: \(header.count), schema size: \(schema.count)
                CSV file: \(file)
                """
        }
        for (found, expected) in zip(header, schema) where found.lowercased() != expected.lowercased() {
            return """
                CSV header does not conform to the schema.
                 Header: \(header.joined(separator: ", "))
                 Schema: \(schema.joined(separator: ", "))
                Expected: \(expected) but found: \(found)
                CSV file: \(file)
                """
        }
        return nil
    }

    /// `file:///abs/path` with the characters a URI path may not hold percent-encoded (as
    /// Hadoop's `Path.toUri`: a space is `%20`); `.` and `..` resolved.
    static func fileURL(_ path: String) -> String {
        var absolute = path
        if !absolute.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: 4096)
            let cwd = getcwd(&buffer, buffer.count) != nil ? String(cString: buffer) : "/"
            absolute = cwd + "/" + absolute
        }
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        let hex = Array("0123456789ABCDEF".utf8)
        var out = Array("file://".utf8)
        for byte in ("/" + parts.joined(separator: "/")).utf8 {
            switch byte {
            case 0..<0x21, 0x7F, 0x22, 0x23, 0x25, 0x3C, 0x3E, 0x3F, 0x5B, 0x5C, 0x5D, 0x5E, 0x60, 0x7B, 0x7C, 0x7D:
                out += [0x25, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default:
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension CSVSource {
    /// The records of every file, unparsed: its lines that are not blank, less each file's
    /// header. Spark's `count()` of a CSV source needs no column, so it reads no field: a record
    /// DROPMALFORMED would drop, or FAILFAST fail on, still counts.
    public func countRecords(context: PipelineContext) throws -> Int {
        var records = 0
        for file in files.paths.indices {
            let reader = try LineReader(path: files.paths[file], range: FileRange(file: file, start: 0, end: files.sizes[file]), chunkSize: chunkSize)
            var first = true
            var header = options.header
            while let lines = try reader.next() {
                for row in 0..<reader.starts.count {
                    let start = lines.start(of: row, firstLine: &first)
                    let stop = lines.ends[row]
                    let p = lines.bytes + start, n = stop - start
                    if n == 0 || (p[0] <= 32 && isBlankLine(p, n)) { continue }
                    if header { header = false; continue }
                    records += 1
                }
            }
        }
        return records
    }

    /// Where a file's header starts: its first line that is not blank (after the byte order
    /// mark Hadoop drops), or nil for a blank file.
    static func headerOffset(path: String, size: Int) throws -> Int? {
        let reader = try LineReader(path: path, range: FileRange(file: 0, start: 0, end: size), chunkSize: 1 << 16)
        var first = true
        while let lines = try reader.next() {
            for row in 0..<reader.starts.count {
                let start = lines.start(of: row, firstLine: &first)
                let stop = lines.ends[row]
                if !isBlankLine(lines.bytes + start, stop - start) { return reader.fileOffset(ofLine: row) }
            }
        }
        return nil
    }
}

/// Turns CSV lines into rows (one parser per worker: it keeps scratch state).
final class CSVRecordParser {
    /// What one line gave: its field count and the first field that did not parse.
    struct LineOutcome {
        var fields: Int
        var columns: Int
        var badColumn = -1
        /// The bad value (nil: in `badValueCopy`).
        var badText: UnsafePointer<UInt8>? = nil
        var badCount = 0
        var isClean: Bool { fields == columns && badColumn < 0 }
    }

    let schema: Schema
    let separator: UInt8
    let quote: UInt8
    let columns: Int
    let kinds: UnsafeMutablePointer<RowBatchBuilder.Kind>
    let nullValue: UnsafeMutablePointer<UInt8>
    let nullValueCount: Int
    @exclusivity(unchecked) var tokenizer: CSVLineTokenizer
    /// The unparsable value of the last quoted line that had one.
    private var badValueCopy: [UInt8] = []

    init(schema: Schema, options: CSVOptions) {
        self.schema = schema
        separator = options.separator
        quote = options.quote
        columns = schema.count
        kinds = .allocate(capacity: max(schema.count, 1))
        for (index, field) in schema.fields.enumerated() {
            let kind: RowBatchBuilder.Kind
            switch field.type {
            case .string, .array, .vector: kind = .string
            case .int: kind = .int
            case .long: kind = .long
            case .double: kind = .double
            case .boolean: kind = .boolean
            }
            (kinds + index).initialize(to: kind)
        }
        let null = Array(options.nullValue.utf8)
        nullValueCount = null.count
        nullValue = .allocate(capacity: max(null.count, 1))
        nullValue.initialize(from: null, count: null.count)
        tokenizer = CSVLineTokenizer(separator: options.separator, quote: options.quote, escape: options.escape)
    }

    deinit {
        kinds.deallocate()
        nullValue.deallocate()
    }

    /// A header line's field names, as univocity splits it (an empty unquoted field is "").
    func fieldNames(_ p: UnsafePointer<UInt8>, _ n: Int) -> [String] { tokenizer.fields(p, n) }

    /// Parses one non-blank line into row `row` of `sinks` (missing fields null, extra ones
    /// ignored, unparsable ones null).
    @inline(__always)
    func parseLine(_ p: UnsafePointer<UInt8>, _ n: Int, into sinks: UnsafeMutablePointer<RowBatchBuilder.Sink>, row: Int,
                   nonASCII: Bool) -> LineOutcome {
        var outcome = LineOutcome(fields: 0, columns: columns)
        if n <= 64 {
            // A short line without quotes (the common case): its separators as a bit mask,
            // fields from one to the next, without a branch per byte. `p` has 64 bytes to read
            // (LineReader.readPadding).
            let inLine: UInt64 = n == 64 ? ~0 : (1 << UInt64(n)) - 1
            if kiln_match64(p, quote) & inLine == 0 {
                var separators = kiln_match64(p, separator) & inLine
                var start = 0
                while true {
                    let end = separators == 0 ? n : separators.trailingZeroBitCount
                    if outcome.fields < columns {
                        store(outcome.fields, p + start, end - start, univocityNull: end == start, sinks, row, nonASCII, &outcome)
                    }
                    outcome.fields += 1
                    if separators == 0 { break }
                    separators &= separators - 1
                    start = end + 1
                }
                if outcome.fields < columns { for column in outcome.fields..<columns { sinks[column].setNull(row) } }
                return outcome
            }
        }
        var start = 0
        // Plain split, converting as it goes; a field that starts with a quote sends the whole
        // line to the tokenizer (such a line splits differently).
        while true {
            if start < n && p[start] == quote {
                return parseQuotedLine(p, n, into: sinks, row: row, nonASCII: nonASCII)
            }
            var end = start
            while end < n && p[end] != separator { end += 1 }
            if outcome.fields < columns {
                store(outcome.fields, p + start, end - start, univocityNull: end == start, sinks, row, nonASCII, &outcome)
            }
            outcome.fields += 1
            if end >= n { break }
            start = end + 1
        }
        if outcome.fields < columns { for column in outcome.fields..<columns { sinks[column].setNull(row) } }
        return outcome
    }

    func parseQuotedLine(_ p: UnsafePointer<UInt8>, _ n: Int, into sinks: UnsafeMutablePointer<RowBatchBuilder.Sink>, row: Int,
                         nonASCII: Bool) -> LineOutcome {
        for column in 0..<columns { sinks[column].rewind(toRow: row) }  // drop the bytes of fields already stored
        var outcome = LineOutcome(fields: 0, columns: columns)
        tokenizer.tokenize(p, n)
        tokenizer.values.withUnsafeBufferPointer { values in
            let base = values.baseAddress ?? KStr.empty.base
            for token in tokenizer.tokens {
                if outcome.fields < columns {
                    switch token {
                    case .null: store(outcome.fields, base, 0, univocityNull: true, sinks, row, nonASCII, &outcome)
                    case let .value(from, to): store(outcome.fields, base + from, to - from, univocityNull: false, sinks, row, nonASCII, &outcome)
                    }
                }
                outcome.fields += 1
            }
            if outcome.badColumn >= 0, let text = outcome.badText {
                // Keep the bad value past this closure (it points into the tokenizer's bytes).
                badValueCopy = Array(UnsafeBufferPointer(start: text, count: outcome.badCount))
                outcome.badText = nil
            }
        }
        if outcome.fields < columns { for column in outcome.fields..<columns { sinks[column].setNull(row) } }
        return outcome
    }

    /// Converts one field into column `column` of row `row`: null for nullValue, null and
    /// remembered as the line's first bad field when it does not parse.
    @inline(__always)
    func store(_ column: Int, _ p: UnsafePointer<UInt8>, _ n: Int, univocityNull: Bool, _ sinks: UnsafeMutablePointer<RowBatchBuilder.Sink>,
               _ row: Int, _ nonASCII: Bool, _ outcome: inout LineOutcome) {
        let sink = sinks + column
        if univocityNull || (n == nullValueCount && (n == 0 || memcmp(p, nullValue, n) == 0)) {
            sink.pointee.setNull(row)
            return
        }
        switch kinds[column] {
        case .string:
            if nonASCII && containsNonASCII(p, n) && !JavaText.isValidUTF8(p, n) {
                let repaired = JavaText.repairedUTF8(p, n)
                repaired.withUnsafeBufferPointer { sink.pointee.setString(row, $0.baseAddress!, $0.count) }
            } else {
                sink.pointee.setString(row, p, n)
            }
            return
        case .int:
            if let value = JavaText.parseInteger(p, n, min: Int64(Int32.min), max: Int64(Int32.max)) {
                sink.pointee.setInt(row, Int32(truncatingIfNeeded: value)); return
            }
        case .long:
            if let value = JavaText.parseInteger(p, n, min: Int64.min, max: Int64.max) { sink.pointee.setLong(row, value); return }
        case .double:
            if let value = JavaText.parseSimpleDecimal(p, n) { sink.pointee.setDouble(row, value); return }
            if let value = Self.sparkDouble(p, n) { sink.pointee.setDouble(row, value); return }
        case .boolean:
            if let value = JavaText.parseBoolean(p, n) { sink.pointee.setBoolean(row, value); return }
        }
        sink.pointee.setNull(row)
        if outcome.badColumn < 0 { outcome.badColumn = column; outcome.badText = p; outcome.badCount = n }
    }

    /// What is wrong with a malformed line, and what PERMISSIVE keeps of it.
    func describe(_ outcome: LineOutcome) -> (problem: String, kept: String) {
        var problems: [String] = [], kept: [String] = []
        if outcome.fields != columns {
            problems.append("expected \(columns) field\(columns == 1 ? "" : "s"), found \(outcome.fields)")
            kept.append(outcome.fields < columns ? "missing fields are null" : "extra fields are dropped")
        }
        if outcome.badColumn >= 0 {
            let field = schema.fields[outcome.badColumn]
            let value = outcome.badText.map { MalformedRecordReporter.excerpt(KStr($0, outcome.badCount), limit: 60) }
                ?? badValueCopy.withUnsafeBufferPointer { MalformedRecordReporter.excerpt(KStr($0.baseAddress ?? KStr.empty.base, $0.count), limit: 60) }
            problems.append("'\(value)' is not a valid \(field.type) for field '\(field.name)'")
            kept.append("unparsable fields are null")
        }
        return (problems.joined(separator: "; "), "the row is kept, " + kept.joined(separator: ", "))
    }

    /// Spark's CSV double: its `NaN`/`Inf`/`-Inf` spellings, else `Double.parseDouble`.
    static func sparkDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        if JavaText.matches(p, n, "NaN") { return .nan }
        if JavaText.matches(p, n, "Inf") { return .infinity }
        if JavaText.matches(p, n, "-Inf") { return -.infinity }
        return JavaText.parseDouble(p, n)
    }
}
