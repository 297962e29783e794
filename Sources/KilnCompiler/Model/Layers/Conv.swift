import KilnSpec
import KilnCore

/// keras.layers.Conv1D, Conv2D and Conv3D (channels_last): out = activation(conv(inp, kernel) +
/// bias), kernel (k..., in_channels / groups, filters), as Keras lays it out.
struct Conv<R: SpatialRank>: ConvolutionLayer {
    static var kerasClass: String { "Conv\(R.rank)D" }
    static var namePrefix: String { "conv\(R.rank)d" }
    static var keys: [String] {
        ["filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", "activation", "use_bias",
         "kernel_initializer", "bias_initializer", "kernel_regularizer"]
    }

    var filters: Int
    var window: SpatialWindow
    var groups: Int
    var activation: ActivationKind
    var useBias: Bool
    var kernelInitializer: Initializer
    var biasInitializer: Initializer
    var kernelL2: Float?

    var units: Int { filters }

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Conv? {
        checkRequired(["filters", "kernel_size"], of: kerasClass, in: config, at: location, diagnostics: diagnostics)
        let filters = config.int("filters")
        if let filters, filters <= 0 {
            diagnostics.error("Invalid value for argument `filters`. Expected a strictly positive value. Received filters=\(filters).", at: config["filters"]!.location)
        }
        let window = readConvWindow(config, rank: R.rank, allowsCausal: R.rank == 1, diagnostics: diagnostics)
        let groups = config.int("groups") ?? 1
        if groups <= 0 {
            diagnostics.error("The number of groups must be a positive integer. Received: groups=\(groups).", at: config["groups"]!.location)
        } else if let filters, filters > 0, filters % groups != 0 {
            diagnostics.error("The number of filters must be evenly divisible by the number of groups. Received: groups=\(groups), filters=\(filters).",
                              at: config["groups"]!.location)
        }
        let channelsLast = readChannelsLast(config, diagnostics: diagnostics)
        let activation = readActivation(config, diagnostics: diagnostics)
        let useBias = config.bool("use_bias") ?? true
        let kernelInitializer = readInitializer(config, key: "kernel_initializer", default: .glorotUniform, diagnostics: diagnostics)
        let biasInitializer = readInitializer(config, key: "bias_initializer", default: .zeros, diagnostics: diagnostics)
        let l2 = readL2(config, key: "kernel_regularizer", diagnostics: diagnostics)
        guard let filters, filters > 0, groups > 0, filters % groups == 0, let window, channelsLast, let activation,
              let kernelInitializer, let biasInitializer, !l2.present || l2.factor != nil else { return nil }
        return Conv(filters: filters, window: window, groups: groups, activation: activation, useBias: useBias, kernelInitializer: kernelInitializer,
                    biasInitializer: biasInitializer, kernelL2: l2.factor)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard checkConvInput(inputShape, kerasClass: Self.kerasClass, rank: R.rank, name: name, at: location, diagnostics: diagnostics) else { return nil }
        let channels = inputShape.last!
        guard channels % groups == 0 else {
            diagnostics.error("The number of input channels must be evenly divisible by the number of groups. Received groups=\(groups), but the input has \(channels) channels (full input shape is \(kerasShape(inputShape))).", at: location)
            return nil
        }
        let spatial = Array(inputShape.dropLast())
        let kernelShape = window.size + [channels / groups, filters]
        let output = window.outputSizes(spatial)
        guard output.allSatisfy({ $0 > 0 }) else {
            diagnostics.error("Computed output size would be zero or negative. Received `inputs shape=\(kerasShape(inputShape))`, `kernel shape=\(pythonTuple(window.size + [channels, filters]))`, `dilation_rate=\(numpyIntArray(window.dilation))`, `strides=\(pythonTuple(window.strides))`, `padding=\(window.padding.rawValue)`.", at: location)
            return nil
        }
        let fans = kerasFans(kernelShape)
        var weights = [WeightDecl(name: "kernel", shape: kernelShape, initializer: kernelInitializer, fanIn: fans.fanIn, fanOut: fans.fanOut, l2: kernelL2)]
        if useBias {
            weights.append(WeightDecl(name: "bias", shape: [filters], initializer: biasInitializer, fanIn: fans.fanIn, fanOut: fans.fanOut, l2: nil))
        }
        return BuiltLayer(op: self, weights: weights, outputShape: output + [filters])
    }

    func describe(_ node: LayerNode) -> String {
        var text = "\(Self.kerasClass)(filters=\(filters), kernel_size=\(pythonTuple(window.size)), strides=\(pythonTuple(window.strides)), padding=\(window.padding.rawValue)"
        if window.dilation.contains(where: { $0 > 1 }) { text += ", dilation_rate=\(pythonTuple(window.dilation))" }
        if groups > 1 { text += ", groups=\(groups)" }
        return text + ", activation=\(activation.kerasName)\(useBias ? "" : ", use_bias=False"))"
    }

    func signature(_ node: LayerNode) -> String { "\(Self.kerasClass)(\(filters), \(pythonTuple(window.size)), \(activation.kerasName))" }

    // MARK: C (ConvolutionLayer)

    func geometryGroups(channels: Int) -> Int { groups }

    // MARK: Keras

    func kerasArguments(_ node: LayerNode) -> [String] {
        var args = ["\(filters)", Python.tuple(window.size)] + window.kerasArguments
        if groups != 1 { args.append("groups=\(groups)") }
        return args + kerasAffineArguments
    }

    // MARK: reference

    /// Direct convolution in float64, from the definition: every output position sums its
    /// window's in-bounds taps over the group's input channels.
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let inShape = layer.node.inputShape, outShape = layer.node.outputShape
        let spatial = Array(inShape.dropLast()), outSpatial = Array(outShape.dropLast())
        let channels = inShape.last!, groupChannels = channels / groups, groupFilters = filters / groups
        let inSize = saturatingProduct(inShape), outSize = saturatingProduct(outShape), positions = saturatingProduct(outSpatial)
        let kernel = layer.weights[0].offset, bias = useBias ? layer.weights[1].offset : nil
        let outStrides = rowMajorStrides(outSpatial)
        var z = [Double](repeating: 0, count: rows * outSize)
        for sample in 0..<rows {
            for position in 0..<positions {
                // Each axis's output index, then the window's in-bounds taps along it.
                let index = outSpatial.indices.map { (position / outStrides[$0]) % outSpatial[$0] }
                let taps = window.windowTaps(at: index, input: spatial)
                for f in 0..<filters {
                    let group = f / groupFilters
                    var sum = bias.map { params[$0 + f] } ?? 0
                    for tap in taps {
                        for ci in 0..<groupChannels {
                            let x = input[sample * inSize + tap.input * channels + group * groupChannels + ci]
                            sum += x * params[kernel + (tap.kernel * groupChannels + ci) * filters + f]
                        }
                    }
                    z[sample * outSize + position * filters + f] = sum
                }
            }
        }
        return (ReferenceMath.activate(z, cols: filters, activation, alpha: Double(alpha)), z)
    }
}
