import Foundation

/// The safetensors format (huggingface/safetensors): a u64 little-endian header length, a JSON
/// header `{"__metadata__": {str: str}, "name": {"dtype", "shape", "data_offsets": [begin, end]}}`
/// padded with spaces to a multiple of 8, then the tensors' bytes, little-endian and contiguous.
/// Kiln writes F32; it reads the dtypes that Python's `safetensors` writes for numeric fixtures
/// and converts them to Float.
public enum SafeTensors {
    public struct File: Sendable {
        public var tensors: [String: Tensor]
        /// Tensor names in data order.
        public var order: [String]
        /// The dtype each tensor was stored as ("F32", "F64", "I64", ...), before conversion.
        public var dtypes: [String: String]
        public var metadata: [String: String]
    }

    /// Bytes per element of each readable dtype.
    static let dtypeWidths: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
    ]
    /// The reference reader refuses larger headers (MAX_HEADER_SIZE).
    static let maxHeaderLength = 100_000_000

    // MARK: - writing

    /// The whole file in memory: tensors stored as F32 in the given order.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) throws -> Data {
        var seen = Set<String>()
        for (name, _) in tensors {
            guard name != "__metadata__" else { throw KilnError("safetensors: '__metadata__' is reserved and cannot name a tensor") }
            guard seen.insert(name).inserted else { throw KilnError("safetensors: tensor name '\(name)' appears twice") }
        }
        // Written by hand so that the header lists tensors in data order and keeps "/" unescaped.
        var entries: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.sorted { $0.key < $1.key }.map { jsonString($0.key) + ":" + jsonString($0.value) }
            entries.append(jsonString("__metadata__") + ":{" + fields.joined(separator: ",") + "}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let end = offset + tensor.scalars.count * 4
            entries.append(jsonString(name) + ":{\"dtype\":\"F32\",\"shape\":["
                + tensor.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Data(("{" + entries.joined(separator: ",") + "}").utf8)
        header.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8))  // data stays 8-byte aligned

        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(header)
        for (_, tensor) in tensors {
            #if _endian(little)
            tensor.scalars.withUnsafeBytes { data.append(contentsOf: $0) }
            #else
            for value in tensor.scalars { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            #endif
        }
        return data
    }

    /// Writes atomically: a temporary file in the destination's directory, flushed to disk, then
    /// renamed over the destination. A failure or crash at any point leaves the old file (or no
    /// file) at `url`, never a torn one, and no temporary behind.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        try write(encode(tensors, metadata: metadata), to: url, failAfterBytes: nil)
    }

    /// `failAfterBytes` simulates a crash (full disk, killed process) after that many bytes.
    static func write(_ data: Data, to url: URL, failAfterBytes: Int?) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        func failure(_ reason: String) -> KilnError { KilnError("cannot write \(url.path): \(reason)") }
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        do {
            try data.withUnsafeBytes { bytes in
                var written = 0
                while written < bytes.count {
                    if let limit = failAfterBytes, written >= limit { throw failure("simulated failure after \(limit) bytes") }
                    let chunk = min(bytes.count - written, 1 << 24, failAfterBytes.map { max(1, $0 - written) } ?? .max)
                    let n = Glibc.write(fd, bytes.baseAddress! + written, chunk)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw failure(String(cString: strerror(errno)))
                    }
                    written += n
                }
            }
            guard fsync(fd) == 0 else { throw failure(String(cString: strerror(errno))) }
            close(fd)
            guard rename(temporary.path, url.path) == 0 else { throw failure(String(cString: strerror(errno))) }
        } catch {
            close(fd)  // harmless EBADF when already closed
            unlink(temporary.path)
            throw error
        }
    }

    // MARK: - reading

    public static func read(from url: URL) throws -> File {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw KilnError("cannot read \(url.path): \(error.localizedDescription)")
        }
        return try decode(data, source: url.path)
    }

    /// Parses a whole file; `source` names it in error messages. Checks everything the reference
    /// reader checks: header bounds, JSON, dtypes, shapes against byte ranges, and that the byte
    /// ranges tile the data section exactly.
    public static func decode(_ data: Data, source: String = "safetensors data") throws -> File {
        func bad(_ reason: String) -> KilnError { KilnError("\(source): \(reason)") }
        guard data.count >= 8 else { throw bad("not a safetensors file (\(data.count) bytes, shorter than the 8-byte header length)") }
        let rawLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        // The cap first, as the reference reader checks it (its HeaderTooLarge).
        guard rawLength <= UInt64(maxHeaderLength) else {
            throw bad("header length \(rawLength) exceeds the safetensors limit of \(maxHeaderLength) bytes")
        }
        guard rawLength <= UInt64(data.count - 8) else {
            throw bad("header length \(rawLength) does not fit the file (\(data.count) bytes)")
        }
        let headerLength = Int(rawLength)
        let headerBytes = data.subdata(in: 8..<(8 + headerLength))
        guard headerBytes.first == UInt8(ascii: "{"),
              let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        let bodyStart = 8 + headerLength, bodyCount = data.count - bodyStart

        struct Entry { var name: String; var dtype: String; var shape: [Int]; var count: Int; var begin: Int; var end: Int }
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let fields = value as? [String: String] else { throw bad("__metadata__ must map strings to strings") }
                metadata = fields
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw bad("tensor '\(name)' has a malformed header entry (needs dtype, shape and two data_offsets)")
            }
            guard let width = dtypeWidths[dtype] else {
                throw bad("tensor '\(name)' has dtype \(dtype); Kiln reads \(dtypeWidths.keys.sorted().joined(separator: ", "))")
            }
            var count = 1, overflow = false
            for dim in shape {
                guard dim >= 0 else { throw bad("tensor '\(name)' has a negative dimension in shape \(shapeText(shape))") }
                (count, overflow) = count.multipliedReportingOverflow(by: dim)
                if overflow { throw bad("tensor '\(name)' has too many elements in shape \(shapeText(shape))") }
            }
            let (byteCount, tooMany) = count.multipliedReportingOverflow(by: width)
            if tooMany { throw bad("tensor '\(name)' has too many bytes for shape \(shapeText(shape)) of \(dtype)") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end - begin == byteCount else {
                throw bad("tensor '\(name)' data_offsets [\(begin), \(end)] do not hold shape \(shapeText(shape)) of \(dtype)")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, count: count, begin: begin, end: end))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expected = 0
        for entry in entries {
            guard entry.begin == expected else {
                throw bad("tensor '\(entry.name)' data_offsets [\(entry.begin), \(entry.end)] \(entry.begin < expected ? "overlap the previous tensor" : "leave a gap after byte \(expected)")")
            }
            expected = entry.end
        }
        guard expected == bodyCount else {
            throw bad("the header describes \(expected) bytes of tensor data, the file holds \(bodyCount)")
        }

        var tensors: [String: Tensor] = [:], dtypes: [String: String] = [:]
        data.withUnsafeBytes { file in
            let body = UnsafeRawBufferPointer(rebasing: file[bodyStart...])
            for entry in entries {
                let bytes = UnsafeRawBufferPointer(rebasing: body[entry.begin..<entry.end])
                tensors[entry.name] = Tensor(shape: entry.shape, scalars: floats(bytes, dtype: entry.dtype, count: entry.count))
                dtypes[entry.name] = entry.dtype
            }
        }
        return File(tensors: tensors, order: entries.map(\.name), dtypes: dtypes, metadata: metadata)
    }

    static func floats(_ bytes: UnsafeRawBufferPointer, dtype: String, count: Int) -> [Float] {
        func convert<T: FixedWidthInteger>(_: T.Type, _ toFloat: (T) -> Float) -> [Float] {
            (0..<count).map { i in toFloat(T(littleEndian: bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))) }
        }
        switch dtype {
        case "F32": return convert(UInt32.self) { Float(bitPattern: $0) }
        case "F64": return convert(UInt64.self) { Float(Double(bitPattern: $0)) }
        case "F16": return convert(UInt16.self) { Float(Float16(bitPattern: $0)) }
        case "BF16": return convert(UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
        case "I64": return convert(Int64.self) { Float($0) }
        case "I32": return convert(Int32.self) { Float($0) }
        case "I16": return convert(Int16.self) { Float($0) }
        case "I8": return convert(Int8.self) { Float($0) }
        default: return convert(UInt8.self) { Float($0) }  // U8, BOOL
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
