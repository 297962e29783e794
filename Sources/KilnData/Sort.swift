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
