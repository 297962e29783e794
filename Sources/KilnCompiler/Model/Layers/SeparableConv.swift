import KilnSpec
import KilnCore

/// keras.layers.SeparableConv1D and SeparableConv2D (channels_last): a depthwise convolution
/// (depthwise_kernel (k..., in_channels, multiplier), no bias), then a pointwise one
/// (pointwise_kernel (1..., in_channels * multiplier, filters)), then bias and activation. The
/// depthwise result stays in an intermediate buffer, which the backward reads.
struct SeparableConv<R: SpatialRank>: LayerKind {
    static var kerasClass: String { "SeparableConv\(R.rank)D" }
    static var namePrefix: String { "separable_conv\(R.rank)d" }
    static var keys: [String] {
        ["filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "depth_multiplier", "activation", "use_bias",
         "depthwise_initializer", "pointwise_initializer", "bias_initializer", "depthwise_regularizer", "pointwise_regularizer"]
    }

    var filters: Int
    var depthMultiplier: Int
    var window: SpatialWindow
    var activation: ActivationKind
    var useBias: Bool
    var depthwiseInitializer: Initializer
    var pointwiseInitializer: Initializer
    var biasInitializer: Initializer
    var depthwiseL2: Float?
    var pointwiseL2: Float?
    /// Resolved by `build`: the input's spatial sizes and channels.
    var inputSpatial: [Int] = []
    var channels = 0

    var middleChannels: Int { saturatingProduct([channels, depthMultiplier]) }  // a huge depth_multiplier: the size check reports it
    var outputSpatial: [Int] { window.outputSizes(inputSpatial) }
    var alpha: Float { activation.defaultAlpha }
    var buffers: LayerBuffers { LayerBuffers(preActivation: activation != .linear, intermediate: outputSpatial + [middleChannels]) }
    var fusedActivation: (kind: ActivationKind, alpha: Float)? { (activation, alpha) }

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> SeparableConv? {
        checkRequired(["filters", "kernel_size"], of: kerasClass, in: config, at: location, diagnostics: diagnostics)
        let multiplier = config.int("depth_multiplier") ?? 1
        if multiplier <= 0 {
            diagnostics.error("Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier=\(multiplier).",
                              at: config["depth_multiplier"]!.location)
        }
        let filters = config.int("filters")
        if let filters, filters <= 0 {
            diagnostics.error("Invalid value for argument `filters`. Expected a strictly positive value. Received filters=\(filters).", at: config["filters"]!.location)
        }
        let window = readConvWindow(config, rank: R.rank, allowsCausal: false, diagnostics: diagnostics)
        let channelsLast = readChannelsLast(config, diagnostics: diagnostics)
        let activation = readActivation(config, diagnostics: diagnostics)
        let useBias = config.bool("use_bias") ?? true
        let depthwise = readInitializer(config, key: "depthwise_initializer", default: .glorotUniform, diagnostics: diagnostics)
        let pointwise = readInitializer(config, key: "pointwise_initializer", default: .glorotUniform, diagnostics: diagnostics)
        let bias = readInitializer(config, key: "bias_initializer", default: .zeros, diagnostics: diagnostics)
        let depthwiseL2 = readL2(config, key: "depthwise_regularizer", diagnostics: diagnostics)
        let pointwiseL2 = readL2(config, key: "pointwise_regularizer", diagnostics: diagnostics)
        guard multiplier > 0, let filters, filters > 0, let window, channelsLast, let activation, let depthwise, let pointwise, let bias,
              !depthwiseL2.present || depthwiseL2.factor != nil, !pointwiseL2.present || pointwiseL2.factor != nil else { return nil }
        return SeparableConv(filters: filters, depthMultiplier: multiplier, window: window, activation: activation, useBias: useBias,
                             depthwiseInitializer: depthwise, pointwiseInitializer: pointwise, biasInitializer: bias,
                             depthwiseL2: depthwiseL2.factor, pointwiseL2: pointwiseL2.factor)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard checkConvInput(inputShape, kerasClass: Self.kerasClass, rank: R.rank, name: name, at: location, diagnostics: diagnostics) else { return nil }
        var built = self
        built.channels = inputShape.last!
        built.inputSpatial = Array(inputShape.dropLast())
        let output = built.outputSpatial
        guard output.allSatisfy({ $0 > 0 }) else {
            diagnostics.error("Computed output size would be zero or negative. Received `inputs shape=\(kerasShape(inputShape))`, `kernel shape=\(pythonTuple(window.size + [built.channels, filters]))`, `dilation_rate=\(numpyIntArray(window.dilation))`, `strides=\(pythonTuple(window.strides))`, `padding=\(window.padding.rawValue)`.", at: location)
            return nil
        }
        let depthwiseShape = window.size + [built.channels, depthMultiplier]
        let pointwiseShape = [Int](repeating: 1, count: R.rank) + [built.middleChannels, filters]
        let depthwiseFans = kerasFans(depthwiseShape), pointwiseFans = kerasFans(pointwiseShape)
        var weights = [
            WeightDecl(name: "depthwise_kernel", shape: depthwiseShape, initializer: depthwiseInitializer, fanIn: depthwiseFans.fanIn, fanOut: depthwiseFans.fanOut, l2: depthwiseL2),
            WeightDecl(name: "pointwise_kernel", shape: pointwiseShape, initializer: pointwiseInitializer, fanIn: pointwiseFans.fanIn, fanOut: pointwiseFans.fanOut, l2: pointwiseL2),
        ]
        if useBias {
            weights.append(WeightDecl(name: "bias", shape: [filters], initializer: biasInitializer, fanIn: pointwiseFans.fanIn, fanOut: pointwiseFans.fanOut, l2: nil))
        }
        return BuiltLayer(op: built, weights: weights, outputShape: output + [filters])
    }

