import KilnSpec

/// keras.layers.LeakyReLU: x if x >= 0 else negative_slope * x (layer default 0.3).
struct LeakyReLU: ElementwiseActivation {
    static let kerasClass = "LeakyReLU"
    static let namePrefix = "leaky_re_lu"
    static let keys = ["negative_slope", "alpha"]
    /// Keras's supports_masking: a mask of steps passes through to the layers after it.
    var propagatesMask: Bool { true }

    var negativeSlope: Float

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> LeakyReLU? {
        // Keras 2 called the argument `alpha`; Keras 3 still accepts it as an alias.
        let key = config["alpha"] != nil && config["negative_slope"] == nil ? "alpha" : "negative_slope"
        guard let node = config[key] else { return LeakyReLU(negativeSlope: 0.3) }
        guard let slope = config.double(key) else { return nil }
        guard slope >= 0, slope.isFinite else {
            diagnostics.error("The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a float. Received: negative_slope=\(slope)", at: node.location)
            return nil
        }
        return LeakyReLU(negativeSlope: Float(slope))
    }

    var activationKind: ActivationKind { .leakyRelu }
    var activationAlpha: Float { negativeSlope }

    func kerasArguments(_ node: LayerNode) -> [String] { ["negative_slope=\(Python.float(negativeSlope))"] }
    func describe(_ node: LayerNode) -> String { "LeakyReLU(negative_slope=\(negativeSlope))" }
    func signature(_ node: LayerNode) -> String { "LeakyReLU(\(negativeSlope))" }
}
