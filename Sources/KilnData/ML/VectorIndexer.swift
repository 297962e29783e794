// `VectorIndexer` (pyspark.ml.feature): features with at most maxCategories distinct values
// (zeros of sparse vectors included) become categorical, their values re-coded 0..<k.

public struct VectorIndexer: MLEstimator {
    public var inputCol: String
    public var outputCol: String
    public var maxCategories: Int
    public var handleInvalid: StringIndexer.HandleInvalid

    public init(inputCol: String, outputCol: String, maxCategories: Int = 20, handleInvalid: StringIndexer.HandleInvalid = .error) {
        self.inputCol = inputCol; self.outputCol = outputCol; self.maxCategories = maxCategories; self.handleInvalid = handleInvalid
    }

    public func fit(_ frame: Frame) throws -> MLTransformer { try fitModel(frame) }

    public func fitModel(_ frame: Frame) throws -> VectorIndexerModel {
        let column = try frame.mlColumn(inputCol)
        let vectors = frame.vectors(column).values
        guard let first = vectors.lazy.compactMap({ $0 }).first else {
            throw PipelineError("requirement failed: VectorIndexer cannot be fit on an empty dataset.")
        }
        let numFeatures = first.size
        // Distinct values per feature, kept only while there are at most maxCategories.
        var seen = [Set<Double>](repeating: [], count: numFeatures)
        var open = [Bool](repeating: true, count: numFeatures)
        for vector in vectors {
            guard let vector else { continue }
            guard vector.size == numFeatures else {
                throw PipelineError("requirement failed: VectorIndexer expected \(numFeatures) features but found vector of size \(vector.size).")
            }
            if let indices = vector.indices {
                var k = 0
                for feature in 0..<numFeatures {
                    var value = 0.0
                    if k < indices.count, Int(indices[k]) == feature { value = vector.values[k]; k += 1 }
                    if open[feature] { seen[feature].insert(value); if seen[feature].count > maxCategories { open[feature] = false } }
                }
            } else {
                for feature in 0..<numFeatures where open[feature] {
                    seen[feature].insert(vector.values[feature])
                    if seen[feature].count > maxCategories { open[feature] = false }
                }
            }
        }
        var maps: [Int: [Double: Int]] = [:]
        for feature in 0..<numFeatures where open[feature] {
            let sorted = seen[feature].sorted()
            // 0.0 always maps to 0, so that sparse vectors stay sparse.
            if sorted.contains(0.0) {
                var map: [Double: Int] = [0.0: 0]
                for (i, v) in sorted.filter({ $0 != 0.0 }).enumerated() { map[v] = i + 1 }
                maps[feature] = map
            } else {
                maps[feature] = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($0.element, $0.offset) })
            }
        }
        return VectorIndexerModel(numFeatures: numFeatures, categoryMaps: maps, inputCol: inputCol, outputCol: outputCol, handleInvalid: handleInvalid)
    }
}

public struct VectorIndexerModel: MLTransformer, Codable {
    public var numFeatures: Int
    /// feature -> (original value -> category index), for the categorical features only.
    public var categoryMaps: [Int: [Double: Int]]
    public var inputCol: String
    public var outputCol: String
    public var handleInvalid: StringIndexer.HandleInvalid

    public init(numFeatures: Int, categoryMaps: [Int: [Double: Int]], inputCol: String, outputCol: String, handleInvalid: StringIndexer.HandleInvalid = .error) {
        self.numFeatures = numFeatures; self.categoryMaps = categoryMaps; self.inputCol = inputCol; self.outputCol = outputCol; self.handleInvalid = handleInvalid
    }

    public func transform(_ frame: Frame) throws -> Frame {
        let column = try frame.mlColumn(inputCol)
        let output = VectorColumn(capacity: frame.count)
        var keep: [Int] = []
        rows: for (row, vector) in frame.vectors(column).values.enumerated() {
            guard var vector else { output.appendNull(); keep.append(row); continue }
            guard vector.size == numFeatures else {
                throw PipelineError("requirement failed: VectorIndexerModel expected vector of length \(numFeatures) but found length \(vector.size)")
            }
            func recode(_ feature: Int, _ value: Double) throws -> Double? {
                guard let map = categoryMaps[feature] else { return value }
                if let index = map[value] { return Double(index) }
                switch handleInvalid {
                case .error: throw PipelineError("VectorIndexer encountered invalid value \(JavaDoubleFormat.string(value)) on feature index \(feature). To handle or skip invalid value, try setting VectorIndexer.handleInvalid.")
                case .skip: return nil
                case .keep: return Double(map.count)
                }
            }
            if let indices = vector.indices {
                for k in indices.indices {
                    guard let v = try recode(Int(indices[k]), vector.values[k]) else { continue rows }
                    vector.values[k] = v
                }
            } else {
                for feature in 0..<numFeatures {
                    guard let v = try recode(feature, vector.values[feature]) else { continue rows }
                    vector.values[feature] = v
                }
            }
            output.append(vector)
            keep.append(row)
        }
        let base = keep.count == frame.count ? frame : frame.gather(keep)
        let arities = categoryMaps.mapValues { $0.count + (handleInvalid == .keep ? 1 : 0) }
        return base.appending(Field(outputCol, .vector, nullable: true), .vector(output), attribute: .categoricalFeatures(arities))
    }
}
