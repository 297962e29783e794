// From a pipeline's rows to a model's arrays: what `fit(x:y:)` of a generated model takes.

extension Frame {
    /// Each row's `features` (numeric or boolean columns, vector columns spread out) as one Float
    /// row, and `labels`' values as the targets. A null is an error naming its row and column:
    /// nothing is dropped silently.
    public func modelArrays(features: [String], labels: [String] = []) throws -> (x: [[Float]], y: [[Float]]) {
        func read(_ names: [String]) throws -> [[Float]] {
            var rows = [[Float]](repeating: [], count: count)
            for name in names {
                let column = try mlColumn(name)
                if case let .vector(c) = columns[column] {
                    for row in 0..<count {
                        guard let v = c[row] else { throw PipelineError("row \(row + 1): column \(name) is null") }
                        rows[row] += v.dense.map(Float.init)
                    }
                } else {
                    guard schema.fields[column].type.isNumeric || schema.fields[column].type == .boolean else {
                        throw PipelineError("column \(name) is \(schema.fields[column].type.sparkSimpleString); a model reads numbers, booleans and vectors")
                    }
                    for (row, value) in doubleValues(column).enumerated() {
                        guard let value else { throw PipelineError("row \(row + 1): column \(name) is null") }
                        rows[row].append(Float(value))
                    }
                }
            }
            return rows
        }
        return (try read(features), try read(labels))
    }
}
