/// What a generated aggregation keeps per worker: a key table, the key columns (one row per
/// group, appended when the group is made) and accumulators.
public protocol AggregationState: AnyObject {
    init()
    var table: KeyTable { get }
    /// Appends `other`'s key values of `group` to this state's key columns.
    func copyKey(from other: Self, group: Int)
    /// Folds `other`'s accumulators in (see `Accumulator.merge`).
    func merge(from other: Self, remap: UnsafeBufferPointer<Int>) throws
    /// The key columns, then one column per aggregate, for groups 0..<table.count.
    func finish() -> [AnyColumn]
    /// An aggregation without keys yields one row, even from no input (count 0, sum null).
    static var isGlobal: Bool { get }
}

extension PipelineContext {
    /// The workers' partial aggregations combined into one frame. Groups are split among the
    /// threads by hash, and each thread merges its share of every worker's groups.
    public func combine<State: AggregationState>(_ states: [State], schema: Schema) throws -> Frame {
        if State.isGlobal {
            let final = State()
            _ = final.table.insert(KStr.empty)
            try mergeAll(states, into: final, partition: 0, of: 1)
            return Frame(schema: schema, columns: final.finish())
        }
        let used = states.filter { $0.table.count > 0 }
        if used.count <= 1 { return Frame(schema: schema, columns: (used.first ?? states.first ?? State()).finish()) }
        let parts = threads
        var frames = [Frame?](repeating: nil, count: parts)
        let box = UncheckedSendable(UnsafeMutableBufferPointer<Frame?>.allocate(capacity: parts))
        box.value.initialize(repeating: nil)
        defer {
            _ = box.value.deinitialize()
            box.value.deallocate()
        }
        try parallel(parts) { part in
            let final = State()
            try mergeAll(used, into: final, partition: part, of: parts)
            box.value[part] = Frame(schema: schema, columns: final.finish())
        }
        for part in 0..<parts { frames[part] = box.value[part] }
        return Frame.concatenate(frames.compactMap { $0 }, schema: schema)
    }

    func mergeAll<State: AggregationState>(_ states: [State], into final: State, partition: Int, of parts: Int) throws {
        // The partition holds at least the largest state's share; growing as it fills would rehash it repeatedly.
        final.table.reserve(states.map(\.table.count).max()! / parts)
        let ahead = 16
        for state in states {
            let count = state.table.count
            var remap = [Int](repeating: -1, count: count)
            // Borrowed: retaining and releasing both tables per group cost a fifth of the merge.
            withBorrowed(state.table) { table in
                withBorrowed(final.table) { target in
                    let hashes = table.hashes.base
                    for group in 0..<count {
                        // The slot an insert `ahead` groups on probes: fetched now, in cache by then.
                        if group + ahead < count { target.prefetch(hashes[group + ahead]) }
                        let hash = hashes[group]
                        guard parts == 1 || Int((hash >> 40) % UInt64(parts)) == partition else { continue }
                        let merged = group == table.nullGroup ? target.insertNull() : target.insert(table.key(group), hash: hash)
                        if target.inserted { final.copyKey(from: state, group: group) }
                        remap[group] = merged
                    }
                }
            }
            try remap.withUnsafeBufferPointer { try final.merge(from: state, remap: $0) }
        }
    }
}

/// The build side of a hash join: rows of a frame chained by key, in row order. Rows whose
/// key has a null are left out: a null key matches nothing.
public final class JoinTable {
    public let table = KeyTable()
    @usableFromInline let heads = Buffer<Int>(), tails = Buffer<Int>()
    @usableFromInline let nextRow: Buffer<Int>
    public let rowCount: Int

    public init(rows: Int) {
        rowCount = rows
        nextRow = Buffer(repeating: -1, count: rows)
    }

    @inlinable
    public func add(row: Int, key: KStr) {
        let group = table.insert(key)
        if table.inserted {
            heads.append(row); tails.append(row)
        } else {
            nextRow[tails[group]] = row
            tails[group] = row
        }
    }

    /// The first build row with this key, or -1.
    @inlinable
    public func first(_ key: KStr) -> Int {
        guard let group = table.find(key) else { return -1 }
        return heads[group]
    }

    /// The build row after `row` with the same key, or -1.
    @inlinable
    public func next(_ row: Int) -> Int { nextRow[row] }

    /// Build rows no worker matched (for right and full joins), in row order.
    public func unmatched(_ matched: [Buffer<UInt8>]) -> [Int] {
        (0..<rowCount).filter { row in !matched.contains { row < $0.count && $0[row] != 0 } }
    }
}
