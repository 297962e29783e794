/// The columns of one batch, filled row by row through raw pointers: readers write row
/// `rows` field by field, then either commit it or write the next attempt over it. Capacity
/// is fixed up front (rows, and for strings the bytes of the batch's text), so hot loops
/// write without growth checks; only repaired strings may need more bytes.
final class RowBatchBuilder {
    enum Kind: UInt8 { case string, int, long, double, boolean }

    struct Sink {
        var kind: Kind
        /// Values (Int32, Int64, Double, Bool), or for strings the end offsets (`Int`, one per
        /// row after the leading 0).
        var values: UnsafeMutableRawPointer
        var validity: UnsafeMutablePointer<UInt8>?
        var bytes: UnsafeMutablePointer<UInt8>?
        var bytesUsed = 0
        var bytesCapacity = 0
    }

    let frame: Frame
    let capacity: Int
    /// Committed rows.
    private(set) var rows = 0
    let sinks: UnsafeMutablePointer<Sink>
    let columnCount: Int

    /// `schema` must hold scalar types only.
    init(schema: Schema, capacity: Int, textBytes: Int) {
        self.capacity = max(capacity, 1)
        columnCount = schema.count
        var columns: [AnyColumn] = []
        sinks = UnsafeMutablePointer<Sink>.allocate(capacity: max(schema.count, 1))
        for (index, field) in schema.fields.enumerated() {
            let sink: Sink
            switch field.type {
            case .string:
                let column = StringColumn(capacity: self.capacity, byteCapacity: max(textBytes, 16))
                column.offsets.reserve(self.capacity + 1)
                sink = Sink(kind: .string, values: UnsafeMutableRawPointer(column.offsets.base + 1), bytes: column.bytes.base,
                            bytesCapacity: column.bytes.capacity)
                columns.append(.string(column))
            case .int:
                let column = PrimitiveColumn<Int32>(capacity: self.capacity)
                sink = Sink(kind: .int, values: UnsafeMutableRawPointer(column.values.base))
                columns.append(.int(column))
            case .long:
                let column = PrimitiveColumn<Int64>(capacity: self.capacity)
                sink = Sink(kind: .long, values: UnsafeMutableRawPointer(column.values.base))
                columns.append(.long(column))
            case .double:
                let column = PrimitiveColumn<Double>(capacity: self.capacity)
                sink = Sink(kind: .double, values: UnsafeMutableRawPointer(column.values.base))
                columns.append(.double(column))
            case .boolean:
                let column = PrimitiveColumn<Bool>(capacity: self.capacity)
                sink = Sink(kind: .boolean, values: UnsafeMutableRawPointer(column.values.base))
                columns.append(.boolean(column))
            case .array:
                preconditionFailure("RowBatchBuilder holds scalar columns only")
            }
            (sinks + index).initialize(to: sink)
        }
        frame = Frame(schema: schema, columns: columns)
    }

    deinit { sinks.deallocate() }

    var isFull: Bool { rows == capacity }

    // MARK: writing row `rows`

    @inline(__always)
    func setString(_ column: Int, _ p: UnsafePointer<UInt8>, _ n: Int) {
        let sink = sinks + column
        if sink.pointee.bytesUsed + n > sink.pointee.bytesCapacity { growBytes(column, to: sink.pointee.bytesUsed + n) }
        if n > 0 { (sink.pointee.bytes! + sink.pointee.bytesUsed).update(from: p, count: n) }
        sink.pointee.bytesUsed += n
        sink.pointee.values.assumingMemoryBound(to: Int.self)[rows] = sink.pointee.bytesUsed
        if let validity = sink.pointee.validity { validity[rows] = 1 }
    }

    @inline(__always)
    func set<T>(_ column: Int, _ value: T) {
        let sink = sinks + column
        sink.pointee.values.assumingMemoryBound(to: T.self)[rows] = value
        if let validity = sink.pointee.validity { validity[rows] = 1 }
    }

    func setNull(_ column: Int) {
        let sink = sinks + column
        if sink.pointee.validity == nil { makeValidity(column) }
        sink.pointee.validity![rows] = 0
        switch sink.pointee.kind {
        case .string: sink.pointee.values.assumingMemoryBound(to: Int.self)[rows] = sink.pointee.bytesUsed
        case .int: sink.pointee.values.assumingMemoryBound(to: Int32.self)[rows] = 0
        case .long: sink.pointee.values.assumingMemoryBound(to: Int64.self)[rows] = 0
        case .double: sink.pointee.values.assumingMemoryBound(to: Double.self)[rows] = 0
        case .boolean: sink.pointee.values.assumingMemoryBound(to: Bool.self)[rows] = false
        }
    }

    /// Keeps the row just written.
    @inline(__always)
    func commit() { rows += 1 }

    /// Forgets the row just written (its strings' bytes included).
    func discard() {
        for column in 0..<columnCount where sinks[column].kind == .string {
            sinks[column].bytesUsed = rows == 0 ? 0 : sinks[column].values.assumingMemoryBound(to: Int.self)[rows - 1]
        }
    }

    /// The frame with the committed rows; the builder must not be used afterwards.
    func finish() -> Frame {
        for column in frame.columns {
            switch column {
            case let .string(c):
                c.offsets.count = rows + 1
                c.bytes.count = c.offsets[rows]
                c.validity?.count = rows
            case let .int(c): c.values.count = rows; c.validity?.count = rows
            case let .long(c): c.values.count = rows; c.validity?.count = rows
            case let .double(c): c.values.count = rows; c.validity?.count = rows
            case let .boolean(c): c.values.count = rows; c.validity?.count = rows
            case .list: break
            }
        }
        return frame
    }

    private func makeValidity(_ column: Int) {
        let validity = Buffer<UInt8>(repeating: 1, count: capacity)
        switch frame.columns[column] {
        case let .string(c): c.validity = validity
        case let .int(c): c.validity = validity
        case let .long(c): c.validity = validity
        case let .double(c): c.validity = validity
        case let .boolean(c): c.validity = validity
        case .list: break
        }
        sinks[column].validity = validity.base
    }

    private func growBytes(_ column: Int, to needed: Int) {
        guard case let .string(c) = frame.columns[column] else { return }
        c.bytes.count = sinks[column].bytesUsed
        c.bytes.reserve(needed)
        sinks[column].bytes = c.bytes.base
        sinks[column].bytesCapacity = c.bytes.capacity
    }
}