    func describe(_ node: LayerNode) -> String {
        var text = "\(Self.kerasClass)(filters=\(filters), kernel_size=\(pythonTuple(window.size)), strides=\(pythonTuple(window.strides)), padding=\(window.padding.rawValue)"
        if depthMultiplier != 1 { text += ", depth_multiplier=\(depthMultiplier)" }
        if window.dilation.contains(where: { $0 > 1 }) { text += ", dilation_rate=\(pythonTuple(window.dilation))" }
        return text + ", activation=\(activation.kerasName)\(useBias ? "" : ", use_bias=False"))"
    }

    func signature(_ node: LayerNode) -> String {
        "\(Self.kerasClass)(\(filters), \(pythonTuple(window.size)), \(depthMultiplier), \(activation.kerasName))"
    }

    // MARK: C

    /// The two products' geometries: the depthwise one (groups = channels), then the 1x1 one
    /// over the depthwise output.
    func cDeclarations(_ c: CLayerContext) -> String {
        let ones = [Int](repeating: 1, count: R.rank)
        let pointwise = SpatialWindow(size: ones, strides: ones, dilation: ones, padding: .valid)
        return "static const kiln_conv_geometry \(c.name)_depthwise = \(window.cGeometry(input: inputSpatial, channels: channels, filters: middleChannels, groups: channels));\n"
            + "static const kiln_conv_geometry \(c.name)_pointwise = \(pointwise.cGeometry(input: outputSpatial, channels: middleChannels, filters: filters, groups: 1));\n"
    }

