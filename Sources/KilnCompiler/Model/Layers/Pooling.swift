import KilnSpec
import KilnCore

/// Max or average over each window, channel by channel.
public protocol PoolMode: Sendable {
    static var isMax: Bool { get }
}
public enum MaxPool: PoolMode { public static let isMax = true }
public enum AveragePool: PoolMode { public static let isMax = false }

/// keras.layers.MaxPooling1D/2D/3D and AveragePooling1D/2D/3D (channels_last): `pool_size`
/// (max: 2 per axis; average: required), `strides` (the pool size), `padding` valid or same. Max ignores padded cells;
/// average divides by the window's cells inside the input, as TF does.
struct Pooling<R: SpatialRank, Mode: PoolMode>: LayerKind {
    static var kerasClass: String { "\(Mode.isMax ? "Max" : "Average")Pooling\(R.rank)D" }
    static var namePrefix: String { "\(Mode.isMax ? "max" : "average")_pooling\(R.rank)d" }
    static var keys: [String] { ["pool_size", "strides", "padding", "data_format"] }

    var window: SpatialWindow

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Pooling? {
        let rank = R.rank
        // Average pooling has no default pool size in Keras 3; max pooling's is 2 per axis.
        if !Mode.isMax && config["pool_size"] == nil {
            diagnostics.error("\(kerasClass).__init__() missing 1 required positional argument: 'pool_size'", at: location)
            return nil
        }
        let size = readSpatialTuple(config, key: "pool_size", rank: rank, default: [Int](repeating: 2, count: rank), diagnostics: diagnostics)
        let strides = readSpatialTuple(config, key: "strides", rank: rank, default: size, allowZero: true, diagnostics: diagnostics)
        if let strides, strides.contains(0), let node = config["strides"] {
            diagnostics.error("Kiln needs pooling strides of at least 1. Received: strides=\(pythonTuple(strides))", at: node.location)
        }
        // Keras checks padding only when it computes the output shape, and takes it as written.
        var padding: SpatialPadding? = .valid
        if let node = config["padding"], let text = config.string("padding") {
            padding = text == "valid" ? .valid : text == "same" ? .same : nil
            if padding == nil {
                diagnostics.error("Argument `padding` must be either 'valid' or 'same'. Received: padding=\(text)", at: node.location)
            }
        }
        let channelsLast = readChannelsLast(config, diagnostics: diagnostics)
        guard let size, let strides, !strides.contains(0), let padding, channelsLast else { return nil }
        return Pooling(window: SpatialWindow(size: size, strides: strides, dilation: [Int](repeating: 1, count: rank), padding: padding))
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == R.rank + 1 else {
            diagnostics.error(rankMismatch(name, expected: R.rank + 2, inputShape: inputShape), at: location)
            return nil
        }
        let spatial = Array(inputShape.dropLast())
        let output = window.outputSizes(spatial)
        guard output.allSatisfy({ $0 > 0 }) else {
            let shape = "[" + (["None"] + inputShape.map(String.init)).joined(separator: " ") + "]"
            diagnostics.error("Computed output size would be zero or negative. Received: `inputs.shape=\(shape)`, `pool_size=\(numpyIntArray(window.size))`, `strides=\(pythonTuple(window.strides))`, `padding=\(window.padding.rawValue)`.", at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: output + [inputShape.last!])
    }

    func describe(_ node: LayerNode) -> String {
        "\(Self.kerasClass)(pool_size=\(pythonTuple(window.size)), strides=\(pythonTuple(window.strides)), padding=\(window.padding.rawValue))"
    }

    func signature(_ node: LayerNode) -> String { "\(Self.kerasClass)\(pythonTuple(window.size))" }

    func kerasArguments(_ node: LayerNode) -> [String] {
        var args = ["pool_size=\(Python.tuple(window.size))"]
        if window.strides != window.size { args.append("strides=\(Python.tuple(window.strides))") }
        if window.padding != .valid { args.append("padding=\(Python.string(window.padding.rawValue))") }
        return args
    }

    // MARK: C

    func cKernels(_ c: CLayerContext) -> String {
        let channels = c.node.inputShape.last!, spatial = Array(c.node.inputShape.dropLast())
        let geometry = "\(c.name)_geometry", kind = Mode.isMax ? "max" : "avg"
        let statics = "static const kiln_conv_geometry \(geometry) = \(window.cGeometry(input: spatial, channels: channels, filters: channels, groups: channels));\n"
        return poolingKernels(c, isMax: Mode.isMax, statics: statics, forward: "kiln_\(kind)_pool_forward(out, inp, n, &\(geometry));",
                              backward: !Mode.isMax ? "kiln_avg_pool_backward(dinp, dout, n, &\(geometry));  // dinp += dout / cells of each window"
                                  : c.layer.inputPreActivationGradient != nil
                                  ? "kiln_max_pool_relu_backward(dinp, dout, inp, out, n, &\(geometry));  // dinp: the ReLU layer's dz, += dout at each window's first maximum where it is > 0"
                                  : "kiln_max_pool_backward(dinp, dout, inp, out, n, &\(geometry));  // dinp += dout at each window's first maximum")
    }

    /// A max pool writes the pre-activation gradient of the ReLU layer it reads (KernelPlan).
    var fusesReLUBackward: Bool { Mode.isMax }

    func forwardCall(_ c: CLayerContext) -> String? { c.plainForwardCall }
    func backwardCall(_ c: CLayerContext) -> String? { poolingBackwardCall(c, isMax: Mode.isMax) }

    // MARK: reference

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let inShape = layer.node.inputShape, outShape = layer.node.outputShape
        let spatial = Array(inShape.dropLast()), outSpatial = Array(outShape.dropLast()), channels = inShape.last!
        let inSize = saturatingProduct(inShape), outSize = saturatingProduct(outShape), positions = saturatingProduct(outSpatial)
        let inStrides = rowMajorStrides(spatial), outStrides = rowMajorStrides(outSpatial)
        var output = [Double](repeating: 0, count: rows * outSize)
        for sample in 0..<rows {
            for position in 0..<positions {
                let index = outSpatial.indices.map { (position / outStrides[$0]) % outSpatial[$0] }
                var cells = [0]
                for axis in spatial.indices {
                    cells = cells.flatMap { partial in window.taps(output: index[axis], axis: axis, input: spatial).map { partial + $0.position * inStrides[axis] } }
                }
                for ch in 0..<channels {
                    let values = cells.map { input[sample * inSize + $0 * channels + ch] }
                    output[sample * outSize + position * channels + ch] = Mode.isMax ? values.max()! : values.reduce(0, +) / Double(values.count)
                }
            }
        }
        return (output, nil)
    }
}

