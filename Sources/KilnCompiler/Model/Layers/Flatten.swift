import KilnSpec

/// keras.layers.Flatten: (None, d1, d2, ...) -> (None, d1*d2*...). Row-major, so it moves no data.
struct Flatten: ViewLayer {
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
        guard let size = checkedProduct(inputShape) else {
            diagnostics.error("The output of layer \"\(name)\" (Flatten) would have more than \(Int.max) values: input shape \(kerasShape(inputShape))", at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: [size])
    }

    func kerasArguments(_ node: LayerNode) -> [String] { [] }
    func describe(_ node: LayerNode) -> String { "Flatten()" }
    func signature(_ node: LayerNode) -> String { "Flatten" }
}
