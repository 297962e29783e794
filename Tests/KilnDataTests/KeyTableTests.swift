import XCTest
@testable import KilnData
import KilnRuntime  // SplitMix64

/// KeyTable (groups numbered in insertion order, keys compared byte for byte) and KeyStaging
/// (rows leave the ring in the order they came, each exactly once).
final class KeyTableTests: XCTestCase {
    /// Keys that share prefixes and lengths around the table's 8-byte word and KStr's 16-byte
    /// compare, so that a wrong compare merges two of them.
    static let lookalikes: [String] = {
        var keys = ["", "a", "A", "abcdefg", "abcdefgh", "abcdefgi", "abcdefghi", "abcdefghj", "bbcdefghi",
                    "abcdefghijklmnop", "abcdefghijklmnoq", "bbcdefghijklmnop", "abcdefghijklmnopq", "abcdefghijklmnopr"]
        keys.append(String(repeating: "x", count: 48))
        keys.append(String(repeating: "x", count: 47) + "y")
        keys.append(String(repeating: "x", count: 49))  // longer than a staged key's room
        keys.append(String(repeating: "z", count: 254))
        keys.append(String(repeating: "z", count: 255))  // lengths from 255 share a slot tag
        keys.append(String(repeating: "z", count: 256))
        keys.append(String(repeating: "z", count: 255) + "y")
        return keys
    }()

    /// Deterministic keys: the lookalikes, then `distinct - lookalikes` words of 1 to 40 letters.
    static func keys(_ distinct: Int) -> [String] {
        var generator = SplitMix64(seed: 42)
        var keys = lookalikes, seen = Set(lookalikes)
        while keys.count < distinct {
            let length = 1 + Int(generator.next() % 40)
            let word = String((0..<length).map { _ in Character(Unicode.Scalar(UInt8(97 + generator.next() % 26))) })
            if seen.insert(word).inserted { keys.append(word) }
        }
        return keys
    }

    /// Rows drawn from `keys`, the first `keys.count` of them each key once in order.
    static func rows(_ keys: [String], count: Int) -> [Int] {
        var generator = SplitMix64(seed: 7)
        return Array(keys.indices) + (keys.count..<max(count, keys.count)).map { _ in
            // Skewed, as real keys are: the square of a uniform draw favours small indices.
            let u = Double(generator.next() % 1_000_000) / 1_000_000
            return Int(u * u * Double(keys.count))
        }
    }

    func testGroupsAreNumberedInInsertionOrderAndSurviveGrowth() {
        for distinct in [30, 5_000, 70_000] {
            let keys = Self.keys(distinct)
            let table = KeyTable()
            let storage = keys.map { Array($0.utf8) }
            for (position, bytes) in storage.enumerated() {
                let group = bytes.withUnsafeBufferPointer { table.insert(KStr($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count)) }
                XCTAssertEqual(group, position, "\(distinct) keys: a new key gets the next group")
                XCTAssertTrue(table.inserted)
            }
            XCTAssertEqual(table.count, keys.count)
            for (position, bytes) in storage.enumerated() {
                bytes.withUnsafeBufferPointer { buffer in
                    let key = KStr(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count)
                    XCTAssertEqual(table.find(key), position, "\(distinct) keys: \(keys[position].prefix(20))")
                    XCTAssertEqual(table.insert(key), position)
                    XCTAssertFalse(table.inserted)
                    XCTAssertEqual(table.key(position).string, keys[position])
                }
            }
            let absent = Array("not-a-key-\(distinct)-!".utf8)
            absent.withUnsafeBufferPointer { XCTAssertNil(table.find(KStr($0.baseAddress!, $0.count))) }
        }
    }

    /// Groups a table of so many slots takes before it grows: 1/8 of the slots up to 256 KB of
    /// them, 1/4 up to 4 MB, 3/4 beyond; as the slots double the limit must rise, or `reserve`
    /// and `insert` would grow forever.
    func testLoadLimitFallsWithSizeAndRisesAsSlotsDouble() {
        let rows: [(slots: Int, limit: Int)] = [(16, 2), (16_384, 2_048), (32_768, 8_192), (262_144, 65_536),
                                                (524_288, 393_216), (4_194_304, 3_145_728)]
        for row in rows { XCTAssertEqual(KeyTable.limit(slots: row.slots), row.limit, "\(row.slots) slots") }
        var slots = 16
        while slots < 1 << 30 {
            XCTAssertGreaterThan(KeyTable.limit(slots: slots * 2), KeyTable.limit(slots: slots), "\(slots) -> \(slots * 2) slots")
            slots *= 2
        }
    }

