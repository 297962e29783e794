/// Arrays in stage code are Swift arrays of optional elements; these move them in and out of
/// `ListColumn`s.
extension ListColumn {
    public func kstrs(_ row: Int) -> [KStr?]? {
        guard !isNull(row), case let .string(c) = child else { return nil }
        let view = c.view
        return elementRange(row).map { view[$0] }
    }
    public func int32s(_ row: Int) -> [Int32?]? { primitives(row, { if case let .int(c) = $0 { c } else { nil } }) }
    public func int64s(_ row: Int) -> [Int64?]? { primitives(row, { if case let .long(c) = $0 { c } else { nil } }) }
    public func doubleValues(_ row: Int) -> [Double?]? { primitives(row, { if case let .double(c) = $0 { c } else { nil } }) }
    public func boolValues(_ row: Int) -> [Bool?]? { primitives(row, { if case let .boolean(c) = $0 { c } else { nil } }) }

    func primitives<T>(_ row: Int, _ column: (AnyColumn) -> PrimitiveColumn<T>?) -> [T?]? {
        guard !isNull(row), let c = column(child) else { return nil }
        let view = c.view
        return elementRange(row).map { view[$0] }
    }

    public func append(_ values: [KStr?]?) {
        guard let values else { appendNull(); return }
        if case let .string(c) = child { values.forEach { c.append($0) } }
        finishRow()
    }
    public func append(_ values: [Int32?]?) { appendPrimitives(values) { if case let .int(c) = $0 { c } else { nil } } }
    public func append(_ values: [Int64?]?) { appendPrimitives(values) { if case let .long(c) = $0 { c } else { nil } } }
    public func append(_ values: [Double?]?) { appendPrimitives(values) { if case let .double(c) = $0 { c } else { nil } } }
    public func append(_ values: [Bool?]?) { appendPrimitives(values) { if case let .boolean(c) = $0 { c } else { nil } } }

    func appendPrimitives<T>(_ values: [T?]?, _ column: (AnyColumn) -> PrimitiveColumn<T>?) {
        guard let values else { appendNull(); return }
        if let c = column(child) { values.forEach { c.append($0) } }
        finishRow()
    }

    /// Swift strings of a row, for row structs.
    public func strings(_ row: Int) -> [String?]? { kstrs(row).map { $0.map { $0?.string } } }
}

extension Frame {
    /// A frame of literal cells (a spec's `rows:`), each converted to its column's type.
    public convenience init(schema: Schema, cells: [[CellValue?]]) {
        self.init(schema: schema, capacity: cells.count)
        for row in cells {
            for (column, cell) in zip(columns, row) { Self.append(cell, to: column) }
        }
    }

    static func append(_ cell: CellValue?, to column: AnyColumn) {
        switch (column, cell) {
        case (_, nil): column.appendNull()
        case let (.string(c), .string(s)?): c.append(s)
        case let (.int(c), .long(v)?): c.append(Int32(truncatingIfNeeded: v))
        case let (.long(c), .long(v)?): c.append(v)
        case let (.double(c), .double(v)?): c.append(v)
        case let (.double(c), .long(v)?): c.append(Double(v))
        case let (.boolean(c), .boolean(b)?): c.append(b)
        case let (.list(c), .array(items)?):
            for item in items { append(item, to: c.child) }
            c.finishRow()
        default: preconditionFailure("a literal cell does not fit its column")
        }
    }
}

/// A source that can read a part straight into one frame (no batches to join).
public protocol FrameLoadable {
    /// Part `partition` of `count` as one frame; with `roomForAll`, sized for every part's rows
    /// (`load` appends the other parts to the first).
    func readFrame(partition: Int, of count: Int, context: PipelineContext, roomForAll: Bool) throws -> Frame
}

extension PipelineContext {
    /// A whole source as one frame (a source read once and used by several steps, or returned).
    /// Each part's batches are appended as they come and freed, so the peak is about the frame.
    public func load<Source: BatchSource>(_ source: Source, schema: Schema) throws -> Frame {
        let parts = source.partitionCount(workers: threads)
        let pieces = UncheckedSendable(UnsafeMutableBufferPointer<Frame?>.allocate(capacity: parts))
        pieces.value.initialize(repeating: nil)
        defer {
            _ = pieces.value.deinitialize()
            pieces.value.deallocate()
        }
        try parallel(parts) { part in
            if let loadable = source as? FrameLoadable {
                pieces.value[part] = try loadable.readFrame(partition: part, of: parts, context: self, roomForAll: part == 0)
                return
            }
            var combined: Frame?
            try source.read(partition: part, of: parts, context: self) { batch in
                let frame = batch.frame(schema: schema)
                combined = combined.map { Frame.concatenate([$0, frame], schema: schema) } ?? frame
            }
            pieces.value[part] = combined
        }
        return Frame.concatenate(pieces.value.compactMap { $0 }, schema: schema, context: self)
    }
}
