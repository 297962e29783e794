import KilnSpec
import KilnCore

/// keras.layers.Dense: out = activation(inp . kernel + bias) on the last axis.
struct Dense: LayerKind {
    static let kerasClass = "Dense"
    static let namePrefix = "dense"
    static let keys = ["units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer"]

    var units: Int
    var activation: ActivationKind
    var useBias: Bool
    var kernelInitializer: Initializer
    var biasInitializer: Initializer
    var kernelL2: Float?

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Dense? {
        let units = config.int("units")
        if config["units"] == nil {
            diagnostics.error("Dense.__init__() missing 1 required positional argument: 'units'", at: location)
        } else if let units, units <= 0 {
            diagnostics.error("Received an invalid value for `units`, expected a positive integer. Received: units=\(units)",
                              at: config["units"]!.location)
        }
        let activation = readActivation(config, diagnostics: diagnostics)
        let useBias = config.bool("use_bias") ?? true
        let kernelInitializer = readInitializer(config, key: "kernel_initializer", default: .glorotUniform, diagnostics: diagnostics)
        let biasInitializer = readInitializer(config, key: "bias_initializer", default: .zeros, diagnostics: diagnostics)
        let l2 = readL2(config, key: "kernel_regularizer", diagnostics: diagnostics)
        guard let units, units > 0, let activation, let kernelInitializer, let biasInitializer,
              !l2.present || l2.factor != nil else { return nil }
        return Dense(units: units, activation: activation, useBias: useBias, kernelInitializer: kernelInitializer,
                     biasInitializer: biasInitializer, kernelL2: l2.factor)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard let inputDim = inputShape.last else {
            diagnostics.error("Input 0 of layer \"\(name)\" is incompatible with the layer: expected min_ndim=2, found ndim=1. Full shape received: (None,)", at: location)
            return nil
        }
        var weights = [WeightDecl(name: "kernel", shape: [inputDim, units], initializer: kernelInitializer,
                                  fanIn: inputDim, fanOut: units, l2: kernelL2)]
        if useBias {
            weights.append(WeightDecl(name: "bias", shape: [units], initializer: biasInitializer, fanIn: inputDim, fanOut: units, l2: nil))
        }
        return BuiltLayer(op: self, weights: weights, outputShape: inputShape.dropLast() + [units])
    }

    var alpha: Float { activation.defaultAlpha }
    var buffers: LayerBuffers { LayerBuffers(preActivation: activation != .linear) }
    var fusedActivation: (kind: ActivationKind, alpha: Float)? { (activation, alpha) }

    func describe(_ node: LayerNode) -> String {
        "Dense(units=\(units), activation=\(activation.kerasName)\(useBias ? "" : ", use_bias=False"))"
    }

    func signature(_ node: LayerNode) -> String { "Dense(\(units), \(activation.kerasName))" }

    /// One forward and one backward signature wherever the layer sits; a buffer the layer's
    /// config or position leaves unused (z when linear, b without bias, dinp for the first
    /// layer, dw and db when frozen) is passed as NULL and never read.
    func cKernels(_ c: CLayerContext) -> String {
        let node = c.node, inShape = c.inShape, outShape = c.outShape
        let k = node.inputShape.last!, r = c.rows(node.inputShape)
        let z = activation == .linear ? "out" : "z"
        var out = "static void \(c.forwardName)(float *out, float *z, const float *inp, const float *w, const float *b, int n) {\n"
        out += "    // out\(activation == .linear ? "" : ", z") \(outShape); inp \(inShape); w (\(k),\(units))\(useBias ? "; b (\(units))" : "")\n"
        if activation == .linear { out += "    (void)z;\n" }
        out += "    kiln_sgemm_nn(\(z), inp, w, \(r), \(units), \(k), 0);\n"
        if useBias || activation != .linear {
            out += "    kiln_bias_act_forward(out, \(z), \(useBias ? "b" : "NULL"), \(r), \(units), \(activation.cName), \(CFormat.float(alpha)));\n"
        }
        out += "}\n"
        guard c.emitBackward else { return out + "\n" }
        let weightGrads = node.trainable, needsInputGradient = c.layer.needsInputGradient
        out += "static void \(c.backwardName)(float *dinp, float *dw, float *db, float *dz, const float *dout, const float *z, const float *out, const float *inp, const float *w, int n) {\n"
        out += "    // dz \(outShape) is dLoss/d(pre-activation)\(c.fusedLoss ? ", written by the loss from the logits" : activation == .linear ? ", the same buffer as dout" : "")\n"
        if activation != .linear && !c.fusedLoss {
            out += "    kiln_act_backward(dz, dout, z, out, \(r), \(units), \(activation.cName), \(CFormat.float(alpha)));  // dz += dout * act'\n"
        }
        if weightGrads {
            out += "    kiln_sgemm_tn(dw, inp, dz, \(k), \(units), \(r), 1);  // dw (\(k),\(units)) += inp^T . dz\n"
            if useBias { out += "    kiln_bias_backward(db, dz, \(r), \(units));  // db (\(units)) += column sums of dz\n" }
        }
        if needsInputGradient {
            out += "    kiln_sgemm_nt(dinp, dz, w, \(r), \(k), \(units), 1);  // dinp \(inShape) += dz . w^T\n"
        }
        return out + "}\n\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer
        let args = [c.act(layer.output), layer.preActivation.map(c.act) ?? "NULL", c.act(layer.input), c.param(layer.weights[0]),
                    useBias ? c.param(layer.weights[1]) : "NULL", "n"]
        return "\(c.forwardName)(\(args.joined(separator: ", ")));"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer, trainable = layer.node.trainable
        let args = [layer.needsInputGradient ? c.dact(layer.input) : "NULL",
                    trainable ? c.grad(layer.weights[0]) : "NULL",
                    trainable && useBias ? c.grad(layer.weights[1]) : "NULL",
                    c.dact(layer.preActivation ?? layer.output), c.dact(layer.output),
                    layer.preActivation.map(c.act) ?? "NULL", c.act(layer.output), c.act(layer.input), c.param(layer.weights[0]), "n"]
        return "\(c.backwardName)(\(args.joined(separator: ", ")));"
    }

    func kerasArguments(_ node: LayerNode) -> [String] {
        var args = ["\(units)", "activation=\(Python.string(activation.kerasName))"]
        if !useBias { args.append("use_bias=False") }
        args.append("kernel_initializer=\(Python.initializer(kernelInitializer))")
        if useBias { args.append("bias_initializer=\(Python.initializer(biasInitializer))") }
        if let kernelL2 { args.append("kernel_regularizer=\(Python.l2(kernelL2))") }
        return args
    }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?) -> (output: [Double], logits: [Double]?) {
        let cols = layer.node.inputShape.last!, lead = rows * saturatingProduct(layer.node.inputShape.dropLast())
        let kernel = layer.weights[0].offset
        var z = [Double](repeating: 0, count: lead * units)
        for r in 0..<lead {
            for j in 0..<units {
                var sum = useBias ? params[layer.weights[1].offset + j] : 0
                for k in 0..<cols { sum += input[r * cols + k] * params[kernel + k * units + j] }
                z[r * units + j] = sum
            }
        }
        return (ReferenceMath.activate(z, cols: units, activation, alpha: Double(alpha)), z)
    }
}
