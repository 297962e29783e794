// Model facts shared by the compiler (which emits them) and the runtime (which reads them).
// Plain Swift, no C: the compiler runs as a build tool and must not pull in the C runtime.

/// Static facts about one compiled model, emitted by the compiler into the Swift wrapper.
public struct ModelDescriptor: Sendable {
    public var name: String
    public var specPath: String
    public var inputShape: [Int]          // per sample, no batch axis
    public var outputShape: [Int]         // per sample, no batch axis
    public var batchSize: Int             // compiled batch size (fit.batch_size)
    public var paramCount: Int            // P: floats in kiln_state.params
    public var slotsPerParam: Int         // S: kiln_state.slots holds S*P floats
    public var activationCount: Int       // A: floats in kiln_state.acts (and dacts)
    public var outputOffset: Int          // model output (batchSize, outputShape) starts at acts + outputOffset
    public var layers: [LayerInfo]
    public var weights: [WeightInfo]
    public var loss: LossKind
    public var metrics: [MetricKind]
    /// The metric names the spec wrote ("accuracy", "mae"): Keras keys logs and History by them.
    public var metricNames: [String]
    public var optimizer: OptimizerConfig
    /// fit()'s defaults, from the spec's `fit:` (Keras's own when absent).
    public var epochs: Int
    public var validationSplit: Double
    /// The Normalization layers whose statistics `adapt(x)` sets, in layer order.
    public var adaptations: [Adaptation]
    /// A functional model's input (keras.Model: summary() has its InputLayer row).
    public var functionalInput: FunctionalInput?
    /// Several inputs or outputs (nil: one of each, as the fields above say). x and y are then
    /// packed per sample, input after input and output after output; `inputShape` is the
    /// packed x's and `outputShape` the first output's.
    public var io: ModelIO?
    /// Token ids (a one-input model whose integer input an Embedding reads): every value of x must
    /// be in [0, tokenVocabulary) once truncated, as TensorFlow's lookup requires.
    public var tokenVocabulary: Int?

    public init(name: String, specPath: String, inputShape: [Int], outputShape: [Int], batchSize: Int,
                paramCount: Int, slotsPerParam: Int, activationCount: Int, outputOffset: Int,
                layers: [LayerInfo], weights: [WeightInfo], loss: LossKind, metrics: [MetricKind],
                metricNames: [String]? = nil, optimizer: OptimizerConfig, epochs: Int = 1, validationSplit: Double = 0,
                adaptations: [Adaptation] = [], functionalInput: FunctionalInput? = nil, io: ModelIO? = nil,
                tokenVocabulary: Int? = nil) {
        self.name = name; self.specPath = specPath; self.inputShape = inputShape
        self.outputShape = outputShape; self.batchSize = batchSize; self.paramCount = paramCount
        self.slotsPerParam = slotsPerParam; self.activationCount = activationCount
        self.outputOffset = outputOffset; self.layers = layers; self.weights = weights
        self.loss = loss; self.metrics = metrics; self.optimizer = optimizer
        self.metricNames = metricNames ?? metrics.map(\.rawValue)
        self.epochs = epochs; self.validationSplit = validationSplit
        self.adaptations = adaptations
        self.functionalInput = functionalInput
        self.io = io
        self.tokenVocabulary = tokenVocabulary
    }

    public var inputSize: Int { inputShape.reduce(1, *) }
    public var outputSize: Int { outputShape.reduce(1, *) }
    public var trainableParamCount: Int { weights.filter(\.trainable).reduce(0) { $0 + $1.count } }
}

/// keras.Input of a functional model: its name, and whether the graph is a chain (Keras then
/// prints summary() without the "Connected to" column).
public struct FunctionalInput: Sendable, Equatable {
    public var name: String
    public var chain: Bool
    public init(name: String, chain: Bool) { self.name = name; self.chain = chain }
}

/// The inputs and outputs of a model that has several: Keras's names, shapes, and each
/// output's loss, loss weight and metrics, where its values and its last loss are in `acts`.
public struct ModelIO: Sendable, Equatable {
    public struct Input: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var size: Int { shape.reduce(1, *) }
        public init(name: String, shape: [Int]) { self.name = name; self.shape = shape }
    }
    public struct Output: Sendable, Equatable {
        public var name: String          // the output node's name: logs are `<name>_loss`, `<name>_<metric>`
        public var shape: [Int]
        public var offset: Int           // (batchSize, shape) at acts + offset
        public var loss: LossKind
        public var lossWeight: Double
        public var metrics: [MetricKind]
        public var metricNames: [String]
        public var size: Int { shape.reduce(1, *) }
        /// Values per sample of its targets: class ids for sparse crossentropy.
        public var targetSize: Int {
            if case .sparseCategoricalCrossentropy = loss { return 1 }
            return size
        }
        public init(name: String, shape: [Int], offset: Int, loss: LossKind, lossWeight: Double, metrics: [MetricKind], metricNames: [String]) {
            self.name = name; self.shape = shape; self.offset = offset; self.loss = loss; self.lossWeight = lossWeight
            self.metrics = metrics; self.metricNames = metricNames
        }
    }
    public var inputs: [Input]
    public var outputs: [Output]
    /// Each output's loss of the last pass (outputs.count floats) at acts + lossesOffset.
    public var lossesOffset: Int
    public init(inputs: [Input], outputs: [Output], lossesOffset: Int) {
        self.inputs = inputs; self.outputs = outputs; self.lossesOffset = lossesOffset
    }
}

