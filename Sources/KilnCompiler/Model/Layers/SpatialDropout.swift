import KilnSpec

/// keras.layers.SpatialDropout1D/2D/3D: Dropout of whole channels (the mask is drawn once per
/// sample and channel, as Keras's noise_shape (batch, 1, ..., channels)); identity in inference.
struct SpatialDropout<R: SpatialRank>: LayerKind {
    static var kerasClass: String { "SpatialDropout\(R.rank)D" }
    static var namePrefix: String { "spatial_dropout\(R.rank)d" }
    static var keys: [String] { R.rank == 1 ? ["rate", "seed"] : ["rate", "seed", "data_format"] }

    var rate: Float

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> SpatialDropout? {
        guard let node = config["rate"] else {
            diagnostics.error("\(kerasClass).__init__() missing 1 required positional argument: 'rate'", at: location)
            return nil
        }
        guard let rate = config.double("rate") else { return nil }
        guard rate >= 0, rate < 1 else {
            diagnostics.error("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=\(rate)", at: node.location)
            return nil
        }
        _ = config.int("seed")  // accepted as in Keras; masks come from the model's seed
        guard readChannelsLast(config, diagnostics: diagnostics) else { return nil }
        return SpatialDropout(rate: Float(rate))
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == R.rank + 1 else {
            diagnostics.error(rankMismatch(name, expected: R.rank + 2, inputShape: inputShape), at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: inputShape)
    }

    var buffers: LayerBuffers { LayerBuffers(mask: true) }
    var usesTrainingFlag: Bool { true }

    func kerasArguments(_ node: LayerNode) -> [String] { [Python.float(rate)] }
    func describe(_ node: LayerNode) -> String { "\(Self.kerasClass)(rate=\(rate))" }
    func signature(_ node: LayerNode) -> String { "\(Self.kerasClass)(\(rate))" }

    func cKernels(_ c: CLayerContext) -> String {
        let channels = c.node.inputShape.last!, positions = saturatingProduct(c.node.inputShape.dropLast())
        var out = "static void \(c.forwardName)(float *out, float *mask, const float *inp, int n, int training, int keep_all, uint64_t rng[2]) {\n"
        out += "    // out, mask, inp \(c.outShape); keep_all: training as if rate were 0 (mask all ones)\n"
        out += "    if (training) kiln_spatial_dropout_forward(out, mask, inp, n, \(positions), \(channels), keep_all ? 0.0f : \(CFormat.float(rate)), rng);\n"
        out += "    else memcpy(out, inp, sizeof(float) * (size_t)n * \(positions * channels));\n"
        out += "}\n"
        if c.emitBackward && c.layer.needsInputGradient {
            out += "static void \(c.backwardName)(float *dinp, const float *dout, const float *mask, int n) {\n"
            out += "    // dinp, dout, mask \(c.outShape)\n"
            out += "    kiln_dropout_backward(dinp, dout, mask, (int64_t)n * \(positions * channels));  // dinp += dout * mask\n"
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
