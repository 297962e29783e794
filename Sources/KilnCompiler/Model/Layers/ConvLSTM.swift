import KilnSpec
import KilnCore

/// keras.layers.ConvLSTM1D and ConvLSTM2D (channels_last): an LSTM over (steps, spatial...,
/// channels) whose products are convolutions: the input's with `kernel` (k..., channels, 4*filters)
/// at the layer's strides, padding and dilation, the state's with `recurrent_kernel`
/// (k..., filters, 4*filters) at stride 1 and "same" padding. Gates i, f, c, o, as LSTM.
/// `dropout` and `recurrent_dropout` mask the input frames and h_prev in training with one mask
/// per gate, drawn once per sequence, as Keras's ConvLSTM cell.
struct ConvLSTM<R: SpatialRank>: RecurrentKernelLayer {
    static var kerasClass: String { "ConvLSTM\(R.rank)D" }
    static var namePrefix: String { "conv_lstm\(R.rank)d" }
    static var keys: [String] {
        ["filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "recurrent_activation",
         "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
         "recurrent_regularizer", "dropout", "recurrent_dropout", "return_sequences", "return_state", "go_backwards", "stateful", "seed"]
    }

    var filters: Int
    var window: SpatialWindow
    var activation: ActivationKind
    var recurrentActivation: ActivationKind
    var useBias: Bool
    var unitForgetBias: Bool
    var kernelInitializer: Initializer
    var recurrentInitializer: Initializer
    var biasInitializer: Initializer
    var kernelL2: Float?
    var recurrentL2: Float?
    var returnSequences: Bool
    var goBackwards: Bool
    var dropout: Float = 0
    var recurrentDropout: Float = 0
    /// Resolved by `build`: steps, the frames' spatial sizes and channels.
    var steps = 0
    var inputSpatial: [Int] = []
    var channels = 0

