import Foundation

/// `spark.read.format("libsvm").load(path)`: rows of `label: double, features: vector`, one
/// per line of `label index:value ...` (indices 1-based and increasing in the file, 0-based
/// in the vector). Blank lines and lines starting with `#` are skipped, as MLUtils does.
public enum LibSVMReader {
    public static let schema = Schema([Field("label", .double, nullable: true), Field("features", .vector, nullable: true)])

    /// numFeatures nil: one past the largest index in the data (Spark's inference).
    public static func read(paths: [String], numFeatures: Int? = nil, dense: Bool = false) throws -> Frame {
        let files = try FileSet.resolve(paths)
        var labels: [Double] = []
        var rows: [(indices: [Int32], values: [Double])] = []
        var largest = -1
        for path in files.paths {
            guard let data = FileManager.default.contents(atPath: path) else { throw PipelineError("cannot read \(path)") }
            var lineNumber = 0
            for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                guard let text = String(bytes: raw, encoding: .utf8) else { throw PipelineError("\(path):\(lineNumber): not valid UTF-8") }
                let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if line.isEmpty || line.hasPrefix("#") { continue }
                let (label, indices, values) = try parse(line, at: "\(path):\(lineNumber)")
                if let last = indices.last { largest = max(largest, Int(last)) }
                labels.append(label)
                rows.append((indices, values))
            }
        }
        let size = numFeatures ?? max(largest + 1, 1)
        if let numFeatures, largest >= numFeatures {
            throw PipelineError("libsvm: feature index \(largest + 1) is beyond numFeatures \(numFeatures)")
        }
        let vectors = VectorColumn(capacity: rows.count)
        for row in rows {
            let sparse = SparkVector(size: size, indices: row.indices, values: row.values)
            vectors.append(dense ? SparkVector(dense: sparse.dense) : sparse)
        }
        let labelColumn = PrimitiveColumn<Double>(capacity: labels.count)
        for label in labels { labelColumn.append(label) }
        return Frame(schema: schema, columns: [.double(labelColumn), .vector(vectors)])
    }

    /// One record: `label i:v i:v ...`, split on single spaces as MLUtils splits it.
    static func parse(_ line: String, at place: String) throws -> (Double, [Int32], [Double]) {
        let items = line.split(separator: " ", omittingEmptySubsequences: false)
        guard let label = Double(items[0]) else { throw PipelineError("\(place): malformed label '\(items[0])' in libsvm record") }
        var indices: [Int32] = [], values: [Double] = []
        var previous = -1
        for item in items.dropFirst() where !item.isEmpty {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let oneBased = Int32(parts[0]), let value = Double(parts[1]) else {
                throw PipelineError("\(place): malformed feature '\(item)' in libsvm record; expected index:value")
            }
            let index = Int(oneBased) - 1
            guard index > previous else {
                throw PipelineError("\(place): indices should be one-based and in ascending order; found current=\(index), previous=\(previous)")
            }
            previous = index
            indices.append(Int32(index)); values.append(value)
        }
        return (label, indices, values)
    }
}
