import KilnSpec

/// keras.layers.ELU: x if x > 0 else alpha * (exp(x) - 1), alpha 1.0 by default.
struct ELU: ElementwiseActivation {
    static let kerasClass = "ELU"
    static let namePrefix = "elu"
    static let keys = ["alpha"]
    /// Keras's supports_masking: a mask of steps passes through to the layers after it.
    var propagatesMask: Bool { true }

    var alpha: Float

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> ELU? {
        guard config["alpha"] != nil else { return ELU(alpha: 1) }
        guard let alpha = config.double("alpha") else { return nil }
        guard Float(alpha).isFinite else {
            diagnostics.error("`alpha` of an ELU layer must be a finite float. Received: alpha=\(alpha)", at: config["alpha"]!.location)
            return nil
        }
        return ELU(alpha: Float(alpha))
    }

    var activationKind: ActivationKind { .elu }
    var activationAlpha: Float { alpha }

    func kerasArguments(_ node: LayerNode) -> [String] { ["alpha=\(Python.float(alpha))"] }
    func describe(_ node: LayerNode) -> String { "ELU(alpha=\(alpha))" }
    func signature(_ node: LayerNode) -> String { "ELU(\(alpha))" }
}
