import KilnSpec

/// keras.layers.Softmax: exp(x - max) / sum over the last axis.
struct Softmax: ElementwiseActivation {
    static let kerasClass = "Softmax"
    static let namePrefix = "softmax"
    static let keys = ["axis"]

    /// The axis as written, checked against the input's rank in `build`.
    var axis: (value: Int, location: SourceLocation)?

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Softmax? {
        guard let node = config["axis"] else { return Softmax() }
        guard let axis = config.int("axis") else { return nil }
        return Softmax(axis: (axis, node.location))
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        // The last axis is -1 or, counting the batch axis, the input's rank.
        if let axis, axis.value != -1, axis.value != inputShape.count {
            diagnostics.error("Kiln supports Softmax over the last axis (axis=-1, or \(inputShape.count) for input shape \(kerasShape(inputShape))). Received: axis=\(axis.value)", at: axis.location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: inputShape)
    }

    var activationKind: ActivationKind { .softmax }
    var activationAlpha: Float { 0 }

    func kerasArguments(_ node: LayerNode) -> [String] { ["axis=-1"] }
    func describe(_ node: LayerNode) -> String { "Softmax(axis=-1)" }
    func signature(_ node: LayerNode) -> String { "Softmax" }
}
