import KilnSpec
import KilnCore

/// The validated model: every layer with its resolved config, shapes and weights.
/// Produced by `ModelValidator`, consumed by `KernelPlan` and the renderers.
public struct ModelGraph: Sendable {
    public var name: String
    public var specPath: String
    public var inputShape: [Int]
    public var layers: [LayerNode]
    public var loss: LossKind
    public var metrics: [(name: String, kind: MetricKind)]
    public var optimizer: OptimizerConfig
    public var batchSize: Int
    /// fit's defaults from the spec (Keras's when absent: 1 epoch, no validation split).
    public var epochs: Int = 1
    public var validationSplit: Double = 0
    /// Where the spec declares the model's name (for messages about the whole model).
    public var nameLocation: SourceLocation?

    public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }
    public var paramCount: Int { saturatingSum(layers.map(\.paramCount)) }
    public var trainableParamCount: Int { saturatingSum(layers.filter(\.trainable).map(\.paramCount)) }
    public var nonTrainableParamCount: Int { paramCount - trainableParamCount }

    /// The Keras `summary()` rows.
    public var layerInfos: [LayerInfo] {
        layers.map { LayerInfo(name: $0.name, type: $0.op.kerasClass, outputShape: $0.outputShape,
                               params: $0.paramCount, trainable: $0.trainable) }
    }
    public var summary: String {
        kerasSummary(modelName: name, layers: layerInfos,
                     trainableParams: trainableParamCount, nonTrainableParams: nonTrainableParamCount,
                     int64NonTrainable: layers.filter { !$0.trainable }.flatMap(\.weights).filter(\.isInt64).reduce(0) { $0 + $1.count })
    }
}

public struct LayerNode: Sendable {
    public var name: String              // Keras layer name, e.g. "dense_1"
    /// The kind with its config resolved to Keras's defaults.
    public var op: any LayerKind
    public var inputShape: [Int]         // per sample
    public var outputShape: [Int]        // per sample
    public var weights: [WeightDecl]
    public var trainable: Bool
    public var location: SourceLocation
    public var paramCount: Int { saturatingSum(weights.map(\.count)) }
}

/// One weight tensor of a layer, before placement in the flat parameter buffer.
public struct WeightDecl: Sendable, Equatable {
    public var name: String              // "kernel", "bias"
    public var shape: [Int]
    public var initializer: Initializer
    public var fanIn: Int
    public var fanOut: Int
    public var l2: Float?                // kernel_regularizer l2 factor
    /// Keras keeps it as int64 (Normalization's `count`): 8 bytes in summary().
    public var isInt64 = false
    public var count: Int { saturatingProduct(shape) }
}