    var outputSpatial: [Int] { window.outputSizes(inputSpatial) }
    var positions: Int { saturatingProduct(outputSpatial) }
    /// The gates' channels, 4 * filters (saturating: a huge `filters` is the size check's error).
    var gateFilters: Int { saturatingProduct([4, filters]) }
    var buffers: LayerBuffers {
        LayerBuffers(mask: dropoutFloats > 0, intermediate: [steps, saturatingProduct([positions, 6, filters])],
                     maskShape: dropoutFloats > 0 ? [dropoutFloats] : nil)
    }
    var usesTrainingFlag: Bool { dropoutFloats > 0 }
    /// Dropout masks, one per gate or none: of an input frame (in..., channels), of h_prev (out..., filters).
    var inputMasks: Int { activeRate(dropout) ? 4 : 0 }
    var recurrentMasks: Int { activeRate(recurrentDropout) ? 4 : 0 }
    var frameFloats: Int { saturatingProduct(inputSpatial + [channels]) }
    var stateFloats: Int { saturatingProduct([positions, filters]) }
    var dropoutFloats: Int { saturatingSum([saturatingProduct([inputMasks, frameFloats]), saturatingProduct([recurrentMasks, stateFloats])]) }
    var consumesMask: Bool { true }
    var propagatesMask: Bool { returnSequences }

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> ConvLSTM? {
        checkRequired(["filters", "kernel_size"], of: kerasClass, in: config, at: location, diagnostics: diagnostics)
        let filters = config.int("filters")
        if let filters, filters <= 0 {
            diagnostics.error("Invalid value for argument `filters`. Expected a strictly positive value. Received filters=\(filters).", at: config["filters"]!.location)
        }
        let window = readConvWindow(config, rank: R.rank, allowsCausal: false, diagnostics: diagnostics)
        let channelsLast = readChannelsLast(config, diagnostics: diagnostics)
        let activation = readRecurrentActivation(config, key: "activation", default: .tanh, diagnostics: diagnostics)
        let recurrentActivation = readRecurrentActivation(config, key: "recurrent_activation", default: .sigmoid, diagnostics: diagnostics)
        let useBias = config.bool("use_bias") ?? true
        let unitForgetBias = config.bool("unit_forget_bias") ?? true
        let kernel = readInitializer(config, key: "kernel_initializer", default: .glorotUniform, diagnostics: diagnostics)
        let recurrent = readInitializer(config, key: "recurrent_initializer", default: .orthogonal(gain: 1), diagnostics: diagnostics)
        let bias = readInitializer(config, key: "bias_initializer", default: .zeros, diagnostics: diagnostics)
        let kernelL2 = readL2(config, key: "kernel_regularizer", diagnostics: diagnostics)
        let recurrentL2 = readL2(config, key: "recurrent_regularizer", diagnostics: diagnostics)
        let supported = checkSupportedRecurrentOptions(config, diagnostics: diagnostics)
        let dropout = readRecurrentDropout(config, key: "dropout"), recurrentDropout = readRecurrentDropout(config, key: "recurrent_dropout")
        guard let filters, filters > 0, let window, channelsLast, let activation, let recurrentActivation, let kernel, let recurrent, let bias,
              supported, !kernelL2.present || kernelL2.factor != nil, !recurrentL2.present || recurrentL2.factor != nil else { return nil }
        return ConvLSTM(filters: filters, window: window, activation: activation, recurrentActivation: recurrentActivation, useBias: useBias,
                        unitForgetBias: unitForgetBias, kernelInitializer: kernel, recurrentInitializer: recurrent, biasInitializer: bias,
                        kernelL2: kernelL2.factor, recurrentL2: recurrentL2.factor,
                        returnSequences: config.bool("return_sequences") ?? false, goBackwards: config.bool("go_backwards") ?? false,
                        dropout: dropout, recurrentDropout: recurrentDropout)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == R.rank + 2 else {
            diagnostics.error(rankMismatch(name, expected: R.rank + 3, inputShape: inputShape), at: location)
            return nil
        }
        var built = self
        built.steps = inputShape[0]
        built.inputSpatial = Array(inputShape[1...R.rank])
        built.channels = inputShape.last!
        let output = built.outputSpatial
        guard output.allSatisfy({ $0 > 0 }) else {
            diagnostics.error("Computed output size would be zero or negative. Received `inputs shape=\(kerasShape(Array(inputShape.dropFirst())))`, `kernel shape=\(pythonTuple(window.size + [built.channels, gateFilters]))`, `dilation_rate=\(numpyIntArray(window.dilation))`, `strides=\(pythonTuple(window.strides))`, `padding=\(window.padding.rawValue)`.", at: location)
            return nil
        }
        let kernelShape = window.size + [built.channels, gateFilters], recurrentShape = window.size + [filters, gateFilters]
        let kernelFans = kerasFans(kernelShape), recurrentFans = kerasFans(recurrentShape)
        var weights = [
            WeightDecl(name: "kernel", shape: kernelShape, initializer: kernelInitializer, fanIn: kernelFans.fanIn, fanOut: kernelFans.fanOut, l2: kernelL2),
            WeightDecl(name: "recurrent_kernel", shape: recurrentShape, initializer: recurrentInitializer, fanIn: recurrentFans.fanIn, fanOut: recurrentFans.fanOut, l2: recurrentL2),
        ]
        if useBias {
            weights.append(WeightDecl(name: "bias", shape: [gateFilters], initializer: unitForgetBias ? .unitForgetBias(biasInitializer) : biasInitializer,
                                      fanIn: gateFilters, fanOut: gateFilters, l2: nil))
        }
        return BuiltLayer(op: built, weights: weights, outputShape: (returnSequences ? [inputShape[0]] : []) + output + [filters])
    }

    func describe(_ node: LayerNode) -> String {
        var text = "\(Self.kerasClass)(filters=\(filters), kernel_size=\(pythonTuple(window.size)), strides=\(pythonTuple(window.strides)), padding=\(window.padding.rawValue)"
        if window.dilation.contains(where: { $0 > 1 }) { text += ", dilation_rate=\(pythonTuple(window.dilation))" }
        text += ", activation=\(activation.kerasName), recurrent_activation=\(recurrentActivation.kerasName)"
        if !useBias { text += ", use_bias=False" }
        if returnSequences { text += ", return_sequences=True" }
        if goBackwards { text += ", go_backwards=True" }
        if dropout > 0 { text += ", dropout=\(dropout)" }
        if recurrentDropout > 0 { text += ", recurrent_dropout=\(recurrentDropout)" }
        return text + ")"
    }

