import KilnSpec

/// keras.layers.SpatialDropout1D/2D/3D: Dropout of whole channels (the mask is drawn once per
/// sample and channel, as Keras's noise_shape (batch, 1, ..., channels)); identity in inference.
struct SpatialDropout<R: SpatialRank>: MaskedDropout {
    static var kerasClass: String { "SpatialDropout\(R.rank)D" }
    static var namePrefix: String { "spatial_dropout\(R.rank)d" }
    static var keys: [String] { R.rank == 1 ? ["rate", "seed"] : ["rate", "seed", "data_format"] }

    var rate: Float

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> SpatialDropout? {
        guard let rate = readDropoutRate(config, kerasClass: kerasClass, at: location, diagnostics: diagnostics),
              readChannelsLast(config, diagnostics: diagnostics) else { return nil }
        return SpatialDropout(rate: rate)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == R.rank + 1 else {
            diagnostics.error(rankMismatch(name, expected: R.rank + 2, inputShape: inputShape), at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: inputShape)
    }

    func describe(_ node: LayerNode) -> String { "\(Self.kerasClass)(rate=\(rate))" }
    func signature(_ node: LayerNode) -> String { "\(Self.kerasClass)(\(rate))" }

    /// One draw per sample and channel (Keras's noise_shape (batch, 1, ..., channels)).
    func maskDraw(_ c: CLayerContext, rate: String) -> String {
        let channels = c.node.inputShape.last!, positions = saturatingProduct(c.node.inputShape.dropLast())
        return "kiln_spatial_dropout_forward(out, mask, inp, n, \(positions), \(channels), \(rate), rng)"
    }
}
