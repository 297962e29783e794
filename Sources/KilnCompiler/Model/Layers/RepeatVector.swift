import KilnSpec

/// keras.layers.RepeatVector: (None, d) -> (None, n, d), the input repeated n times.
struct RepeatVector: LayerKind {
    static let kerasClass = "RepeatVector"
    static let namePrefix = "repeat_vector"
    static let keys = ["n"]

    var n: Int

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> RepeatVector? {
        guard let node = config["n"] else {
            diagnostics.error("RepeatVector.__init__() missing 1 required positional argument: 'n'", at: location)
            return nil
        }
        guard case let .int(n)? = node.scalarKind else {
            let type: String = switch node.scalarKind {
            case .float?: "float"
            case .bool?: "bool"
            case .string?: "str"
            case .null?: "NoneType"
            default: "list"
            }
            diagnostics.error("Expected an integer value for `n`, got <class '\(type)'>.", at: node.location)
            return nil
        }
        guard n > 0 else {
            diagnostics.error("Argument `n` should be a positive integer. Received: n=\(n)", at: node.location)
            return nil
        }
        return RepeatVector(n: n)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == 1 else {
            diagnostics.error(rankMismatch(name, expected: 2, inputShape: inputShape), at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: [n, inputShape[0]])
    }

    func kerasArguments(_ node: LayerNode) -> [String] { ["\(n)"] }
    func describe(_ node: LayerNode) -> String { "RepeatVector(n=\(n))" }
    func signature(_ node: LayerNode) -> String { "RepeatVector(\(n))" }

    func cKernels(_ c: CLayerContext) -> String {
        let d = c.node.inputShape[0]
        var out = "static void \(c.forwardName)(float *out, const float *inp, int n) {\n"
        out += "    // out \(c.outShape); inp \(c.inShape)\n"
        out += "    kiln_repeat_forward(out, inp, n, \(n), \(d));\n"
        out += "}\n"
        if c.emitBackward && c.layer.needsInputGradient {
            out += "static void \(c.backwardName)(float *dinp, const float *dout, int n) {\n"
            out += "    // dinp \(c.inShape); dout \(c.outShape)\n"
            out += "    kiln_repeat_backward(dinp, dout, n, \(n), \(d));  // dinp += the sum of dout over the repeats\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? { c.plainForwardCall }
    func backwardCall(_ c: CLayerContext) -> String? { c.plainBackwardCall }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let d = layer.node.inputShape[0]
        var output: [Double] = []
        for b in 0..<rows { for _ in 0..<n { output += input[(b * d)..<((b + 1) * d)] } }
        return (output, nil)
    }
}
