import KilnSpec
import KilnCore

/// keras.layers.UpSampling1D/2D/3D (channels_last, nearest): each spatial position repeated
/// `size` times along each axis (2 by default).
struct UpSampling<R: SpatialRank>: LayerKind {
    static var kerasClass: String { "UpSampling\(R.rank)D" }
    static var namePrefix: String { "up_sampling\(R.rank)d" }
    static var keys: [String] { R.rank == 2 ? ["size", "data_format", "interpolation"] : R.rank == 3 ? ["size", "data_format"] : ["size"] }

    var size: [Int]

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> UpSampling? {
        let size = readSpatialTuple(config, key: "size", rank: R.rank, default: [Int](repeating: 2, count: R.rank), diagnostics: diagnostics)
        if let node = config["interpolation"], let mode = config.string("interpolation"), mode.lowercased() != "nearest" {
            diagnostics.error("Kiln's UpSampling2D interpolates nearest only (Keras's default). Received: interpolation=\(mode)", at: node.location)
            return nil
        }
        guard readChannelsLast(config, diagnostics: diagnostics), let size else { return nil }
        return UpSampling(size: size)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == R.rank + 1 else {
            diagnostics.error(rankMismatch(name, expected: R.rank + 2, inputShape: inputShape), at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: zip(inputShape.dropLast(), size).map(*) + [inputShape.last!])
    }

    func describe(_ node: LayerNode) -> String { "\(Self.kerasClass)(size=\(pythonTuple(size)))" }
    func signature(_ node: LayerNode) -> String { "\(Self.kerasClass)\(pythonTuple(size))" }
    func kerasArguments(_ node: LayerNode) -> [String] { ["size=" + (R.rank == 1 ? "\(size[0])" : Python.tuple(size))] }

    func cKernels(_ c: CLayerContext) -> String {
        let channels = c.node.inputShape.last!
        var out = "static const int \(c.name)_in[3] = \(cThree(Array(c.node.inputShape.dropLast()), fill: 1)), \(c.name)_size[3] = \(cThree(size, fill: 1));\n"
        out += "static void \(c.forwardName)(float *out, const float *inp, int n) {\n"
        out += "    // out \(c.outShape); inp \(c.inShape)\n"
        out += "    kiln_upsample_forward(out, inp, n, \(c.name)_in, \(c.name)_size, \(channels));\n"
        out += "}\n"
        if c.emitBackward && c.layer.needsInputGradient {
            out += "static void \(c.backwardName)(float *dinp, const float *dout, int n) {\n"
            out += "    // dinp \(c.inShape) += the sum of its copies in dout \(c.outShape)\n"
            out += "    kiln_upsample_backward(dinp, dout, n, \(c.name)_in, \(c.name)_size, \(channels));\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? { c.plainForwardCall }
    func backwardCall(_ c: CLayerContext) -> String? { c.plainBackwardCall }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let inShape = layer.node.inputShape, outShape = layer.node.outputShape, channels = inShape.last!
        let inSpatial = Array(inShape.dropLast()), outSpatial = Array(outShape.dropLast())
        let inSize = saturatingProduct(inShape), outSize = saturatingProduct(outShape)
        let inStrides = rowMajorStrides(inSpatial), outStrides = rowMajorStrides(outSpatial)
        var output = [Double](repeating: 0, count: rows * outSize)
        for sample in 0..<rows {
            for position in 0..<saturatingProduct(outSpatial) {
                let from = outSpatial.indices.map { ((position / outStrides[$0]) % outSpatial[$0]) / size[$0] * inStrides[$0] }.reduce(0, +)
                for ch in 0..<channels { output[sample * outSize + position * channels + ch] = input[sample * inSize + from * channels + ch] }
            }
        }
        return (output, nil)
    }
}
