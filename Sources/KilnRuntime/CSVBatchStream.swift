import Foundation

/// Keras's data generator (the lecture's `data_gen(file_locs)`), for data larger than memory:
/// numeric CSV files read lazily, in order, by a background thread into a bounded buffer of rows,
/// and handed to `fit`, `evaluate` and `predict` a batch at a time. Each line is features, then
/// `labels` target columns. With `shuffleWindow` > 1, rows come out shuffled within a window of
/// that many, as tf.data's `shuffle(buffer_size)`: the window fills, then each row out is a
/// seeded random one of it, replaced by the next read. Memory stays at `bufferRows` +
/// `shuffleWindow` rows, whatever the files hold.
///
/// A malformed line is reported with its file and line (and column). `.stop` ends the stream
/// there with that error, after the rows before it; `.skip` leaves the line out, prints it to
/// stderr and lists it in `skippedLines`. Nothing is dropped silently.
public final class CSVBatchStream: @unchecked Sendable {
    public enum BadLines: Sendable { case stop, skip }

    public let files: [URL]
    public let hasHeader: Bool
    public let labels: Int
    public let featureScale: Float
    public let bufferRows: Int
    public let shuffleWindow: Int
    public let badLines: BadLines

    private enum Item { case row([Float]), end, failure(String) }

    // Shared with the reader thread, under `lock`.
    private let lock = NSCondition()
    private var queue: [Item] = []
    private var head = 0
    private var cancelled = false
    private var readerDone = true
    private var skipped: [String] = []
    private var peak = 0
    private var width: Int?

    // The consumer's own.
    private var window: [[Float]] = []
    private var passEnded = false
    private var rng: UInt64

    /// Values per line (features + labels), once the first data line is read.
    public var valuesPerLine: Int? { lock.lock(); defer { lock.unlock() }; return width }
    /// The lines `.skip` left out, as `file:line:col: message`.
    public var skippedLines: [String] { lock.lock(); defer { lock.unlock() }; return skipped }
    /// The most rows the read-ahead buffer has held (at most `bufferRows`).
    public var peakBufferedRows: Int { lock.lock(); defer { lock.unlock() }; return peak }

    public init(files: [URL], hasHeader: Bool = false, labels: Int = 1, featureScale: Float = 1, bufferRows: Int = 4096,
                shuffleWindow: Int = 0, seed: UInt64 = 0, badLines: BadLines = .stop) throws {
        guard !files.isEmpty else { throw KilnError("CSVBatchStream: no files to read") }
        guard labels >= 1 else { throw KilnError("CSVBatchStream: labels must be at least 1, received \(labels)") }
        guard bufferRows >= 1 else { throw KilnError("CSVBatchStream: bufferRows must be at least 1, received \(bufferRows)") }
        self.files = files
        self.hasHeader = hasHeader
        self.labels = labels
        self.featureScale = featureScale
        self.bufferRows = bufferRows
        self.shuffleWindow = max(shuffleWindow, 0)
        self.badLines = badLines
        self.rng = seed
        start()
    }

    deinit { stop() }

    /// Reads from the first file again (the next pass over the data).
    public func rewind() {
        stop()
        window.removeAll()
        passEnded = false
        start()
    }

    /// Up to `maxRows` rows into x (maxRows, features) and y (maxRows, labels); 0 at the end of the
    /// pass. Throws a malformed line's error (with `.stop`) where the stream reaches it, and when
    /// the lines do not hold `features` values before their labels.
    public func next(maxRows: Int, features: Int, x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) throws -> Int {
        var count = 0
        while count < maxRows, let row = try nextRow() {
            guard row.count - labels == features else {
                throw KilnError("\(files.map(\.path).joined(separator: ", ")): lines hold \(row.count - labels) feature\(row.count - labels == 1 ? "" : "s") before \(labels) label\(labels == 1 ? "" : "s"); the model takes \(features)")
            }
            (x + count * features).update(from: row, count: features)
            row.withUnsafeBufferPointer { (y + count * labels).update(from: $0.baseAddress! + features, count: labels) }
            count += 1
        }
        return count
    }

    // MARK: consumer

