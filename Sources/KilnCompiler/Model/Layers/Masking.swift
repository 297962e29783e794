import KilnSpec
import KilnCore

/// keras.layers.Masking: a step whose features all equal `mask_value` is masked (its values set
/// to 0), and the output carries the mask of its steps for the recurrent layers after it.
struct Masking: LayerKind {
    static let kerasClass = "Masking"
    static let namePrefix = "masking"
    static let keys = ["mask_value"]

    var maskValue: Float

    var buffers: LayerBuffers { LayerBuffers(mask: true) }
    var producesMask: Bool { true }

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Masking? {
        Masking(maskValue: Float(config.double("mask_value") ?? 0))
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count >= 2 else {
            diagnostics.error(rankMismatch(name, expected: 3, min: true, inputShape: inputShape), at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: inputShape)
    }

    func describe(_ node: LayerNode) -> String { "Masking(mask_value=\(maskValue))" }
    func signature(_ node: LayerNode) -> String { "Masking(\(maskValue))" }

    func cKernels(_ c: CLayerContext) -> String {
        let features = c.node.inputShape.last!, steps = saturatingProduct(c.node.inputShape.dropLast())
        var out = "static void \(c.forwardName)(float *out, float *mask, const float *inp, int n) {\n"
        out += "    // out, inp \(c.inShape); mask \(CFormat.shape(Array(c.node.inputShape.dropLast()), batch: "n")): any feature != \(maskValue)\n"
        out += "    kiln_masking_forward(out, mask, inp, (int64_t)n * \(steps), \(features), \(CFormat.float(maskValue)));\n"
        out += "}\n"
        guard c.emitBackward else { return out + "\n" }
        out += "static void \(c.backwardName)(float *dinp, const float *dout, const float *mask, int n) {\n"
        out += "    kiln_masking_backward(dinp, dout, mask, (int64_t)n * \(steps), \(features));  // dinp \(c.inShape) += dout where kept\n"
        return out + "}\n\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? {
        "\(c.forwardName)(\(c.act(c.layer.output)), \(c.act(c.layer.mask!)), \(c.act(c.layer.input)), n);"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        guard c.layer.needsInputGradient else { return nil }
        return "\(c.backwardName)(\(c.dact(c.layer.input)), \(c.dact(c.layer.output)), \(c.act(c.layer.mask!)), n);"
    }

    func kerasArguments(_ node: LayerNode) -> [String] { ["mask_value=\(Python.float(maskValue))"] }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let stepMask = referenceStepMask(input, rows: rows, layer: layer)!, features = layer.node.inputShape.last!
        return (input.enumerated().map { stepMask[$0.offset / features] == 0 ? 0 : $0.element }, nil)
    }

    func referenceStepMask(_ input: [Double], rows: Int, layer: PlannedLayer) -> [Double]? {
        let features = layer.node.inputShape.last!
        return (0..<(input.count / features)).map { step in
            input[(step * features)..<((step + 1) * features)].contains { $0 != Double(maskValue) } ? 1 : 0
        }
    }
}
