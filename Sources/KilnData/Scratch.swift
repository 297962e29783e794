/// Bump-allocated bytes for the strings a row's expressions make (lower(x), concat(...)):
/// reset once per input row, so a stage allocates nothing in steady state. A string built
/// here is valid until the next `reset`; sinks copy what they keep.
public final class Scratch {
    var chunks: [UnsafeMutablePointer<UInt8>] = []
    var chunkSizes: [Int] = []
    var current = 0
    var used = 0
    let chunkSize: Int

    public init(chunkSize: Int = 1 << 16) {
        self.chunkSize = chunkSize
        chunks.append(.allocate(capacity: chunkSize))
        chunkSizes.append(chunkSize)
    }

    deinit { chunks.forEach { $0.deallocate() } }

    @inlinable
    public func reset() { resetAll() }

    @usableFromInline
    func resetAll() { current = 0; used = 0 }

    /// `count` writable bytes.
    @inlinable
    public func allocate(_ count: Int) -> UnsafeMutablePointer<UInt8> { take(count) }

    @usableFromInline
    func take(_ count: Int) -> UnsafeMutablePointer<UInt8> {
        if used + count <= chunkSizes[current] {
            defer { used += count }
            return chunks[current] + used
        }
        // Next chunk big enough (kept across resets), or a new one.
        while current + 1 < chunks.count {
            current += 1
            used = 0
            if count <= chunkSizes[current] { used = count; return chunks[current] }
        }
        let size = Swift.max(chunkSize, count)
        chunks.append(.allocate(capacity: size))
        chunkSizes.append(size)
        current = chunks.count - 1
        used = count
        return chunks[current]
    }

    /// A copy of `bytes` that lives until the next reset.
    public func copy(_ bytes: UnsafeBufferPointer<UInt8>) -> KStr {
        let p = take(bytes.count)
        if bytes.count > 0 { p.update(from: bytes.baseAddress!, count: bytes.count) }
        return KStr(p, bytes.count)
    }

    public func copy(_ string: String) -> KStr {
        var s = string
        return s.withUTF8 { copy($0) }
    }
}

/// A string that owns its bytes for the life of a run (a `$param` value).
public final class OwnedString: @unchecked Sendable {
    let storage: UnsafeMutablePointer<UInt8>
    public let value: KStr

    public init(_ string: String) {
        let bytes = Array(string.utf8)
        storage = .allocate(capacity: max(bytes.count, 1))
        storage.initialize(from: bytes, count: bytes.count)
        value = KStr(storage, bytes.count)
    }

    deinit { storage.deallocate() }
}
