import KilnSpec
import KilnCore

/// keras.layers.Embedding: each integer id of the input looks up its row of `embeddings`
/// (input_dim, output_dim); an id outside [0, input_dim) gives zeros. With `mask_zero`, id 0 is
/// padding: the output carries a mask of its steps, which the recurrent layers after it apply.
struct Embedding: LayerKind {
    static let kerasClass = "Embedding"
    static let namePrefix = "embedding"
    static let keys = ["input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "mask_zero", "input_length"]

    var inputDim: Int
    var outputDim: Int
    var initializer: Initializer
    var l2: Float?
    var maskZero: Bool

    /// statistics: the lookups' squared gradients per table entry (in dacts), for Adam and RMSprop.
    var buffers: LayerBuffers { LayerBuffers(mask: maskZero, statistics: l2 == nil ? saturatingProduct([inputDim, outputDim]) : 0) }
    var producesMask: Bool { maskZero }

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Embedding? {
        checkRequired(["input_dim", "output_dim"], of: kerasClass, in: config, at: location, diagnostics: diagnostics)
        let inputDim = config.int("input_dim"), outputDim = config.int("output_dim")
        if let inputDim, inputDim <= 0 {
            diagnostics.error("`input_dim` must be a positive integer. Received: input_dim=\(inputDim) (of type int).", at: config["input_dim"]!.location)
        }
        if let outputDim, outputDim <= 0 {
            diagnostics.error("`output_dim` must be a positive integer. Received: output_dim=\(outputDim) (of type int).", at: config["output_dim"]!.location)
        }
        if let node = config["input_length"] {
            diagnostics.warning("Argument `input_length` is deprecated. Just remove it.", at: node.location)
        }
        let initializer = readEmbeddingInitializer(config, diagnostics: diagnostics)
        let l2 = readL2(config, key: "embeddings_regularizer", diagnostics: diagnostics)
        let maskZero = config.bool("mask_zero") ?? false
        guard let inputDim, inputDim > 0, let outputDim, outputDim > 0, let initializer, !l2.present || l2.factor != nil else { return nil }
        return Embedding(inputDim: inputDim, outputDim: outputDim, initializer: initializer, l2: l2.factor, maskZero: maskZero)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        var table = WeightDecl(name: "embeddings", shape: [inputDim, outputDim], initializer: initializer, fanIn: inputDim, fanOut: outputDim, l2: l2)
        table.lookupGradient = true
        let weights = [table]
        return BuiltLayer(op: self, weights: weights, outputShape: inputShape + [outputDim])
    }

    func describe(_ node: LayerNode) -> String {
        "Embedding(input_dim=\(inputDim), output_dim=\(outputDim)\(maskZero ? ", mask_zero=True" : ""))"
    }

    func signature(_ node: LayerNode) -> String { "Embedding(\(inputDim), \(outputDim)\(maskZero ? ", masked" : ""))" }

    // MARK: C

    func cKernels(_ c: CLayerContext) -> String {
        let ids = saturatingProduct(c.node.inputShape)
        var out = "static void \(c.forwardName)(float *out, float *mask, const float *ids, const float *table, int n) {\n"
        out += "    // out \(c.outShape); ids \(c.inShape), integers as floats; table (\(inputDim),\(outputDim))\(maskZero ? "; mask \(c.inShape): ids != 0" : "")\n"
        out += "    kiln_embedding_forward(out, mask, ids, table, (int64_t)n * \(ids), \(inputDim), \(outputDim));\n"
        out += "}\n"
        guard c.emitBackward else { return out + "\n" }
        out += "static void \(c.backwardName)(float *dtable, float *dsquares, const float *dout, const float *ids, int n) {\n"
        out += "    // dtable (\(inputDim),\(outputDim)) += dout rows at their ids\(l2 == nil ? ", dsquares (\(inputDim),\(outputDim)) += their squares" : ""); the ids get no gradient\n"
        out += "    kiln_embedding_backward(dtable, dsquares, dout, ids, (int64_t)n * \(ids), \(inputDim), \(outputDim));\n"
        return out + "}\n\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? {
        "\(c.forwardName)(\(c.act(c.layer.output)), \(c.layer.mask.map(c.act) ?? "NULL"), \(c.act(c.layer.input)), \(c.param(c.layer.weights[0])), n);"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        guard c.node.trainable else { return nil }
        return "\(c.backwardName)(\(c.grad(c.layer.weights[0])), \(c.layer.statistics.map(c.dact) ?? "NULL"), \(c.dact(c.layer.output)), \(c.act(c.layer.input)), n);"
    }

    // MARK: Keras

    func kerasArguments(_ node: LayerNode) -> [String] {
        var args = ["\(inputDim)", "\(outputDim)", "embeddings_initializer=\(Python.initializer(initializer))"]
        if let l2 { args.append("embeddings_regularizer=\(Python.l2(l2))") }
        if maskZero { args.append("mask_zero=True") }
        return args
    }

    // MARK: reference

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let table = layer.weights[0].offset
        var out: [Double] = []
        out.reserveCapacity(input.count * outputDim)
        for id in input {
            if id >= 0, id < Double(inputDim) {
                let row = table + Int(id) * outputDim
                out += params[row..<(row + outputDim)]
            } else {
                out += [Double](repeating: 0, count: outputDim)
            }
        }
        return (out, nil)
    }

    func referenceStepMask(_ input: [Double], rows: Int, layer: PlannedLayer) -> [Double]? {
        maskZero ? input.map { $0 != 0 ? 1 : 0 } : nil
    }
}

/// Embedding's initializer, Keras's "uniform" (RandomUniform(-0.05, 0.05)) by default.
func readEmbeddingInitializer(_ config: MappingReader, diagnostics: DiagnosticEngine) -> Initializer? {
    if config.string("embeddings_initializer") == "uniform" { return .randomUniform(minval: -0.05, maxval: 0.05) }
    return readInitializer(config, key: "embeddings_initializer", default: .randomUniform(minval: -0.05, maxval: 0.05), diagnostics: diagnostics)
}
