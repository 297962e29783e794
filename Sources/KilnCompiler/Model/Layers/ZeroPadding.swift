import KilnSpec
import KilnCore

/// keras.layers.ZeroPadding1D/2D/3D (channels_last): zeros around the spatial axes, `padding`
/// (1 on each side by default) as an int, or per axis an int or (before, after).
struct ZeroPadding<R: SpatialRank>: ShiftLayer {
    static var kerasClass: String { "ZeroPadding\(R.rank)D" }
    static var namePrefix: String { "zero_padding\(R.rank)d" }
    static var keys: [String] { ["padding", "data_format"] }

    var padding: [(Int, Int)]

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> ZeroPadding? {
        let padding = readSpatialPairs(config, key: "padding", rank: R.rank, default: 1, diagnostics: diagnostics)
        guard readChannelsLast(config, diagnostics: diagnostics), let padding else { return nil }
        return ZeroPadding(padding: padding)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == R.rank + 1 else {
            diagnostics.error(rankMismatch(name, expected: R.rank + 2, inputShape: inputShape), at: location)
            return nil
        }
        let spatial = zip(inputShape.dropLast(), padding).map { $0 + $1.0 + $1.1 }
        return BuiltLayer(op: self, weights: [], outputShape: spatial + [inputShape.last!])
    }

    func describe(_ node: LayerNode) -> String { "\(Self.kerasClass)(padding=\(pythonPairs(padding)))" }
    func signature(_ node: LayerNode) -> String { "\(Self.kerasClass)\(pythonPairs(padding))" }
    func kerasArguments(_ node: LayerNode) -> [String] {
        ["padding=" + (R.rank == 1 ? "(\(padding[0].0), \(padding[0].1))" : pythonPairs(padding))]
    }

    /// Zeros before each axis.
    var offset: [Int] { padding.map(\.0) }
}

/// A layer whose output position p is its input's position p - offset, zero outside the input:
/// ZeroPadding (a positive offset) and Cropping (a negative one), over the runtime's shift kernels.
protocol ShiftLayer: LayerKind {
    var offset: [Int] { get }
}

extension ShiftLayer {
    func cKernels(_ c: CLayerContext) -> String {
        let channels = c.node.inputShape.last!
        var out = "static const int \(c.name)_in[3] = \(cThree(Array(c.node.inputShape.dropLast()), fill: 1)), \(c.name)_out[3] = \(cThree(Array(c.node.outputShape.dropLast()), fill: 1));\n"
        out += "static const int \(c.name)_offset[3] = \(cThree(offset, fill: 0));  // output position p reads input position p - offset\n"
        out += "static void \(c.forwardName)(float *out, const float *inp, int n) {\n"
        out += "    // out \(c.outShape); inp \(c.inShape)\n"
        out += "    kiln_shift_forward(out, inp, n, \(c.name)_in, \(c.name)_out, \(c.name)_offset, \(channels));\n"
        out += "}\n"
        if c.emitBackward && c.layer.needsInputGradient {
            out += "static void \(c.backwardName)(float *dinp, const float *dout, int n) {\n"
            out += "    // dinp \(c.inShape) += dout \(c.outShape) where the output reads the input\n"
            out += "    kiln_shift_backward(dinp, dout, n, \(c.name)_in, \(c.name)_out, \(c.name)_offset, \(channels));\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? { c.plainForwardCall }
    func backwardCall(_ c: CLayerContext) -> String? { c.plainBackwardCall }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        (shiftReference(input, rows: rows, inShape: layer.node.inputShape, outShape: layer.node.outputShape, offset: offset), nil)
    }
}

/// Output position p reads input position p - offset, zero outside: ZeroPadding's and Cropping's reference.
func shiftReference(_ input: [Double], rows: Int, inShape: [Int], outShape: [Int], offset: [Int]) -> [Double] {
    let channels = inShape.last!, inSpatial = Array(inShape.dropLast()), outSpatial = Array(outShape.dropLast())
    let inSize = saturatingProduct(inShape), outSize = saturatingProduct(outShape)
    let inStrides = rowMajorStrides(inSpatial), outStrides = rowMajorStrides(outSpatial)
    var output = [Double](repeating: 0, count: rows * outSize)
    for sample in 0..<rows {
        for position in 0..<saturatingProduct(outSpatial) {
            let source = outSpatial.indices.map { (position / outStrides[$0]) % outSpatial[$0] - offset[$0] }
            guard source.indices.allSatisfy({ source[$0] >= 0 && source[$0] < inSpatial[$0] }) else { continue }
            let from = zip(source, inStrides).map(*).reduce(0, +)
            for ch in 0..<channels { output[sample * outSize + position * channels + ch] = input[sample * inSize + from * channels + ch] }
        }
    }
    return output
}