    private func nextRow() throws -> [Float]? {
        while shuffleWindow > 1 && !passEnded && window.count < shuffleWindow {
            guard let row = try take() else { break }
            window.append(row)
        }
        if shuffleWindow > 1 {
            guard !window.isEmpty else { return nil }
            let pick = Int(nextRandom() % UInt64(window.count))
            let row = window[pick]
            if !passEnded, let refill = try take() {
                window[pick] = refill
            } else {
                window.swapAt(pick, window.count - 1)
                window.removeLast()
            }
            return row
        }
        return try take()
    }

    /// The next row the reader produced, nil at the end of the pass.
    private func take() throws -> [Float]? {
        guard !passEnded else { return nil }
        lock.lock()
        defer { lock.unlock() }
        while head == queue.count { lock.wait() }
        let item = queue[head]
        head += 1
        if head > 1024 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        lock.broadcast()
        switch item {
        case let .row(values): return values
        case .end: passEnded = true; return nil
        case let .failure(message): passEnded = true; throw KilnError(message)
        }
    }

    private func nextRandom() -> UInt64 {
        rng &+= 0x9E37_79B9_7F4A_7C15
        var z = rng
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // MARK: reader thread

    private func start() {
        lock.lock()
        queue.removeAll()
        head = 0
        cancelled = false
        readerDone = false
        lock.unlock()
        let thread = Thread { [unowned self] in self.read() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func stop() {
        lock.lock()
        cancelled = true
        lock.broadcast()
        while !readerDone { lock.wait() }
        lock.unlock()
    }

    /// Appends an item, waiting while the buffer is full; false once cancelled.
    private func push(_ item: Item) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        while !cancelled && queue.count - head >= bufferRows { lock.wait() }
        guard !cancelled else { return false }
        queue.append(item)
        peak = max(peak, queue.count - head)
        lock.broadcast()
        return true
    }

    private func read() {
        defer {
            lock.lock()
            readerDone = true
            lock.broadcast()
            lock.unlock()
        }
        for url in files {
            guard let handle = try? FileHandle(forReadingFrom: url) else {
                _ = push(.failure("\(url.path): cannot read the file"))
                return
            }
            defer { try? handle.close() }
            var pending: [UInt8] = [], lineNumber = 0
            func line(_ bytes: ArraySlice<UInt8>) -> Bool {
                lineNumber += 1
                if hasHeader && lineNumber == 1 { return true }
                let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if text.isEmpty { return true }
                switch parse(text, file: url.path, line: lineNumber) {
                case let .success(row): return push(.row(row))
                case let .failure(error):
                    if badLines == .stop { _ = push(.failure(error.description)); return false }
                    FileHandle.standardError.write(Data("\(error.description) (skipped)\n".utf8))
                    lock.lock()
                    skipped.append(error.description)
                    lock.unlock()
                    return true
                }
            }
            while true {
                let chunk: Data?
                do { chunk = try handle.read(upToCount: 1 << 16) } catch {
                    _ = push(.failure("\(url.path): cannot read the file: \(error.localizedDescription)"))
                    return
                }
                guard let chunk, !chunk.isEmpty else { break }
                pending.append(contentsOf: chunk)
                var start = 0
                while let newline = pending[start...].firstIndex(of: 10) {
                    guard line(pending[start..<newline]) else { return }
                    start = newline + 1
                }
                pending.removeFirst(start)
            }
            if !pending.isEmpty, !line(pending[...]) { return }
        }
        _ = push(.end)
    }

    private func parse(_ text: String, file: String, line: Int) -> Result<[Float], KilnError> {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count > labels else {
            return .failure(KilnError("\(file):\(line): expected features, then \(labels) label value\(labels == 1 ? "" : "s"), received \(fields.count) value\(fields.count == 1 ? "" : "s")"))
        }
        lock.lock()
        let expected = width
        if expected == nil { width = fields.count }
        lock.unlock()
        if let expected, fields.count != expected {
            return .failure(KilnError("\(file):\(line): expected \(expected) values as on the first data line, received \(fields.count)"))
        }
        var row = [Float](repeating: 0, count: fields.count)
        for (column, field) in fields.enumerated() {
            guard let value = Float(field.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                return .failure(KilnError("\(file):\(line):\(column + 1): expected a finite number, received '\(field)'"))
            }
            row[column] = column < fields.count - labels ? value * featureScale : value
        }
        return .success(row)
    }
}
