// VectorAssembler, OneHotEncoder, StandardScaler and MinMaxScaler (pyspark.ml.feature).

/// Concatenates numeric, boolean and vector columns into one vector (sparse when that is
/// smaller, as Spark's `compressed`); nominal inputs stay categorical features.
public struct VectorAssembler: MLTransformer, Codable {
    public var inputCols: [String]
    public var outputCol: String
    public var handleInvalid: StringIndexer.HandleInvalid

    public init(inputCols: [String], outputCol: String, handleInvalid: StringIndexer.HandleInvalid = .error) {
        self.inputCols = inputCols; self.outputCol = outputCol; self.handleInvalid = handleInvalid
    }

    public func transform(_ frame: Frame) throws -> Frame {
        let columns = try inputCols.map { try frame.mlColumn($0) }
        // Each input's width: 1 for a number, the size of a vector column's first vector.
        var widths: [Int] = []
        var categorical: [Int: Int] = [:]
        var offset = 0
        for column in columns {
            let name = frame.schema.fields[column].name
            if case let .vector(c) = frame.columns[column] {
                let width = c.values.lazy.compactMap { $0?.size }.first ?? 0
                if case let .categoricalFeatures(map)? = frame.attributes[name] { for (f, k) in map { categorical[offset + f] = k } }
                widths.append(width); offset += width
            } else {
                if case let .nominal(labels)? = frame.attributes[name] { categorical[offset] = labels.count }
                widths.append(1); offset += 1
            }
        }
        let size = offset
        let numeric = columns.map { frame.columns[$0].isVector ? nil : frame.doubleValues($0) }
        let output = VectorColumn(capacity: frame.count)
        var keep: [Int] = []
        rows: for row in 0..<frame.count {
            var indices: [Int32] = [], values: [Double] = []
            var base = 0
            for (k, column) in columns.enumerated() {
                if let numbers = numeric[k] {
                    guard let value = numbers[row] else {
                        switch handleInvalid {
                        case .error: throw PipelineError("Encountered null while assembling a row with handleInvalid = \"error\". Consider removing nulls from dataset or using handleInvalid = \"keep\" or \"skip\".")
                        case .skip: continue rows
                        case .keep: indices.append(Int32(base)); values.append(.nan); base += 1; continue
                        }
                    }
                    if value != 0 { indices.append(Int32(base)); values.append(value) }
                } else if let vector = frame.vectors(column)[row] {
                    vector.forEachActive { i, v in if v != 0 { indices.append(Int32(base + i)); values.append(v) } }
                } else {
                    switch handleInvalid {
                    case .error: throw PipelineError("Encountered null while assembling a row with handleInvalid = \"error\". Consider removing nulls from dataset or using handleInvalid = \"keep\" or \"skip\".")
                    case .skip: continue rows
                    case .keep: for i in 0..<widths[k] { indices.append(Int32(base + i)); values.append(.nan) }
                    }
                }
                base += widths[k]
            }
            let sparse = SparkVector(size: size, indices: indices, values: values)
            output.append(1.5 * (Double(values.count) + 1.0) < Double(size) ? sparse : SparkVector(dense: sparse.dense))
            keep.append(row)
        }
        let base = keep.count == frame.count ? frame : frame.gather(keep)
        return base.appending(Field(outputCol, .vector, nullable: true), .vector(output), attribute: categorical.isEmpty ? nil : .categoricalFeatures(categorical))
    }
}

extension AnyColumn {
    var isVector: Bool { if case .vector = self { true } else { false } }
}

/// One-hot vectors of category indices; `dropLast` leaves the last category out (all zeros).
/// Several columns (`inputCols`) are each encoded on their own, as Spark does.
public struct OneHotEncoder: MLEstimator {
    public var inputCols: [String]
    public var outputCols: [String]
    public var dropLast: Bool
    public var handleInvalid: StringIndexer.HandleInvalid

    public init(inputCol: String, outputCol: String, dropLast: Bool = true, handleInvalid: StringIndexer.HandleInvalid = .error) {
        self.init(inputCols: [inputCol], outputCols: [outputCol], dropLast: dropLast, handleInvalid: handleInvalid)
    }

    public init(inputCols: [String], outputCols: [String], dropLast: Bool = true, handleInvalid: StringIndexer.HandleInvalid = .error) {
        self.inputCols = inputCols; self.outputCols = outputCols; self.dropLast = dropLast; self.handleInvalid = handleInvalid
    }