    func cKernels(_ c: CLayerContext) -> String {
        let r = c.rows(c.node.outputShape)
        let z = activation == .linear ? "out" : "z"
        let mid = CFormat.shape(outputSpatial + [middleChannels], batch: "B")
        let dk = CFormat.shape(c.layer.weights[0].decl.shape), pk = CFormat.shape(c.layer.weights[1].decl.shape)
        var out = cDeclarations(c)
        out += "static void \(c.forwardName)(float *out, float *z, float *mid, const float *inp, const float *dk, const float *pk, const float *b, int n) {\n"
        out += "    // out\(activation == .linear ? "" : ", z") \(c.outShape); mid \(mid); inp \(c.inShape); dk \(dk); pk \(pk)\(useBias ? "; b (\(filters))" : "")\n"
        if activation == .linear { out += "    (void)z;\n" }
        out += "    kiln_conv_forward(mid, inp, dk, n, &\(c.name)_depthwise);\n"
        out += "    kiln_conv_forward(\(z), mid, pk, n, &\(c.name)_pointwise);\n"
        if useBias || activation != .linear {
            out += "    kiln_bias_act_forward(out, \(z), \(useBias ? "b" : "NULL"), \(r), \(filters), \(activation.cName), \(CFormat.float(alpha)));\n"
        }
        out += "}\n"
        guard c.emitBackward else { return out + "\n" }
        out += "static void \(c.backwardName)(float *dinp, float *ddk, float *dpk, float *db, float *dmid, float *dz, const float *dout, const float *z, const float *out, const float *mid, const float *inp, const float *dk, const float *pk, int n) {\n"
        out += "    // dz \(c.outShape) is dLoss/d(pre-activation)\(c.fusedLoss ? ", written by the loss from the logits" : activation == .linear ? ", the same buffer as dout" : ""); dmid \(mid)\n"
        if activation != .linear && !c.fusedLoss {
            out += "    kiln_act_backward(dz, dout, z, out, \(r), \(filters), \(activation.cName), \(CFormat.float(alpha)));  // dz += dout * act'\n"
        } else {
            out += "    (void)dout; (void)z; (void)out;\n"
        }
        if c.node.trainable {
            out += "    kiln_conv_backward_kernel(dpk, mid, dz, n, &\(c.name)_pointwise);  // dpk \(pk) += mid (x) dz\n"
            if useBias { out += "    kiln_bias_backward(db, dz, \(r), \(filters));  // db (\(filters)) += column sums of dz\n" }
        }
        if c.node.trainable || c.layer.needsInputGradient {
            out += "    kiln_conv_backward_input(dmid, dz, pk, n, &\(c.name)_pointwise);  // dmid += dz (x) pk, transposed\n"
        }
        if c.node.trainable {
            out += "    kiln_conv_backward_kernel(ddk, inp, dmid, n, &\(c.name)_depthwise);  // ddk \(dk) += inp (x) dmid, per channel\n"
        }
        if c.layer.needsInputGradient {
            out += "    kiln_conv_backward_input(dinp, dmid, dk, n, &\(c.name)_depthwise);  // dinp \(c.inShape) += dmid (x) dk, per channel, transposed\n"
        }
        return out + "}\n\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer
        let args = [c.act(layer.output), c.preActivationArgument(activation), c.act(layer.intermediate!), c.act(layer.input),
                    c.param(layer.weights[0]), c.param(layer.weights[1]), useBias ? c.param(layer.weights[2]) : "NULL", "n"]
        return "\(c.forwardName)(\(args.joined(separator: ", ")));"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer, trainable = layer.node.trainable
        let args = [layer.needsInputGradient ? c.dact(layer.input) : "NULL",
                    trainable ? c.grad(layer.weights[0]) : "NULL", trainable ? c.grad(layer.weights[1]) : "NULL",
                    trainable && useBias ? c.grad(layer.weights[2]) : "NULL", c.dact(layer.intermediate!),
                    c.dact(layer.preActivation ?? layer.output), c.activationGradientWritten ? "NULL" : c.dact(layer.output),
                    c.preActivationArgument(activation), c.act(layer.output), c.act(layer.intermediate!), c.act(layer.input),
                    c.param(layer.weights[0]), c.param(layer.weights[1]), "n"]
        return "\(c.backwardName)(\(args.joined(separator: ", ")));"
    }

    // MARK: Keras

    func kerasArguments(_ node: LayerNode) -> [String] {
        var args = ["\(filters)", Python.tuple(window.size)] + window.kerasArguments
        if depthMultiplier != 1 { args.append("depth_multiplier=\(depthMultiplier)") }
        args.append("activation=\(Python.string(activation.kerasName))")
        if !useBias { args.append("use_bias=False") }
        args.append("depthwise_initializer=\(Python.initializer(depthwiseInitializer))")
        args.append("pointwise_initializer=\(Python.initializer(pointwiseInitializer))")
        if useBias { args.append("bias_initializer=\(Python.initializer(biasInitializer))") }
        if let depthwiseL2 { args.append("depthwise_regularizer=\(Python.l2(depthwiseL2))") }
        if let pointwiseL2 { args.append("pointwise_regularizer=\(Python.l2(pointwiseL2))") }
        return args
    }

    // MARK: reference

    /// In float64 from the definition: the depthwise convolution, then per output position
    /// z[f] = b[f] + sum_j mid[j] * pointwise[j, f].
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let middle = depthwiseReference(input, rows: rows, inShape: layer.node.inputShape, outShape: outputSpatial + [middleChannels],
                                        window: window, multiplier: depthMultiplier, params: params, kernel: layer.weights[0].offset, bias: nil)
        let positions = rows * saturatingProduct(outputSpatial), pointwise = layer.weights[1].offset
        let bias = useBias ? layer.weights[2].offset : nil
        var z = [Double](repeating: 0, count: positions * filters)
        for p in 0..<positions {
            for f in 0..<filters {
                var sum = bias.map { params[$0 + f] } ?? 0
                for j in 0..<middleChannels { sum += middle[p * middleChannels + j] * params[pointwise + j * filters + f] }
                z[p * filters + f] = sum
            }
        }
        return (ReferenceMath.activate(z, cols: filters, activation, alpha: Double(alpha)), z)
    }
}
