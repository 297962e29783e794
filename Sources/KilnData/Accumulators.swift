import CKilnData

/// Per-group aggregate state for hash aggregation. Groups are dense numbers from a `KeyTable`;
/// a group's slot appears the first time `add` sees it. Workers aggregate on their own, then
/// `merge` folds another worker's groups in (`remap[g]` is this state's group for the other's
/// group g, or -1 for groups another partition owns), in worker order, so "first" means first
/// in input order. Semantics are Spark's: sum/min/max/avg ignore nulls and are null for a
/// group without values; count(x) counts non-null values.
public protocol Accumulator: AnyObject {
    func merge(from other: Self, remap: UnsafeBufferPointer<Int>) throws
    func finish(groups: Int) -> AnyColumn
    /// Starts loading group `group`'s state ahead of an `add` (see `KeyStaging`).
    func prefetch(_ group: Int)
}

extension Accumulator {
    @inlinable @inline(__always) public func prefetch(_ group: Int) {}
}

extension Buffer {
    /// Starts loading element `index`'s cache line, if the buffer has room for it.
    @inlinable @inline(__always)
    public func prefetch(_ index: Int) {
        if index < capacity { kiln_prefetch(base + index) }
    }
}

/// Grows per-group storage so that `group` has a slot.
@inlinable @inline(__always)
func ensure<T>(_ buffer: Buffer<T>, _ group: Int, _ initial: T) {
    if group >= buffer.count { extend(buffer, group, initial) }
}

@usableFromInline
func extend<T>(_ buffer: Buffer<T>, _ group: Int, _ initial: T) {
    buffer.append(repeating: initial, count: group + 1 - buffer.count)
}

/// sum(x) over longs (ints are widened first): overflow is an error, as ANSI Spark's. An add
/// notes an overflow rather than throw it, so that the loop calling it has no throwing call
/// (which would cost a retain and release of the accumulator per row); `check` throws it.
public final class SumLong: Accumulator {
    public let sums = Buffer<Int64>(), seen = Buffer<UInt8>()
    /// Whether a group can have no value to sum (a nullable argument). When not, `seen` stays
    /// empty: every group was made by a row with a value, and an add touches one line, not two.
    public let tracksNulls: Bool
    @exclusivity(unchecked) public var overflowed = false
    public init(nullable: Bool = true) { tracksNulls = nullable }
    @inlinable @inline(__always) public func prefetch(_ group: Int) { sums.prefetch(group); if tracksNulls { seen.prefetch(group) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Int64?) {
        guard let value else { ensure(sums, g, 0); ensure(seen, g, 0); return }
        add(g, value)
    }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Int64) {
        ensure(sums, g, 0)
        let (sum, overflow) = sums[g].addingReportingOverflow(value)
        sums[g] = sum
        if tracksNulls { ensure(seen, g, 0); seen[g] = 1 }
        if overflow { overflowed = true }
    }
    /// Spark's error, if an add overflowed.
    public func check() throws { if overflowed { throw KilnSQL.overflow("long", "add") } }
    func hasValue(_ g: Int) -> Bool { !tracksNulls || (g < seen.count && seen[g] == 1) }
    public func merge(from other: SumLong, remap: UnsafeBufferPointer<Int>) throws {
        for (g, target) in remap.enumerated() where target >= 0 {
            ensure(sums, target, 0)
            if tracksNulls { ensure(seen, target, 0) }
            if other.hasValue(g) { add(target, other.sums[g]) }
        }
        try check()
    }
    public func finish(groups: Int) -> AnyColumn {
        ensure(sums, groups - 1, 0)
        let column = PrimitiveColumn<Int64>(capacity: groups)
        if !tracksNulls {
            column.values.append(contentsOf: sums.base, count: groups)
            return .long(column)
        }
        ensure(seen, groups - 1, 0)
        for g in 0..<groups { column.append(seen[g] == 1 ? sums[g] : nil) }
        return .long(column)
    }
}