/// A Normalization layer that `adapt` fits: where its input is, and where its statistics go.
public struct Adaptation: Sendable, Equatable {
    public var layer: String
    /// Offset of its input in `acts` (for the compiled batch, rows contiguous), or nil for the model's x.
    public var inputOffset: Int?
    public var inputSize: Int            // floats per sample of its input
    public var features: Int             // statistics per layer: the last axis, or 1 (axis=None)
    public var meanOffset: Int           // in params
    public var varianceOffset: Int
    public init(layer: String, inputOffset: Int?, inputSize: Int, features: Int, meanOffset: Int, varianceOffset: Int) {
        self.layer = layer; self.inputOffset = inputOffset; self.inputSize = inputSize; self.features = features
        self.meanOffset = meanOffset; self.varianceOffset = varianceOffset
    }
}

/// One row of `summary()`.
public struct LayerInfo: Sendable, Equatable {
    public var name: String          // Keras name, e.g. "dense_1"
    public var type: String          // Keras class, e.g. "Dense"
    public var outputShape: [Int]    // per sample, no batch axis
    public var params: Int
    public var trainable: Bool
    /// A functional model's "Connected to" cell: the nodes it reads, as `dense[0][0]`.
    public var connectedTo: [String]
    /// The shapes of its extra outputs (a recurrent layer's states under return_state): Keras then
    /// shows the list [output, states...].
    public var stateShapes: [[Int]]
    public init(name: String, type: String, outputShape: [Int], params: Int, trainable: Bool, connectedTo: [String] = [], stateShapes: [[Int]] = []) {
        self.name = name; self.type = type; self.outputShape = outputShape
        self.params = params; self.trainable = trainable; self.connectedTo = connectedTo; self.stateShapes = stateShapes
    }
}

/// One weight tensor inside the flat parameter buffer.
public struct WeightInfo: Sendable, Equatable {
    public var name: String          // "dense/kernel", as Keras's weight paths
    public var shape: [Int]
    public var offset: Int           // first float in kiln_state.params
    public var initializer: Initializer
    public var fanIn: Int
    public var fanOut: Int
    public var trainable: Bool
    /// Keras keeps it as int64 (Normalization's `count`); Kiln holds it as a float.
    public var isInt64: Bool
    public var count: Int { shape.reduce(1, *) }
    public init(name: String, shape: [Int], offset: Int, initializer: Initializer, fanIn: Int, fanOut: Int, trainable: Bool,
                isInt64: Bool = false) {
        self.name = name; self.shape = shape; self.offset = offset; self.initializer = initializer
        self.fanIn = fanIn; self.fanOut = fanOut; self.trainable = trainable; self.isInt64 = isInt64
    }
}

/// Keras initializers with Keras's default arguments.
public enum Initializer: Sendable, Equatable {
    case glorotUniform, glorotNormal, heUniform, heNormal, lecunUniform, lecunNormal
    case zeros, ones
    case constant(Float)
    case randomNormal(mean: Float, stddev: Float)       // Keras default (0, 0.05)
    case randomUniform(minval: Float, maxval: Float)    // Keras default (-0.05, 0.05)
    case truncatedNormal(mean: Float, stddev: Float)    // Keras default (0, 0.05)
    /// An orthogonal matrix (rows = fanIn, the rest in columns), times gain: recurrent kernels' default.
    case orthogonal(gain: Float)
    /// LSTM's `unit_forget_bias`: the forget gate's quarter of the bias ones, the rest from the initializer.
    indirect case unitForgetBias(Initializer)
}

public enum LossKind: Sendable, Equatable {
    case meanSquaredError, meanAbsoluteError
    case binaryCrossentropy(fromLogits: Bool)
    case categoricalCrossentropy(fromLogits: Bool)
    case sparseCategoricalCrossentropy(fromLogits: Bool)

    /// Keras's name for the loss, as in History keys and logs.
    public var name: String {
        switch self {
        case .meanSquaredError: "mean_squared_error"
        case .meanAbsoluteError: "mean_absolute_error"
        case .binaryCrossentropy: "binary_crossentropy"
        case .categoricalCrossentropy: "categorical_crossentropy"
        case .sparseCategoricalCrossentropy: "sparse_categorical_crossentropy"
        }
    }
}

/// Metrics after Keras's resolution of "accuracy" from the loss and output shape.
public enum MetricKind: String, Sendable, Equatable {
    case mae, mse
    case binaryAccuracy = "binary_accuracy"
    case categoricalAccuracy = "categorical_accuracy"
    case sparseCategoricalAccuracy = "sparse_categorical_accuracy"
}

public struct OptimizerConfig: Sendable, Equatable {
    public enum Kind: String, Sendable { case sgd = "SGD", adam = "Adam", rmsprop = "RMSprop" }
    public var kind: Kind
    public var learningRate: Float
    public var beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7
    public var momentum: Float = 0, rho: Float = 0.9
    public var nesterov: Bool = false
    public init(kind: Kind, learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
                momentum: Float = 0, rho: Float = 0.9, nesterov: Bool = false) {
        self.kind = kind; self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
        self.epsilon = epsilon; self.momentum = momentum; self.rho = rho; self.nesterov = nesterov
    }
}

