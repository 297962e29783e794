import KilnCore

/// A column of UTF-8 strings: Arrow's layout (offsets into one byte buffer) plus a validity
/// byte per row, allocated on the first null.
public final class StringColumn {
    public let offsets: Buffer<Int>
    public let bytes: Buffer<UInt8>
    @exclusivity(unchecked) public var validity: Buffer<UInt8>?

    public init(capacity: Int = 16, byteCapacity: Int = 64) {
        offsets = Buffer(capacity: capacity + 1)
        offsets.append(0)
        bytes = Buffer(capacity: byteCapacity)
    }

    /// A column over existing storage: `offsets` starts with 0 and has one more entry than rows.
    public init(offsets: Buffer<Int>, bytes: Buffer<UInt8>) {
        self.offsets = offsets
        self.bytes = bytes
    }

    @inlinable
    public var count: Int { offsets.count - 1 }

    @inlinable
    public func append(_ value: KStr) {
        bytes.append(contentsOf: value.base, count: value.count)
        offsets.append(bytes.count)
        if let validity { validity.append(1) }
    }

    @inlinable
    public func append(_ value: KStr?) {
        if let value { append(value) } else { appendNull() }
    }

    public func appendNull() {
        if validity == nil { validity = Buffer(repeating: 1, count: count) }
        offsets.append(bytes.count)
        validity!.append(0)
    }

    public func append(_ value: String) {
        var copy = value
        copy.withUTF8 { append(KStr($0.baseAddress ?? KStr.empty.base, $0.count)) }
    }

    /// Row `row` of `other` (same type).
    @inlinable
    public func append(from other: StringColumn, row: Int) {
        append(other.view[row])
    }

    @inlinable
    public var view: StringView {
        StringView(offsets: UnsafePointer(offsets.base), bytes: UnsafePointer(bytes.base), validity: validity.map { UnsafePointer($0.base) })
    }
}

/// Read access to a `StringColumn` for hot loops; valid while the column lives unchanged.
@frozen
public struct StringView: @unchecked Sendable {
    public let offsets: UnsafePointer<Int>
    public let bytes: UnsafePointer<UInt8>
    public let validity: UnsafePointer<UInt8>?

    @inlinable
    public init(offsets: UnsafePointer<Int>, bytes: UnsafePointer<UInt8>, validity: UnsafePointer<UInt8>?) {
        self.offsets = offsets; self.bytes = bytes; self.validity = validity
    }

    @inlinable
    public subscript(row: Int) -> KStr? {
        if let validity, validity[row] == 0 { return nil }
        return KStr(bytes + offsets[row], offsets[row + 1] - offsets[row])
    }

    /// The value of a row known to be valid (a non-nullable column).
    @inlinable
    public func value(_ row: Int) -> KStr { KStr(bytes + offsets[row], offsets[row + 1] - offsets[row]) }
}

/// The fixed-width values a `PrimitiveColumn` holds.
public protocol ColumnScalar { static var zero: Self { get } }
extension Int32: ColumnScalar {}
extension Int64: ColumnScalar {}
extension Double: ColumnScalar {}
extension Bool: ColumnScalar { public static var zero: Bool { false } }

/// A column of fixed-width values (Int32, Int64, Double, Bool) with a validity byte per row.
public final class PrimitiveColumn<Value: ColumnScalar> {
    public let values: Buffer<Value>
    @exclusivity(unchecked) public var validity: Buffer<UInt8>?
    /// Block statistics of a column read from a file (see `ZoneMap`); they describe the rows
    /// before `zones.end` and are ignored past it.
    @exclusivity(unchecked) public var zones: ZoneMap?

    public init(capacity: Int = 16) { values = Buffer(capacity: capacity) }

    @inlinable
    public var count: Int { values.count }

    @inlinable
    public func append(_ value: Value) {
        values.append(value)
        if let validity { validity.append(1) }
    }

    @inlinable
    public func append(_ value: Value?) {
        if let value { append(value) } else { appendNull() }
    }

    /// A null row (its value slot holds the type's zero).
    public func appendNull() {
        if validity == nil { validity = Buffer(repeating: 1, count: count) }
        values.append(Value.zero)
        validity!.append(0)
    }

    @inlinable
    public func append(from other: PrimitiveColumn<Value>, row: Int) {
        append(other.view[row])
    }

    @inlinable
    public var view: PrimitiveView<Value> {
        PrimitiveView(values: UnsafePointer(values.base), validity: validity.map { UnsafePointer($0.base) })
    }
}

@frozen
public struct PrimitiveView<Value>: @unchecked Sendable {
    public let values: UnsafePointer<Value>
    public let validity: UnsafePointer<UInt8>?

    @inlinable
    public init(values: UnsafePointer<Value>, validity: UnsafePointer<UInt8>?) { self.values = values; self.validity = validity }