public final class SumDouble: Accumulator {
    public let sums = Buffer<Double>(), seen = Buffer<UInt8>()
    public init() {}
    @inlinable @inline(__always) public func prefetch(_ group: Int) { sums.prefetch(group); seen.prefetch(group) }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Double?) {
        ensure(sums, g, 0); ensure(seen, g, 0)
        guard let value else { return }
        sums[g] += value
        seen[g] = 1
    }
    public func merge(from other: SumDouble, remap: UnsafeBufferPointer<Int>) {
        for (g, target) in remap.enumerated() where target >= 0 {
            ensure(sums, target, 0); ensure(seen, target, 0)
            if g < other.seen.count, other.seen[g] == 1 { add(target, other.sums[g]) }
        }
    }
    public func finish(groups: Int) -> AnyColumn {
        ensure(sums, groups - 1, 0); ensure(seen, groups - 1, 0)
        let column = PrimitiveColumn<Double>(capacity: groups)
        for g in 0..<groups { column.append(seen[g] == 1 ? sums[g] : nil) }
        return .double(column)
    }
}

/// reduceByKey('*'): the product of a key's values.
public final class ProductLong: Accumulator {
    public let products = Buffer<Int64>(), seen = Buffer<UInt8>()
    /// As SumLong's: noted by `add`, thrown by `check`.
    @exclusivity(unchecked) public var overflowed = false
    public init() {}
    @inlinable @inline(__always) public func prefetch(_ group: Int) { products.prefetch(group); seen.prefetch(group) }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Int64?) {
        ensure(products, g, 1); ensure(seen, g, 0)
        guard let value else { return }
        let (product, overflow) = products[g].multipliedReportingOverflow(by: value)
        products[g] = product
        seen[g] = 1
        if overflow { overflowed = true }
    }
    /// Spark's error, if an add overflowed.
    public func check() throws { if overflowed { throw KilnSQL.overflow("long", "multiply") } }
    public func merge(from other: ProductLong, remap: UnsafeBufferPointer<Int>) throws {
        for (g, target) in remap.enumerated() where target >= 0 {
            ensure(products, target, 1); ensure(seen, target, 0)
            if g < other.seen.count, other.seen[g] == 1 { add(target, other.products[g]) }
        }
        try check()
    }
    public func finish(groups: Int) -> AnyColumn {
        ensure(products, groups - 1, 1); ensure(seen, groups - 1, 0)
        let column = PrimitiveColumn<Int64>(capacity: groups)
        for g in 0..<groups { column.append(seen[g] == 1 ? products[g] : nil) }
        return .long(column)
    }
}

public final class ProductDouble: Accumulator {
    public let products = Buffer<Double>(), seen = Buffer<UInt8>()
    public init() {}
    @inlinable @inline(__always) public func prefetch(_ group: Int) { products.prefetch(group); seen.prefetch(group) }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Double?) {
        ensure(products, g, 1); ensure(seen, g, 0)
        guard let value else { return }
        products[g] *= value
        seen[g] = 1
    }
    public func merge(from other: ProductDouble, remap: UnsafeBufferPointer<Int>) {
        for (g, target) in remap.enumerated() where target >= 0 {
            ensure(products, target, 1); ensure(seen, target, 0)
            if g < other.seen.count, other.seen[g] == 1 { add(target, other.products[g]) }
        }
    }
    public func finish(groups: Int) -> AnyColumn {
        ensure(products, groups - 1, 1); ensure(seen, groups - 1, 0)
        let column = PrimitiveColumn<Double>(capacity: groups)
        for g in 0..<groups { column.append(seen[g] == 1 ? products[g] : nil) }
        return .double(column)
    }
}

