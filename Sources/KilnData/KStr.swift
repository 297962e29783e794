#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A UTF-8 string value as pipelines move it: a view of bytes owned by a column, a read
/// buffer, a literal or a scratch arena. Valid while its owner is; copy it (into a column or
/// a table) to keep it. Compared byte-wise, which is code-point order, as Spark compares.
@frozen
public struct KStr: Hashable, Comparable, CustomStringConvertible, @unchecked Sendable {
    public let base: UnsafePointer<UInt8>
    public let count: Int

    @inlinable
    public init(_ base: UnsafePointer<UInt8>, _ count: Int) {
        self.base = base; self.count = count
    }

    /// A literal in generated code (static storage, lives forever).
    @inlinable
    public init(_ literal: StaticString) {
        self.base = literal.utf8Start
        self.count = literal.utf8CodeUnitCount
    }

    public static let empty = KStr("")

    @inlinable
    public var isEmpty: Bool { count == 0 }

    @inlinable
    public subscript(index: Int) -> UInt8 { base[index] }

    @inlinable
    public static func == (a: KStr, b: KStr) -> Bool {
        guard a.count == b.count else { return false }
        // Words are short: compare them inline, 8 bytes at a time, rather than call memcmp.
        let n = a.count
        let pa = UnsafeRawPointer(a.base), pb = UnsafeRawPointer(b.base)
        if n >= 8 && n <= 16 {
            // Two loads that overlap when n < 16.
            return pa.loadUnaligned(as: UInt64.self) == pb.loadUnaligned(as: UInt64.self)
                && pa.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == pb.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
        if n < 8 {
            var i = 0
            while i < n {
                if a.base[i] != b.base[i] { return false }
                i += 1
            }
            return true
        }
        return a.base == b.base || memcmp(a.base, b.base, n) == 0
    }

    @inlinable
    public static func < (a: KStr, b: KStr) -> Bool { compare(a, b) < 0 }

    /// Byte-wise three-way comparison (negative, zero, positive).
    @inlinable
    public static func compare(_ a: KStr, _ b: KStr) -> Int {
        let n = Swift.min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.base, b.base, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes: UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Kiln's fast hash of the bytes (not Swift's seeded SipHash: tables need speed, not DoS
    /// resistance, and the same bytes must hash alike across threads).
    @inlinable @inline(__always)
    public var fastHash: UInt64 { KilnHash.bytes(UnsafeRawPointer(base), count) }

    @inlinable
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// The bytes as a Swift string (invalid UTF-8 is repaired with U+FFFD, as Spark decodes).
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public var description: String { string }

    /// Whether every byte is ASCII.
    @inlinable
    public var isASCII: Bool {
        var i = 0
        while i + 8 <= count {
            if UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < count {
            if base[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }
}

/// A hash for table keys: a multiply-xorshift over 8-byte words, good enough for hash tables
/// and fast on short keys.
public enum KilnHash {
    public static let seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    @usableFromInline static let k1: UInt64 = 0xA076_1D64_78BD_642F
    @usableFromInline static let k2: UInt64 = 0xE703_7ED1_A0B4_28DB

    @inlinable @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    @inlinable @inline(__always)
    public static func bytes(_ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        // Keys of up to 16 bytes (most words and names): two words, no loop. The second is
        // read zero-padded from byte 8, not overlapping the first, so that each load lies inside
        // one word a producer such as `lower` stored.
        if n <= 16 {
            let a = word(p, Swift.min(n, 8))
            let b = n > 8 ? word(p + 8, n - 8) : 0
            return mix(mix(a ^ k1, b ^ k2 ^ UInt64(truncatingIfNeeded: n)), seed)
        }
        return bytesLong(p, n)
    }

    /// The `n` <= 8 bytes at `p` as a little-endian word, zero-padded, read without touching
    /// memory past them: overlapping loads (4 + 4 bytes, or bytes 0, n/2 and n-1) agree where
    /// they overlap, so OR-ing them is exact.
    @inlinable @inline(__always)
    public static func word(_ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        if n >= 8 { return p.loadUnaligned(as: UInt64.self) }
        if n >= 4 {
            let low = UInt64(p.loadUnaligned(as: UInt32.self)), high = UInt64(p.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            return low | high << (UInt64(truncatingIfNeeded: n - 4) &* 8)
        }
        if n == 0 { return 0 }
        let middle = n >> 1
        return UInt64(p.load(as: UInt8.self))
            | UInt64(p.load(fromByteOffset: middle, as: UInt8.self)) << (UInt64(truncatingIfNeeded: middle) &* 8)
            | UInt64(p.load(fromByteOffset: n - 1, as: UInt8.self)) << (UInt64(truncatingIfNeeded: n - 1) &* 8)
    }

    @usableFromInline
    static func bytesLong(_ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        var h = seed ^ UInt64(truncatingIfNeeded: n) &* k1
        var i = 0
        while i + 16 <= n {
            let a = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let b = p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
            h = mix(a ^ k1 ^ h, b ^ k2)
            i += 16
        }
        if i + 8 <= n {
            h = mix(p.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ k1, h ^ k2)
            i += 8
        }
        if i < n {
            // 1-7 tail bytes, read without touching memory past the end.
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
                i += 1
            }
            h = mix(tail ^ k2, h ^ k1)
        }
        return mix(h, k1 ^ UInt64(truncatingIfNeeded: n))
    }

    @inlinable
    public static func int(_ value: UInt64) -> UInt64 {
        mix(value ^ k1, seed ^ k2)
    }
}
