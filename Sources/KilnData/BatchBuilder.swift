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
        /// Bytes the column held before this batch (rows appended to an existing column).
        var firstBytes = 0
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
            if kind == .string { bytesUsed = row == 0 ? firstBytes : values.assumingMemoryBound(to: Int.self)[row - 1] }
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
    /// Rows `frame` held before this batch (0 for a batch of its own).
    let startRow: Int

    /// A batch written at the end of `frame`'s columns (room for `capacity` rows and `textBytes`
    /// of text is reserved), so that a whole read lands in one frame without copies.
    init(appendingTo frame: Frame, capacity: Int, textBytes: Int) {
        self.frame = frame
        self.capacity = max(capacity, 1)
        startRow = frame.count
        columnCount = frame.schema.count
        var validity: [Buffer<UInt8>] = []
        sinks = UnsafeMutablePointer<Sink>.allocate(capacity: max(columnCount, 1))
        for (index, column) in frame.columns.enumerated() {
            let valid = Buffer<UInt8>(capacity: self.capacity)
            validity.append(valid)
            var sink: Sink
            switch column {
            case let .string(c):
                c.offsets.reserve(c.offsets.count + self.capacity)
                c.bytes.reserve(c.bytes.count + max(textBytes, 16))
                sink = Sink(kind: .string, values: UnsafeMutableRawPointer(c.offsets.base + c.offsets.count), validity: valid.base)
                sink.bytes = c.bytes.base
                sink.bytesUsed = c.bytes.count
                sink.firstBytes = c.bytes.count
                sink.bytesCapacity = c.bytes.capacity
                sink.byteBuffer = Unmanaged.passUnretained(c.bytes)
            case let .int(c):
                c.values.reserve(c.count + self.capacity)
                sink = Sink(kind: .int, values: UnsafeMutableRawPointer(c.values.base + c.count), validity: valid.base)
            case let .long(c):
                c.values.reserve(c.count + self.capacity)
                sink = Sink(kind: .long, values: UnsafeMutableRawPointer(c.values.base + c.count), validity: valid.base)
            case let .double(c):
                c.values.reserve(c.count + self.capacity)
                sink = Sink(kind: .double, values: UnsafeMutableRawPointer(c.values.base + c.count), validity: valid.base)
            case let .boolean(c):
                c.values.reserve(c.count + self.capacity)
                sink = Sink(kind: .boolean, values: UnsafeMutableRawPointer(c.values.base + c.count), validity: valid.base)
            case .list, .vector:
                preconditionFailure("RowBatchBuilder holds scalar columns only")
            }
            (sinks + index).initialize(to: sink)
        }
        self.validity = validity
    }

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
            case .array, .vector:
                preconditionFailure("RowBatchBuilder holds scalar columns only")
            }
            (sinks + index).initialize(to: sink)
        }
        self.validity = validity
        frame = Frame(schema: schema, columns: columns)
        startRow = 0
    }

    deinit { sinks.deallocate() }

    /// Forgets what was written of row `row`.
    @inline(__always)
    func rewind(toRow row: Int) {
        for column in 0..<columnCount { sinks[column].rewind(toRow: row) }
    }

    /// Makes the `rows` rows written part of the frame it appends to.
    func finishAppending(rows: Int) {
        let total = startRow + rows
        for (index, column) in frame.columns.enumerated() {
            let sink = sinks[index]
            // Validity: kept for the frame when any of its rows is null, old or new.
            func merge(_ existing: inout Buffer<UInt8>?) {
                if existing == nil, sink.hasNull { existing = Buffer(repeating: 1, count: startRow) }
                guard let existing else { return }
                if sink.hasNull { existing.append(contentsOf: validity[index].base, count: rows) } else { existing.append(repeating: 1, count: rows) }
            }
            switch column {
            case let .string(c):
                c.offsets.count = total + 1
                c.bytes.count = c.offsets[total]
                merge(&c.validity)
            case let .int(c): c.values.count = total; merge(&c.validity); Self.extendZones(c, from: startRow)
            case let .long(c): c.values.count = total; merge(&c.validity); Self.extendZones(c, from: startRow)
            case let .double(c): c.values.count = total; merge(&c.validity); Self.extendZones(c, from: startRow)
            case let .boolean(c): c.values.count = total; merge(&c.validity)
            case .list, .vector: break
            }
        }
    }

    /// Adds the rows from `start` on as one block of the column's zone map (kept only while the
    /// map covers every earlier row).
    static func extendZones<T: SortKeyed>(_ column: PrimitiveColumn<T>, from start: Int) {
        guard start == 0 || column.zones?.end == start else { column.zones = nil; return }
        var minimum = UInt64.max, maximum = UInt64.min
        let values = column.values.base, validity = column.validity?.base
        for row in start..<column.count where validity.map({ $0[row] != 0 }) ?? true {
            let key = T.sortKey(values[row])
            minimum = Swift.min(minimum, key)
            maximum = Swift.max(maximum, key)
        }
        let zones = column.zones ?? ZoneMap()
        zones.add(rows: column.count - start, minimum: minimum, maximum: maximum)
        column.zones = zones
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
            case let .int(c): c.values.count = rows; c.validity = valid; Self.extendZones(c, from: 0)
            case let .long(c): c.values.count = rows; c.validity = valid; Self.extendZones(c, from: 0)
            case let .double(c): c.values.count = rows; c.validity = valid; Self.extendZones(c, from: 0)
            case let .boolean(c): c.values.count = rows; c.validity = valid
            case .list, .vector: break
            }
        }
        return frame
    }
}
