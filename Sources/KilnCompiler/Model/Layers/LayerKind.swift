import Foundation
import KilnSpec
import KilnCore

/// The Keras layer contract, one conforming type per file under Layers/. A kind checks its config
/// in Keras's words, builds its weights and output shape from the input shape, says which
/// activation buffers it needs, emits its C kernels and their calls, and carries the float64
/// reference that the gradient checks hold those kernels to. The plan and the renderers loop over
/// kinds; `layerKinds` registers them.
public protocol LayerKind: Sendable {
    static var kerasClass: String { get }
    /// Prefix of Keras's automatic layer names ("dense" -> dense, dense_1, ...).
    static var namePrefix: String { get }
    /// The config keys this layer takes besides the common name, trainable and dtype.
    static var keys: [String] { get }
    /// Reads and checks this layer's own keys; nil after reporting what is wrong.
    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Self?
    /// The resolved kind, its weights and its output shape; nil after reporting why the input does not fit.
    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer?

    /// The buffers the layer adds to `acts` besides its output.
    var buffers: LayerBuffers { get }
    /// The elementwise activation the layer ends in, if any (fused into its kernel; a loss on
    /// logits reads the buffer before it).
    var fusedActivation: (kind: ActivationKind, alpha: Float)? { get }
    /// Whether the forward pass behaves differently in training (dropout).
    var usesTrainingFlag: Bool { get }

    /// The layer as the generated C's comment names it: Dense(units=3, activation=relu).
    func describe(_ node: LayerNode) -> String
    /// The layer in the generated Swift's one-line model signature: Dense(3, relu).
    func signature(_ node: LayerNode) -> String
    /// Its `<name>_forward` and `<name>_backward` kernels (calls into the runtime).
    func cKernels(_ c: CLayerContext) -> String
    func forwardCall(_ c: CLayerContext) -> String?
    func backwardCall(_ c: CLayerContext) -> String?
    /// The layer's Keras 3 constructor arguments, Python source (`12, activation="relu"`); the
    /// Keras renderer adds `name=` and `trainable=`.
    func kerasArguments(_ node: LayerNode) -> [String]
    /// Whether `adapt(x)` sets its weights from data before fit.
    var adaptsToData: Bool { get }
    /// A max pool, whose backward can do the ReLU's of the layer it reads (KernelPlan decides).
    var fusesReLUBackward: Bool { get }
    /// A `ModelDescriptor` adaptation entry (Swift source), for layers that `adapt` fills.
    func adaptation(_ layer: PlannedLayer) -> String?
    /// Keras's masks: a layer whose output carries a mask of its steps (Embedding with mask_zero,
    /// Masking), one that applies its input's mask (a recurrent layer), and one that passes it on
    /// (a recurrent layer returning sequences).
    var producesMask: Bool { get }
    var consumesMask: Bool { get }
    var propagatesMask: Bool { get }
    /// A mask producer's mask in float64 (rows * steps, 1 or 0) from its input: the references
    /// hand it to the layer that applies it as `mask`.
    func referenceStepMask(_ input: [Double], rows: Int, layer: PlannedLayer) -> [Double]?

    /// The float64 forward pass, written from Keras's definition: the output for `input`
    /// (`rows` samples), with `params` the model's flat parameters and `mask` a dropout mask
    /// (nil: inference). `logits` is what a loss on logits reads, when the layer has one.
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?)
    /// The same for a layer that may have both a dropout mask and its input's mask of steps (a
    /// recurrent layer with dropout); by default, whichever the layer has is `mask`.
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], dropoutMask: [Double]?, stepMask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?)
}

extension LayerKind {
    public var kerasClass: String { Self.kerasClass }
    public var buffers: LayerBuffers { LayerBuffers() }
    public var fusedActivation: (kind: ActivationKind, alpha: Float)? { nil }
    public var usesTrainingFlag: Bool { false }
    public var adaptsToData: Bool { false }
    public func adaptation(_ layer: PlannedLayer) -> String? { nil }
    public var fusesReLUBackward: Bool { false }
    public var producesMask: Bool { false }
    public var consumesMask: Bool { false }
    public var propagatesMask: Bool { false }
    public func referenceStepMask(_ input: [Double], rows: Int, layer: PlannedLayer) -> [Double]? { nil }
    public func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], dropoutMask: [Double]?, stepMask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        reference(input, rows: rows, layer: layer, params: params, mask: stepMask ?? dropoutMask, training: training)
    }
}

