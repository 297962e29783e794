/// One key of a sort: a column, its direction and where its nulls go.
public struct SortOrder: Sendable {
    public var column: Int
    public var ascending: Bool
    public var nullsFirst: Bool
    public init(column: Int, ascending: Bool = true, nullsFirst: Bool? = nil) {
        self.column = column; self.ascending = ascending; self.nullsFirst = nullsFirst ?? ascending
    }
}

extension Frame {
    /// The rows ordered by `keys` (Spark's order: byte order for strings, NaN above every
    /// double, nulls first ascending and last descending unless said otherwise). Ties keep
    /// their input order. With `limit`, only the first `limit` rows, found without a full sort.
    public func sorted(by keys: [SortOrder], limit: Int? = nil) -> Frame {
        if keys.count == 1, let order = numericOrder(keys[0], limit: limit) { return gather(order) }
        let n = count
        let compare = rowComparator(keys)
        var order: [Int]
        if let limit, limit < n / 8 {
            order = topRows(limit, compare)
        } else {
            order = Array(0..<n)
            order.sort { a, b in
                let c = compare(a, b)
                return c != 0 ? c < 0 : a < b
            }
            if let limit, limit < n { order.removeLast(n - limit) }
        }
        return gather(order)
    }

    /// A three-way comparison of two rows by `keys`.
    func rowComparator(_ keys: [SortOrder]) -> (Int, Int) -> Int {
        let parts: [(Int, Int) -> Int] = keys.map { key in
            let column = columns[key.column]
            let direction = key.ascending ? 1 : -1
            let nullOrder = key.nullsFirst ? -1 : 1
            func ordered<T>(_ value: @escaping (Int) -> T?, _ cmp: @escaping (T, T) -> Int) -> (Int, Int) -> Int {
                { a, b in
                    switch (value(a), value(b)) {
                    case (nil, nil): return 0
                    case (nil, _): return nullOrder
                    case (_, nil): return -nullOrder
                    case let (x?, y?): return direction * cmp(x, y)
                    }
                }
            }
            switch column {
            case let .string(c): let v = c.view; return ordered({ v[$0] }, KStr.compare)
            case let .int(c): let v = c.view; return ordered({ v[$0] }, KilnSQL.compare)
            case let .long(c): let v = c.view; return ordered({ v[$0] }, KilnSQL.compare)
            case let .double(c): let v = c.view; return ordered({ v[$0] }, KilnSQL.compare)
            case let .boolean(c): let v = c.view; return ordered({ v[$0] }, KilnSQL.compare)
            case .list: return { _, _ in 0 }
            case let .vector(c): let v = c.values; return ordered({ v[$0] }, SparkVector.compare)
            }
        }
        return { a, b in
            for part in parts {
                let c = part(a, b)
                if c != 0 { return c }
            }
            return 0
        }
    }

    /// The first `k` rows in order, by a bounded max-heap.
    func topRows(_ k: Int, _ compare: (Int, Int) -> Int) -> [Int] {
        guard k > 0 else { return [] }
        // "Worse" means later in the output: larger key, or equal key and later row.
        func worse(_ a: Int, _ b: Int) -> Bool {
            let c = compare(a, b)
            return c != 0 ? c > 0 : a > b
        }
        var heap: [Int] = []
        heap.reserveCapacity(k)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var largest = i
                if l < heap.count, worse(heap[l], heap[largest]) { largest = l }
                if r < heap.count, worse(heap[r], heap[largest]) { largest = r }
                if largest == i { return }
                heap.swapAt(i, largest)
                i = largest
            }
        }
        for row in 0..<count {
            if heap.count < k {
                heap.append(row)
                var i = heap.count - 1
                while i > 0 {
                    let parent = (i - 1) / 2
                    guard worse(heap[i], heap[parent]) else { break }
                    heap.swapAt(i, parent)
                    i = parent
                }
            } else if worse(heap[0], row) {
                heap[0] = row
                siftDown(0)
            }
        }
        return heap.sorted { worse($1, $0) }
    }
}

