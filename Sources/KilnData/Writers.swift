#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `df.write.csv` into one file (not Spark's directory of part files), with Spark's default
/// writer settings: `,` separator, `"` quote, `\` escape, values trimmed of leading and
/// trailing characters <= ' ', null written as nothing and the empty string as `""`. A value
/// is quoted when (after the leading trim) it starts with a quote, contains `,`, `"`, `\n` or
/// `\r`, or when it is in the first column and starts with `#`; inside quotes `"` is written
/// `\"` and `\` as `\\`. Doubles are written as Java writes them (`1.0E7`, `NaN`).
public enum CSVWriter {
    public static func write(_ frame: Frame, to path: String, header: Bool) throws {
        for field in frame.schema.fields {
            if case .array = field.type {
                throw PipelineError("[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `\(field.name)` of the type \"\(field.type.sqlName)\".")
            }
        }
        let file = try AtomicFileWriter(path: path)
        if header {
            for (index, name) in frame.schema.names.enumerated() {
                if index > 0 { file.append(44) }
                var name = name
                name.withUTF8 { appendString(KStr($0.baseAddress ?? KStr.empty.base, $0.count), column: index, to: file) }
            }
            file.append(10)
        }
        let rowCount = frame.count
        for row in 0..<rowCount {
            for (index, column) in frame.columns.enumerated() {
                if index > 0 { file.append(44) }
                switch column {
                case let .string(c): if let value = c.view[row] { appendString(value, column: index, to: file) }
                case let .int(c): if let value = c.view[row] { file.appendDecimal(Int64(value)) }
                case let .long(c): if let value = c.view[row] { file.appendDecimal(value) }
                case let .double(c): if let value = c.view[row] { file.append(JavaDoubleFormat.string(value)) }
                case let .boolean(c): if let value = c.view[row] { file.append(value ? "true" : "false") }
                case .list, .vector: break
                }
            }
            file.append(10)
            try file.flushIfFull()
        }
        try file.commit()
    }

    static func appendString(_ value: KStr, column: Int, to file: AtomicFileWriter) {
        let p = value.base, n = value.count
        var start = 0
        while start < n && p[start] <= 32 { start += 1 }
        if start == n { file.append(34); file.append(34); return }  // empty or blank: Spark's emptyValue ""
        var end = n
        while end > start && p[end - 1] <= 32 { end -= 1 }
        var quoted = p[start] == 34 || (column == 0 && p[0] == UInt8(ascii: "#"))
        if !quoted {
            for i in start..<n {
                let b = p[i]
                if b == 44 || b == 34 || b == 10 || b == 13 { quoted = true; break }
            }
        }
        guard quoted else { file.append(p + start, end - start); return }
        file.append(34)
        var run = start
        for i in start..<end where p[i] == 34 || p[i] == 92 {
            file.append(p + run, i - run)
            file.append(92)
            run = i  // the quote or backslash itself follows its escape
        }
        file.append(p + run, end - run)
        file.append(34)
    }
}

/// `df.write.json` into one file: one object per line, fields in schema order, null fields
/// left out (an all-null row is `{}`), strings escaped as Jackson escapes them (`\"`, `\\`,
/// `\b \t \n \f \r`, other control characters as `\u00XX`; everything else as is), doubles as
/// Java writes them with NaN and the infinities as strings (`"NaN"`, `"-Infinity"`).
public enum JSONWriter {
    public static func write(_ frame: Frame, to path: String) throws {
        let file = try AtomicFileWriter(path: path)
        let keys: [[UInt8]] = frame.schema.names.map { name in
            var out: [UInt8] = [34]
            var name = name
            name.withUTF8 { appendEscaped(KStr($0.baseAddress ?? KStr.empty.base, $0.count), to: &out) }
            out.append(contentsOf: [34, 58])
            return out
        }
        var line: [UInt8] = []
        for row in 0..<frame.count {
            line.removeAll(keepingCapacity: true)
            line.append(123)
            var first = true
            for (index, column) in frame.columns.enumerated() where !column.isNull(row) {
                if !first { line.append(44) }
                first = false
                line.append(contentsOf: keys[index])
                appendValue(column, row: row, to: &line)
            }
            line.append(125)
            line.append(10)
            line.withUnsafeBufferPointer { file.append($0.baseAddress!, $0.count) }
            try file.flushIfFull()
        }
        try file.commit()
    }

