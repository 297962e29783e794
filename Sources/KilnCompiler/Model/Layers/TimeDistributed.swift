import KilnSpec
import KilnCore

/// keras.layers.TimeDistributed: one layer, one set of weights, applied to every step of a
/// (steps, ...) input. A sample's steps are contiguous, so the layer runs on n*steps rows of its
/// per-step shape: the wrapped kind's own kernels, called with `n` rebound, and its own
/// reference on rows*steps rows. Weights are named `time_distributed/<inner>/kernel`.
struct TimeDistributed: LayerKind, WrapperLayer {
    static let kerasClass = "TimeDistributed"
    static let namePrefix = "time_distributed"
    static let keys = ["layer"]
    /// Keras's supports_masking: a mask of steps passes through to the layers after it.
    var propagatesMask: Bool { true }

    var inner: any LayerKind
    var innerNamePrefix: String
    var innerExplicitName: String?
    /// The wrapped layer's name (`dense`).
    var innerName = ""
    var steps = 0
    var innerInputShape: [Int] = []
    var innerOutputShape: [Int] = []

    var buffers: LayerBuffers {
        var needs = inner.buffers
        needs.intermediate = needs.intermediate.map { [steps] + $0 }
        needs.maskShape = needs.maskShape.map { [steps] + $0 }
        return needs
    }
    var fusedActivation: (kind: ActivationKind, alpha: Float)? { inner.fusedActivation }
    var usesTrainingFlag: Bool { inner.usesTrainingFlag }

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> TimeDistributed? {
        guard let wrapped = readWrappedLayer(config, wrapper: "TimeDistributed", example: "{Dense: {units: ...}}", at: location,
                                             diagnostics: diagnostics, rejection: { _, _ in nil }),
              let checked = wrapped.checked else { return nil }
        let kind = wrapped.builder.kerasClass
        // Keras runs the layer once per step: batch statistics, adapted statistics and masks
        // would be per step, which the n*steps rows do not give.
        let unsupported = checked is any MergeLayer || checked is any WrapperLayer || checked is BatchNormalization || checked.adaptsToData
            || checked.producesMask || kind == "Embedding"
        guard !unsupported else {
            diagnostics.error("TimeDistributed over \(kind) is not supported by Kiln yet: apply the layer to the (steps, ...) input directly, or reshape the steps into the batch", at: wrapped.location)
            return nil
        }
        return TimeDistributed(inner: checked, innerNamePrefix: wrapped.builder.namePrefix, innerExplicitName: wrapped.explicitName)
    }

    func named(inner name: String) -> TimeDistributed {
        var copy = self
        copy.innerName = name
        return copy
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count >= 2 else {
            diagnostics.error("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, received: \(kerasShape(inputShape))", at: location)
            return nil
        }
        let stepShape = Array(inputShape.dropFirst())
        guard let built = inner.build(inputShape: stepShape, name: innerName, at: location, diagnostics: diagnostics) else { return nil }
        var wrapped = self
        wrapped.inner = built.op
        wrapped.steps = inputShape[0]
        wrapped.innerInputShape = stepShape
        wrapped.innerOutputShape = built.outputShape
        let weights = built.weights.map { weight -> WeightDecl in
            var copy = weight
            copy.name = "\(innerName)/\(weight.name)"
            return copy
        }
        return BuiltLayer(op: wrapped, weights: weights, outputShape: [inputShape[0]] + built.outputShape, trainable: built.trainable)
    }

    /// The node as the wrapped layer sees it: one step's shapes.
    func innerNode(_ node: LayerNode) -> LayerNode {
        var copy = node
        copy.op = inner
        copy.name = innerName
        copy.inputShape = innerInputShape
        copy.outputShape = innerOutputShape
        copy.inputShapes = [innerInputShape]
        return copy
    }

    /// The planned layer as the wrapped kind's kernels and reference see it: every buffer's
    /// per-sample shape without the leading steps (each step is a row).
    func innerLayer(_ layer: PlannedLayer) -> PlannedLayer {
        func step(_ buffer: Buffer) -> Buffer {
            var copy = buffer
            if copy.perSample { copy.shape = Array(buffer.shape.dropFirst()) }
            return copy
        }
        var copy = layer
        copy.node = innerNode(layer.node)
        copy.inputs = layer.inputs.map(step)
        copy.output = step(layer.output)
        copy.preActivation = layer.preActivation.map(step)
        copy.mask = layer.mask.map(step)
        copy.intermediate = layer.intermediate.map(step)
        copy.inputPreActivationGradient = layer.inputPreActivationGradient.map(step)
        copy.inputMask = nil
        return copy
    }

    func innerContext(_ c: CLayerContext) -> CLayerContext {
        CLayerContext(layer: innerLayer(c.layer), names: c.names, name: c.name, emitBackward: c.emitBackward, fusedLoss: c.fusedLoss)
    }

    func describe(_ node: LayerNode) -> String { "TimeDistributed(\(inner.describe(innerNode(node))))" }

    func signature(_ node: LayerNode) -> String { "TimeDistributed(\(inner.signature(innerNode(node))))" }

    // MARK: C

    func cKernels(_ c: CLayerContext) -> String {
        "// TimeDistributed: each of the \(steps) steps is a row, n*\(steps) rows of \(CFormat.shape(innerInputShape)) -> \(CFormat.shape(innerOutputShape))\n"
            + inner.cKernels(innerContext(c))
    }

    /// The wrapped layer's call with `n` rebound to the rows of all steps (`n_steps` is reserved).
    private func perStep(_ call: String?) -> String? {
        call.map { "{ const int n_steps = n * \(steps); { const int n = n_steps; \($0) } }" }
    }

    func forwardCall(_ c: CLayerContext) -> String? { perStep(inner.forwardCall(innerContext(c))) }

    func backwardCall(_ c: CLayerContext) -> String? { perStep(inner.backwardCall(innerContext(c))) }

    // MARK: Keras

    func kerasArguments(_ node: LayerNode) -> [String] {
        let wrapped = innerNode(node)
        let args = inner.kerasArguments(wrapped) + ["name=\(Python.string(innerName))"]
        return ["layers.\(inner.kerasClass)(\(args.joined(separator: ", ")))"]
    }

    // MARK: reference

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        inner.reference(input, rows: rows * steps, layer: innerLayer(layer), params: params, mask: mask, training: training)
    }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], dropoutMask: [Double]?, stepMask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        inner.reference(input, rows: rows * steps, layer: innerLayer(layer), params: params, dropoutMask: dropoutMask, stepMask: nil, training: training)
    }
}