/// avg(x): a double sum and a count.
public final class Average: Accumulator {
    public let sums = Buffer<Double>(), counts = Buffer<Int64>()
    public init() {}
    @inlinable @inline(__always) public func prefetch(_ group: Int) { sums.prefetch(group); counts.prefetch(group) }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Double?) {
        ensure(sums, g, 0); ensure(counts, g, 0)
        guard let value else { return }
        sums[g] += value
        counts[g] += 1
    }
    public func merge(from other: Average, remap: UnsafeBufferPointer<Int>) {
        for (g, target) in remap.enumerated() where target >= 0 {
            ensure(sums, target, 0); ensure(counts, target, 0)
            if g < other.counts.count { sums[target] += other.sums[g]; counts[target] += other.counts[g] }
        }
    }
    public func finish(groups: Int) -> AnyColumn {
        ensure(sums, groups - 1, 0); ensure(counts, groups - 1, 0)
        let column = PrimitiveColumn<Double>(capacity: groups)
        for g in 0..<groups { column.append(counts[g] > 0 ? sums[g] / Double(counts[g]) : nil) }
        return .double(column)
    }
}

/// count(x) (non-null values) and count(*) (rows: add with `true`).
public final class Count: Accumulator {
    public let counts = Buffer<Int64>()
    public init() {}
    @inlinable @inline(__always) public func prefetch(_ group: Int) { counts.prefetch(group) }
    @inlinable @inline(__always) public func add(_ g: Int, counting: Bool) {
        ensure(counts, g, 0)
        if counting { counts[g] &+= 1 }
    }
    public func merge(from other: Count, remap: UnsafeBufferPointer<Int>) {
        for (g, target) in remap.enumerated() where target >= 0 {
            ensure(counts, target, 0)
            if g < other.counts.count { counts[target] &+= other.counts[g] }
        }
    }
    public func finish(groups: Int) -> AnyColumn {
        ensure(counts, groups - 1, 0)
        let column = PrimitiveColumn<Int64>(capacity: groups)
        column.values.append(contentsOf: counts.base, count: groups)
        return .long(column)
    }
}

/// The numbers and booleans a min/max/first can hold.
public protocol OrderedScalar: ColumnScalar {
    static func sqlCompare(_ a: Self, _ b: Self) -> Int
    static func column(_ values: PrimitiveColumn<Self>) -> AnyColumn
}
extension Int32: OrderedScalar {
    public static func sqlCompare(_ a: Int32, _ b: Int32) -> Int { KilnSQL.compare(a, b) }
    public static func column(_ values: PrimitiveColumn<Int32>) -> AnyColumn { .int(values) }
}
extension Int64: OrderedScalar {
    public static func sqlCompare(_ a: Int64, _ b: Int64) -> Int { KilnSQL.compare(a, b) }
    public static func column(_ values: PrimitiveColumn<Int64>) -> AnyColumn { .long(values) }
}
extension Double: OrderedScalar {
    public static func sqlCompare(_ a: Double, _ b: Double) -> Int { KilnSQL.compare(a, b) }
    public static func column(_ values: PrimitiveColumn<Double>) -> AnyColumn { .double(values) }
}
extension Bool: OrderedScalar {
    public static func sqlCompare(_ a: Bool, _ b: Bool) -> Int { KilnSQL.compare(a, b) }
    public static func column(_ values: PrimitiveColumn<Bool>) -> AnyColumn { .boolean(values) }
}

/// min(x) or max(x) of numbers or booleans (`keepLarger` picks max).
public final class MinMax<Value: OrderedScalar>: Accumulator {
    public let values = Buffer<Value>(), seen = Buffer<UInt8>()
    public let keepLarger: Bool
    public init(max: Bool = false) { keepLarger = max }
    @inlinable @inline(__always) public func prefetch(_ group: Int) { values.prefetch(group); seen.prefetch(group) }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Value?) {
        ensure(values, g, .zero); ensure(seen, g, 0)
        guard let value else { return }
        if seen[g] == 0 { values[g] = value; seen[g] = 1; return }
        let c = Value.sqlCompare(value, values[g])
        if keepLarger ? c > 0 : c < 0 { values[g] = value }
    }
    public func merge(from other: MinMax<Value>, remap: UnsafeBufferPointer<Int>) {
        for (g, target) in remap.enumerated() where target >= 0 {
            ensure(values, target, .zero); ensure(seen, target, 0)
            if g < other.seen.count, other.seen[g] == 1 { add(target, other.values[g]) }
        }
    }
    public func finish(groups: Int) -> AnyColumn {
        ensure(values, groups - 1, .zero); ensure(seen, groups - 1, 0)
        let column = PrimitiveColumn<Value>(capacity: groups)
        for g in 0..<groups { column.append(seen[g] == 1 ? values[g] : nil) }
        return Value.column(column)
    }
}

