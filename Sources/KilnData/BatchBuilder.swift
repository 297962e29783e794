/// The scalar columns of one batch, filled row by row through raw pointers. A reader writes
/// every field of row `r` through `sinks`, then keeps the row (moves on to `r + 1`) or writes
/// the next attempt over it; `finish(rows:)` makes the frame. Capacity is fixed up front
/// (rows, and for strings the bytes of the batch's text), so the hot loop writes plain memory
/// with no growth checks and no reference counting; only repaired strings may need more bytes.
final class RowBatchBuilder {
    enum Kind: UInt8 { case string, int, long, double, boolean }

    /// Where one column's values go. Plain values only, so hot loops copy it freely.
    struct Sink {
        var kind: Kind
        /// Values (Int32, Int64, Double, Bool), or for strings the end offset of each row.
        var values: UnsafeMutableRawPointer
        /// One byte per row, written from the first null on (rows before it are filled in
        /// then); dropped at the end if no row is null.
        var validity: UnsafeMutablePointer<UInt8>
        var hasNull = false
        var bytes: UnsafeMutablePointer<UInt8>?
        var bytesUsed = 0
        var bytesCapacity = 0
        /// The string column's byte buffer, for the rare growth.
        var byteBuffer: Unmanaged<Buffer<UInt8>>?

        @inline(__always)
        mutating func setString(_ row: Int, _ p: UnsafePointer<UInt8>, _ n: Int) {
            if bytesUsed + n > bytesCapacity { growBytes(to: bytesUsed + n) }
            if n > 0 { (bytes! + bytesUsed).update(from: p, count: n) }
            bytesUsed += n
            values.assumingMemoryBound(to: Int.self)[row] = bytesUsed
            if hasNull { validity[row] = 1 }
        }

        @inline(__always)
        mutating func setInt(_ row: Int, _ value: Int32) {
            values.assumingMemoryBound(to: Int32.self)[row] = value
            if hasNull { validity[row] = 1 }
        }

        @inline(__always)
        mutating func setLong(_ row: Int, _ value: Int64) {
            values.assumingMemoryBound(to: Int64.self)[row] = value
            if hasNull { validity[row] = 1 }
        }

        @inline(__always)
        mutating func setDouble(_ row: Int, _ value: Double) {
            values.assumingMemoryBound(to: Double.self)[row] = value
            if hasNull { validity[row] = 1 }
        }

        @inline(__always)
        mutating func setBoolean(_ row: Int, _ value: Bool) {
            values.assumingMemoryBound(to: Bool.self)[row] = value
            if hasNull { validity[row] = 1 }
        }

        mutating func setNull(_ row: Int) {
            if !hasNull {
                validity.initialize(repeating: 1, count: row)
                hasNull = true
            }
            validity[row] = 0
            switch kind {
            case .string: values.assumingMemoryBound(to: Int.self)[row] = bytesUsed
            case .int: values.assumingMemoryBound(to: Int32.self)[row] = 0
            case .long: values.assumingMemoryBound(to: Int64.self)[row] = 0
            case .double: values.assumingMemoryBound(to: Double.self)[row] = 0
            case .boolean: values.assumingMemoryBound(to: Bool.self)[row] = false
            }
        }

        /// Forgets string bytes written after row `row - 1` (a row being written over).
        @inline(__always)
        mutating func rewind(toRow row: Int) {
            if kind == .string { bytesUsed = row == 0 ? 0 : values.assumingMemoryBound(to: Int.self)[row - 1] }
        }

        mutating func growBytes(to needed: Int) {
            let buffer = byteBuffer!.takeUnretainedValue()
            buffer.count = bytesUsed
            buffer.reserve(needed)
            bytes = buffer.base
            bytesCapacity = buffer.capacity
        }
    }

    let frame: Frame
    let capacity: Int
    let sinks: UnsafeMutablePointer<Sink>
    let columnCount: Int
    private let validity: [Buffer<UInt8>]