    /// A key's word and hash read only its own bytes: the same key followed by other bytes
    /// gives the same word (the bytes, little-endian, zero-padded) and the same hash, for every
    /// length around the 4-, 8- and 16-byte loads.
    func testWordAndHashReadOnlyTheKeysBytes() {
        let key = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        for length in 0...20 {
            let hashes = [UInt8(0), 0xFF].map { filler -> (UInt64, UInt64) in
                let bytes = Array(key[..<length]) + [UInt8](repeating: filler, count: 16)
                return bytes.withUnsafeBytes { raw in
                    (length <= 8 ? KilnHash.word(raw.baseAddress!, length) : 0, KilnHash.bytes(raw.baseAddress!, length))
                }
            }
            XCTAssertEqual(hashes[0].1, hashes[1].1, "\(length) bytes: the hash saw bytes past the key")
            if length <= 8 {
                let expected = key[..<length].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
                XCTAssertEqual(hashes[0].0, expected, "\(length) bytes")
                XCTAssertEqual(hashes[1].0, expected, "\(length) bytes")
            }
        }
    }

    /// Every key given one hash: slots and tags agree, so only the byte compare tells keys apart.
    func testKeysWithOneHashStayApart() {
        let table = KeyTable()
        let storage = Self.lookalikes.map { Array($0.utf8) }
        func key(_ index: Int) -> KStr {
            storage[index].withUnsafeBufferPointer { KStr($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
        }
        for round in 0..<2 {
            for index in storage.indices {
                XCTAssertEqual(table.insert(key(index), hash: 0x1234_5678_9ABC_DEF0), index, "round \(round): \(Self.lookalikes[index].prefix(20))")
                XCTAssertEqual(table.find(key(index), hash: 0x1234_5678_9ABC_DEF0), index)
            }
        }
        for a in storage.indices {
            for b in storage.indices {
                XCTAssertEqual(key(a) == key(b), a == b, "\(Self.lookalikes[a].prefix(20)) vs \(Self.lookalikes[b].prefix(20))")
            }
        }
    }

    func testNullKeyIsItsOwnGroup() {
        let table = KeyTable()
        XCTAssertEqual(table.insert(KStr.empty), 0)
        XCTAssertEqual(table.insertNull(), 1)
        XCTAssertTrue(table.inserted)
        XCTAssertEqual(table.insertNull(), 1)
        XCTAssertFalse(table.inserted)
        XCTAssertEqual(table.find(KStr.empty), 0)
    }

    /// Rows through a ring, against the same rows applied directly: same order, same values,
    /// same groups, whether the ring drains at the end or a long key flushes it midway.
    func testStagedRowsLeaveInOrderExactlyOnce() throws {
        // (distinct keys, rows): under and over a table's cache size.
        for (distinct, count) in [(25, 40), (2_000, 20_000), (60_000, 200_000)] {
            let keys = Self.keys(distinct)
            let storage = keys.map { Array($0.utf8) }
            let rows = Self.rows(keys, count: count)
            let staging = KeyStaging<Int>()
            let staged = KeyTable(), direct = KeyTable()
            var applied: [(key: String, value: Int, group: Int)] = []
            let apply = { (key: KStr, hash: UInt64, value: Int) in
                XCTAssertEqual(hash, key.fastHash)
                applied.append((key.string, value, staged.insert(key, hash: hash)))
            }
            var expected: [(key: String, value: Int, group: Int)] = []
            for (position, index) in rows.enumerated() {
                storage[index].withUnsafeBufferPointer { buffer in
                    let key = KStr(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count)
                    expected.append((keys[index], position, direct.insert(key)))
                    staging.push(key, position, table: staged, prefetchGroup: { group in
                        XCTAssertLessThan(group, staged.count, "a prefetched group exists")
                    }, apply: apply)
                }
            }
            XCTAssertLessThanOrEqual(applied.count, rows.count)
            staging.drain(apply)
            XCTAssertEqual(applied.count, rows.count, "\(distinct) keys: every row applied once")
            XCTAssertTrue(zip(applied, expected).allSatisfy { $0.key == $1.key && $0.value == $1.value && $0.group == $1.group },
                          "\(distinct) keys: rows applied in order, into the same groups as directly")
            XCTAssertEqual(staged.count, direct.count)
        }
    }

    func testHeldRowsAreReleasedWhenTheRingIsDropped() {
        final class Value {}
        weak var first: Value?, last: Value?
        var staging: KeyStaging<Value>? = KeyStaging<Value>()
        let table = KeyTable()
        let key = Array("word".utf8)
        key.withUnsafeBufferPointer { buffer in
            for index in 0..<5 {
                let value = Value()
                if index == 0 { first = value }
                if index == 4 { last = value }
                staging!.push(KStr(buffer.baseAddress!, buffer.count), value, table: table, prefetchGroup: { _ in }) { _, _, _ in }
            }
        }
        XCTAssertNotNil(first, "held rows keep their values")
        XCTAssertNotNil(last)
        staging = nil
        XCTAssertNil(first, "dropping the ring releases them")
        XCTAssertNil(last)
    }
}
