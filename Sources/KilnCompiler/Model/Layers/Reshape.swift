import KilnSpec

/// keras.layers.Reshape: (None, ...) -> (None, *target_shape), one -1 inferred. Row-major, so
/// it moves no data.
struct Reshape: ViewLayer {
    static let kerasClass = "Reshape"
    static let namePrefix = "reshape"
    static let keys = ["target_shape"]

    var targetShape: [Int]

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Reshape? {
        guard let node = config["target_shape"] else {
            diagnostics.error("Reshape.__init__() missing 1 required positional argument: 'target_shape'", at: location)
            return nil
        }
        guard let target = readIntList(config, key: "target_shape", diagnostics: diagnostics) else { return nil }
        if target.contains(where: { $0 < -1 }) {
            diagnostics.error("Each dimension in `target_shape` must be a non-negative integer, or `-1` for a single unknown dimension. Received: target_shape=\(pythonTuple(target)).", at: node.location)
            return nil
        }
        if target.filter({ $0 == -1 }).count > 1 {
            diagnostics.error("There must be at most one unknown dimension (-1) in `target_shape`. Received: target_shape=\(pythonTuple(target)).", at: node.location)
            return nil
        }
        return Reshape(targetShape: target)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        let size = saturatingProduct(inputShape)
        var output = targetShape
        if let unknown = targetShape.firstIndex(of: -1) {
            let known = saturatingProduct(targetShape.filter { $0 != -1 })
            guard known != 0, size % known == 0 else {
                diagnostics.error("The total size of the tensor must be unchanged, however, the input size cannot by divided by the specified dimensions in target_shape. Received: input_shape=\(pythonTuple(inputShape)), target_shape=\(pythonTuple(targetShape))", at: location)
                return nil
            }
            output[unknown] = size / known
        } else if saturatingProduct(targetShape) != size {
            diagnostics.error("The total size of the tensor must be unchanged. Received: input_shape=\(pythonTuple(inputShape)), target_shape=\(pythonTuple(targetShape))", at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: output)
    }

    func kerasArguments(_ node: LayerNode) -> [String] { [Python.tuple(targetShape)] }
    func describe(_ node: LayerNode) -> String { "Reshape(target_shape=\(pythonTuple(targetShape)))" }
    func signature(_ node: LayerNode) -> String { "Reshape\(pythonTuple(node.outputShape))" }
}
