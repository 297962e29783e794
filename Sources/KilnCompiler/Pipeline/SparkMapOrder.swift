/// The order in which Spark hands back the entries of a Python dict passed to
/// `GroupedData.agg({...})`, and so the order of the result's columns.
///
/// py4j copies the dict, in its order, into a `java.util.HashMap`; Spark turns that into a Scala
/// immutable `Map` (`exprs.asScala.toMap`) and maps its entries to columns. A Java HashMap
/// iterates by bucket (`(h ^ (h >>> 16)) & (capacity - 1)` of `String.hashCode`, 16 buckets
/// doubled whenever more than 3/4 full), each bucket in insertion order. Scala keeps up to 4
/// entries in insertion order (`Map1`...`Map4`); from 5 on it builds a CHAMP `HashMap`, which
/// iterates each trie node's own entries by their 5-bit hash fragment, then its sub-nodes, depth
/// first, on `scala.util.hashing` `improve(hashCode)`. So `{qty: sum, price: max}` gives
/// `max(price), sum(qty)` whichever way round it is written. (Checked against pyspark 4.0.1 on
/// random dicts of 1 to 20 keys; Java's tree bins, from 8 keys in one bucket, and keys with equal
/// 32-bit hashes are not modelled.)
enum SparkMapOrder {
    static func order(_ keys: [String]) -> [Int] {
        let hashed = javaHashMapOrder(keys)
        return hashed.count <= 4 ? hashed : champOrder(hashed, keys)
    }

    /// Java's `String.hashCode`: 31-based over UTF-16 units, wrapping.
    static func javaHash(_ s: String) -> UInt32 {
        var h: UInt32 = 0
        for unit in s.utf16 { h = h &* 31 &+ UInt32(unit) }
        return h
    }

    static func javaHashMapOrder(_ keys: [String]) -> [Int] {
        func bucket(_ index: Int, _ capacity: Int) -> Int {
            let h = javaHash(keys[index])
            return Int((h ^ (h >> 16)) & UInt32(capacity - 1))
        }
        var capacity = 16
        var table = [[Int]](repeating: [], count: capacity)
        var count = 0
        for index in keys.indices {
            table[bucket(index, capacity)].append(index)
            count += 1
            if count > capacity * 3 / 4 {
                capacity *= 2
                var grown = [[Int]](repeating: [], count: capacity)
                for entries in table { for entry in entries { grown[bucket(entry, capacity)].append(entry) } }
                table = grown
            }
        }
        return table.flatMap { $0 }
    }

    /// `scala.collection.Hashing.improve`.
    static func improve(_ hash: UInt32) -> UInt32 {
        var h = hash &+ ~(hash << 9)
        h ^= h >> 14
        h = h &+ (h << 4)
        return h ^ (h >> 10)
    }

    static func champOrder(_ indices: [Int], _ keys: [String]) -> [Int] {
        func walk(_ entries: [Int], shift: UInt32) -> [Int] {
            var groups: [UInt32: [Int]] = [:]
            for entry in entries {
                let fragment = shift >= 32 ? 0 : (improve(javaHash(keys[entry])) >> shift) & 31
                groups[fragment, default: []].append(entry)
            }
            let fragments = groups.keys.sorted()
            var result = fragments.compactMap { groups[$0]!.count == 1 ? groups[$0]![0] : nil }
            for fragment in fragments where groups[fragment]!.count > 1 {
                // Equal hashes all the way down: a collision node keeps insertion order.
                result += shift >= 32 ? groups[fragment]! : walk(groups[fragment]!, shift: shift + 5)
            }
            return result
        }
        return walk(indices, shift: 0)
    }
}
