/// A hash table from byte keys to dense group numbers 0, 1, 2, ... in insertion order: the
/// core of hash aggregation, distinct and hash joins. Open addressing with linear probing.
/// A slot is 16 bytes: 24 bits of the hash, the key's length (up to 255) and the group, then
/// the key's first 8 bytes; so keys of up to 8 bytes (most words) are found or ruled out
/// without touching the key store, and longer ones mostly too.
public final class KeyTable {
    // One owner thread at a time: no dynamic exclusivity checks on the hot fields.
    /// 2 x UInt64 per slot: (hash tag | length) << 32 | (group + 1), then the key's first 8 bytes.
    @exclusivity(unchecked) @usableFromInline var slots: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) @usableFromInline var mask: Int
    public let hashes = Buffer<UInt64>(capacity: 64)
    public let keyOffsets = Buffer<Int>(capacity: 65)
    public let keyBytes = Buffer<UInt8>(capacity: 1024)
    /// Whether the last `insert` made a new group.
    @exclusivity(unchecked) public var inserted = false

    public init(capacity: Int = 64) {
        var slotCount = 16
        while slotCount < capacity * 2 { slotCount *= 2 }
        slots = .allocate(capacity: 2 * slotCount)
        slots.initialize(repeating: 0, count: 2 * slotCount)
        mask = slotCount - 1
        keyOffsets.append(0)
    }

    deinit { slots.deallocate() }

    @inlinable
    public var count: Int { hashes.count }

    @inlinable
    public func key(_ group: Int) -> KStr {
        KStr(keyBytes.base + keyOffsets[group], keyOffsets[group + 1] - keyOffsets[group])
    }

    /// The first 8 bytes of a key, zero-padded, read without touching memory past its end.
    @inlinable @inline(__always)
    static func prefix(_ key: KStr) -> UInt64 {
        if key.count >= 8 { return UnsafeRawPointer(key.base).loadUnaligned(as: UInt64.self) }
        var word: UInt64 = 0
        var i = 0
        while i < key.count {
            word |= UInt64(key.base[i]) << (8 * UInt64(i))
            i += 1
        }
        return word
    }

    /// The slot's upper 32 bits for a key: 24 bits of its hash and its length (capped at 255).
    @inlinable @inline(__always)
    static func tag(_ hash: UInt64, _ count: Int) -> UInt64 {
        (hash & 0xFFFF_FF00_0000_0000) | (UInt64(Swift.min(count, 255)) << 32)
    }

    /// The group of `key`, made if new (`inserted` tells which).
    @inlinable
    public func insert(_ key: KStr) -> Int { insert(key, hash: key.fastHash) }

    @inlinable
    public func insert(_ key: KStr, hash: UInt64) -> Int {
        let tag = Self.tag(hash, key.count)
        let word = Self.prefix(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let meta = slots[2 * slot]
            if meta == 0 {
                let group = count
                slots[2 * slot] = tag | UInt64(group + 1)
                slots[2 * slot + 1] = word
                hashes.append(hash)
                keyBytes.append(contentsOf: key.base, count: key.count)
                keyOffsets.append(keyBytes.count)
                inserted = true
                if count * 2 > mask { grow() }
                return group
            }
            if meta & 0xFFFF_FFFF_0000_0000 == tag && slots[2 * slot + 1] == word {
                let group = Int(truncatingIfNeeded: meta & 0xFFFF_FFFF) - 1
                if key.count <= 8 || self.key(group) == key { inserted = false; return group }
            }
            slot = (slot + 1) & mask
        }
    }

    /// The group of `key`, if present.
    @inlinable
    public func find(_ key: KStr) -> Int? { find(key, hash: key.fastHash) }

    @inlinable
    public func find(_ key: KStr, hash: UInt64) -> Int? {
        let tag = Self.tag(hash, key.count)
        let word = Self.prefix(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let meta = slots[2 * slot]
            if meta == 0 { return nil }
            if meta & 0xFFFF_FFFF_0000_0000 == tag && slots[2 * slot + 1] == word {
                let group = Int(truncatingIfNeeded: meta & 0xFFFF_FFFF) - 1
                if key.count <= 8 || self.key(group) == key { return group }
            }
            slot = (slot + 1) & mask
        }
    }

    @usableFromInline
    func grow() {
        let newCount = (mask + 1) * 2
        let newSlots = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * newCount)
        newSlots.initialize(repeating: 0, count: 2 * newCount)
        let newMask = newCount - 1
        for group in 0..<count {
            let hash = hashes[group]
            let key = self.key(group)
            var slot = Int(truncatingIfNeeded: hash) & newMask
            while newSlots[2 * slot] != 0 { slot = (slot + 1) & newMask }
            newSlots[2 * slot] = Self.tag(hash, key.count) | UInt64(group + 1)
            newSlots[2 * slot + 1] = Self.prefix(key)
        }
        slots.deallocate()
        slots = newSlots
        mask = newMask
    }
}

/// Builds the bytes of a composite key: per value a null tag, then a fixed-width value or a
/// length-prefixed string. Doubles are normalized so that -0.0 and 0.0, and all NaNs, group
/// together (Spark's rule).
public final class KeyEncoder {
    public let buffer = Buffer<UInt8>(capacity: 64)
    /// Whether a null went in since `reset` (join keys with a null never match).
    @exclusivity(unchecked) public var hasNull = false

    public init() {}

    @inlinable public func reset() { buffer.removeAll(); hasNull = false }

    @inlinable public var key: KStr { KStr(buffer.base, buffer.count) }

    @inlinable func appendRaw<T>(_ value: T) {
        withUnsafeBytes(of: value) { raw in
            buffer.append(contentsOf: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: raw.count)
        }
    }

    @inlinable func tag(_ present: Bool) -> Bool {
        buffer.append(present ? 1 : 0)
        if !present { hasNull = true }
        return present
    }

    @inlinable public func add(_ value: KStr?) {
        guard tag(value != nil), let value else { return }
        appendRaw(UInt32(truncatingIfNeeded: value.count))
        buffer.append(contentsOf: value.base, count: value.count)
    }
    @inlinable public func add(_ value: Int32?) { if tag(value != nil), let value { appendRaw(value) } }
    @inlinable public func add(_ value: Int64?) { if tag(value != nil), let value { appendRaw(value) } }
    @inlinable public func add(_ value: Bool?) { if tag(value != nil), let value { buffer.append(value ? 1 : 0) } }
    @inlinable public func add(_ value: Double?) {
        guard tag(value != nil), let value else { return }
        let normalized: Double = value.isNaN ? .nan : (value == 0 ? 0 : value)
        appendRaw(normalized.bitPattern)
    }
}
