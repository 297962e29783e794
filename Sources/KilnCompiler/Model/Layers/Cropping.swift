import KilnSpec
import KilnCore

/// keras.layers.Cropping1D/2D/3D (channels_last): rows cut from each spatial axis, `cropping`
/// (Keras's defaults: 1 on each side for 1D and 3D, none for 2D) as an int, or per axis an int
/// or (before, after).
struct Cropping<R: SpatialRank>: LayerKind {
    static var kerasClass: String { "Cropping\(R.rank)D" }
    static var namePrefix: String { "cropping\(R.rank)d" }
    static var keys: [String] { ["cropping", "data_format"] }

    var cropping: [(Int, Int)]

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Cropping? {
        let cropping = readSpatialPairs(config, key: "cropping", rank: R.rank, default: R.rank == 2 ? 0 : 1, diagnostics: diagnostics)
        guard readChannelsLast(config, diagnostics: diagnostics), let cropping else { return nil }
        return Cropping(cropping: cropping)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == R.rank + 1 else {
            diagnostics.error(rankMismatch(name, expected: R.rank + 2, inputShape: inputShape), at: location)
            return nil
        }
        let spatial = zip(inputShape.dropLast(), cropping).map { $0 - $1.0 - $1.1 }
        guard spatial.allSatisfy({ $0 > 0 }) else {
            let shown = R.rank == 1 ? "(\(cropping[0].0), \(cropping[0].1))" : pythonPairs(cropping)
            diagnostics.error(R.rank == 1
                ? "`cropping` parameter of `Cropping1D` layer must be smaller than the input length. Received: input_shape=\(kerasShape(inputShape)), cropping=\(shown)"
                : "Values in `cropping` argument should be smaller than the corresponding spatial dimension of the input. Received: input_shape=\(kerasShape(inputShape)), cropping=\(shown)", at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: spatial + [inputShape.last!])
    }

    func describe(_ node: LayerNode) -> String { "\(Self.kerasClass)(cropping=\(pythonPairs(cropping)))" }
    func signature(_ node: LayerNode) -> String { "\(Self.kerasClass)\(pythonPairs(cropping))" }
    func kerasArguments(_ node: LayerNode) -> [String] {
        ["cropping=" + (R.rank == 1 ? "(\(cropping[0].0), \(cropping[0].1))" : pythonPairs(cropping))]
    }

    func cKernels(_ c: CLayerContext) -> String {
        let channels = c.node.inputShape.last!
        var out = "static const int \(c.name)_in[3] = \(cThree(Array(c.node.inputShape.dropLast()), fill: 1)), \(c.name)_out[3] = \(cThree(Array(c.node.outputShape.dropLast()), fill: 1));\n"
        out += "static const int \(c.name)_offset[3] = \(cThree(cropping.map { -$0.0 }, fill: 0));  // rows cut before each axis\n"
        out += "static void \(c.forwardName)(float *out, const float *inp, int n) {\n"
        out += "    // out \(c.outShape); inp \(c.inShape)\n"
        out += "    kiln_shift_forward(out, inp, n, \(c.name)_in, \(c.name)_out, \(c.name)_offset, \(channels));\n"
        out += "}\n"
        if c.emitBackward && c.layer.needsInputGradient {
            out += "static void \(c.backwardName)(float *dinp, const float *dout, int n) {\n"
            out += "    // dinp \(c.inShape) += dout \(c.outShape) where it was kept\n"
            out += "    kiln_shift_backward(dinp, dout, n, \(c.name)_in, \(c.name)_out, \(c.name)_offset, \(channels));\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? { c.plainForwardCall }
    func backwardCall(_ c: CLayerContext) -> String? { c.plainBackwardCall }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        (shiftReference(input, rows: rows, inShape: layer.node.inputShape, outShape: layer.node.outputShape, offset: cropping.map { -$0.0 }), nil)
    }
}
