import Foundation
import KilnSpec

/// keras.layers.ReLU: min(x, max_value) if x > threshold, else negative_slope * (x - threshold),
/// computed as keras.activations.relu does (the clip passes the gradient on [0, max_value]).
struct ReLU: LayerKind {
    static let kerasClass = "ReLU"
    static let namePrefix = "re_lu"
    static let keys = ["max_value", "negative_slope", "threshold"]
    /// Keras's supports_masking: a mask of steps passes through to the layers after it.
    var propagatesMask: Bool { true }

    var maxValue: Float?
    var negativeSlope: Float
    var threshold: Float

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> ReLU? {
        func read(_ key: String, nullable: Bool, _ message: String) -> (ok: Bool, value: Float?) {
            guard let node = config[key] else { return (true, nil) }
            if case .null? = node.scalarKind {
                if nullable { return (true, nil) }
                diagnostics.error("\(message). Received: \(key)=None", at: node.location)
                return (false, nil)
            }
            guard let value = config.double(key) else { return (false, nil) }
            guard value >= 0, Float(value).isFinite else {
                diagnostics.error("\(message). Received: \(key)=\(value)", at: node.location)
                return (false, nil)
            }
            return (true, Float(value))
        }
        let maxValue = read("max_value", nullable: true, "max_value of a ReLU layer cannot be a negative value")
        let slope = read("negative_slope", nullable: false, "negative_slope of a ReLU layer cannot be None or a negative value")
        let threshold = read("threshold", nullable: false, "threshold of a ReLU layer cannot be None or a negative value")
        guard maxValue.ok, slope.ok, threshold.ok else { return nil }
        return ReLU(maxValue: maxValue.value, negativeSlope: slope.value ?? 0, threshold: threshold.value ?? 0)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        BuiltLayer(op: self, weights: [], outputShape: inputShape)
    }

    var maxText: String { maxValue.map(CFormat.float) ?? "KILN_UNBOUNDED" }

    func kerasArguments(_ node: LayerNode) -> [String] {
        ["max_value=\(maxValue.map(Python.float) ?? "None")", "negative_slope=\(Python.float(negativeSlope))", "threshold=\(Python.float(threshold))"]
    }

    func describe(_ node: LayerNode) -> String {
        "ReLU(max_value=\(maxValue.map { "\($0)" } ?? "None"), negative_slope=\(negativeSlope), threshold=\(threshold))"
    }

    func signature(_ node: LayerNode) -> String { "ReLU" }

    func cKernels(_ c: CLayerContext) -> String {
        let size = saturatingProduct(c.node.inputShape)
        let args = "\(maxText), \(CFormat.float(negativeSlope)), \(CFormat.float(threshold))"
        var out = "static void \(c.forwardName)(float *out, const float *inp, int n) {\n"
        out += "    // out, inp \(c.outShape)\n"
        out += "    kiln_relu_forward(out, inp, (int64_t)n * \(size), \(args));\n"
        out += "}\n"
        if c.emitBackward && c.layer.needsInputGradient {
            out += "static void \(c.backwardName)(float *dinp, const float *dout, const float *inp, int n) {\n"
            out += "    // dinp, dout, inp \(c.outShape)\n"
            out += "    kiln_relu_backward(dinp, dout, inp, (int64_t)n * \(size), \(args));  // dinp += dout * relu'\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? { c.plainForwardCall }

    func backwardCall(_ c: CLayerContext) -> String? {
        guard c.layer.needsInputGradient else { return nil }
        return "\(c.backwardName)(\(c.dact(c.layer.input)), \(c.dact(c.layer.output)), \(c.act(c.layer.input)), n);"
    }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let t = Double(threshold), slope = Double(negativeSlope), top = maxValue.map(Double.init) ?? .infinity
        return (input.map { x in min(x > t ? x : 0, top) - slope * max(t - x, 0) }, nil)
    }
}
