import KilnSpec
import KilnCore

/// keras.layers.PReLU: relu(x) - alpha * relu(-x), with a learned `alpha` of the input's shape
/// (1 along `shared_axes`, 1-based), zeros by default.
struct PReLU: LayerKind {
    static let kerasClass = "PReLU"
    static let namePrefix = "p_re_lu"
    static let keys = ["alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"]
    /// Keras's supports_masking: a mask of steps passes through to the layers after it.
    var propagatesMask: Bool { true }

    var initializer: Initializer
    var l2: Float?
    var sharedAxes: [Int]
    var sharedLocation: SourceLocation?

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> PReLU? {
        let initializer = readInitializer(config, key: "alpha_initializer", default: .zeros, diagnostics: diagnostics)
        let l2 = readL2(config, key: "alpha_regularizer", diagnostics: diagnostics)
        var ok = true
        if let node = config["alpha_constraint"], node.scalarKind != .null {
            diagnostics.error("Kiln does not support weight constraints; alpha_constraint must be None", at: node.location)
            ok = false
        }
        var shared: [Int] = []
        if let node = config["shared_axes"], node.scalarKind != .null {
            guard let axes = readIntList(config, key: "shared_axes", allowsScalar: true, diagnostics: diagnostics) else { return nil }
            shared = axes
        }
        guard ok, let initializer, !l2.present || l2.factor != nil else { return nil }
        return PReLU(initializer: initializer, l2: l2.factor, sharedAxes: shared, sharedLocation: config["shared_axes"]?.location)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard !inputShape.isEmpty, inputShape.count <= 8 else {
            diagnostics.error("Kiln's PReLU takes inputs of 1 to 8 axes besides the batch. Received: input shape \(kerasShape(inputShape))", at: location)
            return nil
        }
        if sharedAxes.contains(where: { $0 < 1 || $0 > inputShape.count }) {
            diagnostics.error("list assignment index out of range: shared_axes=\(pythonTuple(sharedAxes)) for input shape \(kerasShape(inputShape))", at: sharedLocation ?? location)
            return nil
        }
        let shape = alphaShape(inputShape)
        let fans = kerasFans(shape)
        return BuiltLayer(op: self, weights: [WeightDecl(name: "alpha", shape: shape, initializer: initializer, fanIn: fans.fanIn, fanOut: fans.fanOut, l2: l2)],
                          outputShape: inputShape)
    }

    /// Per input axis, alpha's stride (0 along a shared axis).
    func alphaStrides(_ inputShape: [Int]) -> [Int] {
        let shape = alphaShape(inputShape)
        return zip(rowMajorStrides(shape), shape).map { $1 == 1 ? 0 : $0 }
    }

    func alphaShape(_ inputShape: [Int]) -> [Int] {
        var shape = inputShape
        for axis in sharedAxes { shape[axis - 1] = 1 }
        return shape
    }

    func kerasArguments(_ node: LayerNode) -> [String] {
        var args = ["alpha_initializer=\(Python.initializer(initializer))"]
        if let l2 { args.append("alpha_regularizer=\(Python.l2(l2))") }
        if !sharedAxes.isEmpty { args.append("shared_axes=[\(sharedAxes.map(String.init).joined(separator: ", "))]") }
        return args
    }

    func describe(_ node: LayerNode) -> String { "PReLU(shared_axes=\(sharedAxes.isEmpty ? "None" : pythonTuple(sharedAxes)))" }
    func signature(_ node: LayerNode) -> String { "PReLU" }

    func cKernels(_ c: CLayerContext) -> String {
        let shape = c.node.inputShape, size = saturatingProduct(shape), rank = shape.count
        let list = { (values: [Int]) in values.map(String.init).joined(separator: ", ") }
        let alpha = CFormat.shape(alphaShape(shape))
        var out = "static const int \(c.name)_dims[\(rank)] = {\(list(shape))};\n"
        out += "static const int \(c.name)_alpha_strides[\(rank)] = {\(list(alphaStrides(shape)))};  // 0: a shared axis\n"
        out += "static void \(c.forwardName)(float *out, const float *inp, const float *alpha, int n) {\n"
        out += "    // out, inp \(c.outShape); alpha \(alpha)\n"
        out += "    kiln_prelu_forward(out, inp, alpha, n, \(size), \(rank), \(c.name)_dims, \(c.name)_alpha_strides);\n"
        out += "}\n"
        if c.emitBackward && (c.layer.needsInputGradient || c.node.trainable) {
            out += "static void \(c.backwardName)(float *dinp, float *dalpha, const float *dout, const float *inp, const float *alpha, int n) {\n"
            out += "    // dinp, dout, inp \(c.outShape); dalpha, alpha \(alpha); dinp or dalpha may be NULL\n"
            out += "    kiln_prelu_backward(dinp, dalpha, dout, inp, alpha, n, \(size), \(rank), \(c.name)_dims, \(c.name)_alpha_strides);\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? {
        "\(c.forwardName)(\(c.act(c.layer.output)), \(c.act(c.layer.input)), \(c.param(c.layer.weights[0])), n);"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer
        guard layer.needsInputGradient || layer.node.trainable else { return nil }
        let dinp = layer.needsInputGradient ? c.dact(layer.input) : "NULL", dalpha = layer.node.trainable ? c.grad(layer.weights[0]) : "NULL"
        return "\(c.backwardName)(\(dinp), \(dalpha), \(c.dact(layer.output)), \(c.act(layer.input)), \(c.param(layer.weights[0])), n);"
    }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let shape = layer.node.inputShape, size = saturatingProduct(shape), strides = alphaStrides(shape)
        let base = layer.weights[0].offset
        var output = input
        for b in 0..<rows {
            for o in 0..<size {
                let a = offset(ofRowMajor: o, in: shape, strides: strides)
                let x = input[b * size + o]
                output[b * size + o] = max(x, 0) - params[base + a] * max(-x, 0)
            }
        }
        return (output, nil)
    }
}
