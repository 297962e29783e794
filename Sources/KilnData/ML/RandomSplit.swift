// `DataFrame.randomSplit(weights, seed)` as Spark 4 computes it, for one partition: the rows
// sorted by every orderable column, then one XORShiftRandom(seed + partition) draw per row,
// each split keeping the rows whose draw falls in its slice of the cumulative weights.

extension Frame {
    /// The splits, in the order of `weights` (normalized to sum to 1).
    public func randomSplit(_ weights: [Double], seed: Int64) throws -> [Frame] {
        guard weights.allSatisfy({ $0 >= 0 }) else { throw PipelineError("requirement failed: Weights must be nonnegative, but got [\(weights.map(JavaDoubleFormat.string).joined(separator: ", "))]") }
        let sum = weights.reduce(0, +)
        guard sum > 0 else { throw PipelineError("requirement failed: Sum of weights must be positive, but got [\(weights.map(JavaDoubleFormat.string).joined(separator: ", "))]") }
        var bounds = [0.0]
        for w in weights { bounds.append(bounds.last! + w / sum) }
        // Spark sorts each partition so that every split sees the rows in one order.
        let keys = schema.fields.indices.filter { schema.fields[$0].type.isOrderable }.map { SortOrder(column: $0) }
        let ordered = keys.isEmpty ? self : sorted(by: keys)
        var random = XORShiftRandom(seed: seed)
        var draws = [Double](repeating: 0, count: ordered.count)
        for i in draws.indices { draws[i] = random.nextDouble() }
        return weights.indices.map { k in
            let lower = bounds[k], upper = bounds[k + 1]
            guard upper - lower > 0 else { return Frame(schema: schema) }
            return ordered.gather(draws.indices.filter { draws[$0] >= lower && draws[$0] < upper })
        }
    }
}

extension DataType {
    /// Whether Spark can sort by it (RowOrdering.isOrderable); vectors sort as VectorUDT's struct.
    public var isOrderable: Bool {
        switch self {
        case .string, .int, .long, .double, .boolean, .vector: true
        case let .array(element): element.isOrderable
        }
    }
}

extension SparkVector {
    /// VectorUDT's SQL ordering: (type: sparse 0 / dense 1, size, indices, values), arrays
    /// element by element and then by length, a dense vector's null indices first.
    public static func compare(_ a: SparkVector, _ b: SparkVector) -> Int {
        let typeA = a.isSparse ? 0 : 1, typeB = b.isSparse ? 0 : 1
        if typeA != typeB { return typeA < typeB ? -1 : 1 }
        if a.size != b.size { return a.size < b.size ? -1 : 1 }
        if let ia = a.indices, let ib = b.indices {
            let c = lexicographic(ia, ib) { $0 == $1 ? 0 : ($0 < $1 ? -1 : 1) }
            if c != 0 { return c }
        }
        return lexicographic(a.values, b.values, KilnSQL.compare)
    }

    static func lexicographic<T>(_ a: [T], _ b: [T], _ compare: (T, T) -> Int) -> Int {
        for (x, y) in zip(a, b) {
            let c = compare(x, y)
            if c != 0 { return c }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}

/// Spark's `org.apache.spark.util.random.XORShiftRandom`: java.util.Random's doubles over a
/// xorshift generator seeded through MurmurHash3.
public struct XORShiftRandom {
    var state: Int64

    public init(seed: Int64) { state = Self.hashSeed(seed) }

    mutating func next(_ bits: Int) -> Int64 {
        var s = state ^ (state << 21)
        s ^= Int64(bitPattern: UInt64(bitPattern: s) >> 35)
        s ^= s << 4
        state = s
        return s & ((1 << Int64(bits)) - 1)
    }

    /// java.util.Random.nextDouble: 53 random bits in [0, 1).
    public mutating func nextDouble() -> Double {
        let high = next(26), low = next(27)
        return Double((high << 27) + low) * 0x1.0p-53
    }

    /// The seed's 8 big-endian bytes hashed twice (low word, then high word seeded by it).
    static func hashSeed(_ seed: Int64) -> Int64 {
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: seed) >> (56 - 8 * UInt64($0))) }
        let low = MurmurHash3.bytesHash(bytes, seed: MurmurHash3.arraySeed)
        let high = MurmurHash3.bytesHash(bytes, seed: low)
        return Int64(Int64(high) << 32) | Int64(UInt32(bitPattern: low))
    }
}

/// Scala's `scala.util.hashing.MurmurHash3` (x86 32-bit), the parts XORShiftRandom uses.
enum MurmurHash3 {
    static let arraySeed: Int32 = 0x3c07_4a61

    static func mixLast(_ hash: UInt32, _ data: UInt32) -> UInt32 {
        var k = data &* 0xcc9e_2d51
        k = (k << 15) | (k >> 17)
        k = k &* 0x1b87_3593
        return hash ^ k
    }

    static func mix(_ hash: UInt32, _ data: UInt32) -> UInt32 {
        var h = mixLast(hash, data)
        h = (h << 13) | (h >> 19)
        return h &* 5 &+ 0xe654_6b64
    }

    static func avalanche(_ hash: UInt32) -> UInt32 {
        var h = hash
        h ^= h >> 16
        h = h &* 0x85eb_ca6b
        h ^= h >> 13
        h = h &* 0xc2b2_ae35
        h ^= h >> 16
        return h
    }

    static func bytesHash(_ data: [UInt8], seed: Int32) -> Int32 {
        var h = UInt32(bitPattern: seed)
        var i = 0
        while data.count - i >= 4 {
            let k = UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24
            h = mix(h, k)
            i += 4
        }
        let rest = data.count - i
        var k: UInt32 = 0
        if rest == 3 { k ^= UInt32(data[i + 2]) << 16 }
        if rest >= 2 { k ^= UInt32(data[i + 1]) << 8 }
        if rest >= 1 {
            k ^= UInt32(data[i])
            h = mixLast(h, k)
        }
        return Int32(bitPattern: avalanche(h ^ UInt32(data.count)))
    }
}