/// min(x) or max(x) of strings (byte order).
public final class MinMaxString: Accumulator {
    let bytes = Buffer<UInt8>(capacity: 256)
    let starts = Buffer<Int>(), lengths = Buffer<Int>()
    public let keepLarger: Bool
    public init(max: Bool = false) { keepLarger = max }
    func current(_ g: Int) -> KStr? { lengths[g] < 0 ? nil : KStr(bytes.base + starts[g], lengths[g]) }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: KStr?) { addValue(g, value) }
    @usableFromInline func addValue(_ g: Int, _ value: KStr?) {
        ensure(starts, g, 0); ensure(lengths, g, -1)
        guard let value else { return }
        if let best = current(g) {
            let c = KStr.compare(value, best)
            guard keepLarger ? c > 0 : c < 0 else { return }
        }
        starts[g] = bytes.count
        lengths[g] = value.count
        bytes.append(contentsOf: value.base, count: value.count)
    }
    public func merge(from other: MinMaxString, remap: UnsafeBufferPointer<Int>) {
        for (g, target) in remap.enumerated() where target >= 0 {
            ensure(starts, target, 0); ensure(lengths, target, -1)
            if g < other.lengths.count, let value = other.current(g) { addValue(target, value) }
        }
    }
    public func finish(groups: Int) -> AnyColumn {
        ensure(starts, groups - 1, 0); ensure(lengths, groups - 1, -1)
        let column = StringColumn(capacity: groups)
        for g in 0..<groups { column.append(current(g)) }
        return .string(column)
    }
}