    @inlinable
    public subscript(row: Int) -> Value? {
        if let validity, validity[row] == 0 { return nil }
        return values[row]
    }

    @inlinable
    public func value(_ row: Int) -> Value { values[row] }
}

/// Per block of rows, the smallest and largest sort keys (see `SortKeyed`) of its non-null
/// values: a top-k skips blocks that cannot beat what it holds, as zone maps let a database
/// skip row groups. Made by readers, one block per batch.
public final class ZoneMap: @unchecked Sendable {
    /// Block i is rows ends[i-1] ..< ends[i].
    public private(set) var ends: [Int] = []
    public private(set) var minimums: [UInt64] = []
    public private(set) var maximums: [UInt64] = []
    public init() {}
    public var end: Int { ends.last ?? 0 }

    /// A block of `rows` more rows; for an all-null block pass min > max.
    public func add(rows: Int, minimum: UInt64, maximum: UInt64) {
        ends.append(end + rows); minimums.append(minimum); maximums.append(maximum)
    }

    func append(_ other: ZoneMap, offset: Int) {
        ends += other.ends.map { $0 + offset }
        minimums += other.minimums
        maximums += other.maximums
    }
}

/// A column of arrays: row i holds child rows offsets[i]..<offsets[i+1].
public final class ListColumn {
    public let offsets: Buffer<Int>
    public let child: AnyColumn
    @exclusivity(unchecked) public var validity: Buffer<UInt8>?

    public init(elementType: DataType, capacity: Int = 16) {
        offsets = Buffer(capacity: capacity + 1)
        offsets.append(0)
        child = AnyColumn.make(elementType, capacity: capacity)
    }

    public var count: Int { offsets.count - 1 }

    /// Closes the current row after its elements were appended to `child`.
    public func finishRow() {
        offsets.append(child.count)
        if let validity { validity.append(1) }
    }

    public func appendNull() {
        if validity == nil { validity = Buffer(repeating: 1, count: count) }
        offsets.append(child.count)
        validity!.append(0)
    }

    public func isNull(_ row: Int) -> Bool { validity.map { $0[row] == 0 } ?? false }

    public func elementRange(_ row: Int) -> Range<Int> { offsets[row]..<offsets[row + 1] }

    public func append(from other: ListColumn, row: Int) {
        if other.isNull(row) { appendNull(); return }
        for element in other.elementRange(row) { child.append(from: other.child, row: element) }
        finishRow()
    }
}

/// A column of any pipeline type.
public enum AnyColumn {
    case string(StringColumn)
    case int(PrimitiveColumn<Int32>)
    case long(PrimitiveColumn<Int64>)
    case double(PrimitiveColumn<Double>)
    case boolean(PrimitiveColumn<Bool>)
    case list(ListColumn)
    case vector(VectorColumn)

    public static func make(_ type: DataType, capacity: Int = 16) -> AnyColumn {
        switch type {
        case .string: .string(StringColumn(capacity: capacity))
        case .int: .int(PrimitiveColumn(capacity: capacity))
        case .long: .long(PrimitiveColumn(capacity: capacity))
        case .double: .double(PrimitiveColumn(capacity: capacity))
        case .boolean: .boolean(PrimitiveColumn(capacity: capacity))
        case let .array(element): .list(ListColumn(elementType: element, capacity: capacity))
        case .vector: .vector(VectorColumn(capacity: capacity))
        }
    }

    public var count: Int {
        switch self {
        case let .string(c): c.count
        case let .int(c): c.count
        case let .long(c): c.count
        case let .double(c): c.count
        case let .boolean(c): c.count
        case let .list(c): c.count
        case let .vector(c): c.count
        }
    }

    public func isNull(_ row: Int) -> Bool {
        switch self {
        case let .string(c): c.validity.map { $0[row] == 0 } ?? false
        case let .int(c): c.validity.map { $0[row] == 0 } ?? false
        case let .long(c): c.validity.map { $0[row] == 0 } ?? false
        case let .double(c): c.validity.map { $0[row] == 0 } ?? false
        case let .boolean(c): c.validity.map { $0[row] == 0 } ?? false
        case let .list(c): c.isNull(row)
        case let .vector(c): c[row] == nil
        }
    }

    /// Appends row `row` of `other`, a column of the same type.
    public func append(from other: AnyColumn, row: Int) {
        switch (self, other) {
        case let (.string(a), .string(b)): a.append(from: b, row: row)
        case let (.int(a), .int(b)): a.append(from: b, row: row)
        case let (.long(a), .long(b)): a.append(from: b, row: row)
        case let (.double(a), .double(b)): a.append(from: b, row: row)
        case let (.boolean(a), .boolean(b)): a.append(from: b, row: row)
        case let (.list(a), .list(b)): a.append(from: b, row: row)
        case let (.vector(a), .vector(b)): a.append(b[row])
        default: preconditionFailure("column types differ")
        }
    }

