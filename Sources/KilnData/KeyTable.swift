/// A hash table from byte keys to dense group numbers 0, 1, 2, ... in insertion order: the
/// core of hash aggregation, distinct and hash joins. Open addressing with linear probing over
/// 8-byte slots (24 bits of hash, the key's length, the group), kept under 60% full. Per group,
/// in insertion order, the key's first 8 bytes: a key of up to 8 bytes is compared through
/// its slot and that word alone. Frequent keys come early, so their words sit together in cache.
public final class KeyTable {
    // One owner thread at a time: no dynamic exclusivity checks on the hot fields.
    /// Per slot: (hash tag | length) << 32 | (group + 1); 0 is empty.
    @exclusivity(unchecked) @usableFromInline var slots: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) @usableFromInline var mask: Int
    /// Groups the slots can take before they grow.
    @exclusivity(unchecked) @usableFromInline var limit: Int
    public let hashes = Buffer<UInt64>(randomAccessCapacity: 64)
    /// Per group: the key's first 8 bytes, zero-padded.
    @usableFromInline let prefixes = Buffer<UInt64>(randomAccessCapacity: 64)
    public let keyOffsets = Buffer<Int>(randomAccessCapacity: 65)
    public let keyBytes = Buffer<UInt8>(randomAccessCapacity: 1024)
    /// Whether the last `insert` made a new group.
    @exclusivity(unchecked) public var inserted = false
    /// The group of the null key (a nullable single-column key), or -1: kept out of the slots,
    /// so that it cannot meet an empty string.
    @exclusivity(unchecked) public private(set) var nullGroup = -1

    public init(capacity: Int = 64) {
        var slotCount = 16
        while slotCount * 3 < capacity * 5 { slotCount *= 2 }
        slots = Memory.allocate(UInt64.self, count: slotCount, randomAccess: true)
        slots.initialize(repeating: 0, count: slotCount)
        mask = slotCount - 1
        limit = slotCount * 3 / 5
        keyOffsets.append(0)
    }

    deinit { Memory.free(slots, count: mask + 1) }

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

    /// A slot's upper 32 bits for a key: 24 bits of its hash and its length (capped at 255).
    @inlinable @inline(__always)
    static func tag(_ hash: UInt64, _ count: Int) -> UInt64 {
        (hash & 0xFFFF_FF00_0000_0000) | (UInt64(Swift.min(count, 255)) << 32)
    }

    /// Whether group `group` holds `key`, given that their tags (so lengths) agree.
    @inlinable @inline(__always)
    func holds(_ group: Int, _ key: KStr, _ word: UInt64) -> Bool {
        prefixes[group] == word && (key.count <= 8 || self.key(group) == key)
    }

    /// The group of `key`, made if new (`inserted` tells which; a new group is also the one
    /// numbered `count - 1`).
    @inlinable @inline(__always)
    public func insert(_ key: KStr) -> Int { insert(key, hash: key.fastHash) }

    @inlinable @inline(__always)
    public func insert(_ key: KStr, hash: UInt64) -> Int {
        let tag = Self.tag(hash, key.count)
        let word = Self.prefix(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 {
                let group = count
                slots[slot] = tag | UInt64(group + 1)
                hashes.append(hash)
                prefixes.append(word)
                keyBytes.append(contentsOf: key.base, count: key.count)
                keyOffsets.append(keyBytes.count)
                inserted = true
                if group + 1 > limit { grow() }
                return group
            }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let group = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if holds(group, key, word) { inserted = false; return group }
            }
            slot = (slot + 1) & mask
        }
    }

    /// The group of the null key, made if new (`inserted` tells which).
    public func insertNull() -> Int {
        if nullGroup >= 0 { inserted = false; return nullGroup }
        nullGroup = count
        hashes.append(0)
        prefixes.append(0)
        keyOffsets.append(keyBytes.count)
        inserted = true
        return nullGroup
    }

    /// The group of `key`, if present.
    @inlinable @inline(__always)
    public func find(_ key: KStr) -> Int? { find(key, hash: key.fastHash) }

    @inlinable @inline(__always)
    public func find(_ key: KStr, hash: UInt64) -> Int? {
        let tag = Self.tag(hash, key.count)
        let word = Self.prefix(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let group = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if holds(group, key, word) { return group }
            }
            slot = (slot + 1) & mask
        }
    }

    @usableFromInline
    func grow() {
        let newCount = (mask + 1) * 2
        let newSlots = Memory.allocate(UInt64.self, count: newCount, randomAccess: true)
        newSlots.initialize(repeating: 0, count: newCount)
        let newMask = newCount - 1
        for group in 0..<count where group != nullGroup {
            let hash = hashes[group]
            var slot = Int(truncatingIfNeeded: hash) & newMask
            while newSlots[slot] != 0 { slot = (slot + 1) & newMask }
            newSlots[slot] = Self.tag(hash, keyOffsets[group + 1] - keyOffsets[group]) | UInt64(group + 1)
        }
        Memory.free(slots, count: mask + 1)
        slots = newSlots
        mask = newMask
        limit = newCount * 3 / 5
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

extension KeyTable {
    /// Reads the slot a hash starts at, so that a later insert finds it in cache (the value is
    /// meaningless; callers fold it into a sink so the load is not dropped).
    @inlinable
    public func peek(_ hash: UInt64) -> UInt64 { slots[Int(truncatingIfNeeded: hash) & mask] }
}

extension KeyTable {
    /// Reads what an insert of a key with this hash and length will read after its slot: the
    /// group's first key word and key bytes (or nothing if the slot is empty or another key's).
    @inlinable
    public func peekGroup(_ hash: UInt64, _ count: Int) -> UInt64 {
        let entry = slots[Int(truncatingIfNeeded: hash) & mask]
        guard entry & 0xFFFF_FFFF_0000_0000 == Self.tag(hash, count) else { return entry }
        let group = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
        return prefixes[group] &+ UInt64(keyBytes[keyOffsets[group]])
    }
}