    /// One column's model; several columns' as a PipelineModel of them, all fitted on `frame`.
    public func fit(_ frame: Frame) throws -> MLTransformer {
        guard inputCols.count == outputCols.count else {
            throw PipelineError("requirement failed: The number of input columns \(inputCols.count) must be the same as the number of output columns \(outputCols.count).")
        }
        let models = try zip(inputCols, outputCols).map { try fitColumn($0, $1, frame) }
        return models.count == 1 ? models[0] : PipelineModel(stages: models)
    }

    func fitColumn(_ inputCol: String, _ outputCol: String, _ frame: Frame) throws -> OneHotEncoderModel {
        let column = try frame.mlColumn(inputCol)
        let categories: Int
        if case let .nominal(labels)? = frame.attributes[frame.schema.fields[column].name] {
            categories = labels.count
        } else {
            var largest = -1.0
            for value in frame.doubleValues(column) {
                guard let value else { continue }
                guard value >= 0, value == value.rounded(.down) else {
                    throw PipelineError("Values from column \(inputCol) must be indices, but got \(JavaDoubleFormat.string(value)).")
                }
                largest = max(largest, value)
            }
            categories = Int(largest) + 1
        }
        return OneHotEncoderModel(categories: categories, inputCol: inputCol, outputCol: outputCol, dropLast: dropLast, handleInvalid: handleInvalid)
    }
}

public struct OneHotEncoderModel: MLTransformer, Codable {
    public var categories: Int
    public var inputCol: String
    public var outputCol: String
    public var dropLast: Bool
    public var handleInvalid: StringIndexer.HandleInvalid

    public func transform(_ frame: Frame) throws -> Frame {
        let column = try frame.mlColumn(inputCol)
        // `keep` adds a category for invalid values before dropLast drops one.
        let width = categories + (handleInvalid == .keep ? 1 : 0) - (dropLast ? 1 : 0)
        let output = VectorColumn(capacity: frame.count)
        var keep: [Int] = []
        for (row, value) in frame.doubleValues(column).enumerated() {
            var index: Int
            if let value, value >= 0, value == value.rounded(.down), Int(value) < categories {
                index = Int(value)
            } else {
                switch handleInvalid {
                case .error:
                    guard let value else { throw PipelineError("The input column \(inputCol) has null values.") }
                    throw PipelineError("Unseen value: \(JavaDoubleFormat.string(value)). To handle unseen values, set Param handleInvalid to keep.")
                case .skip: continue
                case .keep: index = categories
                }
            }
            output.append(index < width ? SparkVector(size: width, indices: [Int32(index)], values: [1]) : SparkVector(size: width, indices: [], values: []))
            keep.append(row)
        }
        let base = keep.count == frame.count ? frame : frame.gather(keep)
        return base.appending(Field(outputCol, .vector, nullable: true), .vector(output))
    }
}

/// Per-feature mean, sample standard deviation, minimum and maximum as Spark's Summarizer
/// computes them (unit weights): an online mean and M2 over the non-zero entries, with the
/// zeros folded in at the end, so that the results agree to the last bit.
struct FeatureSummary {
    var mean: [Double], std: [Double], min: [Double], max: [Double]

    init(_ vectors: [SparkVector?]) throws {
        let present = vectors.compactMap { $0 }
        guard let size = present.first?.size else { throw PipelineError("requirement failed: Nothing has been added to this summarizer.") }
        var currMean = [Double](repeating: 0, count: size), m2n = [Double](repeating: 0, count: size)
        var weightSum = [Double](repeating: 0, count: size), nnz = [Double](repeating: 0, count: size)
        var lo = [Double](repeating: .greatestFiniteMagnitude, count: size), hi = [Double](repeating: -.greatestFiniteMagnitude, count: size)
        for v in present {
            v.forEachActive { i, value in
                guard value != 0 else { return }
                lo[i] = Swift.min(lo[i], value); hi[i] = Swift.max(hi[i], value)
                let previous = currMean[i]
                let diff = value - previous
                currMean[i] = previous + diff / (weightSum[i] + 1)
                m2n[i] += (value - currMean[i]) * diff
                weightSum[i] += 1; nnz[i] += 1
            }
        }
        let total = Double(present.count)
        mean = (0..<size).map { currMean[$0] * (weightSum[$0] / total) }
        // totalWeightSum - weightSquareSum / totalWeightSum, with unit weights.
        let denominator = total - total / total
        std = (0..<size).map { i in
            guard denominator > 0 else { return 0 }
            let variance = Swift.max((m2n[i] + currMean[i] * currMean[i] * weightSum[i] * (total - weightSum[i]) / total) / denominator, 0)
            return variance.squareRoot()
        }
        min = (0..<size).map { nnz[$0] < total && lo[$0] > 0 ? 0 : (nnz[$0] == 0 ? 0 : lo[$0]) }
        max = (0..<size).map { nnz[$0] < total && hi[$0] < 0 ? 0 : (nnz[$0] == 0 ? 0 : hi[$0]) }
    }
}

