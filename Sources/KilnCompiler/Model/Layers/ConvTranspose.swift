import KilnSpec
import KilnCore

/// keras.layers.Conv1DTranspose, Conv2DTranspose and Conv3DTranspose (channels_last): the
/// gradient of a convolution with respect to its input, used as a layer. Kernel
/// (k..., filters, in_channels), as Keras lays it out; output (in - 1) * strides + max(k, strides)
/// for "valid", in * strides for "same".
///
/// It runs on the convolution kernels of the convolution it transposes, which maps this
/// layer's output (filters channels) to its input: forward is that convolution's input
/// gradient, the input gradient is that convolution, and the kernel gradient swaps roles.
struct ConvTranspose<R: SpatialRank>: AffineLayer {
    static var kerasClass: String { "Conv\(R.rank)DTranspose" }
    static var namePrefix: String { "conv\(R.rank)d_transpose" }
    static var keys: [String] {
        ["filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate", "activation", "use_bias",
         "kernel_initializer", "bias_initializer", "kernel_regularizer"]
    }

    var filters: Int
    var window: SpatialWindow
    var activation: ActivationKind
    var useBias: Bool
    var kernelInitializer: Initializer
    var biasInitializer: Initializer
    var kernelL2: Float?

    var units: Int { filters }

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> ConvTranspose? {
        checkRequired(["filters", "kernel_size"], of: kerasClass, in: config, at: location, diagnostics: diagnostics)
        let filters = config.int("filters")
        if let filters, filters <= 0 {
            diagnostics.error("Invalid value for argument `filters`. Expected a strictly positive value. Received filters=\(filters).", at: config["filters"]!.location)
        }
        var window = readConvWindow(config, rank: R.rank, allowsCausal: false, diagnostics: diagnostics)
        if let node = config["output_padding"], node.scalarKind != .null {
            diagnostics.error("Kiln's \(kerasClass) takes output_padding=None only (Keras's default)", at: node.location)
            window = nil
        }
        let channelsLast = readChannelsLast(config, diagnostics: diagnostics)
        let activation = readActivation(config, diagnostics: diagnostics)
        let useBias = config.bool("use_bias") ?? true
        let kernelInitializer = readInitializer(config, key: "kernel_initializer", default: .glorotUniform, diagnostics: diagnostics)
        let biasInitializer = readInitializer(config, key: "bias_initializer", default: .zeros, diagnostics: diagnostics)
        let l2 = readL2(config, key: "kernel_regularizer", diagnostics: diagnostics)
        guard let filters, filters > 0, let window, channelsLast, let activation, let kernelInitializer, let biasInitializer,
              !l2.present || l2.factor != nil else { return nil }
        return ConvTranspose(filters: filters, window: window, activation: activation, useBias: useBias, kernelInitializer: kernelInitializer,
                             biasInitializer: biasInitializer, kernelL2: l2.factor)
    }

    /// Keras's output size along each axis (output_padding None).
    func outputSizes(_ input: [Int]) -> [Int] {
        input.indices.map { axis in
            let dilated = window.dilation[axis] * (window.size[axis] - 1) + 1
            return window.padding == .same ? input[axis] * window.strides[axis]
                : (input[axis] - 1) * window.strides[axis] + max(dilated, window.strides[axis])
        }
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard checkConvInput(inputShape, kerasClass: Self.kerasClass, rank: R.rank, name: name, at: location, diagnostics: diagnostics) else { return nil }
        let channels = inputShape.last!
        let kernelShape = window.size + [filters, channels]
        let fans = kerasFans(kernelShape)
        var weights = [WeightDecl(name: "kernel", shape: kernelShape, initializer: kernelInitializer, fanIn: fans.fanIn, fanOut: fans.fanOut, l2: kernelL2)]
        if useBias {
            weights.append(WeightDecl(name: "bias", shape: [filters], initializer: biasInitializer, fanIn: fans.fanIn, fanOut: fans.fanOut, l2: nil))
        }
        return BuiltLayer(op: self, weights: weights, outputShape: outputSizes(Array(inputShape.dropLast())) + [filters])
    }

