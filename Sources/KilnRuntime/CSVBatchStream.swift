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
    /// tf.data's `cache(filename)`: the first complete pass writes the parsed rows there (float32),
    /// and later passes read them instead of parsing the CSV again. The stream removes it when done.
    public let cacheFile: URL?
    private var cacheComplete = false  // under `lock`

    /// Rows travel in blocks (one lock per block, not per row): the block's features (count,
    /// features), then its labels (count, labels), so that a batch is two copies.
    private enum Item { case rows([Float], count: Int), end, failure(String) }

    // Shared with the reader thread, under `lock`.
    private let lock = NSCondition()
    private var queue: [Item] = []
    private var head = 0
    private var bufferedRows = 0
    private var cancelled = false
    private var readerDone = true
    private var skipped: [String] = []
    private var peak = 0
    private var width: Int?

    // The consumer's own: the block being read, the shuffle window.
    private var block: [Float] = []
    private var blockRows = 0, blockNext = 0
    private var window: [[Float]] = []
    private var passEnded = false
    /// A cache pass reads the cache file here, on the consumer's thread: the rows are already
    /// parsed, so a reader thread would add only a hand-off (and take the kernels' second core).
    private var cachePass: FileHandle?
    private var rng: UInt64
    /// Rows per block the reader hands over.
    private var rowsPerBlock: Int { min(1024, bufferRows) }

    /// The lines `.skip` left out, as `file:line:col: message`.
    public var skippedLines: [String] { lock.lock(); defer { lock.unlock() }; return skipped }
    /// The most rows the read-ahead buffer has held (at most `bufferRows`).
    public var peakBufferedRows: Int { lock.lock(); defer { lock.unlock() }; return peak }

    public init(files: [URL], hasHeader: Bool = false, labels: Int = 1, featureScale: Float = 1, bufferRows: Int = 4096,
                shuffleWindow: Int = 0, seed: UInt64 = 0, badLines: BadLines = .stop, cacheFile: URL? = nil) throws {
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
        self.cacheFile = cacheFile
        start()
    }

    deinit {
        stop()
        try? cachePass?.close()
        if let cacheFile { try? FileManager.default.removeItem(at: cacheFile) }
    }

    /// Reads from the first file again (the next pass over the data).
    public func rewind() {
        stop()
        window.removeAll()
        block = []
        blockRows = 0
        blockNext = 0
        passEnded = false
        start()
    }

    /// Up to `maxRows` rows into x (maxRows, features) and y (maxRows, labels); 0 at the end of the
    /// pass. Throws a malformed line's error (with `.stop`) where the stream reaches it, and when
    /// the lines do not hold `features` values before their labels.
    public func next(maxRows: Int, features: Int, x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) throws -> Int {
        var count = 0
        while count < maxRows {
            if shuffleWindow > 1 {
                guard let row = try nextShuffledRow() else { break }
                try check(row.count, features)
                row.withUnsafeBufferPointer { r in
                    (x + count * features).update(from: r.baseAddress!, count: features)
                    (y + count * labels).update(from: r.baseAddress! + features, count: labels)
                }
                count += 1
            } else {
                guard try fillBlock() else { break }
                try check(block.count / max(blockRows, 1), features)
                let rows = min(maxRows - count, blockRows - blockNext)
                block.withUnsafeBufferPointer { b in
                    (x + count * features).update(from: b.baseAddress! + blockNext * features, count: rows * features)
                    (y + count * labels).update(from: b.baseAddress! + blockRows * features + blockNext * labels, count: rows * labels)
                }
                blockNext += rows
                count += rows
            }
        }
        return count
    }

    private func check(_ rowWidth: Int, _ features: Int) throws {
        guard rowWidth - labels != features else { return }
        throw KilnError("\(files.map(\.path).joined(separator: ", ")): lines hold \(rowWidth - labels) feature\(rowWidth - labels == 1 ? "" : "s") before \(labels) label\(labels == 1 ? "" : "s"); the model takes \(features)")
    }

    // MARK: consumer

    /// A block with rows left to read; false at the end of the pass.
    private func fillBlock() throws -> Bool {
        while blockNext == blockRows {
            guard !passEnded else { return false }
            if let cachePass {
                guard readCacheBlock(cachePass) else { passEnded = true; return false }
                continue
            }
            lock.lock()
            while head == queue.count { lock.wait() }
            let item = queue[head]
            head += 1
            if head > 64 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            if case let .rows(_, count) = item { bufferedRows -= count }
            lock.broadcast()
            lock.unlock()
            switch item {
            case let .rows(values, count): block = values; blockRows = count; blockNext = 0
            case .end: passEnded = true; return false
            case let .failure(message): passEnded = true; throw KilnError(message)
            }
        }
        return true
    }

    /// The next block of a cache pass into `block` (its storage reused); false at the file's end.
    private func readCacheBlock(_ handle: FileHandle) -> Bool {
        guard let w = width else { return false }  // a pass of no rows
        let want = rowsPerBlock * w * MemoryLayout<Float>.stride
        if block.count != rowsPerBlock * w { block = [Float](repeating: 0, count: rowsPerBlock * w) }
        var bytes = 0
        block.withUnsafeMutableBytes { raw in
            while bytes < want {
                let got = Foundation.read(handle.fileDescriptor, raw.baseAddress! + bytes, want - bytes)
                if got <= 0 { break }
                bytes += got
            }
        }
        let rows = bytes / (w * MemoryLayout<Float>.stride)
        guard rows > 0 else { return false }
        if rows < rowsPerBlock { block.removeLast(block.count - rows * w) }
        blockRows = rows
        blockNext = 0
        return true
    }

    /// The next row of the pass, nil at its end.
    private func take() throws -> [Float]? {
        guard try fillBlock() else { return nil }
        let features = block.count / blockRows - labels
        defer { blockNext += 1 }
        return Array(block[(blockNext * features)..<((blockNext + 1) * features)])
            + block[(blockRows * features + blockNext * labels)..<(blockRows * features + (blockNext + 1) * labels)]
    }

    /// tf.data's shuffle buffer: fill the window, then emit a random row and put the next in its place.
    private func nextShuffledRow() throws -> [Float]? {
        while window.count < shuffleWindow, let row = try take() { window.append(row) }
        guard !window.isEmpty else { return nil }
        let pick = Int(nextRandom() % UInt64(window.count))
        let row = window[pick]
        if let refill = try take() {
            window[pick] = refill
        } else {
            window.swapAt(pick, window.count - 1)
            window.removeLast()
        }
        return row
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
        bufferedRows = 0
        cancelled = false
        let cached = cacheComplete ? cacheFile : nil
        try? cachePass?.close()
        cachePass = cached.flatMap { try? FileHandle(forReadingFrom: $0) }
        readerDone = cachePass != nil
        lock.unlock()
        if cachePass != nil { return }
        // The reader must not own the stream: a reference it held would let the stream's deinit
        // (which removes the cache file) run late, on this thread. deinit's stop() waits for
        // `readerDone`, the last thing read() sets, so the stream outlives the call; the closure
        // keeps the condition for that final unlock.
        let reader = Unmanaged.passUnretained(self), lock = self.lock
        let thread = Thread { [lock] in
            reader._withUnsafeGuaranteedRef { $0.read() }
            withExtendedLifetime(lock) {}
        }
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

    /// Appends an item, waiting while the buffer has no room for its rows; false once cancelled.
    private func push(_ item: Item) -> Bool {
        let rows: Int
        if case let .rows(_, count) = item { rows = count } else { rows = 0 }
        lock.lock()
        defer { lock.unlock() }
        while !cancelled && rows > 0 && bufferedRows + rows > bufferRows { lock.wait() }
        guard !cancelled else { return false }
        queue.append(item)
        bufferedRows += rows
        peak = max(peak, bufferedRows)
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
        // The first pass writes the cache as it goes; it counts only once the pass is complete.
        let partial = cacheFile.map { $0.appendingPathExtension("partial") }
        var cacheOut: FileHandle?
        if let partial {
            FileManager.default.createFile(atPath: partial.path, contents: nil)
            cacheOut = try? FileHandle(forWritingTo: partial)
        }
        defer {
            try? cacheOut?.close()
            if let partial { try? FileManager.default.removeItem(at: partial) }
        }
        // The rows parsed since the last push: their features (count, features), their labels.
        var rows: [Float] = [], targets: [Float] = [], count = 0
        func flush() -> Bool {
            guard count > 0 else { return true }
            let block = rows + targets
            rows = []; targets = []
            defer { count = 0 }
            if let cacheOut { block.withUnsafeBytes { cacheOut.write(Data($0)) } }
            return push(.rows(block, count: count))
        }
        var text = [CChar](repeating: 0, count: 4096)  // one line, 0-terminated, for strtof
        for url in files {
            guard let handle = try? FileHandle(forReadingFrom: url) else {
                _ = flush()
                _ = push(.failure("\(url.path): cannot read the file"))
                return
            }
            defer { try? handle.close() }
            var pending: [UInt8] = [], lineNumber = 0
            /// false: stop reading (a malformed line under `.stop`, or cancelled).
            func line(_ bytes: ArraySlice<UInt8>) -> Bool {
                lineNumber += 1
                if hasHeader && lineNumber == 1 { return true }
                if bytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { return true }
                if text.count < bytes.count + 1 { text = [CChar](repeating: 0, count: bytes.count * 2 + 1) }
                let parsed: String? = text.withUnsafeMutableBufferPointer { buffer in
                    bytes.withUnsafeBufferPointer { source in
                        UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: source.baseAddress!, byteCount: source.count)
                    }
                    buffer[bytes.count] = 0
                    return parse(buffer.baseAddress!, file: url.path, line: lineNumber, into: &rows)
                }
                guard let problem = parsed else {
                    targets += rows[(rows.count - labels)...]
                    rows.removeLast(labels)
                    count += 1
                    return count < rowsPerBlock || flush()
                }
                if badLines == .stop {
                    _ = flush()
                    _ = push(.failure(problem))
                    return false
                }
                FileHandle.standardError.write(Data("\(problem) (skipped)\n".utf8))
                lock.lock()
                skipped.append(problem)
                lock.unlock()
                return true
            }
            while true {
                let chunk: Data?
                do { chunk = try handle.read(upToCount: 1 << 16) } catch {
                    _ = flush()
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
        guard flush() else { return }
        if let cacheOut, let partial, let cacheFile {
            try? cacheOut.close()
            try? FileManager.default.removeItem(at: cacheFile)
            if (try? FileManager.default.moveItem(at: partial, to: cacheFile)) != nil {
                lock.lock()
                cacheComplete = true
                lock.unlock()
            }
        }
        _ = push(.end)
    }

    /// One line (0-terminated) appended to `rows`: nil, or what is wrong with it (nothing appended).
    private func parse(_ line: UnsafeMutablePointer<CChar>, file: String, line number: Int, into rows: inout [Float]) -> String? {
        let first = rows.count
        var p = line, column = 0
        func isSpace(_ c: CChar) -> Bool { c == 32 || c == 9 || c == 13 }
        while true {
            column += 1
            var end: UnsafeMutablePointer<CChar>? = p
            let value = strtof(p, &end)
            var q = end!
            while isSpace(q.pointee) { q += 1 }
            guard q != p, value.isFinite, q.pointee == 44 || q.pointee == 0 else {
                var fieldEnd = p
                while fieldEnd.pointee != 44 && fieldEnd.pointee != 0 { fieldEnd += 1 }
                let field = String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: fieldEnd - p), as: UTF8.self)
                rows.removeSubrange(first...)
                return "\(file):\(number):\(column): expected a finite number, received '\(field)'"
            }
            rows.append(value)
            if q.pointee == 0 { break }
            p = q + 1
        }
        let fields = rows.count - first
        guard fields > labels else {
            rows.removeSubrange(first...)
            return "\(file):\(number): expected features, then \(labels) label value\(labels == 1 ? "" : "s"), received \(fields) value\(fields == 1 ? "" : "s")"
        }
        lock.lock()
        let expected = width
        if expected == nil { width = fields }
        lock.unlock()
        if let expected, fields != expected {
            rows.removeSubrange(first...)
            return "\(file):\(number): expected \(expected) values as on the first data line, received \(fields)"
        }
        if featureScale != 1 {
            for i in first..<(first + fields - labels) { rows[i] *= featureScale }
        }
        return nil
    }
}