    static func appendValue(_ column: AnyColumn, row: Int, to out: inout [UInt8]) {
        if column.isNull(row) { out.append(contentsOf: "null".utf8); return }
        switch column {
        case let .string(c):
            out.append(34)
            appendEscaped(c.view.value(row), to: &out)
            out.append(34)
        case let .int(c): out.append(contentsOf: String(c.view.value(row)).utf8)
        case let .long(c): out.append(contentsOf: String(c.view.value(row)).utf8)
        case let .double(c):
            let value = c.view.value(row)
            let text = JavaDoubleFormat.string(value)
            if value.isFinite { out.append(contentsOf: text.utf8) } else { out.append(34); out.append(contentsOf: text.utf8); out.append(34) }
        case let .boolean(c): out.append(contentsOf: (c.view.value(row) ? "true" : "false").utf8)
        case let .list(c):
            out.append(91)
            for (k, element) in c.elementRange(row).enumerated() {
                if k > 0 { out.append(44) }
                appendValue(c.child, row: element, to: &out)
            }
            out.append(93)
        case let .vector(c):
            // VectorUDT's struct, as Spark's JSON writer gives it.
            let v = c.values[row]!
            let values = v.values.map(JavaDoubleFormat.string).joined(separator: ",")
            let text = v.indices.map { "{\"type\":0,\"size\":\(v.size),\"indices\":[\($0.map(String.init).joined(separator: ","))],\"values\":[\(values)]}" }
                ?? "{\"type\":1,\"values\":[\(values)]}"
            out.append(contentsOf: text.utf8)
        }
    }

    static func appendEscaped(_ value: KStr, to out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        var run = 0
        for i in 0..<value.count {
            let b = value[i]
            guard b < 32 || b == 34 || b == 92 else { continue }
            out.append(contentsOf: UnsafeBufferPointer(start: value.base + run, count: i - run))
            run = i + 1
            out.append(92)
            switch b {
            case 34, 92: out.append(b)
            case 8: out.append(UInt8(ascii: "b"))
            case 9: out.append(UInt8(ascii: "t"))
            case 10: out.append(UInt8(ascii: "n"))
            case 12: out.append(UInt8(ascii: "f"))
            case 13: out.append(UInt8(ascii: "r"))
            default: out.append(contentsOf: [UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]])
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(start: value.base + run, count: value.count - run))
    }
}

/// Writes a file atomically: into a temporary file beside it, flushed to disk, then renamed
/// over the target. Until `commit`, the target is untouched; an unfinished temporary file is
/// removed.
final class AtomicFileWriter {
    let path: String
    let temporaryPath: String
    private var fd: Int32
    private let buffer = Buffer<UInt8>(capacity: 1 << 20)
    private var committed = false

    init(path: String) throws {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = "\(directory).\(name).kiln-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PipelineError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    deinit {
        if !committed {
            if fd >= 0 { close(fd) }
            unlink(temporaryPath)
        }
    }

    @inline(__always)
    func append(_ byte: UInt8) { buffer.append(byte) }

    func append(_ p: UnsafePointer<UInt8>, _ n: Int) { buffer.append(contentsOf: p, count: n) }

    func append(_ text: String) {
        var text = text
        text.withUTF8 { if let base = $0.baseAddress { buffer.append(contentsOf: base, count: $0.count) } }
    }

    func appendDecimal(_ value: Int64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits and a sign
        withUnsafeMutableBytes(of: &digits) { raw in
            var i = raw.count
            var magnitude = value.magnitude
            repeat {
                i -= 1
                raw[i] = UInt8(48 + magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { i -= 1; raw[i] = 45 }
            buffer.append(contentsOf: raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + i, count: raw.count - i)
        }
    }

    func flushIfFull() throws {
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.base + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw PipelineError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        buffer.removeAll()
    }

    /// Flushes, syncs and renames the file into place.
    func commit() throws {
        try flush()
        guard fsync(fd) == 0 else { throw PipelineError("cannot write \(path): \(String(cString: strerror(errno)))") }
        close(fd)
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            throw PipelineError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        committed = true
        // Make the rename itself durable.
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let directoryFD = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 { _ = fsync(directoryFD); close(directoryFD) }
    }
}
