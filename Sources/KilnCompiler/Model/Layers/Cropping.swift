import KilnSpec
import KilnCore

/// keras.layers.Cropping1D/2D/3D (channels_last): rows cut from each spatial axis, `cropping`
/// (Keras's defaults: 1 on each side for 1D and 3D, none for 2D) as an int, or per axis an int
/// or (before, after).
struct Cropping<R: SpatialRank>: ShiftLayer {
    static var kerasClass: String { "Cropping\(R.rank)D" }
    static var namePrefix: String { "cropping\(R.rank)d" }
    static var keys: [String] { ["cropping", "data_format"] }

    var cropping: [(Int, Int)]

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Cropping? {
        let cropping = readSpatialPairs(config, key: "cropping", rank: R.rank, default: R.rank == 2 ? 0 : 1, diagnostics: diagnostics)
        guard readChannelsLast(config, diagnostics: diagnostics), let cropping else { return nil }
        return Cropping(cropping: cropping)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == R.rank + 1 else {
            diagnostics.error(rankMismatch(name, expected: R.rank + 2, inputShape: inputShape), at: location)
            return nil
        }
        let spatial = zip(inputShape.dropLast(), cropping).map { $0 - $1.0 - $1.1 }
        guard spatial.allSatisfy({ $0 > 0 }) else {
            let shown = R.rank == 1 ? "(\(cropping[0].0), \(cropping[0].1))" : pythonPairs(cropping)
            diagnostics.error(R.rank == 1
                ? "`cropping` parameter of `Cropping1D` layer must be smaller than the input length. Received: input_shape=\(kerasShape(inputShape)), cropping=\(shown)"
                : "Values in `cropping` argument should be smaller than the corresponding spatial dimension of the input. Received: input_shape=\(kerasShape(inputShape)), cropping=\(shown)", at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: spatial + [inputShape.last!])
    }

    func describe(_ node: LayerNode) -> String { "\(Self.kerasClass)(cropping=\(pythonPairs(cropping)))" }
    func signature(_ node: LayerNode) -> String { "\(Self.kerasClass)\(pythonPairs(cropping))" }
    func kerasArguments(_ node: LayerNode) -> [String] {
        ["cropping=" + (R.rank == 1 ? "(\(cropping[0].0), \(cropping[0].1))" : pythonPairs(cropping))]
    }

    /// Rows cut before each axis.
    var offset: [Int] { cropping.map { -$0.0 } }
}
