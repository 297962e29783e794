import KilnSpec
import KilnCore

/// keras.layers.Bidirectional over a recurrent layer: a copy reads the steps forwards and another
/// backwards (go_backwards=True), each with its own weights (`forward_<inner>/kernel`, ...);
/// the backward copy's sequence is reversed in time before `merge_mode` joins them.
struct Bidirectional: LayerKind, WrapperLayer {
    static let kerasClass = "Bidirectional"
    static let namePrefix = "bidirectional"
    static let keys = ["layer", "merge_mode", "backward_layer", "weights"]

    enum MergeMode: String, Sendable { case concat, sum, mul, ave }

    var forward: any RecurrentLayerKind
    var backward: any RecurrentLayerKind
    var mergeMode: MergeMode
    var innerNamePrefix: String
    var innerExplicitName: String?
    /// The wrapped layer's name (`lstm`), which names both copies.
    var innerName = ""

    var units: Int { forward.units }
    var steps: Int { forward.returnSequences ? forward.steps : 1 }
    /// Floats per sample of one copy's output.
    var copyOutput: Int { saturatingProduct([steps, units]) }
    var buffers: LayerBuffers {
        LayerBuffers(mask: dropoutFloats > 0, intermediate: [saturatingSum([forward.midFloats, forward.midFloats, copyOutput, copyOutput])],
                     maskShape: dropoutFloats > 0 ? [saturatingProduct([2, dropoutFloats])] : nil)
    }
    /// Floats of one copy's dropout masks per sample (each copy draws its own).
    var dropoutFloats: Int { forward.dropoutFloats }
    var usesTrainingFlag: Bool { dropoutFloats > 0 }
    var consumesMask: Bool { true }
    var propagatesMask: Bool { forward.returnSequences }

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Bidirectional? {
        var inner: (any RecurrentLayerKind)?
        var prefix = "", explicitName: String?
        let wrapped = readWrappedLayer(config, wrapper: "Bidirectional", example: "{LSTM: {units: ...}}", at: location, diagnostics: diagnostics) { kind, builder in
            builder is any RecurrentLayerKind.Type ? nil : "Bidirectional wraps a recurrent layer (SimpleRNN, LSTM or GRU). Received: layer=\(Identifiers.commentText(kind))"
        }
        if let wrapped {
            inner = wrapped.checked as? any RecurrentLayerKind
            if let state = wrapped.reader["return_state"], inner?.stateCount ?? 0 > 0 {
                diagnostics.error("`return_state=True` inside Bidirectional is not supported by Kiln yet: the layer returns its merged output only", at: state.location)
                inner = nil
            }
            prefix = wrapped.builder.namePrefix
            explicitName = wrapped.explicitName
        } else if config["layer"] != nil {
            return nil
        }
        var mode: MergeMode? = .concat
        if let node = config["merge_mode"] {
            let raw = node.scalarKind == .null ? "None" : config.string("merge_mode") ?? ""
            mode = MergeMode(rawValue: raw)
            if mode == nil, raw == "None" {
                diagnostics.error("`merge_mode=None` (a list of both outputs) is not supported by Kiln: use concat, sum, mul or ave", at: node.location)
            } else if mode == nil {
                diagnostics.error("Invalid merge mode. Received: \(Identifiers.commentText(raw)). Merge mode should be one of {\"sum\", \"mul\", \"ave\", \"concat\", None}", at: node.location)
            }
        }
        if let node = config["backward_layer"] {
            diagnostics.error("`backward_layer` is not supported by Kiln: the backward copy is the layer itself, read backwards", at: node.location)
            return nil
        }
        if let node = config["weights"] {
            diagnostics.error("`weights` is not supported by Kiln: load weights with loadWeights(from:)", at: node.location)
            return nil
        }
        guard let inner, let mode else { return nil }
        // Keras builds the backward copy with go_backwards=True, whatever the layer's.
        guard !inner.goBackwards else {
            diagnostics.error("Forward layer and backward layer should have different `go_backwards` value. Received: forward_layer.go_backwards True, backward_layer.go_backwards=True", at: config["layer"]!.location)
            return nil
        }
        var reversed = inner
        reversed.goBackwards = true
        return Bidirectional(forward: inner, backward: reversed, mergeMode: mode, innerNamePrefix: prefix, innerExplicitName: explicitName)
    }

