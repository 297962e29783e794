/// A generated row type: one Swift property per column.
public protocol KilnRow: Sendable {
    static var schema: Schema { get }
    /// Row `row` of a frame of `schema`.
    init(frame: Frame, row: Int)
}

/// What a pipeline returns for a dataset: the columnar frame, with typed rows on demand.
public struct Table<Row: KilnRow>: @unchecked Sendable {
    public let frame: Frame
    public init(_ frame: Frame) { self.frame = frame }

    public var count: Int { frame.count }
    public var schema: Schema { frame.schema }

    /// Every row as the generated row type.
    public var rows: [Row] { (0..<frame.count).map { Row(frame: frame, row: $0) } }

    public subscript(row: Int) -> Row { Row(frame: frame, row: row) }
}

extension Frame {
    /// A metric as a one-row frame of one double column named after it.
    public static func metric(_ name: String, _ value: Double) -> Frame {
        let column = PrimitiveColumn<Double>(capacity: 1)
        column.append(value)
        return Frame(schema: Schema([Field(name, .double, nullable: false)]), columns: [.double(column)])
    }

    /// A count as a one-row frame with a `count` column (Spark's `df.groupBy().count()` shape).
    public static func count(_ value: Int64) -> Frame {
        let column = PrimitiveColumn<Int64>()
        column.append(value)
        return Frame(schema: Schema([Field("count", .long, nullable: false)]), columns: [.long(column)])
    }
}
