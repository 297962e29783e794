import KilnSpec

/// keras.layers.Activation: applies one activation function elementwise (softmax: last axis).
struct Activation: LayerBuilder {
    static let kerasClass = "Activation"
    static let namePrefix = "activation"
    static let keys = ["activation"]

    var activation: ActivationKind

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Activation? {
        guard config["activation"] != nil else {
            diagnostics.error("Activation.__init__() missing 1 required positional argument: 'activation'", at: location)
            return nil
        }
        return readActivation(config, diagnostics: diagnostics).map(Activation.init)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        let alpha = activation == .leakyRelu ? ActivationKind.leakyReluDefaultSlope : 0
        return BuiltLayer(op: .activation(activation, alpha: alpha), weights: [], outputShape: inputShape)
    }
}
