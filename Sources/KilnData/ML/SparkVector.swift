// MLlib's vectors (`pyspark.ml.linalg`): a column type of its own, as Spark's VectorUDT.

/// A dense or sparse vector of doubles. Sparse ones keep strictly increasing `indices`.
public struct SparkVector: Hashable, Sendable, CustomStringConvertible {
    public var size: Int
    /// nil for a dense vector; else the positions of `values`.
    public var indices: [Int32]?
    public var values: [Double]

    public init(dense values: [Double]) {
        size = values.count; indices = nil; self.values = values
    }

    public init(size: Int, indices: [Int32], values: [Double]) {
        precondition(indices.count == values.count, "a sparse vector needs one value per index")
        self.size = size; self.indices = indices; self.values = values
    }

    public var isSparse: Bool { indices != nil }

    /// Element `i` (0 where a sparse vector has no entry).
    public subscript(i: Int) -> Double {
        guard let indices else { return values[i] }
        var low = 0, high = indices.count
        while low < high {
            let mid = (low + high) / 2
            if Int(indices[mid]) < i { low = mid + 1 } else { high = mid }
        }
        return low < indices.count && Int(indices[low]) == i ? values[low] : 0
    }

    /// Every element, zeros included.
    public var dense: [Double] {
        guard let indices else { return values }
        var out = [Double](repeating: 0, count: size)
        for (i, v) in zip(indices, values) { out[Int(i)] = v }
        return out
    }

    /// Calls `body` with each stored (index, value): every element of a dense vector, the
    /// entries of a sparse one.
    @inlinable
    public func forEachActive(_ body: (Int, Double) -> Void) {
        if let indices {
            for k in indices.indices { body(Int(indices[k]), values[k]) }
        } else {
            for k in values.indices { body(k, values[k]) }
        }
    }

    /// Spark's `toString`: `(size,[indices],[values])` sparse, `[values]` dense, doubles as Java prints them.
    public var description: String {
        let values = "[" + self.values.map(JavaDoubleFormat.string).joined(separator: ",") + "]"
        guard let indices else { return values }
        return "(\(size),[" + indices.map { String($0) }.joined(separator: ",") + "]," + values + ")"
    }
}

/// A column of vectors (boxed per row: vectors are read by ML stages, not by fused loops).
/// A model's output can be dictionary-coded (each row a code into a few shared vectors, as a
/// tree's leaves); it is expanded on the first read of `values` or append.
public final class VectorColumn {
    private var storage: [SparkVector?]
    private var dictionary: [SparkVector]?
    private var codes: [Int32] = []

    public init(capacity: Int = 16) {
        storage = []
        storage.reserveCapacity(capacity)
    }

    public init(_ values: [SparkVector?]) { storage = values }

    /// Row i is dictionary[codes[i]], or null where the code is negative.
    public init(dictionary: [SparkVector], codes: [Int32]) {
        storage = []; self.dictionary = dictionary; self.codes = codes
    }

    public var values: [SparkVector?] {
        get { expand(); return storage }
        set { dictionary = nil; codes = []; storage = newValue }
    }

    private func expand() {
        guard let dictionary else { return }
        storage = codes.map { $0 >= 0 ? dictionary[Int($0)] : nil }
        self.dictionary = nil; codes = []
    }

    public var count: Int { dictionary == nil ? storage.count : codes.count }
    public func append(_ value: SparkVector?) { expand(); storage.append(value) }
    public func appendNull() { append(nil) }
    public subscript(row: Int) -> SparkVector? {
        if let dictionary { return codes[row] >= 0 ? dictionary[Int(codes[row])] : nil }
        return storage[row]
    }
}