/// What a layer keeps in `acts`: its output (or the input's buffer, for a layer that moves no
/// data), and the pre-activation, dropout mask or batch statistics its backward reads.
public struct LayerBuffers: Sendable {
    public var preActivation = false
    public var mask = false
    public var aliasesInput = false
    /// Floats of per-batch statistics the backward reads (BatchNormalization's mean and
    /// inverse deviation per channel): one buffer, not one per sample.
    public var statistics = 0
    /// The per-sample shape of a result inside the layer that its backward reads
    /// (SeparableConv's depthwise output, before the pointwise product), if any.
    public var intermediate: [Int]? = nil
    /// The dropout mask's per-sample shape when it is not the output's (a recurrent layer's masks,
    /// drawn once per sequence).
    public var maskShape: [Int]? = nil
    /// The per-sample shapes of the extra outputs a layer returns besides its output (a recurrent
    /// layer's final states under return_state): Keras's outputs [0][1], [0][2], ...
    public var states: [[Int]] = []
    public init(preActivation: Bool = false, mask: Bool = false, aliasesInput: Bool = false, statistics: Int = 0, intermediate: [Int]? = nil,
                maskShape: [Int]? = nil, states: [[Int]] = []) {
        self.preActivation = preActivation; self.mask = mask; self.aliasesInput = aliasesInput; self.statistics = statistics
        self.intermediate = intermediate; self.maskShape = maskShape; self.states = states
    }
    /// Buffers of the output's size the layer adds to `acts`.
    public var count: Int { aliasesInput ? 0 : 1 + (preActivation ? 1 : 0) + (mask ? 1 : 0) }
}

public struct BuiltLayer {
    public var op: any LayerKind
    public var weights: [WeightDecl]
    public var outputShape: [Int]
    /// False for layers whose weights are never trained (Normalization's statistics).
    public var trainable = true
}

/// The layer kinds Kiln knows, by Keras class name: one line per kind.
let layerKinds: [String: any LayerKind.Type] = Dictionary(uniqueKeysWithValues: [
    Dense.self, Activation.self, LeakyReLU.self, Dropout.self, Flatten.self, Normalization.self,
    ReLU.self, Softmax.self, ELU.self, PReLU.self, Reshape.self, Permute.self, RepeatVector.self, BatchNormalization.self,
    Conv<Spatial1D>.self, Conv<Spatial2D>.self, Conv<Spatial3D>.self,
    ConvTranspose<Spatial1D>.self, ConvTranspose<Spatial2D>.self, ConvTranspose<Spatial3D>.self,
    DepthwiseConv<Spatial1D>.self, DepthwiseConv<Spatial2D>.self, SeparableConv<Spatial1D>.self, SeparableConv<Spatial2D>.self,
    Pooling<Spatial1D, MaxPool>.self, Pooling<Spatial2D, MaxPool>.self, Pooling<Spatial3D, MaxPool>.self,
    Pooling<Spatial1D, AveragePool>.self, Pooling<Spatial2D, AveragePool>.self, Pooling<Spatial3D, AveragePool>.self,
    GlobalPooling<Spatial1D, AveragePool>.self, GlobalPooling<Spatial2D, AveragePool>.self, GlobalPooling<Spatial3D, AveragePool>.self,
    GlobalPooling<Spatial1D, MaxPool>.self, GlobalPooling<Spatial2D, MaxPool>.self, GlobalPooling<Spatial3D, MaxPool>.self,
    ElementwiseMerge<AddOp>.self, ElementwiseMerge<SubtractOp>.self, ElementwiseMerge<MultiplyOp>.self,
    ElementwiseMerge<AverageOp>.self, ElementwiseMerge<MaximumOp>.self, ElementwiseMerge<MinimumOp>.self, Concatenate.self,
    ZeroPadding<Spatial1D>.self, ZeroPadding<Spatial2D>.self, ZeroPadding<Spatial3D>.self,
    Cropping<Spatial1D>.self, Cropping<Spatial2D>.self, Cropping<Spatial3D>.self,
    UpSampling<Spatial1D>.self, UpSampling<Spatial2D>.self, UpSampling<Spatial3D>.self,
    SpatialDropout<Spatial1D>.self, SpatialDropout<Spatial2D>.self, SpatialDropout<Spatial3D>.self,
    Recurrent<SimpleRNNCell>.self, Recurrent<LSTMCell>.self, Recurrent<GRUCell>.self, Bidirectional.self, TimeDistributed.self, Embedding.self, Masking.self,
    ConvLSTM<Spatial1D>.self, ConvLSTM<Spatial2D>.self,
].map { ($0.kerasClass, $0) })

