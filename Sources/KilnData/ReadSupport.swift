#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Spark's `mode` option: what a reader does with a record it cannot parse.
public enum ReadMode: String, Sendable {
    /// Keep the row, with nulls where values could not be read.
    case permissive = "PERMISSIVE"
    /// Leave the row out.
    case dropMalformed = "DROPMALFORMED"
    /// Stop reading with an error.
    case failFast = "FAILFAST"
}

/// Reports malformed records of one file range as `path:LINE: ...` and applies the mode.
/// Line numbers are physical lines (\n, \r\n or \r each end one), 1-based. A range that does
/// not start at byte 0 learns how many lines precede it only when it first has to report.
final class MalformedRecordReporter {
    let path: String
    let format: String
    let mode: ReadMode
    let context: PipelineContext
    let rangeStart: Int
    /// Lines before the range's first line: 0 for a range at the file's start, else counted lazily.
    private var linesBeforeRange: Int?
    /// File offset of the range's first line.
    private var firstLineOffset: Int?
    /// Lines of the range already handed out in earlier batches.
    private(set) var linesBeforeBatch = 0

    init(path: String, format: String, mode: ReadMode, context: PipelineContext, rangeStart: Int) {
        self.path = path; self.format = format; self.mode = mode; self.context = context
        self.rangeStart = rangeStart
        if rangeStart == 0 { linesBeforeRange = 0 }
    }

    /// Call with each batch of lines before using `lineNumber`.
    func beginBatch(_ reader: LineReader) {
        if firstLineOffset == nil, reader.starts.count > 0 { firstLineOffset = reader.fileOffset(ofLine: 0) }
    }

    func endBatch(lineCount: Int) { linesBeforeBatch += lineCount }

    /// The 1-based line number of line `row` of the current batch.
    func lineNumber(ofBatchLine row: Int) throws -> Int {
        if linesBeforeRange == nil {
            linesBeforeRange = try Self.countLineTerminators(path: path, before: firstLineOffset ?? rangeStart)
        }
        return linesBeforeRange! + linesBeforeBatch + row + 1
    }

    /// Reports a malformed record; throws in FAILFAST mode. `problem` says what is wrong,
    /// `kept` what PERMISSIVE keeps of the row.
    func report(batchLine row: Int, problem: String, kept: String, line: KStr) throws {
        let number = try lineNumber(ofBatchLine: row)
        let head = "\(path):\(number): malformed \(format) record (\(problem)): \(Self.excerpt(line))"
        switch mode {
        case .permissive:
            context.warning(head + "; \(kept) (mode PERMISSIVE)")
        case .dropMalformed:
            context.warning(head + "; the row is dropped (mode DROPMALFORMED)")
        case .failFast:
            throw PipelineError(head + " (mode FAILFAST; PERMISSIVE keeps such rows with nulls, DROPMALFORMED drops them)")
        }
    }

    /// The record text, cut to about 200 bytes at a character boundary.
    static func excerpt(_ line: KStr, limit: Int = 200) -> String {
        if line.count <= limit { return line.string }
        var cut = limit
        while cut > 0 && line[cut] & 0xC0 == 0x80 { cut -= 1 }
        return KStr(line.base, cut).string + "..."
    }

    /// Line terminators in bytes 0..<offset of a file, by Hadoop's rules; `offset` is where a
    /// line starts, so a \r just before it ends a line by itself.
    static func countLineTerminators(path: String, before offset: Int) throws -> Int {
        guard offset > 0 else { return 0 }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw PipelineError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let chunk = 1 << 20
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
        defer { buffer.deallocate() }
        var count = 0
        var position = 0
        var previousWasCR = false
        while position < offset {
            let want = min(chunk, offset - position)
            let n = pread(fd, buffer, want, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw PipelineError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            for i in 0..<n {
                let b = buffer[i]
                if b == 10 {
                    count += 1  // \n, or the \n of \r\n (whose \r was not counted)
                    previousWasCR = false
                } else {
                    if previousWasCR { count += 1 }  // a lone \r
                    previousWasCR = b == 13
                }
            }
            position += n
        }
        if previousWasCR { count += 1 }
        return count
    }
}

/// A file split into byte ranges by `FileSet.partitions`, read line by line.
struct LineRanges {
    let files: FileSet

    func partitionCount(workers: Int) -> Int {
        max(1, min(workers, files.totalBytes / (1 << 20) + 1))
    }

    func ranges(partition: Int, of count: Int) -> [FileRange] {
        files.partitions(count)[partition]
    }
}

extension LineView {
    /// Where line `row` starts; on a file's first line (`firstLine`, which it clears) past the
    /// UTF-8 byte order mark that Hadoop's line reader drops.
    @inline(__always)
    func start(of row: Int, firstLine: inout Bool) -> Int {
        let start = starts[row]
        guard firstLine else { return start }
        firstLine = false
        return startsWithByteOrderMark(bytes + start, ends[row] - start) ? start + 3 : start
    }
}

/// The UTF-8 byte order mark: Hadoop's line reader drops it at the start of a file.
@inline(__always)
func startsWithByteOrderMark(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF
}

/// Whether every byte is <= ' ' (Java's `trim` leaves nothing): Spark skips such lines.
@inline(__always)
func isBlankLine(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i < n {
        if p[i] > 32 { return false }
        i += 1
    }
    return true
}

/// Whether p[0..<n] holds a byte >= 0x80 (8 bytes at a time).
func containsNonASCII(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return true }
        i += 8
    }
    while i < n {
        if p[i] >= 0x80 { return true }
        i += 1
    }
    return false
}
