import KilnSpec

/// keras.layers.Activation: applies one activation function elementwise (softmax: last axis).
struct Activation: ElementwiseActivation {
    static let kerasClass = "Activation"
    static let namePrefix = "activation"
    static let keys = ["activation"]
    /// Keras's supports_masking: a mask of steps passes through to the layers after it.
    var propagatesMask: Bool { true }

    var activation: ActivationKind

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Activation? {
        guard config["activation"] != nil else {
            diagnostics.error("Activation.__init__() missing 1 required positional argument: 'activation'", at: location)
            return nil
        }
        return readActivation(config, diagnostics: diagnostics).map(Activation.init)
    }

    var activationKind: ActivationKind { activation }
    var activationAlpha: Float { activation.defaultAlpha }

    func kerasArguments(_ node: LayerNode) -> [String] { [Python.string(activation.kerasName)] }
    func describe(_ node: LayerNode) -> String { "Activation(\(activation.kerasName))" }
    func signature(_ node: LayerNode) -> String { "Activation(\(activation.kerasName))" }
}

/// A layer that applies one activation elementwise (softmax: per row of the last axis): one
/// forward and one backward kernel over the runtime's activation functions. Activation, ReLU,
/// LeakyReLU, ELU and Softmax share it.
protocol ElementwiseActivation: LayerKind {
    var activationKind: ActivationKind { get }
    var activationAlpha: Float { get }
}

extension ElementwiseActivation {
    var fusedActivation: (kind: ActivationKind, alpha: Float)? { (activationKind, activationAlpha) }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        BuiltLayer(op: self, weights: [], outputShape: inputShape)
    }

    func cKernels(_ c: CLayerContext) -> String {
        let r = c.rows(c.node.inputShape), cols = c.node.inputShape.last!
        let act = activationKind.cName, alpha = CFormat.float(activationAlpha)
        var out = "static void \(c.forwardName)(float *out, const float *inp, int n) {\n"
        out += "    // out, inp \(c.outShape)\n"
        out += "    kiln_bias_act_forward(out, (float *)inp, NULL, \(r), \(cols), \(act), \(alpha));\n"
        out += "}\n"
        if c.emitBackward && c.layer.needsInputGradient && !c.fusedLoss {
            out += "static void \(c.backwardName)(float *dinp, const float *dout, const float *inp, const float *out, int n) {\n"
            out += "    // dinp, dout, inp, out \(c.outShape)\n"
            out += "    kiln_act_backward(dinp, dout, inp, out, \(r), \(cols), \(act), \(alpha));  // dinp += dout * act'\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? { c.plainForwardCall }

    func backwardCall(_ c: CLayerContext) -> String? {
        guard c.layer.needsInputGradient, !c.fusedLoss else { return nil }
        let layer = c.layer
        return "\(c.backwardName)(\(c.dact(layer.input)), \(c.dact(layer.output)), \(c.act(layer.input)), \(c.act(layer.output)), n);"
    }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        (ReferenceMath.activate(input, cols: layer.node.inputShape.last ?? 1, activationKind, alpha: Double(activationAlpha)), input)
    }
}
