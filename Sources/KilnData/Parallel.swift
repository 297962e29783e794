import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rows handed to a stage's loop: a range of a frame (a frame source, or a batch a reader
/// parsed). Each source says which kind of batch it yields, so a stage's loop is compiled
/// against its source's batch type and cannot read a batch of another kind.
public protocol RowBatch {
    var rows: Range<Int> { get }
    /// These rows as a frame of `schema` (for `load`).
    func frame(schema: Schema) -> Frame
}

/// A range of rows of a frame.
public struct Batch: RowBatch {
    public let rows: Range<Int>
    public let frame: Frame

    public init(frame: Frame, rows: Range<Int>) { self.frame = frame; self.rows = rows }

    @inlinable public func strings(_ column: Int) -> StringView { frame.strings(column).view }
    @inlinable public func ints(_ column: Int) -> PrimitiveView<Int32> { frame.ints(column).view }
    @inlinable public func longs(_ column: Int) -> PrimitiveView<Int64> { frame.longs(column).view }
    @inlinable public func doubles(_ column: Int) -> PrimitiveView<Double> { frame.doubles(column).view }
    @inlinable public func booleans(_ column: Int) -> PrimitiveView<Bool> { frame.booleans(column).view }
    @inlinable public func lists(_ column: Int) -> ListColumn { frame.lists(column) }

    public func frame(schema: Schema) -> Frame { rows == 0..<frame.count ? frame : frame.gather(Array(rows)) }
}

/// Lines of a text file as they are read (`textFile`'s one column, `value`).
public struct LineBatch: RowBatch {
    public let rows: Range<Int>
    public let lines: LineView

    public init(lines: LineView, count: Int) { self.lines = lines; self.rows = 0..<count }

    public func frame(schema: Schema) -> Frame {
        let frame = Frame(schema: schema, capacity: rows.count)
        let column = frame.strings(0)
        for row in rows { column.append(lines.value(row)) }
        return frame
    }
}

/// Something a stage reads in parallel: it splits itself into parts, and each part is read
/// by one worker, batch by batch, in order.
public protocol BatchSource<Batch> {
    associatedtype Batch: RowBatch
    /// How many parts to read it in when `workers` workers are available.
    func partitionCount(workers: Int) -> Int
    func read(partition: Int, of count: Int, context: PipelineContext, _ body: (Batch) throws -> Void) throws
}

/// A materialized frame, split into contiguous row ranges.
public struct FrameSource: BatchSource {
    public let frame: Frame
    public init(_ frame: Frame) { self.frame = frame }

    public func partitionCount(workers: Int) -> Int {
        // Small frames are not worth a second thread.
        max(1, min(workers, frame.count / 4096))
    }

    public func read(partition: Int, of count: Int, context: PipelineContext, _ body: (Batch) throws -> Void) throws {
        let n = frame.count
        let start = n * partition / count, end = n * (partition + 1) / count
        if end > start || (n == 0 && partition == 0) { try body(Batch(frame: frame, rows: start..<end)) }
    }
}

/// `textFile`: lines of files, split by bytes.
public final class TextSource: BatchSource {
    public let files: FileSet
    public init(paths: [String]) throws { files = try FileSet.resolve(paths) }

    public func partitionCount(workers: Int) -> Int {
        max(1, min(workers, files.totalBytes / (1 << 20) + 1))
    }

    public func read(partition: Int, of count: Int, context: PipelineContext, _ body: (LineBatch) throws -> Void) throws {
        for range in files.partitions(count)[partition] {
            let reader = try LineReader(path: files.paths[range.file], range: range)
            while let lines = try reader.next() {
                try body(LineBatch(lines: lines, count: reader.starts.count))
            }
        }
    }
}

/// What every generated pipeline runs with: the worker count, and where `show()` output and
/// reports of bad input rows go.
public final class PipelineContext: @unchecked Sendable {
    public let threads: Int
    public let output: @Sendable (String) -> Void
    public let warning: @Sendable (String) -> Void
    /// Whether `run` records how long each step takes (in `stepTimes`).
    public var recordsSteps = false
    /// Seconds per step of the last run (a stage is named after its sink), when recorded.
    public private(set) var stepTimes: [(step: String, seconds: Double)] = []
    private var stepStart: UInt64 = 0

    /// Called by generated `run` when it starts.
    public func beginRun() {
        guard recordsSteps else { return }
        stepTimes = []
        stepStart = DispatchTime.now().uptimeNanoseconds
    }

    /// Called by generated `run` after each step.
    public func stepDone(_ step: String) {
        guard recordsSteps else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        stepTimes.append((step, Double(now - stepStart) / 1e9))
        stepStart = now
    }

    public init(threads: Int? = nil,
                output: @escaping @Sendable (String) -> Void = { print($0, terminator: "") },
                warning: @escaping @Sendable (String) -> Void = { message in
                    var line = message + "\n"
                    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
                }) {
        self.threads = max(1, threads ?? Self.defaultThreads)
        self.output = output
        self.warning = warning
    }

    /// The cores this process may use (`KILN_THREADS` overrides).
    public static var defaultThreads: Int {
        if let text = getenv("KILN_THREADS").map({ String(cString: $0) }), let n = Int(text), n > 0 { return n }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Runs `body(i)` for i in 0..<count on up to `threads` threads; rethrows the first error.
    public func parallel(_ count: Int, _ body: (Int) throws -> Void) throws {
        if count == 1 { try body(0); return }
        let errors = ErrorBox()
        withoutActuallyEscaping(body) { body in
            // Each index touches only its own worker's state: the closure is safe to share.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { index in
                do { try shared.value(index) } catch { errors.record(error) }
            }
        }
        if let error = errors.first { throw error }
    }

    /// Reads `source` with one worker per part: `body(workers[p], batch)` for each batch of part p.
    /// Returns how many workers took part (their results are the first that many).
    @discardableResult
    public func run<Source: BatchSource, Worker>(_ source: Source, workers: [Worker], _ body: (Worker, Source.Batch) throws -> Void) throws -> Int {
        let parts = min(workers.count, source.partitionCount(workers: workers.count))
        try parallel(parts) { part in
            try source.read(partition: part, of: parts, context: self) { batch in try body(workers[part], batch) }
        }
        return parts
    }
}

struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

final class ErrorBox: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private(set) var first: Error?
    init() { pthread_mutex_init(&lock, nil) }
    deinit { pthread_mutex_destroy(&lock) }
    func record(_ error: Error) {
        pthread_mutex_lock(&lock)
        if first == nil { first = error }
        pthread_mutex_unlock(&lock)
    }
}