    func named(inner name: String) -> Bidirectional {
        var copy = self
        copy.innerName = name
        return copy
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard let f = forward.build(inputShape: inputShape, name: innerName, at: location, diagnostics: diagnostics),
              let b = backward.build(inputShape: inputShape, name: innerName, at: location, diagnostics: diagnostics) else { return nil }
        var built = self
        built.forward = f.op as! any RecurrentLayerKind
        built.backward = b.op as! any RecurrentLayerKind
        let weights = f.weights.map { renamed($0, "forward") } + b.weights.map { renamed($0, "backward") }
        var output = f.outputShape
        if mergeMode == .concat { output[output.count - 1] = saturatingProduct([2, output[output.count - 1]]) }
        return BuiltLayer(op: built, weights: weights, outputShape: output)
    }

    private func renamed(_ weight: WeightDecl, _ direction: String) -> WeightDecl {
        var copy = weight
        copy.name = "\(direction)_\(innerName)/\(weight.name)"
        return copy
    }

    var weightsPerCopy: Int { forward.useBias ? 3 : 2 }
    var cMode: String { "KILN_BIDI_\(mergeMode.rawValue.uppercased())" }

    func describe(_ node: LayerNode) -> String {
        "Bidirectional(\(forward.describe(node)), merge_mode=\(mergeMode.rawValue))"
    }

    func signature(_ node: LayerNode) -> String { "Bidirectional(\(forward.signature(node)), \(mergeMode.rawValue))" }

    // MARK: C

    func cKernels(_ c: CLayerContext) -> String {
        let m = forward.midFloats, o = copyOutput
        let shapes = "fmid, bmid (n,\(forward.steps),\(m / forward.steps)); fout, bout (n,\(forward.returnSequences ? "\(forward.steps)," : "")\(units))"
        let split = "    float *fmid = mid, *bmid = fmid + (long)n * \(m), *fout = bmid + (long)n * \(m), *bout = fout + (long)n * \(o);  // \(shapes)\n"
        // Keras zeroes a Bidirectional's masked steps of its sequences (zero_output_for_mask).
        let zero = forward.returnSequences
        var out = "static const kiln_rnn_geometry \(c.name)_forward_geometry = \(forward.cGeometry(zeroMaskedOutput: zero));\n"
        out += "static const kiln_rnn_geometry \(c.name)_backward_geometry = \(backward.cGeometry(zeroMaskedOutput: zero));\n"
        let d = dropoutFloats, drop = d > 0
        out += "static void \(c.forwardName)(float *out, float *mid, \(drop ? "float *drop, " : "")const float *inp, const float *fk, const float *fr, const float *fb, const float *bk, const float *br, const float *bb, const float *mask, int n\(drop ? ", int training, int keep_all, uint64_t rng[2]" : "")) {\n"
        out += "    // out \(c.outShape); mid \(CFormat.shape([2 * m + 2 * o], batch: "B")): each copy's mid, then each copy's output; inp \(c.inShape)\n"
        out += split
        if drop {
            out += "    // drop (n,\(2 * d)): the forward copy's dropout masks (n,\(d)), then the backward copy's\n"
            out += "    float *fdrop = training ? drop : NULL, *bdrop = training ? drop + (long)n * \(d) : NULL;\n"
            out += "    if (training) {\n"
            out += "        kiln_rnn_draw_dropout(fdrop, n, &\(c.name)_forward_geometry, keep_all, rng);\n"
            out += "        kiln_rnn_draw_dropout(bdrop, n, &\(c.name)_backward_geometry, keep_all, rng);\n"
            out += "    }\n"
        }
        out += "    kiln_rnn_forward(fout, fmid, NULL, NULL, inp, NULL, NULL, fk, fr, fb, mask, \(drop ? "fdrop" : "NULL"), n, &\(c.name)_forward_geometry);\n"
        out += "    kiln_rnn_forward(bout, bmid, NULL, NULL, inp, NULL, NULL, bk, br, bb, mask, \(drop ? "bdrop" : "NULL"), n, &\(c.name)_backward_geometry);\n"
        out += "    kiln_bidirectional_forward(out, fout, bout, n, \(steps), \(units), \(cMode));\n"
        out += "}\n"
        guard c.emitBackward else { return out + "\n" }
        out += "static void \(c.backwardName)(float *dinp, float *dfk, float *dfr, float *dfb, float *dbk, float *dbr, float *dbb, float *dmid, const float *dout, const float *mid, const float *inp, const float *fk, const float *fr, const float *bk, const float *br, const float *mask, \(drop ? "const float *drop, " : "")int n) {\n"
        out += "    const" + split.dropFirst(3)
        out += "    float *dfmid = dmid, *dbmid = dfmid + (long)n * \(m), *dfout = dbmid + (long)n * \(m), *dbout = dfout + (long)n * \(o);  // as mid's\n"
        out += "    kiln_bidirectional_backward(dfout, dbout, dout, fout, bout, n, \(steps), \(units), \(cMode));\n"
        out += "    kiln_rnn_backward(dinp, NULL, NULL, dfk, dfr, dfb, dfmid, dfout, NULL, NULL, fmid, inp, fk, fr, mask, \(drop ? "drop" : "NULL"), n, &\(c.name)_forward_geometry);\n"
        out += "    kiln_rnn_backward(dinp, NULL, NULL, dbk, dbr, dbb, dbmid, dbout, NULL, NULL, bmid, inp, bk, br, mask, \(drop ? "drop + (long)n * \(d)" : "NULL"), n, &\(c.name)_backward_geometry);\n"
        out += "    (void)bmid;\n"
        return out + "}\n\n"
    }

