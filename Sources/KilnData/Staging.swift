import CKilnData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Groups from which aggregations stage their rows: 16K groups hold over 1 MB of slots, key
/// bytes and state, more than a core's cache. `KILN_STAGING_FROM` overrides it (0: always, so that
/// tests can send small inputs through the ring).
let stagingFromGroups: Int = {
    if let text = getenv("KILN_STAGING_FROM"), let groups = Int(String(cString: text)), groups >= 0 { return groups }
    return 1 << 14
}()

/// Rows on their way into a hash aggregation whose table has outgrown the caches, held back a
/// few rows: when a row comes in, its slot is fetched; halfway through, its key bytes and its
/// group's state; when it leaves, its insert finds them in cache instead of waiting on memory
/// three times. Rows leave in the order they came, so results (a `first`, a float sum) do not
/// change. A key is copied in, as it may live in scratch memory reused by the next row.
public final class KeyStaging<Values> {
    /// Rows held back: enough to cover a memory access (64: with 16 the word count still waited on
    /// its misses here).
    @usableFromInline static var depth: Int { 64 }
    /// Rows between fetching a slot and reading it.
    @usableFromInline static var lag: Int { 32 }
    /// Key bytes kept per row; a longer key goes straight in.
    @usableFromInline static var keyRoom: Int { 48 }

    @usableFromInline let keyBytes: UnsafeMutablePointer<UInt8>  // [depth * keyRoom]
    @usableFromInline let keyCounts: UnsafeMutablePointer<Int>  // [depth]
    @usableFromInline let hashes: UnsafeMutablePointer<UInt64>  // [depth]
    @usableFromInline let values: UnsafeMutablePointer<Values>  // [depth]
    /// The oldest row's place in the ring, and how many rows are held.
    @exclusivity(unchecked) @usableFromInline var head = 0
    @exclusivity(unchecked) @usableFromInline var held = 0

    public init() {
        keyBytes = .allocate(capacity: Self.depth * Self.keyRoom)
        keyCounts = .allocate(capacity: Self.depth)
        hashes = .allocate(capacity: Self.depth)
        values = .allocate(capacity: Self.depth)
    }

    deinit {
        var place = head
        for _ in 0..<held {
            (values + place).deinitialize(count: 1)
            place = (place + 1) & (Self.depth - 1)
        }
        keyBytes.deallocate(); keyCounts.deallocate(); hashes.deallocate(); values.deallocate()
    }

    /// Whether rows for `table` go through the ring: once it is large (`KeyTable.isLarge`). A
    /// table never shrinks, so no row is held while it is small.
    @inlinable @inline(__always)
    public func isActive(for table: KeyTable) -> Bool { table.isLarge }

    /// Holds a row back; `apply(key, hash, values)` runs for the row that leaves, if any, and
    /// `prefetchGroup(g)` for the row halfway through whose slot names group g.
    @inlinable @inline(__always)
    public func push(_ key: KStr, _ rowValues: Values, table: KeyTable,
                     prefetchGroup: (Int) -> Void, apply: (KStr, UInt64, Values) throws -> Void) rethrows {
        let hash = key.fastHash
        if key.count > Self.keyRoom {
            try drain(apply)
            try apply(key, hash, rowValues)
            return
        }
        let mask = Self.depth - 1
        if held == Self.depth {
            let leaving = head
            head = (head + 1) & mask
            held -= 1
            try apply(KStr(keyBytes + leaving * Self.keyRoom, keyCounts[leaving]), hashes[leaving], (values + leaving).move())
        }
        let place = (head + held) & mask
        let room = UnsafeMutableRawPointer(keyBytes + place * Self.keyRoom)
        if key.count <= 16 {
            // Most keys: two words, read without passing the key's end, not a call to memmove.
            let p = UnsafeRawPointer(key.base)
            room.storeBytes(of: KilnHash.word(p, Swift.min(key.count, 8)), as: UInt64.self)
            room.storeBytes(of: key.count > 8 ? KilnHash.word(p + 8, key.count - 8) : 0, toByteOffset: 8, as: UInt64.self)
        } else {
            room.copyMemory(from: key.base, byteCount: key.count)
        }
        keyCounts[place] = key.count
        hashes[place] = hash
        (values + place).initialize(to: rowValues)
        held += 1
        table.prefetch(hash)
        if held > Self.lag {
            let middle = (place - Self.lag) & mask
            let group = table.prefetchGroup(hashes[middle], keyCounts[middle])
            if group >= 0 { prefetchGroup(group) }
        }
    }

    /// Applies every held row, oldest first.
    @inlinable
    public func drain(_ apply: (KStr, UInt64, Values) throws -> Void) rethrows {
        let mask = Self.depth - 1
        while held > 0 {
            let place = head
            head = (head + 1) & mask
            held -= 1
            try apply(KStr(keyBytes + place * Self.keyRoom, keyCounts[place]), hashes[place], (values + place).move())
        }
    }
}

/// Runs `body` on `object` without retaining it (the caller keeps it alive). A staged aggregation's
/// out-of-line push otherwise retains and releases its state for every row, and those atomic
/// operations stall the loads that the ring's prefetches have in flight.
@inlinable @inline(__always)
public func withBorrowed<Object: AnyObject, Result>(_ object: Object, _ body: (Object) throws -> Result) rethrows -> Result {
    try Unmanaged.passUnretained(object)._withUnsafeGuaranteedRef(body)
}
