// The contract of `pyspark.ml`: an Estimator fits on a frame and gives a Model, a Transformer
// adds columns to a frame, a Pipeline chains them. Frames carry the column metadata that
// Spark keeps in a StructField's metadata (`ColumnAttribute`).

/// What Spark's ML attributes say about a column.
public enum ColumnAttribute: Sendable, Equatable {
    /// A nominal column (StringIndexer's output): index i stands for labels[i].
    case nominal(labels: [String])
    /// A vector column some of whose features are categorical (VectorIndexer's output):
    /// feature index -> number of categories.
    case categoricalFeatures([Int: Int])
}

/// A fitted stage or a plain transformer: adds its columns to a frame.
public protocol MLTransformer: Sendable {
    func transform(_ frame: Frame) throws -> Frame
}

/// A stage that learns from a frame.
public protocol MLEstimator: Sendable {
    func fit(_ frame: Frame) throws -> MLTransformer
}

/// A pipeline stage: an estimator to fit, or a transformer (a model fitted before) to apply.
public enum PipelineStage: Sendable {
    case estimator(MLEstimator)
    case transformer(MLTransformer)
}

/// `Pipeline(stages=[...])`.
public struct Pipeline: MLEstimator {
    public var stages: [PipelineStage]
    public init(stages: [PipelineStage]) { self.stages = stages }

    /// Each estimator is fitted on the frame as the stages before it transformed it; the
    /// last stage's output is not computed (Spark's Pipeline.fit).
    public func fit(_ frame: Frame) throws -> MLTransformer { try fitPipeline(frame) }

    public func fitPipeline(_ frame: Frame) throws -> PipelineModel {
        var current = frame
        var fitted: [MLTransformer] = []
        let lastEstimator = stages.lastIndex { if case .estimator = $0 { true } else { false } } ?? -1
        for (index, stage) in stages.enumerated() {
            let transformer: MLTransformer
            switch stage {
            case let .estimator(estimator): transformer = try estimator.fit(current)
            case let .transformer(t): transformer = t
            }
            fitted.append(transformer)
            if index < lastEstimator { current = try transformer.transform(current) }
        }
        return PipelineModel(stages: fitted)
    }
}

/// A fitted pipeline: its stages, applied in order.
public struct PipelineModel: MLTransformer {
    public var stages: [MLTransformer]
    public init(stages: [MLTransformer]) { self.stages = stages }

    public func transform(_ frame: Frame) throws -> Frame {
        var current = frame
        for stage in stages { current = try stage.transform(current) }
        return current
    }
}

extension Frame {
    /// The frame with one more column (the others shared, not copied).
    public func appending(_ field: Field, _ column: AnyColumn, attribute: ColumnAttribute? = nil) -> Frame {
        let result = Frame(schema: Schema(schema.fields + [field]), columns: columns + [column])
        result.attributes = attributes
        if let attribute { result.attributes[field.name] = attribute }
        return result
    }

    /// The index of an ML stage's column, or Spark's error for a missing one.
    public func mlColumn(_ name: String) throws -> Int {
        guard let index = schema.index(of: name) else {
            throw PipelineError("[FIELD_NOT_FOUND] No such struct field `\(name)` in \(schema.names.map { "`\($0)`" }.joined(separator: ", ")). SQLSTATE: 42704")
        }
        return index
    }

    /// A numeric column's values as doubles (nil for null), as ML stages cast their input.
    public func doubleValues(_ index: Int) -> [Double?] {
        switch columns[index] {
        case let .double(c): let v = c.view; return (0..<count).map { v[$0] }
        case let .int(c): let v = c.view; return (0..<count).map { v[$0].map(Double.init) }
        case let .long(c): let v = c.view; return (0..<count).map { v[$0].map(Double.init) }
        case let .boolean(c): let v = c.view; return (0..<count).map { v[$0].map { $0 ? 1 : 0 } }
        default: return [Double?](repeating: nil, count: count)
        }
    }
}
