import KilnSpec
import KilnCore

/// keras.layers.GlobalAveragePooling1D/2D/3D and GlobalMaxPooling1D/2D/3D (channels_last): each
/// channel reduced over every spatial position; `keepdims` keeps the spatial axes as 1s.
struct GlobalPooling<R: SpatialRank, Mode: PoolMode>: LayerKind {
    static var kerasClass: String { "Global\(Mode.isMax ? "Max" : "Average")Pooling\(R.rank)D" }
    static var namePrefix: String { "global_\(Mode.isMax ? "max" : "average")_pooling\(R.rank)d" }
    static var keys: [String] { ["data_format", "keepdims"] }

    var keepdims: Bool

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> GlobalPooling? {
        let channelsLast = readChannelsLast(config, diagnostics: diagnostics)
        let keepdims = config.bool("keepdims") ?? false
        return channelsLast ? GlobalPooling(keepdims: keepdims) : nil
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == R.rank + 1 else {
            diagnostics.error(rankMismatch(name, expected: R.rank + 2, inputShape: inputShape), at: location)
            return nil
        }
        let channels = inputShape.last!
        return BuiltLayer(op: self, weights: [], outputShape: keepdims ? [Int](repeating: 1, count: R.rank) + [channels] : [channels])
    }

    func describe(_ node: LayerNode) -> String { "\(Self.kerasClass)(\(keepdims ? "keepdims=True" : ""))" }
    func signature(_ node: LayerNode) -> String { "\(Self.kerasClass)()" }
    func kerasArguments(_ node: LayerNode) -> [String] { keepdims ? ["keepdims=True"] : [] }

    func cKernels(_ c: CLayerContext) -> String {
        let channels = c.node.inputShape.last!, spatial = saturatingProduct(c.node.inputShape.dropLast())
        let kind = Mode.isMax ? "max" : "avg"
        return poolingKernels(c, isMax: Mode.isMax, statics: "", forward: "kiln_global_\(kind)_pool_forward(out, inp, n, \(spatial), \(channels));  // \(spatial) positions of \(channels) channels",
                              backward: Mode.isMax ? "kiln_global_max_pool_backward(dinp, dout, inp, out, n, \(spatial), \(channels));  // dinp += dout at each channel's first maximum"
                                                   : "kiln_global_avg_pool_backward(dinp, dout, n, \(spatial), \(channels));  // dinp += dout / \(spatial)")
    }

    func forwardCall(_ c: CLayerContext) -> String? { c.plainForwardCall }
    func backwardCall(_ c: CLayerContext) -> String? { poolingBackwardCall(c, isMax: Mode.isMax) }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let channels = layer.node.inputShape.last!, spatial = saturatingProduct(layer.node.inputShape.dropLast())
        var output = [Double](repeating: 0, count: rows * channels)
        for sample in 0..<rows {
            for ch in 0..<channels {
                let values = (0..<spatial).map { input[(sample * spatial + $0) * channels + ch] }
                output[sample * channels + ch] = Mode.isMax ? values.max()! : values.reduce(0, +) / Double(spatial)
            }
        }
        return (output, nil)
    }
}
