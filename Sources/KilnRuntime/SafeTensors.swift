import Foundation

public struct KilnError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The safetensors format: u64 little-endian header length, a JSON header
/// `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`, then the data.
public enum SafeTensors {
    public struct File: Sendable {
        public var tensors: [String: Tensor]
        public var order: [String]                // names in data order
        public var metadata: [String: String]
    }

    /// Writes atomically: a temporary file in the same directory, then a rename, so a crash
    /// leaves either the old file or the new one, never a torn one.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, tensor) in tensors {
            let bytes = tensor.scalars.count * 4
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }  // data stays 8-byte aligned
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, tensor) in tensors {
            tensor.scalars.withUnsafeBufferPointer { buffer in
                for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
        }
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
            // rename(2) replaces the destination atomically.
            guard rename(temporary.path, url.path) == 0 else {
                throw KilnError(String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw KilnError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// Reads F32, F64, F16? no: F32 and F64 (converted), I64 and I32 (converted) tensors.
    public static func read(from url: URL) throws -> File {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw KilnError("cannot read \(url.path)") }
        guard data.count >= 8 else { throw KilnError("\(url.path): not a safetensors file (shorter than its 8-byte header length)") }
        let headerLength = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard headerLength > 0, 8 + headerLength <= data.count else {
            throw KilnError("\(url.path): header length \(headerLength) does not fit the file (\(data.count) bytes)")
        }
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any] else {
            throw KilnError("\(url.path): the header is not a JSON object")
        }
        let body = data.subdata(in: (8 + headerLength)..<data.count)
        var tensors: [String: Tensor] = [:]
        var starts: [(String, Int)] = []
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw KilnError("\(url.path): tensor '\(name)' has a malformed header entry")
            }
            let (begin, end) = (offsets[0], offsets[1])
            let count = shape.reduce(1, *)
            let width: Int
            switch dtype {
            case "F32", "I32": width = 4
            case "F64", "I64": width = 8
            default: throw KilnError("\(url.path): tensor '\(name)' has dtype \(dtype); Kiln reads F32, F64, I32 and I64")
            }
            guard begin >= 0, end <= body.count, end - begin == count * width else {
                throw KilnError("\(url.path): tensor '\(name)' data_offsets [\(begin), \(end)] do not match shape \(shape) of \(dtype)")
            }
            let scalars: [Float] = body.subdata(in: begin..<end).withUnsafeBytes { raw in
                (0..<count).map { i in
                    switch dtype {
                    case "F32": Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                    case "I32": Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
                    case "F64": Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
                    default: Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
                    }
                }
            }
            tensors[name] = Tensor(shape: shape, scalars: scalars)
            starts.append((name, begin))
        }
        return File(tensors: tensors, order: starts.sorted { $0.1 < $1.1 }.map(\.0), metadata: metadata)
    }
}