/// first(x): the value of each group's first row, null included (Spark's default ignoreNulls=false).
public final class First: Accumulator {
    public let values: AnyColumn
    public init(_ type: DataType = .string) { values = AnyColumn.make(type) }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: KStr?) { if g == values.count, case let .string(c) = values { c.append(value) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Int32?) { if g == values.count, case let .int(c) = values { c.append(value) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Int64?) { if g == values.count, case let .long(c) = values { c.append(value) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Double?) { if g == values.count, case let .double(c) = values { c.append(value) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Bool?) { if g == values.count, case let .boolean(c) = values { c.append(value) } }
    public func merge(from other: First, remap: UnsafeBufferPointer<Int>) {
        // Groups new to this state come in increasing order: take the other's first values.
        for (g, target) in remap.enumerated() where target >= 0 && target == values.count {
            values.append(from: other.values, row: g)
        }
    }
    public func finish(groups: Int) -> AnyColumn { values }
}

/// count(distinct x): a set of (group, value) pairs, and a count per group. Nulls do not count.
public final class CountDistinct: Accumulator {
    @usableFromInline let pairs = KeyTable()
    @usableFromInline let counts = Buffer<Int64>()
    @usableFromInline let encoder = KeyEncoder()
    public init() {}

    @usableFromInline func insert(_ g: Int) {
        ensure(counts, g, 0)
        _ = pairs.insert(encoder.key)
        if pairs.inserted { counts[g] += 1 }
    }
    @usableFromInline func start(_ g: Int) { encoder.reset(); encoder.add(Int64(g)) }

    @inlinable @inline(__always) public func add(_ g: Int, _ value: KStr?) { ensure(counts, g, 0); if let value { start(g); encoder.add(value); insert(g) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Int32?) { ensure(counts, g, 0); if let value { start(g); encoder.add(value); insert(g) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Int64?) { ensure(counts, g, 0); if let value { start(g); encoder.add(value); insert(g) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Double?) { ensure(counts, g, 0); if let value { start(g); encoder.add(value); insert(g) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Bool?) { ensure(counts, g, 0); if let value { start(g); encoder.add(value); insert(g) } }

    public func merge(from other: CountDistinct, remap: UnsafeBufferPointer<Int>) {
        for target in remap where target >= 0 { ensure(counts, target, 0) }
        for entry in 0..<other.pairs.count {
            // The pair's key: tag byte, 8-byte group, then the encoded value.
            let key = other.pairs.key(entry)
            let group = Int(UnsafeRawPointer(key.base + 1).loadUnaligned(as: Int64.self))
            let target = remap[group]
            guard target >= 0 else { continue }
            encoder.reset(); encoder.add(Int64(target))
            encoder.buffer.append(contentsOf: key.base + 9, count: key.count - 9)
            insert(target)
        }
    }
    public func finish(groups: Int) -> AnyColumn {
        ensure(counts, groups - 1, 0)
        let column = PrimitiveColumn<Int64>(capacity: groups)
        column.values.append(contentsOf: counts.base, count: groups)
        return .long(column)
    }
}

/// groupByKey's lists: every value of a group, in input order.
public final class CollectList: Accumulator {
    public let values: AnyColumn
    @usableFromInline let groups = Buffer<Int>()
    let elementType: DataType
    public init(_ elementType: DataType = .string) { self.elementType = elementType; values = AnyColumn.make(elementType) }

    @inlinable @inline(__always) public func add(_ g: Int, _ value: KStr?) { groups.append(g); if case let .string(c) = values { c.append(value) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Int32?) { groups.append(g); if case let .int(c) = values { c.append(value) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Int64?) { groups.append(g); if case let .long(c) = values { c.append(value) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Double?) { groups.append(g); if case let .double(c) = values { c.append(value) } }
    @inlinable @inline(__always) public func add(_ g: Int, _ value: Bool?) { groups.append(g); if case let .boolean(c) = values { c.append(value) } }

    public func merge(from other: CollectList, remap: UnsafeBufferPointer<Int>) {
        for i in 0..<other.groups.count {
            let target = remap[other.groups[i]]
            guard target >= 0 else { continue }
            groups.append(target)
            values.append(from: other.values, row: i)
        }
    }

    public func finish(groups count: Int) -> AnyColumn {
        // Counting sort of the values by group, keeping input order within a group.
        var sizes = [Int](repeating: 0, count: count + 1)
        for i in 0..<groups.count { sizes[groups[i] + 1] += 1 }
        for g in 0..<count { sizes[g + 1] += sizes[g] }
        var order = [Int](repeating: 0, count: groups.count)
        var next = sizes
        for i in 0..<groups.count { order[next[groups[i]]] = i; next[groups[i]] += 1 }
        let lists = ListColumn(elementType: elementType, capacity: count)
        var at = 0
        for g in 0..<count {
            while at < sizes[g + 1] { lists.child.append(from: values, row: order[at]); at += 1 }
            lists.finishRow()
        }
        return .list(lists)
    }
}

/// reduceByKey with a user's function: each key's values folded in input order. Values are
/// the udf's Swift type; `column` turns the results into a column.
public final class ReduceWith<Value>: Accumulator {
    @exclusivity(unchecked) public var values: [Value?] = []
    let combine: (Value, Value) throws -> Value
    let column: ([Value?]) -> AnyColumn

    public init(_ combine: @escaping (Value, Value) throws -> Value, column: @escaping ([Value?]) -> AnyColumn) {
        self.combine = combine; self.column = column
    }

    public func add(_ g: Int, _ value: Value?) throws {
        if g >= values.count { values.append(contentsOf: [Value?](repeating: nil, count: g + 1 - values.count)) }
        guard let value else { return }
        values[g] = try values[g].map { try combine($0, value) } ?? value
    }

    public func merge(from other: ReduceWith<Value>, remap: UnsafeBufferPointer<Int>) throws {
        for (g, target) in remap.enumerated() where target >= 0 {
            try add(target, g < other.values.count ? other.values[g] : nil)
        }
    }

    public func finish(groups: Int) -> AnyColumn {
        column(values + [Value?](repeating: nil, count: max(0, groups - values.count)))
    }
}