/// Numbers as unsigned integers that sort in Spark's order (for doubles: -0.0 and 0.0 tie, NaN
/// above everything).
public protocol SortKeyed: ColumnScalar {
    static func sortKey(_ value: Self) -> UInt64
}
extension Double: SortKeyed {
    @inline(__always) public static func sortKey(_ value: Double) -> UInt64 {
        if value.isNaN { return .max }
        let bits = (value == 0 ? 0.0 : value).bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }
}
extension Int64: SortKeyed {
    @inline(__always) public static func sortKey(_ value: Int64) -> UInt64 { UInt64(bitPattern: value) ^ (1 << 63) }
}
extension Int32: SortKeyed {
    @inline(__always) public static func sortKey(_ value: Int32) -> UInt64 { UInt64(bitPattern: Int64(value)) ^ (1 << 63) }
}

extension Frame {
    /// Row order for one numeric key, or nil for other columns: a top-k by one scan with a
    /// bounded heap when `limit` is small, else a sort of (key, row) pairs. Ties keep row
    /// order; nulls go where asked.
    func numericOrder(_ key: SortOrder, limit: Int?) -> [Int]? {
        switch columns[key.column] {
        case let .double(c): return numericOrder(c, key, limit)
        case let .long(c): return numericOrder(c, key, limit)
        case let .int(c): return numericOrder(c, key, limit)
        default: return nil
        }
    }

    func numericOrder<T: SortKeyed>(_ column: PrimitiveColumn<T>, _ key: SortOrder, _ limit: Int?) -> [Int] {
        let n = count
        let values = column.values.base, validity = column.view.validity
        let flip: UInt64 = key.ascending ? 0 : ~0
        var nulls: [Int] = []
        if let validity { for row in 0..<n where validity[row] == 0 { nulls.append(row) } }
        let wanted = min(limit ?? n, n)
        var ordered: [Int]
        if wanted < n / 8 {
            ordered = topRows(values, validity, n, wanted, flip, zones: column.zones)
        } else {
            var pairs: [(UInt64, Int)] = []
            pairs.reserveCapacity(n)
            for row in 0..<n where validity.map({ $0[row] != 0 }) ?? true { pairs.append((T.sortKey(values[row]) ^ flip, row)) }
            pairs.sort { $0 < $1 }
            ordered = pairs.map(\.1)
        }
        return Array((key.nullsFirst ? nulls + ordered : ordered + nulls).prefix(wanted))
    }

    /// The rows of the `k` smallest keys (ties by row), by a max-heap of (key, row).
    func topRows<T: SortKeyed>(_ values: UnsafePointer<T>, _ validity: UnsafePointer<UInt8>?, _ n: Int, _ k: Int, _ flip: UInt64,
                               zones: ZoneMap?) -> [Int] {
        guard k > 0 else { return [] }
        var heap: [(key: UInt64, row: Int)] = []
        heap.reserveCapacity(k)
        func worse(_ a: (key: UInt64, row: Int), _ b: (key: UInt64, row: Int)) -> Bool { a.key != b.key ? a.key > b.key : a.row > b.row }
        var threshold = UInt64.max
        // Blocks with statistics first (skipped when their best key cannot get in), then the rest.
        var blocks: [Range<Int>] = []
        var blockBest: [UInt64] = []
        var covered = 0
        if let zones, zones.end <= n {
            for (index, end) in zones.ends.enumerated() {
                blocks.append(covered..<end)
                // The smallest key after flipping: the minimum ascending, the maximum descending.
                blockBest.append(flip == 0 ? zones.minimums[index] : ~zones.maximums[index])
                covered = end
            }
        }
        if covered < n { blocks.append(covered..<n); blockBest.append(0) }
        for (block, best) in zip(blocks, blockBest) {
            if heap.count == k && best >= threshold { continue }
            for row in block {
                let key = T.sortKey(values[row]) ^ flip
                // Rows come in order: once the heap is full, only a smaller key gets in.
                if heap.count == k && key >= threshold { continue }
                if let validity, validity[row] == 0 { continue }
                if heap.count < k {
                    heap.append((key, row))
                    var i = heap.count - 1
                    while i > 0, worse(heap[i], heap[(i - 1) / 2]) { heap.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
                } else {
                    heap[0] = (key, row)
                    var i = 0
                    while true {
                        let l = 2 * i + 1, r = l + 1
                        var largest = i
                        if l < heap.count, worse(heap[l], heap[largest]) { largest = l }
                        if r < heap.count, worse(heap[r], heap[largest]) { largest = r }
                        if largest == i { break }
                        heap.swapAt(i, largest)
                        i = largest
                    }
                }
                if heap.count == k { threshold = heap[0].key }
            }
        }
        return heap.sorted { worse($1, $0) }.map(\.row)
    }
}
