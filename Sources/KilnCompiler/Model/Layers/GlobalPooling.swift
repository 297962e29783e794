import KilnSpec
import KilnCore

/// keras.layers.GlobalAveragePooling1D/2D/3D and GlobalMaxPooling1D/2D/3D (channels_last): each
/// channel reduced over every spatial position; `keepdims` keeps the spatial axes as 1s.
/// GlobalAveragePooling1D applies its input's mask of steps (Embedding mask_zero, Masking) as
/// Keras does: the mean of the kept steps alone.
struct GlobalPooling<R: SpatialRank, Mode: PoolMode>: LayerKind {
    static var kerasClass: String { "Global\(Mode.isMax ? "Max" : "Average")Pooling\(R.rank)D" }
    static var namePrefix: String { "global_\(Mode.isMax ? "max" : "average")_pooling\(R.rank)d" }
    static var keys: [String] { ["data_format", "keepdims"] }

    var keepdims: Bool

    var consumesMask: Bool { R.rank == 1 && !Mode.isMax }

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
        if c.layer.inputMask != nil { return maskedKernels(c, steps: spatial, channels: channels) }
        let kind = Mode.isMax ? "max" : "avg"
        return poolingKernels(c, isMax: Mode.isMax, statics: "", forward: "kiln_global_\(kind)_pool_forward(out, inp, n, \(spatial), \(channels));  // \(spatial) positions of \(channels) channels",
                              backward: Mode.isMax ? "kiln_global_max_pool_backward(dinp, dout, inp, out, n, \(spatial), \(channels));  // dinp += dout at each channel's first maximum"
                                                   : "kiln_global_avg_pool_backward(dinp, dout, n, \(spatial), \(channels));  // dinp += dout / \(spatial)")
    }

    /// The average over the steps its input's mask keeps: the mask is one more argument.
    func maskedKernels(_ c: CLayerContext, steps: Int, channels: Int) -> String {
        var out = "static void \(c.forwardName)(float *out, const float *inp, const float *mask, int n) {\n"
        out += "    // out \(c.outShape); inp \(c.inShape); mask (n,\(steps)) of the steps\n"
        out += "    kiln_global_avg_pool_masked_forward(out, inp, mask, n, \(steps), \(channels));  // the mean of the kept steps\n"
        out += "}\n"
        if c.emitBackward && c.layer.needsInputGradient {
            out += "static void \(c.backwardName)(float *dinp, const float *dout, const float *mask, int n) {\n"
            out += "    // dinp \(c.inShape); dout \(c.outShape); mask (n,\(steps))\n"
            out += "    kiln_global_avg_pool_masked_backward(dinp, dout, mask, n, \(steps), \(channels));  // dinp += dout / count at the kept steps\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? {
        guard let mask = c.layer.inputMask else { return c.plainForwardCall }
        return "\(c.forwardName)(\(c.act(c.layer.output)), \(c.act(c.layer.input)), \(c.act(mask)), n);"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        guard let mask = c.layer.inputMask else { return poolingBackwardCall(c, isMax: Mode.isMax) }
        guard c.layer.needsInputGradient else { return nil }
        return "\(c.backwardName)(\(c.dact(c.layer.input)), \(c.dact(c.layer.output)), \(c.act(mask)), n);"
    }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let channels = layer.node.inputShape.last!, spatial = saturatingProduct(layer.node.inputShape.dropLast())
        var output = [Double](repeating: 0, count: rows * channels)
        for sample in 0..<rows {
            for ch in 0..<channels {
                // Under a mask of the steps: the kept ones alone (none kept: 0 / 0, as Keras).
                let kept = (0..<spatial).filter { step in mask.map { $0[sample * spatial + step] != 0 } ?? true }
                let values = kept.map { input[(sample * spatial + $0) * channels + ch] }
                output[sample * channels + ch] = Mode.isMax ? values.max()! : values.reduce(0, +) / Double(kept.count)
            }
        }
        return (output, nil)
    }
}
