import KilnSpec
import KilnCore

/// keras.layers.Concatenate: inputs joined along `axis` (-1, the channels, by default); every
/// other axis must match.
struct Concatenate: MergeLayer {
    static let kerasClass = "Concatenate"
    static let namePrefix = "concatenate"
    static let keys = ["axis"]

    var axis: Int

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Concatenate? {
        config.int("axis").map { Concatenate(axis: $0) } ?? (config["axis"] == nil ? Concatenate(axis: -1) : nil)
    }

    /// The axis among a sample's axes (Keras counts the batch as axis 0).
    func sampleAxis(rank: Int) -> Int? {
        let full = axis < 0 ? axis + rank + 1 : axis
        return full >= 1 && full <= rank ? full - 1 : nil
    }

    func build(inputShapes: [[Int]], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        let received = "[" + inputShapes.map(kerasShape).joined(separator: ", ") + "]"
        guard inputShapes.count >= 2 else {
            diagnostics.error("A `Concatenate` layer should be called on a list of inputs. Received: input_shape=\(kerasShape(inputShapes[0]))", at: location)
            return nil
        }
        let rank = inputShapes[0].count
        guard let a = sampleAxis(rank: rank) else {
            diagnostics.error("Kiln's Concatenate joins a sample's axes (1 to \(rank), or -1 to -\(rank)); axis=\(axis) is \(axis == 0 || axis == -(rank + 1) ? "the batch axis" : "out of range") for inputs \(received)", at: location)
            return nil
        }
        let rest = { (shape: [Int]) -> [Int] in var s = shape; s.remove(at: a); return s }
        guard inputShapes.allSatisfy({ $0.count == rank && rest($0) == rest(inputShapes[0]) }) else {
            diagnostics.error("A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=\(received)", at: location)
            return nil
        }
        var output = inputShapes[0]
        output[a] = inputShapes.map { $0[a] }.reduce(0, +)
        return BuiltLayer(op: self, weights: [], outputShape: output)
    }

    func describe(_ node: LayerNode) -> String { "Concatenate(axis=\(axis)) of \(node.inputs.count) inputs" }
    func signature(_ node: LayerNode) -> String { "Concatenate(\(axis))" }
    func kerasArguments(_ node: LayerNode) -> [String] { axis == -1 ? [] : ["axis=\(axis)"] }

    /// (outer, widths, inner) of the per-sample views: axes before, along and after the axis.
    func views(_ node: LayerNode) -> (outer: Int, widths: [Int], inner: Int) {
        let a = sampleAxis(rank: node.outputShape.count)!
        return (saturatingProduct(node.outputShape.prefix(a)), node.inputShapes.map { $0[a] }, saturatingProduct(node.outputShape.suffix(from: a + 1)))
    }

    func cKernels(_ c: CLayerContext) -> String {
        let k = c.node.inputs.count, (outer, widths, inner) = views(c.node)
        let ins = (0..<k).map { "const float *inp\($0)" }.joined(separator: ", ")
        var out = "static const int \(c.name)_widths[\(k)] = {\(widths.map(String.init).joined(separator: ", "))};  // each input's size along the axis\n"
        out += "static void \(c.forwardName)(float *out, \(ins), int n) {\n"
        out += "    // out \(c.outShape); inputs viewed as (n * \(outer), width, \(inner))\n"
        out += "    const float *inputs[\(k)] = {\((0..<k).map { "inp\($0)" }.joined(separator: ", "))};\n"
        out += "    kiln_concat_forward(out, inputs, \(c.name)_widths, \(k), (int64_t)n * \(outer), \(inner));\n"
        out += "}\n"
        if c.emitBackward && c.layer.inputNeedsGradient.contains(true) {
            let dins = (0..<k).map { "float *dinp\($0)" }.joined(separator: ", ")
            out += "static void \(c.backwardName)(\(dins), const float *dout, int n) {\n"
            out += "    // dinp0..dinp\(k - 1) += their slices of dout \(c.outShape); NULL where not needed\n"
            out += "    float *dinputs[\(k)] = {\((0..<k).map { "dinp\($0)" }.joined(separator: ", "))};\n"
            out += "    kiln_concat_backward(dinputs, dout, \(c.name)_widths, \(k), (int64_t)n * \(outer), \(inner));\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        guard c.layer.inputNeedsGradient.contains(true) else { return nil }
        return "\(c.backwardName)(\((inputGradients(c) + [c.dact(c.layer.output), "n"]).joined(separator: ", ")));"
    }

    func mergeReference(_ inputs: [[Double]], rows: Int, layer: PlannedLayer) -> [Double] {
        let (outer, widths, inner) = views(layer.node)
        var output: [Double] = []
        output.reserveCapacity(rows * outer * widths.reduce(0, +) * inner)
        for o in 0..<(rows * outer) {
            for (input, width) in zip(inputs, widths) {
                output += input[(o * width * inner)..<((o + 1) * width * inner)]
            }
        }
        return output
    }
}
