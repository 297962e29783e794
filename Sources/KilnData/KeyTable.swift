/// A hash table from byte keys to dense group numbers 0, 1, 2, ... in insertion order: the
/// core of hash aggregation, distinct and hash joins. Open addressing with linear probing; a
/// slot holds the group number and 32 bits of its hash, so most misses never touch the key.
public final class KeyTable {
    /// Per slot: (hash high 32 bits << 32) | (group + 1); 0 is empty.
    @usableFromInline var slots: UnsafeMutablePointer<UInt64>
    @usableFromInline var mask: Int
    public let hashes = Buffer<UInt64>(capacity: 64)
    public let keyOffsets = Buffer<Int>(capacity: 65)
    public let keyBytes = Buffer<UInt8>(capacity: 1024)
    /// Whether the last `insert` made a new group.
    public var inserted = false

    public init(capacity: Int = 64) {
        var slotCount = 16
        while slotCount < capacity * 2 { slotCount *= 2 }
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
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

    /// The group of `key`, made if new (`inserted` tells which).
    @inlinable
    public func insert(_ key: KStr) -> Int { insert(key, hash: key.fastHash) }

    @inlinable
    public func insert(_ key: KStr, hash: UInt64) -> Int {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 {
                let group = count
                slots[slot] = tag | UInt64(group + 1)
                hashes.append(hash)
                keyBytes.append(contentsOf: key.base, count: key.count)
                keyOffsets.append(keyBytes.count)
                inserted = true
                if count * 2 > mask { grow() }
                return group
            }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let group = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if self.key(group) == key { inserted = false; return group }
            }
            slot = (slot + 1) & mask
        }
    }

    /// The group of `key`, if present.
    @inlinable
    public func find(_ key: KStr) -> Int? { find(key, hash: key.fastHash) }

    @inlinable
    public func find(_ key: KStr, hash: UInt64) -> Int? {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let group = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if self.key(group) == key { return group }
            }
            slot = (slot + 1) & mask
        }
    }

    @usableFromInline
    func grow() {
        let newCount = (mask + 1) * 2
        let newSlots = UnsafeMutablePointer<UInt64>.allocate(capacity: newCount)
        newSlots.initialize(repeating: 0, count: newCount)
        let newMask = newCount - 1
        for group in 0..<count {
            let hash = hashes[group]
            var slot = Int(truncatingIfNeeded: hash) & newMask
            while newSlots[slot] != 0 { slot = (slot + 1) & newMask }
            newSlots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(group + 1)
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
    public var hasNull = false

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