/// (x - mean) / std per feature; `withMean` false by default keeps sparse vectors sparse.
public struct StandardScaler: MLEstimator {
    public var inputCol: String
    public var outputCol: String
    public var withMean: Bool
    public var withStd: Bool

    public init(inputCol: String, outputCol: String, withMean: Bool = false, withStd: Bool = true) {
        self.inputCol = inputCol; self.outputCol = outputCol; self.withMean = withMean; self.withStd = withStd
    }

    public func fit(_ frame: Frame) throws -> MLTransformer {
        let summary = try FeatureSummary(frame.vectors(try frame.mlColumn(inputCol)).values)
        return StandardScalerModel(mean: summary.mean, std: summary.std, inputCol: inputCol, outputCol: outputCol, withMean: withMean, withStd: withStd)
    }
}

public struct StandardScalerModel: MLTransformer, Codable {
    public var mean: [Double]
    public var std: [Double]
    public var inputCol: String, outputCol: String
    public var withMean: Bool, withStd: Bool

    public func transform(_ frame: Frame) throws -> Frame {
        let factors = std.map { $0 != 0 ? 1.0 / $0 : 0.0 }
        let output = VectorColumn(capacity: frame.count)
        for vector in frame.vectors(try frame.mlColumn(inputCol)).values {
            guard var v = vector else { output.appendNull(); continue }
            if withMean {
                var d = v.dense
                for i in d.indices { d[i] -= mean[i]; if withStd { d[i] *= factors[i] } }
                v = SparkVector(dense: d)
            } else if withStd {
                if let indices = v.indices {
                    for k in v.values.indices { v.values[k] *= factors[Int(indices[k])] }
                } else {
                    for i in v.values.indices { v.values[i] *= factors[i] }
                }
            }
            output.append(v)
        }
        return frame.appending(Field(outputCol, .vector, nullable: true), .vector(output))
    }
}

/// Rescales each feature to [min, max] (0 and 1); a constant feature becomes their midpoint.
public struct MinMaxScaler: MLEstimator {
    public var inputCol: String, outputCol: String
    public var min: Double, max: Double

    public init(inputCol: String, outputCol: String, min: Double = 0, max: Double = 1) {
        self.inputCol = inputCol; self.outputCol = outputCol; self.min = min; self.max = max
    }

    public func fit(_ frame: Frame) throws -> MLTransformer {
        let summary = try FeatureSummary(frame.vectors(try frame.mlColumn(inputCol)).values)
        return MinMaxScalerModel(originalMin: summary.min, originalMax: summary.max, inputCol: inputCol, outputCol: outputCol, min: min, max: max)
    }
}

public struct MinMaxScalerModel: MLTransformer, Codable {
    public var originalMin: [Double], originalMax: [Double]
    public var inputCol: String, outputCol: String
    public var min: Double, max: Double

    public func transform(_ frame: Frame) throws -> Frame {
        let scale = max - min
        let output = VectorColumn(capacity: frame.count)
        for vector in frame.vectors(try frame.mlColumn(inputCol)).values {
            guard let v = vector else { output.appendNull(); continue }
            var d = v.dense
            for i in d.indices {
                let range = originalMax[i] - originalMin[i]
                // Spark: (x - Emin) / (Emax - Emin) * (max - min) + min; a constant feature gets 0.5 * (max + min).
                d[i] = range != 0 ? (d[i] - originalMin[i]) / range * scale + min : 0.5 * (max + min)
            }
            output.append(SparkVector(dense: d))
        }
        return frame.appending(Field(outputCol, .vector, nullable: true), .vector(output))
    }
}
