/// A value and where the spec wrote it.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var location: SourceLocation
    public init(_ value: Value, at location: SourceLocation) { self.value = value; self.location = location }
}

/// A `*.model.yaml` document after parsing: structure is checked, layer configs stay YAML
/// because each layer kind checks its own config (KilnCompiler/Model/Layers).
public struct ModelSpec: Sendable {
    public var file: String
    public var name: Located<String>
    /// The first (or only) input.
    public var input: InputSpec
    /// Every input, in keras.Model(inputs=[...])'s order: `inputs: [{name: a, shape: [4]}, ...]`.
    public var inputs: [InputSpec]
    public var layers: [LayerSpec]
    /// `outputs: [out]`: the nodes the model returns (a functional model); nil for the last one.
    public var outputs: [Located<String>]?
    public var compile: CompileSpec
    public var fit: FitSpec
    public var expect: ExpectSpec
    /// `data: {pipeline: IrisPrep, features: [...], label: y}`: the pipeline spec whose outputs feed fit.
    public var data: DataSpec?
}

/// `data: {pipeline: IrisPrep, train: train, test: test, features: [a, b], label: y}`: x is the
/// `features` columns of the pipeline output `train` (vectors spread out), y its `label` columns.
public struct DataSpec: Sendable {
    public var pipeline: Located<String>
    /// The pipeline output fit reads; nil: its first dataset output.
    public var train: Located<String>?
    /// The pipeline output to evaluate on, if any.
    public var test: Located<String>?
    public var features: [Located<String>]
    public var labels: [Located<String>]
    public var location: SourceLocation
}

public struct InputSpec: Sendable {
    public var shape: [Int]
    /// `dtype: int32` (or int64): integer token ids, which an Embedding reads; carried as floats.
    public var integer = false
    /// keras.Input's `name` (Keras's default: input_layer); nodes read the input by it.
    public var name: Located<String>?
    public var location: SourceLocation
}

/// `- Dense: {units: 10}` or `- Flatten` (reads the previous layer), or a functional node,
/// `- c1: {Conv2D: {filters: 32, kernel_size: 3}, from: inp}`, as `c1 = Conv2D(32, 3)(inp)`.
public struct LayerSpec: Sendable {
    public var kind: Located<String>
    /// The config mapping; nil when the layer was written as a bare name.
    public var config: YAMLNode?
    public var location: SourceLocation
    /// The node's name (`c1`); a later node of the same name hides it, as a Python variable.
    public var binding: Located<String>?
    /// The nodes it reads (`from: inp` or `from: [a, b]`); nil: the previous node.
    public var from: [Located<String>]?
}

/// `compile:` with Keras's names. Strings are checked by the compiler, which knows the options.
public struct CompileSpec: Sendable {
    public var optimizer: OptimizerSpec
    /// One loss for every output (`loss: mse`); nil when the spec gives one per output.
    public var loss: Located<String>?
    public var lossFromLogits: Bool
    public var metrics: [Located<String>]
    public var location: SourceLocation
    /// `loss: {reg: mse, cls: binary_crossentropy}` or `loss: [mse, binary_crossentropy]`.
    public var outputLosses: PerOutput<LossSpec>?
    /// `loss_weights: {reg: 1.0, cls: 0.5}` or `[1.0, 0.5]`.
    public var lossWeights: PerOutput<Located<Double>>?
    /// `metrics: {cls: [accuracy]}` or `[[mae], [accuracy]]`.
    public var outputMetrics: PerOutput<[Located<String>]>?
}

public struct LossSpec: Sendable {
    public var name: Located<String>
    public var fromLogits: Bool
    public init(name: Located<String>, fromLogits: Bool) { self.name = name; self.fromLogits = fromLogits }
}

/// A compile argument given per output, as Keras takes a dict keyed by output name or a list
/// in the outputs' order.
public struct PerOutput<Value: Sendable>: Sendable {
    /// `key`: the output's name, nil in the list form.
    public var entries: [(key: Located<String>?, value: Value)]
    public var location: SourceLocation
    public var byName: Bool { entries.first?.key != nil }
    public init(entries: [(key: Located<String>?, value: Value)], location: SourceLocation) {
        self.entries = entries; self.location = location
    }
}

/// `optimizer: Adam` or `optimizer: {SGD: {learning_rate: 0.1, momentum: 0.9}}`.
public struct OptimizerSpec: Sendable {
    public var name: Located<String>
    public var config: YAMLNode?
}

public struct FitSpec: Sendable {
    public var batchSize: Located<Int>
    public var epochs: Located<Int>?
    public var validationSplit: Located<Double>?
}

public struct ExpectSpec: Sendable {
    public var params: Located<Int>?
    public var trainableParams: Located<Int>?
    public var outputShape: Located<[Int]>?
}
