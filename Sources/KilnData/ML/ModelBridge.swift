// From a pipeline's rows to a model's arrays: what `fit(x:y:)` of a generated model takes.

extension Frame {
    /// Each row's `columns` (numeric or boolean columns, vector columns spread out) as one Float
    /// row, row-major, and the values per row. A null, or a vector whose size differs from the
    /// first row's, is an error naming its row and column: nothing is dropped silently.
    public func modelMatrix(columns names: [String]) throws -> (values: [Float], width: Int) {
        let indices = try names.map(mlColumn)
        // Each column's values per row: 1 for a scalar, the first row's size for a vector.
        var widths: [Int] = []
        for (name, column) in zip(names, indices) {
            if case let .vector(c) = columns[column] {
                guard count > 0 else { widths.append(0); continue }
                guard let first = c[0] else { throw PipelineError("row 1: column \(name) is null") }
                widths.append(first.size)
            } else {
                guard schema.fields[column].type.isNumeric || schema.fields[column].type == .boolean else {
                    throw PipelineError("Data type \(schema.fields[column].type.sparkSimpleString) of column \(name) is not supported: a model reads numeric, boolean and vector columns")
                }
                widths.append(1)
            }
        }
        let width = widths.reduce(0, +)
        var values = [Float](repeating: 0, count: count * width)
        var offset = 0
        for ((name, column), w) in zip(zip(names, indices), widths) {
            defer { offset += w }
            if case let .vector(c) = columns[column] {
                for row in 0..<count {
                    guard let v = c[row] else { throw PipelineError("row \(row + 1): column \(name) is null") }
                    guard v.size == w else {
                        throw PipelineError("row \(row + 1): column \(name) holds a vector of size \(v.size), row 1 one of size \(w)")
                    }
                    let base = row * width + offset
                    if let positions = v.indices {
                        for (i, x) in zip(positions, v.values) { values[base + Int(i)] = Float(x) }
                    } else {
                        for (i, x) in v.values.enumerated() { values[base + i] = Float(x) }
                    }
                }
            } else {
                for (row, value) in doubleValues(column).enumerated() {
                    guard let value else { throw PipelineError("row \(row + 1): column \(name) is null") }
                    values[row * width + offset] = Float(value)
                }
            }
        }
        return (values, width)
    }

    /// `modelMatrix` as one array per row: features as x, `labels` as the targets.
    public func modelArrays(features: [String], labels: [String] = []) throws -> (x: [[Float]], y: [[Float]]) {
        func rows(_ names: [String]) throws -> [[Float]] {
            let (values, width) = try modelMatrix(columns: names)
            return (0..<count).map { Array(values[$0 * width..<($0 + 1) * width]) }
        }
        return (try rows(features), try rows(labels))
    }
}