/// Keras's other names for the same classes (keras.layers.MaxPool2D is MaxPooling2D).
let layerAliases: [String: String] = Dictionary(uniqueKeysWithValues: (1...3).flatMap { rank in [
    ("Convolution\(rank)D", "Conv\(rank)D"), ("Convolution\(rank)DTranspose", "Conv\(rank)DTranspose"), ("MaxPool\(rank)D", "MaxPooling\(rank)D"), ("AvgPool\(rank)D", "AveragePooling\(rank)D"),
    ("GlobalAvgPool\(rank)D", "GlobalAveragePooling\(rank)D"), ("GlobalMaxPool\(rank)D", "GlobalMaxPooling\(rank)D"),
] } + (1...2).map { rank in ("SeparableConvolution\(rank)D", "SeparableConv\(rank)D") })

/// A layer that reads several nodes (Add, Concatenate, ...): it builds from every input's shape
/// and its reference combines every input.
public protocol MergeLayer: LayerKind {
    func build(inputShapes: [[Int]], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer?
    func mergeReference(_ inputs: [[Double]], rows: Int, layer: PlannedLayer) -> [Double]
}

extension MergeLayer {
    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        build(inputShapes: [inputShape], name: name, at: location, diagnostics: diagnostics)
    }
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        (mergeReference([input], rows: rows, layer: layer), nil)
    }

    /// `<name>_forward(out, inp0, inp1, ..., n);`
    func forwardCall(_ c: CLayerContext) -> String? {
        "\(c.forwardName)(\(([c.act(c.layer.output)] + c.layer.inputs.map(c.act) + ["n"]).joined(separator: ", ")));"
    }

    /// Each input's gradient buffer, NULL for those that need none.
    func inputGradients(_ c: CLayerContext) -> [String] {
        zip(c.layer.inputs, c.layer.inputNeedsGradient).map { $1 ? c.dact($0) : "NULL" }
    }
}

/// A layer that only reinterprets its input's row-major values (Flatten, Reshape): the output
/// is the input buffer, so there is no kernel and no gradient work.
protocol ViewLayer: LayerKind {}

extension ViewLayer {
    var buffers: LayerBuffers { LayerBuffers(aliasesInput: true) }
    func cKernels(_ c: CLayerContext) -> String {
        c.layer.output.symbol == c.layer.input.symbol ? "// (row-major: the output is the input buffer; no kernel)\n\n"
            : "// (row-major: the output is a copy of x, the only layer's input; no kernel)\n\n"
    }
    /// A copy only when the model is this view alone (`KernelPlan` gives it a buffer then).
    func forwardCall(_ c: CLayerContext) -> String? {
        guard c.layer.output.symbol != c.layer.input.symbol else { return nil }
        return "memcpy(\(c.act(c.layer.output)), x, sizeof(float) * n * \(c.layer.output.size));"
    }
    func backwardCall(_ c: CLayerContext) -> String? { nil }
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) { (input, nil) }
}

/// One layer's C emission: its kernel name, shapes and the names of its buffers.
public struct CLayerContext {
    public let layer: PlannedLayer
    let names: CBufferNames
    /// `<model>_<layer>`, the prefix of its kernels.
    public let name: String
    /// Whether backward kernels are needed (the layer is at or after the first trainable one).
    public let emitBackward: Bool
    /// Whether the loss writes this layer's pre-activation gradient from the logits.
    public let fusedLoss: Bool
    /// Whether a later kernel (the loss, or the max pool reading it) writes this layer's
    /// pre-activation gradient, so that its own activation backward is left out.
    public var activationGradientWritten: Bool { fusedLoss || layer.activationBackwardByReader }
    /// Why, for the kernel's comment.
    public var activationGradientSource: String {
        fusedLoss ? "written by the loss from the logits" : "written by the max pool that reads this layer, with its ReLU's backward"
    }

    public var node: LayerNode { layer.node }
    /// (n,d1,...) of the input and of the output.
    public var inShape: String { CFormat.shape(node.inputShape, batch: "n") }
    public var outShape: String { CFormat.shape(node.outputShape, batch: "n") }
    public var forwardName: String { "\(name)_forward" }
    public var backwardName: String { "\(name)_backward" }

    /// `<name>_forward(out, inp, n);`, the call of a kernel that reads the input only.
    public var plainForwardCall: String { "\(forwardName)(\(act(layer.output)), \(act(layer.input)), n);" }
    /// `<name>_backward(dinp, dout, n);` when the input gradient is needed.
    public var plainBackwardCall: String? {
        layer.needsInputGradient ? "\(backwardName)(\(dact(layer.input)), \(dact(layer.output)), n);" : nil
    }

