import KilnSpec

/// keras.layers.Dropout: inverted dropout in training (seeded masks), identity in inference.
struct Dropout: MaskedDropout {
    static let kerasClass = "Dropout"
    static let namePrefix = "dropout"
    static let keys = ["rate", "seed"]
    /// Keras's supports_masking: a mask of steps passes through to the layers after it.
    var propagatesMask: Bool { true }

    var rate: Float

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Dropout? {
        readDropoutRate(config, kerasClass: kerasClass, at: location, diagnostics: diagnostics).map { Dropout(rate: $0) }
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        BuiltLayer(op: self, weights: [], outputShape: inputShape)
    }

    func describe(_ node: LayerNode) -> String { "Dropout(rate=\(rate))" }
    func signature(_ node: LayerNode) -> String { "Dropout(\(rate))" }

    func maskDraw(_ c: CLayerContext, rate: String) -> String {
        "kiln_dropout_forward(out, mask, inp, (int64_t)n * \(saturatingProduct(c.node.inputShape)), \(rate), rng)"
    }
}

/// Dropout and SpatialDropout: a mask drawn in training (kept values scaled by 1/(1-rate)),
/// saved for the backward; identity in inference. Only how the mask is drawn differs.
protocol MaskedDropout: LayerKind {
    var rate: Float { get }
    /// The C call that draws the mask and writes `out`, at drop rate `rate` (a C expression).
    func maskDraw(_ c: CLayerContext, rate: String) -> String
}

/// `rate`, required and in [0, 1), in Keras's words; `seed` accepted (masks come from the model's seed).
func readDropoutRate(_ config: MappingReader, kerasClass: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Float? {
    guard let node = config["rate"] else {
        diagnostics.error("\(kerasClass).__init__() missing 1 required positional argument: 'rate'", at: location)
        return nil
    }
    guard let rate = config.double("rate") else { return nil }
    guard rate >= 0, rate < 1 else {
        diagnostics.error("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=\(rate)", at: node.location)
        return nil
    }
    _ = config.int("seed")
    return Float(rate)
}

extension MaskedDropout {
    var buffers: LayerBuffers { LayerBuffers(mask: true) }
    var usesTrainingFlag: Bool { true }

    func kerasArguments(_ node: LayerNode) -> [String] { [Python.float(rate)] }

    func cKernels(_ c: CLayerContext) -> String {
        let size = saturatingProduct(c.node.inputShape)
        var out = "static void \(c.forwardName)(float *out, float *mask, const float *inp, int n, int training, int keep_all, uint64_t rng[2]) {\n"
        out += "    // out, mask, inp \(c.outShape); keep_all: training as if rate were 0 (mask all ones)\n"
        out += "    if (training) \(maskDraw(c, rate: "keep_all ? 0.0f : \(CFormat.float(rate))"));\n"
        out += "    else memcpy(out, inp, sizeof(float) * (size_t)n * \(size));\n"
        out += "}\n"
        if c.emitBackward && c.layer.needsInputGradient {
            out += "static void \(c.backwardName)(float *dinp, const float *dout, const float *mask, int n) {\n"
            out += "    // dinp, dout, mask \(c.outShape)\n"
            out += "    kiln_dropout_backward(dinp, dout, mask, (int64_t)n * \(size));  // dinp += dout * mask\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? {
        "\(c.forwardName)(\(c.act(c.layer.output)), \(c.act(c.layer.mask!)), \(c.act(c.layer.input)), n, training, s->dropout_off, s->rng);"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        guard c.layer.needsInputGradient else { return nil }
        return "\(c.backwardName)(\(c.dact(c.layer.input)), \(c.dact(c.layer.output)), \(c.act(c.layer.mask!)), n);"
    }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        (mask.map { zip(input, $0).map { $0 * $1 } } ?? input, nil)
    }
}
