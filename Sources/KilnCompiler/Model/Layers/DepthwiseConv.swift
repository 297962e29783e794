import KilnSpec
import KilnCore

/// keras.layers.DepthwiseConv1D and DepthwiseConv2D (channels_last): each input channel c is
/// convolved with its own `depth_multiplier` filters, output channel c * multiplier + m. Keras's
/// kernel (k..., in_channels, multiplier) has the memory order of a convolution with
/// groups = in_channels and kernel (k..., 1, in_channels * multiplier), so the runtime's grouped
/// (depthwise) convolution runs it unchanged.
struct DepthwiseConv<R: SpatialRank>: ConvolutionLayer {
    static var kerasClass: String { "DepthwiseConv\(R.rank)D" }
    static var namePrefix: String { "depthwise_conv\(R.rank)d" }
    static var keys: [String] {
        ["kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate", "activation", "use_bias",
         "depthwise_initializer", "bias_initializer", "depthwise_regularizer"]
    }

    var depthMultiplier: Int
    var window: SpatialWindow
    var activation: ActivationKind
    var useBias: Bool
    var kernelInitializer: Initializer
    var biasInitializer: Initializer
    var kernelL2: Float?
    /// Resolved by `build`.
    var channels = 0

    var units: Int { saturatingProduct([channels, depthMultiplier]) }  // a huge depth_multiplier: the size check reports it

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> DepthwiseConv? {
        checkRequired(["kernel_size"], of: kerasClass, in: config, at: location, diagnostics: diagnostics)
        let multiplier = config.int("depth_multiplier") ?? 1
        if multiplier <= 0 {
            diagnostics.error("Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier=\(multiplier).",
                              at: config["depth_multiplier"]!.location)
        }
        let window = readConvWindow(config, rank: R.rank, allowsCausal: false, diagnostics: diagnostics)
        let channelsLast = readChannelsLast(config, diagnostics: diagnostics)
        let activation = readActivation(config, diagnostics: diagnostics)
        let useBias = config.bool("use_bias") ?? true
        let kernelInitializer = readInitializer(config, key: "depthwise_initializer", default: .glorotUniform, diagnostics: diagnostics)
        let biasInitializer = readInitializer(config, key: "bias_initializer", default: .zeros, diagnostics: diagnostics)
        let l2 = readL2(config, key: "depthwise_regularizer", diagnostics: diagnostics)
        guard multiplier > 0, let window, channelsLast, let activation, let kernelInitializer, let biasInitializer,
              !l2.present || l2.factor != nil else { return nil }
        return DepthwiseConv(depthMultiplier: multiplier, window: window, activation: activation, useBias: useBias,
                             kernelInitializer: kernelInitializer, biasInitializer: biasInitializer, kernelL2: l2.factor)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard checkConvInput(inputShape, kerasClass: Self.kerasClass, rank: R.rank, name: name, at: location, diagnostics: diagnostics) else { return nil }
        var built = self
        built.channels = inputShape.last!
        let spatial = Array(inputShape.dropLast())
        let output = window.outputSizes(spatial)
        guard output.allSatisfy({ $0 > 0 }) else {
            diagnostics.error("Computed output size would be zero or negative. Received `inputs shape=\(kerasShape(inputShape))`, `kernel shape=\(pythonTuple(window.size + [built.channels, built.units]))`, `dilation_rate=\(numpyIntArray(window.dilation))`, `strides=\(pythonTuple(window.strides))`, `padding=\(window.padding.rawValue)`.", at: location)
            return nil
        }
        let kernelShape = window.size + [built.channels, depthMultiplier]
        let fans = kerasFans(kernelShape)
        var weights = [WeightDecl(name: "kernel", shape: kernelShape, initializer: kernelInitializer, fanIn: fans.fanIn, fanOut: fans.fanOut, l2: kernelL2)]
        if useBias {
            weights.append(WeightDecl(name: "bias", shape: [built.units], initializer: biasInitializer, fanIn: fans.fanIn, fanOut: fans.fanOut, l2: nil))
        }
        return BuiltLayer(op: built, weights: weights, outputShape: output + [built.units])
    }

    func describe(_ node: LayerNode) -> String {
        var text = "\(Self.kerasClass)(kernel_size=\(pythonTuple(window.size)), strides=\(pythonTuple(window.strides)), padding=\(window.padding.rawValue)"
        if depthMultiplier != 1 { text += ", depth_multiplier=\(depthMultiplier)" }
        if window.dilation.contains(where: { $0 > 1 }) { text += ", dilation_rate=\(pythonTuple(window.dilation))" }
        return text + ", activation=\(activation.kerasName)\(useBias ? "" : ", use_bias=False"))"
    }

    func signature(_ node: LayerNode) -> String { "\(Self.kerasClass)(\(pythonTuple(window.size)), \(depthMultiplier), \(activation.kerasName))" }

    // MARK: C (ConvolutionLayer)

    func geometryGroups(channels: Int) -> Int { channels }

    // MARK: Keras

    func kerasArguments(_ node: LayerNode) -> [String] {
        var args = [Python.tuple(window.size)] + window.kerasArguments
        if depthMultiplier != 1 { args.append("depth_multiplier=\(depthMultiplier)") }
        args.append("activation=\(Python.string(activation.kerasName))")
        if !useBias { args.append("use_bias=False") }
        args.append("depthwise_initializer=\(Python.initializer(kernelInitializer))")
        if useBias { args.append("bias_initializer=\(Python.initializer(biasInitializer))") }
        if let kernelL2 { args.append("depthwise_regularizer=\(Python.l2(kernelL2))") }
        return args
    }

    // MARK: reference

    /// From the definition in float64: output channel c * multiplier + m sums input channel c's
    /// in-bounds taps against kernel[tap, c, m].
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let inShape = layer.node.inputShape, outShape = layer.node.outputShape
        let z = depthwiseReference(input, rows: rows, inShape: inShape, outShape: outShape, window: window, multiplier: depthMultiplier,
                                   params: params, kernel: layer.weights[0].offset, bias: useBias ? layer.weights[1].offset : nil)
        return (ReferenceMath.activate(z, cols: units, activation, alpha: Double(alpha)), z)
    }
}

/// A depthwise convolution in float64, from the definition (DepthwiseConv's and
/// SeparableConv's references): kernel (k..., channels, multiplier) at `kernel` in `params`.
func depthwiseReference(_ input: [Double], rows: Int, inShape: [Int], outShape: [Int], window: SpatialWindow, multiplier: Int,
                        params: [Double], kernel: Int, bias: Int?) -> [Double] {
    let spatial = Array(inShape.dropLast()), outSpatial = Array(outShape.dropLast())
    let channels = inShape.last!, outChannels = channels * multiplier
    let inSize = saturatingProduct(inShape), positions = saturatingProduct(outSpatial)
    let outStrides = rowMajorStrides(outSpatial)
    var z = [Double](repeating: 0, count: rows * positions * outChannels)
    for sample in 0..<rows {
        for position in 0..<positions {
            let index = outSpatial.indices.map { (position / outStrides[$0]) % outSpatial[$0] }
            let taps = window.windowTaps(at: index, input: spatial)
            for c in 0..<channels {
                for m in 0..<multiplier {
                    let o = c * multiplier + m
                    var sum = bias.map { params[$0 + o] } ?? 0
                    for tap in taps {
                        sum += input[sample * inSize + tap.input * channels + c] * params[kernel + tap.kernel * outChannels + o]
                    }
                    z[(sample * positions + position) * outChannels + o] = sum
                }
            }
        }
    }
    return z
}
