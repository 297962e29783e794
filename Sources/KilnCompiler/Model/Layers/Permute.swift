import KilnSpec

/// keras.layers.Permute: the non-batch axes reordered by `dims` (1-based), as ops.transpose.
struct Permute: LayerKind {
    static let kerasClass = "Permute"
    static let namePrefix = "permute"
    static let keys = ["dims"]

    var dims: [Int]

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Permute? {
        guard let node = config["dims"] else {
            diagnostics.error("Permute.__init__() missing 1 required positional argument: 'dims'", at: location)
            return nil
        }
        guard let dims = readIntList(config, key: "dims", diagnostics: diagnostics) else { return nil }
        guard !dims.isEmpty, dims.sorted() == Array(1...dims.count) else {
            diagnostics.error("Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1. Received dims=\(pythonTuple(dims))", at: node.location)
            return nil
        }
        guard dims.count <= 8 else {
            diagnostics.error("Kiln's Permute takes at most 8 axes (KILN_MAX_RANK). Received dims=\(pythonTuple(dims))", at: node.location)
            return nil
        }
        return Permute(dims: dims)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == dims.count else {
            diagnostics.error(rankMismatch(name, expected: dims.count + 1, inputShape: inputShape), at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: dims.map { inputShape[$0 - 1] })
    }

    /// Each output axis's stride in the input (row-major).
    func inputStrides(_ inputShape: [Int]) -> [Int] {
        let strides = rowMajorStrides(inputShape)
        return dims.map { strides[$0 - 1] }
    }

    func kerasArguments(_ node: LayerNode) -> [String] { [Python.tuple(dims)] }
    func describe(_ node: LayerNode) -> String { "Permute(dims=\(pythonTuple(dims)))" }
    func signature(_ node: LayerNode) -> String { "Permute\(pythonTuple(dims))" }

    func cKernels(_ c: CLayerContext) -> String {
        let size = saturatingProduct(c.node.inputShape), rank = dims.count
        let list = { (values: [Int]) in values.map(String.init).joined(separator: ", ") }
        var out = "static const int \(c.name)_dims[\(rank)] = {\(list(c.node.outputShape))};  // the output's axes\n"
        out += "static const int \(c.name)_strides[\(rank)] = {\(list(inputStrides(c.node.inputShape)))};  // each one's stride in the input\n"
        out += "static void \(c.forwardName)(float *out, const float *inp, int n) {\n"
        out += "    // out \(c.outShape); inp \(c.inShape)\n"
        out += "    kiln_permute_forward(out, inp, n, \(size), \(rank), \(c.name)_dims, \(c.name)_strides);\n"
        out += "}\n"
        if c.emitBackward && c.layer.needsInputGradient {
            out += "static void \(c.backwardName)(float *dinp, const float *dout, int n) {\n"
            out += "    // dinp \(c.inShape); dout \(c.outShape)\n"
            out += "    kiln_permute_backward(dinp, dout, n, \(size), \(rank), \(c.name)_dims, \(c.name)_strides);  // dinp += dout, permuted back\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? { c.plainForwardCall }
    func backwardCall(_ c: CLayerContext) -> String? { c.plainBackwardCall }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let outShape = layer.node.outputShape, size = saturatingProduct(outShape), strides = inputStrides(layer.node.inputShape)
        var output = [Double](repeating: 0, count: input.count)
        for b in 0..<rows {
            for o in 0..<size { output[b * size + o] = input[b * size + offset(ofRowMajor: o, in: outShape, strides: strides)] }
        }
        return (output, nil)
    }
}