    public func appendNull() {
        switch self {
        case let .string(c): c.appendNull()
        case let .int(c): c.appendNull()
        case let .long(c): c.appendNull()
        case let .double(c): c.appendNull()
        case let .boolean(c): c.appendNull()
        case let .list(c): c.appendNull()
        case let .vector(c): c.appendNull()
        }
    }

    /// Appends every row of `other` (same type) in bulk.
    public func append(contentsOf other: AnyColumn) {
        switch (self, other) {
        case let (.string(a), .string(b)):
            let shift = a.bytes.count
            let rows = b.count
            a.bytes.append(contentsOf: b.bytes.base, count: b.bytes.count)
            a.offsets.reserve(a.offsets.count + rows)
            // Offsets shifted past the bytes already there, written in one pass.
            let target = a.offsets.base + a.offsets.count, source = b.offsets.base + 1
            for i in 0..<rows { (target + i).initialize(to: source[i] + shift) }
            a.offsets.count += rows
            Self.appendValidity(&a.validity, existing: a.count - rows, b.validity, rows)
        case let (.int(a), .int(b)): Self.appendPrimitive(a, b)
        case let (.long(a), .long(b)): Self.appendPrimitive(a, b)
        case let (.double(a), .double(b)): Self.appendPrimitive(a, b)
        case let (.boolean(a), .boolean(b)): Self.appendPrimitive(a, b)
        case let (.vector(a), .vector(b)): a.values.append(contentsOf: b.values)
        default:
            for row in 0..<other.count { append(from: other, row: row) }
        }
    }

    static func appendPrimitive<T: ColumnScalar>(_ a: PrimitiveColumn<T>, _ b: PrimitiveColumn<T>) {
        let rows = b.count
        // Zones stay whole only when both sides are covered.
        if a.count == 0 { a.zones = b.zones } else if let zones = a.zones, zones.end == a.count, let more = b.zones, more.end == rows {
            zones.append(more, offset: a.count)
        } else {
            a.zones = nil
        }
        a.values.append(contentsOf: b.values.base, count: rows)
        appendValidity(&a.validity, existing: a.count - rows, b.validity, rows)
    }

    /// Validity after appending `rows` rows with validity `added` to `existing` rows.
    static func appendValidity(_ validity: inout Buffer<UInt8>?, existing: Int, _ added: Buffer<UInt8>?, _ rows: Int) {
        switch (validity, added) {
        case (nil, nil): break
        case let (v?, nil): v.append(repeating: 1, count: rows)
        case let (nil, b?):
            let v = Buffer<UInt8>(repeating: 1, count: existing)
            v.append(contentsOf: b.base, count: rows)
            validity = v
        case let (v?, b?): v.append(contentsOf: b.base, count: rows)
        }
    }
}

/// A table: a schema and one column per field, all of `count` rows.
public final class Frame {
    public let schema: Schema
    public let columns: [AnyColumn]
    /// ML metadata of columns by name (Spark's column metadata: a StringIndexer's labels, a
    /// VectorIndexer's categorical features); carried by selects, splits and limits.
    public var attributes: [String: ColumnAttribute] = [:]

    public init(schema: Schema, columns: [AnyColumn]) {
        precondition(schema.count == columns.count, "a frame needs one column per field")
        self.schema = schema; self.columns = columns
    }

    /// An empty frame of `schema`, ready for appends.
    public convenience init(schema: Schema, capacity: Int = 16) {
        self.init(schema: schema, columns: schema.fields.map { AnyColumn.make($0.type, capacity: capacity) })
    }

    public var count: Int { columns.first?.count ?? 0 }

    @inlinable public func strings(_ index: Int) -> StringColumn { if case let .string(c) = columns[index] { return c }; fatalError("column \(index) is not a string column") }
    @inlinable public func ints(_ index: Int) -> PrimitiveColumn<Int32> { if case let .int(c) = columns[index] { return c }; fatalError("column \(index) is not an int column") }
    @inlinable public func longs(_ index: Int) -> PrimitiveColumn<Int64> { if case let .long(c) = columns[index] { return c }; fatalError("column \(index) is not a long column") }
    @inlinable public func doubles(_ index: Int) -> PrimitiveColumn<Double> { if case let .double(c) = columns[index] { return c }; fatalError("column \(index) is not a double column") }
    @inlinable public func booleans(_ index: Int) -> PrimitiveColumn<Bool> { if case let .boolean(c) = columns[index] { return c }; fatalError("column \(index) is not a boolean column") }
    public func vectors(_ index: Int) -> VectorColumn { if case let .vector(c) = columns[index] { return c }; fatalError("column \(index) is not a vector column") }
    @inlinable public func lists(_ index: Int) -> ListColumn { if case let .list(c) = columns[index] { return c }; fatalError("column \(index) is not an array column") }

