/// A dense float32 array with a shape, row-major. The first axis is the sample axis.
public struct Tensor: Equatable, Sendable {
    public var shape: [Int]
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.reduce(1, *) == scalars.count, "Tensor: shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// Rows of equal length: shape (rows.count, rowLength).
    public init(_ rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == width }, "Tensor: rows have different lengths")
        self.init(shape: [rows.count, width], scalars: rows.flatMap { $0 })
    }

    /// A 1-D tensor, e.g. labels: shape (values.count,).
    public init(_ values: [Float]) { self.init(shape: [values.count], scalars: values) }

    /// One value per sample as a column: shape (values.count, 1).
    public init(column values: [Float]) { self.init(shape: [values.count, 1], scalars: values) }

    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Samples along the first axis.
    public var count: Int { shape.first ?? 0 }
    /// Samples along the first axis (the same as `count`).
    public var rows: Int { count }
    /// Scalars per sample.
    public var sampleSize: Int { shape.dropFirst().reduce(1, *) }

    /// Samples `range` as a new tensor.
    public func rows(_ range: Range<Int>) -> Tensor {
        let size = sampleSize
        return Tensor(shape: [range.count] + shape.dropFirst(), scalars: Array(scalars[(range.lowerBound * size)..<(range.upperBound * size)]))
    }

    /// Sample `index` as a flat array.
    public func row(_ index: Int) -> [Float] {
        let size = sampleSize
        return Array(scalars[(index * size)..<((index + 1) * size)])
    }

    /// The element at one index per axis, row-major: `t[i, j]`.
    public subscript(indices: Int...) -> Float {
        get { scalars[flatIndex(indices)] }
        set { scalars[flatIndex(indices)] = newValue }
    }

    func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "Tensor: \(indices.count) indices for a tensor of rank \(shape.count)")
        var flat = 0
        for (index, dim) in zip(indices, shape) {
            precondition(index >= 0 && index < dim, "Tensor: index \(indices) out of range for shape \(shape)")
            flat = flat * dim + index
        }
        return flat
    }

    /// The same scalars under another shape with as many elements.
    public func reshaped(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, scalars: scalars) }
}
