import CKilnData

/// A hash table from byte keys to dense group numbers 0, 1, 2, ... in insertion order: the
/// core of hash aggregation, distinct and hash joins. Open addressing with linear probing over
/// 16-byte slots, kept at most 1/8 full while they fit a core's L2 cache, 1/4 while they fit
/// 4 MB and 3/4 beyond: in a small table a lookup then almost always finds its key in the first
/// slot it probes, with no mispredicted branch to the next. A slot holds 24 bits of hash, the
/// key's length and the group, then either the key itself (up to 8 bytes, zero-padded) or where
/// its bytes start: a lookup in a table larger than the caches misses once for a short key and
/// twice for a long one.
public final class KeyTable {
    // One owner thread at a time: no dynamic exclusivity checks on the hot fields.
    /// Per slot, two words: (hash tag | length) << 32 | (group + 1), 0 when empty; then the key
    /// (length <= 8) or its offset in `keyBytes`.
    @exclusivity(unchecked) @usableFromInline var slots: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) @usableFromInline var mask: Int
    /// Groups the slots can take before they grow.
    @exclusivity(unchecked) @usableFromInline var limit: Int
    public let hashes = Buffer<UInt64>(randomAccessCapacity: 64)
    public let keyOffsets = Buffer<Int>(randomAccessCapacity: 65)
    public let keyBytes = Buffer<UInt8>(randomAccessCapacity: 1024)
    /// Whether the table has outgrown the caches (`stagingFromGroups`): rows bound for it then
    /// go through a `KeyStaging` ring. Set when the slots grow, so that checking it per row is
    /// one load.
    @exclusivity(unchecked) public private(set) var isLarge = stagingFromGroups == 0
    /// Whether the last `insert` made a new group.
    @exclusivity(unchecked) public var inserted = false
    /// The group of the null key (a nullable single-column key), or -1: kept out of the slots,
    /// so that it cannot meet an empty string.
    @exclusivity(unchecked) public private(set) var nullGroup = -1

    public init(capacity: Int = 64) {
        var slotCount = 16
        while Self.limit(slots: slotCount) < capacity { slotCount *= 2 }
        slots = Memory.allocate(UInt64.self, count: 2 * slotCount, randomAccess: true)
        slots.initialize(repeating: 0, count: 2 * slotCount)
        mask = slotCount - 1
        limit = Self.limit(slots: slotCount)
        keyOffsets.append(0)
    }

    /// How many groups `slots` slots take before they grow (see the type's comment).
    static func limit(slots: Int) -> Int {
        if slots <= 16_384 { return slots / 8 }  // 256 KB
        if slots <= 262_144 { return slots / 4 }  // 4 MB
        return slots * 3 / 4
    }

    deinit { Memory.free(slots, count: 2 * (mask + 1)) }

    @inlinable
    public var count: Int { hashes.count }

    @inlinable
    public func key(_ group: Int) -> KStr {
        KStr(keyBytes.base + keyOffsets[group], keyOffsets[group + 1] - keyOffsets[group])
    }

    /// The keys as a string column, one row per group (the null group's null). It shares the
    /// table's storage: the table must not change after.
    public func keyColumn() -> StringColumn {
        let column = StringColumn(offsets: keyOffsets, bytes: keyBytes)
        if nullGroup >= 0 {
            let validity = Buffer<UInt8>(repeating: 1, count: count)
            validity[nullGroup] = 0
            column.validity = validity
        }
        return column
    }

    /// The first 8 bytes of a key, zero-padded, read without touching memory past its end.
    @inlinable @inline(__always)
    static func prefix(_ key: KStr) -> UInt64 { KilnHash.word(UnsafeRawPointer(key.base), key.count) }

    /// A slot's upper 32 bits for a key: 24 bits of its hash and its length (capped at 255).
    @inlinable @inline(__always)
    static func tag(_ hash: UInt64, _ count: Int) -> UInt64 {
        (hash & 0xFFFF_FF00_0000_0000) | (UInt64(Swift.min(count, 255)) << 32)
    }

    /// Whether the slot at `slot`, whose tag (so length) agrees with `key`'s, holds `key`;
    /// `word` is `prefix(key)` for a short key.
    @inlinable @inline(__always)
    func holds(_ slot: Int, _ entry: UInt64, _ key: KStr, _ word: UInt64) -> Bool {
        let stored = slots[2 &* slot &+ 1]
        if key.count <= 8 { return stored == word }
        if key.count < 255 { return KStr(keyBytes.base + Int(truncatingIfNeeded: stored), key.count) == key }
        return self.key(Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1) == key
    }

    /// The group of `key`, made if new (`inserted` tells which; a new group is also the one
    /// numbered `count - 1`).
    @inlinable @inline(__always)
    public func insert(_ key: KStr) -> Int { insert(key, hash: key.fastHash) }

    @inlinable @inline(__always)
    public func insert(_ key: KStr, hash: UInt64) -> Int {
        let tag = Self.tag(hash, key.count)
        let word = key.count <= 8 ? Self.prefix(key) : 0
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[2 &* slot]
            if entry == 0 {
                let group = count
                slots[2 &* slot] = tag | UInt64(group + 1)
                slots[2 &* slot &+ 1] = key.count <= 8 ? word : UInt64(keyBytes.count)
                hashes.append(hash)
                keyBytes.append(contentsOf: key.base, count: key.count)
                keyOffsets.append(keyBytes.count)
                inserted = true
                if group + 1 > limit { grow() }
                return group
            }
            if entry & 0xFFFF_FFFF_0000_0000 == tag && holds(slot, entry, key, word) {
                inserted = false
                return Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
            }
            slot = (slot + 1) & mask
        }
    }

    /// Starts loading the slot a key with this hash probes first, so that its insert or find a
    /// few keys later does not wait for memory.
    @inlinable @inline(__always)
    public func prefetch(_ hash: UInt64) {
        kiln_prefetch(slots + 2 &* (Int(truncatingIfNeeded: hash) & mask))
    }

    /// For a key whose slot `prefetch` asked for a while ago: starts loading its bytes (a long
    /// key's) and returns the group its first slot holds, if the tags agree (-1 otherwise), for
    /// the caller to prefetch that group's state.
    @inlinable @inline(__always)
    public func prefetchGroup(_ hash: UInt64, _ count: Int) -> Int {
        let slot = Int(truncatingIfNeeded: hash) & mask
        let entry = slots[2 &* slot]
        guard entry & 0xFFFF_FFFF_0000_0000 == Self.tag(hash, count) else { return -1 }
        if count > 8 { kiln_prefetch(keyBytes.base + Int(truncatingIfNeeded: slots[2 &* slot &+ 1])) }
        return Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
    }

    /// The group of the null key, made if new (`inserted` tells which).
    public func insertNull() -> Int {
        if nullGroup >= 0 { inserted = false; return nullGroup }
        nullGroup = count
        hashes.append(0)
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
        let word = key.count <= 8 ? Self.prefix(key) : 0
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[2 &* slot]
            if entry == 0 { return nil }
            if entry & 0xFFFF_FFFF_0000_0000 == tag && holds(slot, entry, key, word) {
                return Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
            }
            slot = (slot + 1) & mask
        }
    }

    /// Makes room for `groups` groups in all, so that filling up to them rehashes nothing.
    public func reserve(_ groups: Int) {
        while limit < groups { grow() }
    }

    @usableFromInline
    func grow() {
        let newCount = (mask + 1) * 2
        let newSlots = Memory.allocate(UInt64.self, count: 2 * newCount, randomAccess: true)
        newSlots.initialize(repeating: 0, count: 2 * newCount)
        let newMask = newCount - 1
        for group in 0..<count where group != nullGroup {
            let hash = hashes[group], key = self.key(group)
            var slot = Int(truncatingIfNeeded: hash) & newMask
            while newSlots[2 * slot] != 0 { slot = (slot + 1) & newMask }
            newSlots[2 * slot] = Self.tag(hash, key.count) | UInt64(group + 1)
            newSlots[2 * slot + 1] = key.count <= 8 ? Self.prefix(key) : UInt64(keyOffsets[group])
        }
        Memory.free(slots, count: 2 * (mask + 1))
        slots = newSlots
        mask = newMask
        limit = Self.limit(slots: newCount)
        if count >= stagingFromGroups { isLarge = true }
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