    /// Frames of the same schema, one after the other. Consumes them: the first non-empty
    /// one grows to take the others (so nothing is copied twice, nor held twice). With a
    /// context, columns are appended on its threads at once.
    public static func concatenate(_ frames: [Frame], schema: Schema, context: PipelineContext? = nil) -> Frame {
        let nonEmpty = frames.filter { $0.count > 0 }
        guard let first = nonEmpty.first else { return Frame(schema: schema) }
        if nonEmpty.count == 1 { return first }
        let appendColumn = { (column: Int) in
            for frame in nonEmpty.dropFirst() { first.columns[column].append(contentsOf: frame.columns[column]) }
        }
        if let context {
            // Each column is its own buffers: appends to different columns share nothing.
            try! context.parallel(first.columns.count) { appendColumn($0) }
        } else {
            for column in first.columns.indices { appendColumn(column) }
        }
        return first
    }

    /// Makes room for `scale` times the rows (and string bytes) the frame holds, so that
    /// appending that much grows no buffer: growing one copies it or faults in fresh pages.
    public func reserve(scale: Double) {
        guard scale > 1 else { return }
        let rows = Int((Double(count) * scale).rounded(.up))
        for column in columns {
            switch column {
            case let .string(c):
                c.offsets.reserve(rows + 1)
                c.bytes.reserve(Int((Double(c.bytes.count) * scale).rounded(.up)))
                c.validity?.reserve(rows)
            case let .int(c): c.values.reserve(rows); c.validity?.reserve(rows)
            case let .long(c): c.values.reserve(rows); c.validity?.reserve(rows)
            case let .double(c): c.values.reserve(rows); c.validity?.reserve(rows)
            case let .boolean(c): c.values.reserve(rows); c.validity?.reserve(rows)
            case .list: break
            case let .vector(c): c.values.reserveCapacity(rows)
            }
        }
    }

    /// The rows at `indices`, in that order.
    public func gather(_ indices: UnsafeBufferPointer<Int>) -> Frame {
        let result = Frame(schema: schema, capacity: indices.count)
        for (target, source) in zip(result.columns, columns) {
            for row in indices { target.append(from: source, row: row) }
        }
        result.attributes = attributes
        return result
    }

    public func gather(_ indices: [Int]) -> Frame { indices.withUnsafeBufferPointer { gather($0) } }

    /// The first `n` rows.
    public func prefix(_ n: Int) -> Frame {
        if n >= count { return self }
        return gather(Array(0..<n))
    }

    /// The same rows with only the columns at `indices`.
    public func selecting(_ indices: [Int]) -> Frame {
        let result = Frame(schema: Schema(indices.map { schema.fields[$0] }), columns: indices.map { columns[$0] })
        result.attributes = attributes.filter { result.schema.index(of: $0.key) != nil }
        return result
    }

    /// A boxed value of one cell (nil for null), for display and tests.
    public func value(row: Int, column: Int) -> CellValue? {
        Self.value(columns[column], row: row)
    }

    static func value(_ column: AnyColumn, row: Int) -> CellValue? {
        switch column {
        case let .string(c): c.view[row].map { .string($0.string) }
        case let .int(c): c.view[row].map { .long(Int64($0)) }
        case let .long(c): c.view[row].map { .long($0) }
        case let .double(c): c.view[row].map { .double($0) }
        case let .boolean(c): c.view[row].map { .boolean($0) }
        case let .list(c):
            c.isNull(row) ? nil : .array(c.elementRange(row).map { value(c.child, row: $0) })
        case let .vector(c): c[row].map { .vector($0) }
        }
    }

    /// Every row as boxed values.
    public var rows: [[CellValue?]] {
        (0..<count).map { row in columns.indices.map { value(row: row, column: $0) } }
    }
}

/// One cell, boxed: for show(), tests and writers, not for hot loops.
public indirect enum CellValue: Hashable, Sendable, CustomStringConvertible {
    case string(String)
    case long(Int64)
    case double(Double)
    case boolean(Bool)
    case array([CellValue?])
    case vector(SparkVector)

    /// The cell as Spark casts it to a string: Java's double format, `[a, b]` for arrays.
    public var description: String {
        switch self {
        case let .string(s): s
        case let .long(v): String(v)
        case let .double(v): JavaDoubleFormat.string(v)
        case let .boolean(b): b ? "true" : "false"
        case let .array(items): "[" + items.map { $0?.description ?? "NULL" }.joined(separator: ", ") + "]"
        case let .vector(v): v.description
        }
    }
}