    /// Each copy's (kernel, recurrent_kernel, bias or NULL), from `weight`'s names.
    private func copies(_ c: CLayerContext, _ weight: (PlacedWeight) -> String) -> [String] {
        let w = c.layer.weights, k = weightsPerCopy
        return [weight(w[0]), weight(w[1]), k == 3 ? weight(w[2]) : "NULL", weight(w[k]), weight(w[k + 1]), k == 3 ? weight(w[k + 2]) : "NULL"]
    }

    func forwardCall(_ c: CLayerContext) -> String? {
        let drop = dropoutFloats > 0
        let args = [c.act(c.layer.output), c.act(c.layer.intermediate!)] + (drop ? [c.act(c.layer.mask!)] : []) + [c.act(c.layer.input)]
            + copies(c, c.param) + [c.layer.inputMask.map(c.act) ?? "NULL", "n"] + (drop ? ["training", "s->dropout_off", "s->rng"] : [])
        return "\(c.forwardName)(\(args.joined(separator: ", ")));"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer, w = layer.weights, k = weightsPerCopy
        let grads = layer.node.trainable ? copies(c, c.grad) : [String](repeating: "NULL", count: 6)
        let args = [layer.needsInputGradient ? c.dact(layer.input) : "NULL"] + grads
            + [c.dact(layer.intermediate!), c.dact(layer.output), c.act(layer.intermediate!), c.act(layer.input),
               c.param(w[0]), c.param(w[1]), c.param(w[k]), c.param(w[k + 1]), layer.inputMask.map(c.act) ?? "NULL"]
            + (dropoutFloats > 0 ? [c.act(layer.mask!)] : []) + ["n"]
        return "\(c.backwardName)(\(args.joined(separator: ", ")));"
    }

    // MARK: Keras

    func kerasArguments(_ node: LayerNode) -> [String] {
        [forward.kerasConstructor(name: innerName), "merge_mode=\(Python.string(mergeMode.rawValue))"]
    }

    // MARK: reference

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        reference(input, rows: rows, layer: layer, params: params, dropoutMask: nil, stepMask: mask, training: training)
    }

    /// `stepMask`: the input's mask of its steps, if it has one (see Recurrent's reference);
    /// `dropoutMask`: the forward copy's masks for all rows, then the backward copy's.
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], dropoutMask: [Double]?, stepMask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let offsets = layer.weights.map(\.offset), k = weightsPerCopy
        let zero = forward.returnSequences, half = rows * dropoutFloats
        let masks = training ? dropoutMask.map { (Array($0[0..<half]), Array($0[half..<(2 * half)])) } : nil
        let f = forward.run(input, rows: rows, params: params, weights: Array(offsets[0..<k]), stepMask: stepMask, zeroMaskedOutput: zero,
                            dropoutMask: masks?.0)
        let b = backward.run(input, rows: rows, params: params, weights: Array(offsets[k..<(2 * k)]), stepMask: stepMask, zeroMaskedOutput: zero,
                             dropoutMask: masks?.1)
        var out: [Double] = []
        for sample in 0..<rows {
            for t in 0..<steps {
                let fi = (sample * steps + t) * units, bi = (sample * steps + steps - 1 - t) * units
                let fv = f[fi..<(fi + units)], bv = b[bi..<(bi + units)]
                switch mergeMode {
                case .concat: out += fv; out += bv
                case .sum: out += zip(fv, bv).map { $0 + $1 }
                case .mul: out += zip(fv, bv).map { $0 * $1 }
                case .ave: out += zip(fv, bv).map { ($0 + $1) / 2 }
                }
            }
        }
        return (out, nil)
    }
}

/// A layer that wraps another (Bidirectional): Keras names the wrapped layer first, from its own
/// class's counter, then the wrapper.
protocol WrapperLayer: LayerKind {
    var innerNamePrefix: String { get }
    var innerExplicitName: String? { get }
    func named(inner name: String) -> Self
}
