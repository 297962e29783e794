/// Bump-allocated bytes for the strings a row's expressions make (lower(x), concat(...)):
/// reset once per input row, so a stage allocates nothing in steady state. A string built
/// here is valid until the next `reset`; sinks copy what they keep.
public final class Scratch {
    // One owner thread at a time: no dynamic exclusivity checks on the hot fields.
    /// The chunk being filled: bytes cursor..<end are free.
    @exclusivity(unchecked) @usableFromInline var cursor: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var end: UnsafeMutablePointer<UInt8>
    /// The first chunk, where a reset starts again.
    @usableFromInline let first: UnsafeMutablePointer<UInt8>
    @usableFromInline let firstEnd: UnsafeMutablePointer<UInt8>
    /// Every chunk (kept across resets), and which one `cursor` is in.
    @exclusivity(unchecked) var chunks: [(base: UnsafeMutablePointer<UInt8>, size: Int)] = []
    @exclusivity(unchecked) @usableFromInline var current = 0
    let chunkSize: Int

    public init(chunkSize: Int = 1 << 16) {
        self.chunkSize = chunkSize
        first = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        firstEnd = first + chunkSize
        chunks.append((first, chunkSize))
        cursor = first
        end = firstEnd
    }

    deinit { chunks.forEach { $0.base.deallocate() } }

    /// Forgets every string made since the last reset.
    @inlinable
    public func reset() {
        cursor = first
        end = firstEnd
        current = 0
    }

    /// `count` writable bytes.
    @inlinable
    public func allocate(_ count: Int) -> UnsafeMutablePointer<UInt8> {
        if end - cursor >= count {
            let p = cursor
            cursor += count
            return p
        }
        return nextChunk(count)
    }

    @usableFromInline
    func nextChunk(_ count: Int) -> UnsafeMutablePointer<UInt8> {
        // The next chunk big enough (kept across resets), or a new one.
        while current + 1 < chunks.count {
            current += 1
            if count <= chunks[current].size {
                cursor = chunks[current].base + count
                end = chunks[current].base + chunks[current].size
                return chunks[current].base
            }
        }
        let size = Swift.max(chunkSize, count)
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        chunks.append((chunk, size))
        current = chunks.count - 1
        cursor = chunk + count
        end = chunk + size
        return chunk
    }

    /// A copy of `bytes` that lives until the next reset.
    public func copy(_ bytes: UnsafeBufferPointer<UInt8>) -> KStr {
        let p = allocate(bytes.count)
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