    func describe(_ node: LayerNode) -> String {
        var text = "\(Self.kerasClass)(filters=\(filters), kernel_size=\(pythonTuple(window.size)), strides=\(pythonTuple(window.strides)), padding=\(window.padding.rawValue)"
        if window.dilation.contains(where: { $0 > 1 }) { text += ", dilation_rate=\(pythonTuple(window.dilation))" }
        return text + ", activation=\(activation.kerasName)\(useBias ? "" : ", use_bias=False"))"
    }

    func signature(_ node: LayerNode) -> String { "\(Self.kerasClass)(\(filters), \(pythonTuple(window.size)), \(activation.kerasName))" }

    // MARK: C

    func geometryName(_ c: CLayerContext) -> String { "\(c.name)_geometry" }

    /// The transposed convolution's geometry: from this layer's output to its input.
    func cDeclarations(_ c: CLayerContext) -> String {
        let output = Array(c.node.outputShape.dropLast())
        return "static const kiln_conv_geometry \(geometryName(c)) = \(window.cGeometry(input: output, channels: filters, filters: c.node.inputShape.last!, groups: 1));  // output -> input\n"
    }

    func kernelShape(_ c: CLayerContext) -> [Int] { c.layer.weights[0].decl.shape }

    func forwardProduct(_ c: CLayerContext, into z: String) -> String {
        "memset(\(z), 0, sizeof(float) * (size_t)n * \(saturatingProduct(c.node.outputShape))); kiln_conv_backward_input(\(z), inp, w, n, &\(geometryName(c)));  // \(z) = the transposed convolution's input gradient for inp"
    }

    func kernelGradient(_ c: CLayerContext) -> String {
        "kiln_conv_backward_kernel(dw, dz, inp, n, &\(geometryName(c)));  // dw \(CFormat.shape(kernelShape(c))) +=, dz in the input's role"
    }

    func inputGradient(_ c: CLayerContext) -> String {
        "kiln_conv_forward_accumulate(dinp, dz, w, n, &\(geometryName(c)));  // dinp \(c.inShape) += the transposed convolution of dz"
    }

    // MARK: Keras

    func kerasArguments(_ node: LayerNode) -> [String] {
        ["\(filters)", Python.tuple(window.size)] + window.kerasArguments + kerasAffineArguments
    }

    // MARK: reference

    /// From the definition: every input position scatters its values, times the kernel's taps,
    /// to the output positions the transposed convolution's window covers.
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let inShape = layer.node.inputShape, outShape = layer.node.outputShape
        let inSpatial = Array(inShape.dropLast()), outSpatial = Array(outShape.dropLast())
        let channels = inShape.last!, inSize = saturatingProduct(inShape), outSize = saturatingProduct(outShape)
        let kernel = layer.weights[0].offset, bias = useBias ? layer.weights[1].offset : nil
        let inStrides = rowMajorStrides(inSpatial)
        var z = [Double](repeating: 0, count: rows * outSize)
        for sample in 0..<rows {
            for position in 0..<saturatingProduct(inSpatial) {
                let index = inSpatial.indices.map { (position / inStrides[$0]) % inSpatial[$0] }
                // The convolution this one transposes reads, at output `index`, these cells of ours.
                for tap in window.windowTaps(at: index, input: outSpatial).map({ (kernel: $0.kernel, output: $0.input) }) {
                    for f in 0..<filters {
                        var sum = 0.0
                        for ch in 0..<channels {
                            sum += input[sample * inSize + position * channels + ch] * params[kernel + (tap.kernel * filters + f) * channels + ch]
                        }
                        z[sample * outSize + tap.output * filters + f] += sum
                    }
                }
            }
        }
        if let bias {
            for r in 0..<(z.count / filters) { for f in 0..<filters { z[r * filters + f] += params[bias + f] } }
        }
        return (ReferenceMath.activate(z, cols: filters, activation, alpha: Double(alpha)), z)
    }
}
