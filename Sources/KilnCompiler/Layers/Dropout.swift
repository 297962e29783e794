import KilnSpec

/// keras.layers.Dropout: inverted dropout in training (seeded masks), identity in inference.
struct Dropout: LayerBuilder {
    static let kerasClass = "Dropout"
    static let namePrefix = "dropout"
    static let keys = ["rate", "seed"]

    var rate: Float

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Dropout? {
        guard let node = config["rate"] else {
            diagnostics.error("Dropout.__init__() missing 1 required positional argument: 'rate'", at: location)
            return nil
        }
        guard let rate = config.double("rate") else { return nil }
        guard rate >= 0, rate < 1 else {
            diagnostics.error("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=\(rate)", at: node.location)
            return nil
        }
        _ = config.int("seed")  // accepted as in Keras; masks come from the model's seed
        return Dropout(rate: Float(rate))
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        BuiltLayer(op: .dropout(rate: rate), weights: [], outputShape: inputShape)
    }
}