/// A pooling layer's kernels, each one runtime call; max's backward also reads the input and
/// output, to find each window's winner again.
func poolingKernels(_ c: CLayerContext, isMax: Bool, statics: String, forward: String, backward: String) -> String {
    var out = statics
    out += "static void \(c.forwardName)(float *out, const float *inp, int n) {\n"
    out += "    // out \(c.outShape); inp \(c.inShape)\n"
    out += "    \(forward)\n"
    out += "}\n"
    if c.emitBackward && c.layer.needsInputGradient {
        out += isMax ? "static void \(c.backwardName)(float *dinp, const float *dout, const float *inp, const float *out, int n) {\n"
                     : "static void \(c.backwardName)(float *dinp, const float *dout, int n) {\n"
        out += isMax ? "    // dinp, inp \(c.inShape); dout, out \(c.outShape)\n" : "    // dinp \(c.inShape); dout \(c.outShape)\n"
        out += "    \(backward)\n"
        out += "}\n"
    }
    return out + "\n"
}

func poolingBackwardCall(_ c: CLayerContext, isMax: Bool) -> String? {
    guard isMax else { return c.plainBackwardCall }
    let layer = c.layer
    guard layer.needsInputGradient else { return nil }
    return "\(c.backwardName)(\(c.dact(layer.inputPreActivationGradient ?? layer.input)), \(c.dact(layer.output)), \(c.act(layer.input)), \(c.act(layer.output)), n);"
}