    /// `schema` must hold scalar types only.
    init(schema: Schema, capacity: Int, textBytes: Int) {
        self.capacity = max(capacity, 1)
        columnCount = schema.count
        var columns: [AnyColumn] = []
        var validity: [Buffer<UInt8>] = []
        sinks = UnsafeMutablePointer<Sink>.allocate(capacity: max(schema.count, 1))
        for (index, field) in schema.fields.enumerated() {
            let valid = Buffer<UInt8>(capacity: self.capacity)
            validity.append(valid)
            var sink: Sink
            switch field.type {
            case .string:
                let column = StringColumn(capacity: self.capacity, byteCapacity: max(textBytes, 16))
                column.offsets.reserve(self.capacity + 1)
                sink = Sink(kind: .string, values: UnsafeMutableRawPointer(column.offsets.base + 1), validity: valid.base)
                sink.bytes = column.bytes.base
                sink.bytesCapacity = column.bytes.capacity
                sink.byteBuffer = Unmanaged.passUnretained(column.bytes)
                columns.append(.string(column))
            case .int:
                let column = PrimitiveColumn<Int32>(capacity: self.capacity)
                sink = Sink(kind: .int, values: UnsafeMutableRawPointer(column.values.base), validity: valid.base)
                columns.append(.int(column))
            case .long:
                let column = PrimitiveColumn<Int64>(capacity: self.capacity)
                sink = Sink(kind: .long, values: UnsafeMutableRawPointer(column.values.base), validity: valid.base)
                columns.append(.long(column))
            case .double:
                let column = PrimitiveColumn<Double>(capacity: self.capacity)
                sink = Sink(kind: .double, values: UnsafeMutableRawPointer(column.values.base), validity: valid.base)
                columns.append(.double(column))
            case .boolean:
                let column = PrimitiveColumn<Bool>(capacity: self.capacity)
                sink = Sink(kind: .boolean, values: UnsafeMutableRawPointer(column.values.base), validity: valid.base)
                columns.append(.boolean(column))
            case .array:
                preconditionFailure("RowBatchBuilder holds scalar columns only")
            }
            (sinks + index).initialize(to: sink)
        }
        self.validity = validity
        frame = Frame(schema: schema, columns: columns)
    }

    deinit { sinks.deallocate() }

    /// Forgets what was written of row `row`.
    @inline(__always)
    func rewind(toRow row: Int) {
        for column in 0..<columnCount { sinks[column].rewind(toRow: row) }
    }

    /// The batch as one block of a zone map: the smallest and largest sort keys of its values.
    static func zone<T: SortKeyed>(_ column: PrimitiveColumn<T>) -> ZoneMap {
        var minimum = UInt64.max, maximum = UInt64.min
        let values = column.values.base, validity = column.validity?.base
        for row in 0..<column.count where validity.map({ $0[row] != 0 }) ?? true {
            let key = T.sortKey(values[row])
            minimum = Swift.min(minimum, key)
            maximum = Swift.max(maximum, key)
        }
        let zones = ZoneMap()
        zones.add(rows: column.count, minimum: minimum, maximum: maximum)
        return zones
    }

    /// The frame of the first `rows` rows; the builder must not be used afterwards.
    func finish(rows: Int) -> Frame {
        for (index, column) in frame.columns.enumerated() {
            let valid: Buffer<UInt8>? = sinks[index].hasNull ? validity[index] : nil
            valid?.count = rows
            switch column {
            case let .string(c):
                c.offsets.count = rows + 1
                c.bytes.count = c.offsets[rows]
                c.validity = valid
            case let .int(c): c.values.count = rows; c.validity = valid; c.zones = Self.zone(c)
            case let .long(c): c.values.count = rows; c.validity = valid; c.zones = Self.zone(c)
            case let .double(c): c.values.count = rows; c.validity = valid; c.zones = Self.zone(c)
            case let .boolean(c): c.values.count = rows; c.validity = valid
            case .list: break
            }
        }
        return frame
    }
}