    func signature(_ node: LayerNode) -> String {
        "\(Self.kerasClass)(\(filters), \(pythonTuple(window.size))\(returnSequences ? ", sequences" : ""))"
    }

    // MARK: C

    var recurrentWindow: SpatialWindow {
        let ones = [Int](repeating: 1, count: R.rank)
        return SpatialWindow(size: window.size, strides: ones, dilation: ones, padding: .same)
    }

    func cKernels(_ c: CLayerContext) -> String {
        let mid = CFormat.shape([steps, positions * 6 * filters], batch: "B")
        let drop = dropoutFloats > 0
        let rates = drop ? ", \(inputMasks), \(recurrentMasks), \(CFormat.float(dropout)), \(CFormat.float(recurrentDropout))" : ""
        var out = "static const kiln_rnn_geometry \(c.name)_geometry = {KILN_LSTM, \(steps), \(channels), \(filters), \(activation.cName), \(recurrentActivation.cName), \(goBackwards ? 1 : 0), \(returnSequences ? 1 : 0), \(useBias ? 1 : 0), 0\(rates)};\n"
        out += "static const kiln_conv_geometry \(c.name)_input = \(window.cGeometry(input: inputSpatial, channels: channels, filters: 4 * filters, groups: 1));\n"
        out += "static const kiln_conv_geometry \(c.name)_recurrent = \(recurrentWindow.cGeometry(input: outputSpatial, channels: filters, filters: 4 * filters, groups: 1));\n"
        out += "static void \(c.forwardName)(float *out, float *mid, \(drop ? "float *drop, " : "")const float *inp, const float *kernel, const float *recurrent, const float *b, const float *mask, int n\(drop ? ", int training, int keep_all, uint64_t rng[2]" : "")) {\n"
        out += "    // out \(c.outShape); mid \(mid): gates (n*\(steps),\(positions),\(4 * filters)), h_prev and c_prev (n*\(steps),\(positions),\(filters)); inp \(c.inShape)\n"
        if drop {
            out += "    // drop (n,\(dropoutFloats)): the frames' dropout masks (n,\(inputMasks),\(frameFloats)), then h_prev's (n,\(recurrentMasks),\(stateFloats)), drawn per batch\n"
            out += "    if (training) kiln_conv_lstm_draw_dropout(drop, n, &\(c.name)_geometry, &\(c.name)_input, keep_all, rng);\n"
        }
        out += "    kiln_conv_lstm_forward(out, mid, inp, kernel, recurrent, b, mask, \(drop ? "training ? drop : NULL" : "NULL"), n, &\(c.name)_geometry, &\(c.name)_input, &\(c.name)_recurrent);\n"
        out += "}\n"
        guard c.emitBackward else { return out + "\n" }
        out += "static void \(c.backwardName)(float *dinp, float *dkernel, float *drecurrent, float *db, float *dmid, const float *dout, const float *mid, const float *inp, const float *kernel, const float *recurrent, const float *mask, \(drop ? "const float *drop, " : "")int n) {\n"
        out += "    // dmid \(mid): each step's gate gradients, through time\n"
        out += "    kiln_conv_lstm_backward(dinp, dkernel, drecurrent, db, dmid, dout, mid, inp, kernel, recurrent, mask, \(drop ? "drop" : "NULL"), n, &\(c.name)_geometry, &\(c.name)_input, &\(c.name)_recurrent);\n"
        return out + "}\n\n"
    }

    // MARK: Keras

