import CKilnData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files a source names: paths, globs (`data/*.txt`) and directories (every visible file
/// in it, as Spark reads a directory), resolved once, in sorted order within each pattern.
public struct FileSet: Sendable {
    public var paths: [String]
    public var sizes: [Int]

    public init(paths: [String], sizes: [Int]) { self.paths = paths; self.sizes = sizes }

    public static func resolve(_ patterns: [String]) throws -> FileSet {
        var paths: [String] = [], sizes: [Int] = []
        for pattern in patterns {
            var matches: [String] = []
            if pattern.contains(where: { "*?[".contains($0) }) {
                var result = glob_t()
                defer { globfree(&result) }
                if glob(pattern, 0, nil, &result) == 0 {
                    for i in 0..<Int(result.gl_pathc) {
                        if let p = result.gl_pathv[i] { matches.append(String(cString: p)) }
                    }
                }
            } else {
                matches = [pattern]
            }
            var found = false
            for match in matches.sorted() {
                var info = stat()
                guard stat(match, &info) == 0 else { continue }
                if (info.st_mode & S_IFMT) == S_IFDIR {
                    for file in try directoryFiles(match) {
                        paths.append(file.path); sizes.append(file.size); found = true
                    }
                } else {
                    paths.append(match); sizes.append(Int(info.st_size)); found = true
                }
            }
            if !found { throw PipelineError("[PATH_NOT_FOUND] Path does not exist: \(pattern)") }
        }
        return FileSet(paths: paths, sizes: sizes)
    }

    /// Visible regular files of a directory (Spark skips names starting with '.' or '_').
    static func directoryFiles(_ directory: String) throws -> [(path: String, size: Int)] {
        guard let handle = opendir(directory) else { throw PipelineError("cannot read directory \(directory): \(String(cString: strerror(errno)))") }
        defer { closedir(handle) }
        var files: [(String, Int)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name.hasPrefix(".") || name.hasPrefix("_") { continue }
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { files.append((path, Int(info.st_size))) }
        }
        return files.sorted { $0.0 < $1.0 }
    }

    public var totalBytes: Int { sizes.reduce(0, +) }

    /// Splits the bytes of all files into `count` contiguous parts of about equal size. A line
    /// belongs to the part its first byte falls in, so parts can be read independently.
    public func partitions(_ count: Int) -> [[FileRange]] {
        let total = totalBytes
        var parts = [[FileRange]](repeating: [], count: max(count, 1))
        guard total > 0 else { return parts }
        let share = (total + parts.count - 1) / parts.count
        var offset = 0
        for (file, size) in sizes.enumerated() where size > 0 {
            var start = 0
            while start < size {
                let part = min(offset / share, parts.count - 1)
                let partEnd = (part + 1) * share
                let end = part == parts.count - 1 ? size : min(size, start + (partEnd - offset))
                parts[part].append(FileRange(file: file, start: start, end: end))
                offset += end - start
                start = end
            }
        }
        return parts
    }
}

/// Bytes `start..<end` of file `file` of a `FileSet`.
public struct FileRange: Sendable, Equatable {
    public var file: Int
    public var start: Int
    public var end: Int
}

/// Lines of one batch: views into the reader's buffer, valid until the next batch is read.
@frozen
public struct LineView: @unchecked Sendable {
    public let bytes: UnsafePointer<UInt8>
    public let starts: UnsafePointer<Int>
    public let ends: UnsafePointer<Int>

    @inlinable
    public init(bytes: UnsafePointer<UInt8>, starts: UnsafePointer<Int>, ends: UnsafePointer<Int>) {
        self.bytes = bytes; self.starts = starts; self.ends = ends
    }

    @inlinable
    public func value(_ row: Int) -> KStr { KStr(bytes + starts[row], ends[row] - starts[row]) }

    @inlinable
    public subscript(row: Int) -> KStr? { value(row) }
}

/// Reads the lines that start in a file range, chunk by chunk, as Hadoop's LineRecordReader
/// (and so Spark's textFile): lines end at \n, \r\n or \r; a part that does not start at the
/// file's beginning skips the line already begun; the last line may run past the range.
public final class LineReader {
    /// Bytes past the end of the buffer that may be read (not used): a line can be scanned 64
    /// bytes at a time from its start.
    public static let readPadding = 64
    public let path: String
    let fd: Int32
    let rangeEnd: Int
    /// File offset of `buffer[0]`.
    public private(set) var bufferFileOffset: Int
    var buffer: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var filled = 0
    /// Where the next line starts, in `buffer`.
    var lineStart = 0
    var eof = false
    var done = false
    public let starts = Buffer<Int>(capacity: 4096)
    public let ends = Buffer<Int>(capacity: 4096)

    public init(path: String, range: FileRange, chunkSize: Int = 1 << 22) throws {
        self.path = path
        self.fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw PipelineError("cannot open \(path): \(String(cString: strerror(errno)))") }
        self.rangeEnd = range.end
        self.capacity = chunkSize
        self.buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize + Self.readPadding)
        self.bufferFileOffset = range.start
        if range.start > 0 {
            // Begin one byte early: a line begun before the range belongs to the previous part.
            bufferFileOffset = range.start - 1
            try fill()
            try skipPartialLine()
        }
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// Reads until the buffer is full or the file ends, growing a full buffer first.
    func fill() throws {
        if filled == capacity {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2 + Self.readPadding)
            grown.moveInitialize(from: buffer, count: filled)
            buffer.deallocate()
            buffer = grown
            capacity *= 2
        }
        while filled < capacity && !eof {
            let n = pread(fd, buffer + filled, capacity - filled, off_t(bufferFileOffset + filled))
            if n < 0 {
                if errno == EINTR { continue }
                throw PipelineError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { eof = true } else { filled += n }
        }
    }

    /// Drops the bytes before `offset` from the buffer.
    func slide(_ offset: Int) {
        guard offset > 0 else { return }
        buffer.update(from: buffer + offset, count: filled - offset)
        filled -= offset
        bufferFileOffset += offset
        lineStart -= offset
    }

    func skipPartialLine() throws {
        var i = 0
        while true {
            i = Self.lineEnd(buffer, from: i, to: filled)
            if i == filled {
                if eof { done = true; return }
                slide(i); i = 0
                try fill()
                continue
            }
            if buffer[i] == 13 {
                if i + 1 == filled, !eof { slide(i); i = 0; try fill(); continue }
                if i + 1 < filled, buffer[i + 1] == 10 { i += 1 }
            }
            lineStart = i + 1
            if bufferFileOffset + lineStart >= rangeEnd { done = true }
            return
        }
    }

    /// The next batch of lines (views into the buffer, valid until the next call), or nil when
    /// the range is done.
    public func next() throws -> LineView? {
        starts.removeAll(); ends.removeAll()
        while !done {
            slide(lineStart)
            try fill()
            var s = lineStart
            // Line ends (\n, \r) of the 64 bytes from `block` as bits, so that the lines of a
            // block are found with no branch per byte (bits past `filled` are not data).
            var block = s, endBits = kiln_match64_either(buffer + s, 10, 13)
            while true {
                if bufferFileOffset + s >= rangeEnd { done = true; break }
                if s >= block + 64 { block = s; endBits = kiln_match64_either(buffer + s, 10, 13) }
                var following = endBits & (~0 << UInt64(s - block))
                while following == 0 && block + 64 < filled {
                    block += 64
                    endBits = kiln_match64_either(buffer + block, 10, 13)
                    following = endBits
                }
                let j = following == 0 ? filled : Swift.min(block + following.trailingZeroBitCount, filled)
                if j == filled {
                    if eof {
                        if s < filled { starts.append(s); ends.append(filled) }
                        done = true
                    }
                    break
                }
                // A \r at the end of the buffer may be the first half of \r\n.
                if buffer[j] == 13 && j + 1 == filled && !eof { break }
                starts.append(s); ends.append(j)
                s = j + 1
                if buffer[j] == 13, s < filled, buffer[s] == 10 { s += 1 }
                if s == filled && eof { done = true; break }
            }
            lineStart = s
            if starts.count > 0 { return LineView(bytes: buffer, starts: starts.base, ends: ends.base) }
        }
        return nil
    }

    /// The first \n or \r at or after `from` (or `to`), 64 bytes at a time.
    static func lineEnd(_ buffer: UnsafeMutablePointer<UInt8>, from: Int, to: Int) -> Int {
        var j = from
        while j < to {
            let found = kiln_match64_either(buffer + j, 10, 13)
            if found != 0 { return Swift.min(j + found.trailingZeroBitCount, to) }
            j += 64
        }
        return to
    }

    /// The file offset of line `row` of the last batch.
    public func fileOffset(ofLine row: Int) -> Int { bufferFileOffset + starts[row] }
}
