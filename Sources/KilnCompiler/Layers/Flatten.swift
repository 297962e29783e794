import KilnSpec

/// keras.layers.Flatten: (None, d1, d2, ...) -> (None, d1*d2*...). Row-major, so it moves no data.
struct Flatten: LayerBuilder {
    static let kerasClass = "Flatten"
    static let namePrefix = "flatten"
    static let keys = ["data_format"]

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Flatten? {
        if let format = config.string("data_format"), format != "channels_last" {
            diagnostics.error("Kiln supports data_format='channels_last' only. Received: data_format=\(format)", at: config["data_format"]!.location)
            return nil
        }
        return Flatten()
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        BuiltLayer(op: .flatten, weights: [], outputShape: [inputShape.reduce(1, *)])
    }
}