    func kerasArguments(_ node: LayerNode) -> [String] {
        var args = ["\(filters)", Python.tuple(window.size)] + window.kerasArguments
        args += ["activation=\(Python.string(activation.kerasName))", "recurrent_activation=\(Python.string(recurrentActivation.kerasName))"]
        if !unitForgetBias { args.append("unit_forget_bias=False") }
        if dropout > 0 { args.append("dropout=\(Python.float(dropout))") }
        if recurrentDropout > 0 { args.append("recurrent_dropout=\(Python.float(recurrentDropout))") }
        return args + kerasRecurrentTail
    }

    // MARK: reference

    /// In float64: per sample, from zero states, each step's gates z = conv(x_t, kernel) + b +
    /// conv(h, recurrent_kernel) at every output position, then LSTM's cell there. `mask`: the
    /// input's mask of its steps (a masked step keeps the state).
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        reference(input, rows: rows, layer: layer, params: params, dropoutMask: nil, stepMask: mask, training: training)
    }

    /// `dropoutMask` (rows, dropoutFloats): rows * inputMasks frame masks, then rows * recurrentMasks
    /// state masks; gate block q reads mask q of each.
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], dropoutMask: [Double]?, stepMask mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let drop = training ? dropoutMask : nil
        let ig = drop == nil ? 0 : inputMasks, rg = drop == nil ? 0 : recurrentMasks, recurrentRegion = rows * ig * frameFloats
        let kernel = layer.weights[0].offset, recurrent = layer.weights[1].offset, bias = useBias ? layer.weights[2].offset : nil
        let g = 4 * filters, frame = saturatingProduct(inputSpatial) * channels, state = positions * filters
        let outStrides = rowMajorStrides(outputSpatial)
        let taps = (0..<positions).map { position in outputSpatial.indices.map { (position / outStrides[$0]) % outputSpatial[$0] } }
        let inputTaps = taps.map { window.windowTaps(at: $0, input: inputSpatial) }
        let stateTaps = taps.map { recurrentWindow.windowTaps(at: $0, input: outputSpatial) }
        let cell = LSTMCell(recurrentActivation: recurrentActivation, unitForgetBias: unitForgetBias)
        var output: [Double] = []
        for sample in 0..<rows {
            var h = [Double](repeating: 0, count: state), c = h
            for k in 0..<steps {
                let p = goBackwards ? steps - 1 - k : k
                if let mask, mask[sample * steps + p] == 0 {
                    if returnSequences { output += h }
                    continue
                }
                let x = (sample * steps + p) * frame
                var nextH = h, nextC = c
                for position in 0..<positions {
                    var zx = [Double](repeating: 0, count: g), zr = zx
                    for q in 0..<g {
                        let mi = ig == 0 ? nil : (sample * ig + q / filters) * frameFloats
                        let mr = rg == 0 ? nil : recurrentRegion + (sample * rg + q / filters) * stateFloats
                        var sum = bias.map { params[$0 + q] } ?? 0
                        for tap in inputTaps[position] {
                            for ci in 0..<channels {
                                let at = tap.input * channels + ci
                                sum += input[x + at] * (mi.map { drop![$0 + at] } ?? 1) * params[kernel + (tap.kernel * channels + ci) * g + q]
                            }
                        }
                        zx[q] = sum
                        var rec = 0.0
                        for tap in stateTaps[position] {
                            for fi in 0..<filters {
                                let at = tap.input * filters + fi
                                rec += h[at] * (mr.map { drop![$0 + at] } ?? 1) * params[recurrent + (tap.kernel * filters + fi) * g + q]
                            }
                        }
                        zr[q] = rec
                    }
                    let cellState = [Array(h[(position * filters)..<((position + 1) * filters)]), Array(c[(position * filters)..<((position + 1) * filters)])]
                    let next = cell.step(x: zx, rec: zr, state: cellState, units: filters, activation: activation)
                    nextH.replaceSubrange((position * filters)..<((position + 1) * filters), with: next[0])
                    nextC.replaceSubrange((position * filters)..<((position + 1) * filters), with: next[1])
                }
                h = nextH
                c = nextC
                if returnSequences { output += h }
            }
            if !returnSequences { output += h }
        }
        return (output, nil)
    }
}