    /// The `z` argument of an activated layer's calls: its pre-activation buffer where that is read
    /// (gelu's backward, the loss's logits), otherwise its output, so that the forward runs in place
    /// and z is never written. Its gradient slot in dacts still holds dz.
    public func preActivationArgument(_ activation: ActivationKind) -> String {
        guard let z = layer.preActivation else { return "NULL" }
        return fusedLoss || activation.backwardReadsPreActivation ? act(z) : act(layer.output)
    }

    /// The named locals of the model function the call is in (`dense_out`, `ddense_kernel`).
    public func act(_ buffer: Buffer) -> String { names.act(buffer) }
    public func dact(_ buffer: Buffer) -> String { names.dact(buffer) }
    public func param(_ weight: PlacedWeight) -> String { names.param(weight) }
    public func grad(_ weight: PlacedWeight) -> String { names.grad(weight) }
    /// Rows of the GEMM view: batch times all leading axes (a layer acting on the last axis).
    public func rows(_ shape: [Int]) -> String {
        let lead = saturatingProduct(shape.dropLast())
        return lead == 1 ? "n" : "n * \(lead)"
    }
}

public enum CFormat {
    public static func shape(_ dims: [Int], batch: String? = nil) -> String {
        "(" + ((batch.map { [$0] } ?? []) + dims.map(String.init)).joined(separator: ",") + ")"
    }

    public static func float(_ value: Float) -> String {
        var text = "\(value)"
        if !text.contains(".") && !text.contains("e") { text += ".0" }
        return text + "f"
    }
}

/// Python source for the Keras renderer and the kinds' `kerasArguments`.
public enum Python {
    public static func string(_ text: String) -> String { Identifiers.pythonStringLiteral(text) }
    public static func float(_ value: Float) -> String {
        let text = "\(value)"
        return text == "inf" ? "float('inf')" : text
    }
    public static func bool(_ value: Bool) -> String { value ? "True" : "False" }
    public static func tuple(_ values: [Int]) -> String { pythonTuple(values) }
    public static func list(_ values: [Float]) -> String { "[" + values.map(float).joined(separator: ", ") + "]" }

    /// An initializer as Keras takes it: a name, or an `initializers.X(...)` object.
    public static func initializer(_ initializer: Initializer) -> String {
        switch initializer {
        case .glorotUniform: string("glorot_uniform")
        case .glorotNormal: string("glorot_normal")
        case .heUniform: string("he_uniform")
        case .heNormal: string("he_normal")
        case .lecunUniform: string("lecun_uniform")
        case .lecunNormal: string("lecun_normal")
        case .zeros: string("zeros")
        case .ones: string("ones")
        case let .constant(value): "initializers.Constant(\(float(value)))"
        case let .randomNormal(mean, stddev): "initializers.RandomNormal(mean=\(float(mean)), stddev=\(float(stddev)))"
        case let .randomUniform(minval, maxval): "initializers.RandomUniform(minval=\(float(minval)), maxval=\(float(maxval)))"
        case let .truncatedNormal(mean, stddev): "initializers.TruncatedNormal(mean=\(float(mean)), stddev=\(float(stddev)))"
        case let .orthogonal(gain): gain == 1 ? string("orthogonal") : "initializers.Orthogonal(gain=\(float(gain)))"
        case let .unitForgetBias(base): Python.initializer(base)  // the layer passes unit_forget_bias=True
        }
    }

    public static func l2(_ factor: Float) -> String { "regularizers.L2(\(float(factor)))" }
}

/// Float64 helpers for the kinds' reference passes.
public enum ReferenceMath {
    public static func activate(_ z: [Double], cols: Int, _ activation: ActivationKind, alpha: Double) -> [Double] {
        if activation == .softmax {
            var out = z
            for r in 0..<(z.count / cols) {
                let row = z[(r * cols)..<((r + 1) * cols)]
                let m = row.max()!
                let e = row.map { exp($0 - m) }
                let s = e.reduce(0, +)
                for j in 0..<cols { out[r * cols + j] = e[j] / s }
            }
            return out
        }
        return z.map { v in
            switch activation {
            case .linear: v
            case .relu: max(v, 0)
            case .tanh: tanh(v)
            case .sigmoid: 1 / (1 + exp(-v))
            case .elu: v > 0 ? v : alpha * (exp(v) - 1)
            case .selu: 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (exp(v) - 1))
            case .gelu: 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
            case .softplus: log1p(exp(-abs(v))) + max(v, 0)
            case .leakyRelu: v >= 0 ? v : alpha * v
            case .softmax: v
            }
        }
    }
}
