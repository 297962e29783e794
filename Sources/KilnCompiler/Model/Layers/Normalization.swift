import KilnSpec

/// keras.layers.Normalization: (x - mean) / max(sqrt(variance), 1e-7) per feature of the last
/// axis (axis=-1), or over every value (axis=None); `invert` maps back. The statistics are
/// non-trainable weights `mean`, `variance` and `count` (count stays 0, as in Keras 3), set by
/// the model's `adapt(x)` before fit; given in the config, they are constants and no weights.
struct Normalization: LayerKind {
    static let kerasClass = "Normalization"
    static let namePrefix = "normalization"
    static let keys = ["axis", "mean", "variance", "invert"]
    /// Keras's supports_masking: a mask of steps passes through to the layers after it.
    var propagatesMask: Bool { true }

    var perFeature: Bool
    /// The axis as written (-1, or its positive index counting the batch axis as 0).
    var axis: (value: Int, location: SourceLocation)?
    var constants: (mean: [Float], variance: [Float])?
    var invert: Bool
    /// Resolved by `build`: statistics per feature of the last axis (1 for axis=None), and the
    /// constants broadcast to them.
    var features = 0
    var mean: [Float]?
    var variance: [Float]?

    init(perFeature: Bool, axis: (value: Int, location: SourceLocation)?, constants: (mean: [Float], variance: [Float])?, invert: Bool) {
        self.perFeature = perFeature; self.axis = axis; self.constants = constants; self.invert = invert
    }

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Normalization? {
        var perFeature = true
        var axis: (value: Int, location: SourceLocation)?
        if let node = config["axis"] {
            if case .null? = node.scalarKind {
                perFeature = false
            } else if let value = config.int("axis") {
                axis = (value, node.location)  // checked against the input's rank in build
            } else {
                return nil
            }
        }
        let invert = config.bool("invert") ?? false
        let mean = config["mean"].map { values($0, "mean", diagnostics) }, variance = config["variance"].map { values($0, "variance", diagnostics) }
        switch (mean, variance) {
        case (nil, nil):
            return Normalization(perFeature: perFeature, axis: axis, constants: nil, invert: invert)
        case let (mean??, variance??):
            if let negative = variance.first(where: { $0 < 0 }) {
                diagnostics.error("`variance` must be non-negative. Received: variance=\(negative)", at: config["variance"]!.location)
                return nil
            }
            return Normalization(perFeature: perFeature, axis: axis, constants: (mean, variance), invert: invert)
        case (.some(nil), _), (_, .some(nil)):
            return nil
        default:
            // Keras prints the given one as Python does: 1.0 or [1.0, 2.0].
            func python(_ key: String) -> String {
                guard let node = config[key], let values = values(node, key, diagnostics) else { return "None" }
                let items = values.map { "\(Double($0))" }
                if case .sequence = node.value { return "[" + items.joined(separator: ", ") + "]" }
                return items[0]
            }
            diagnostics.error("When setting values directly, both `mean` and `variance` must be set. Received: mean=\(python("mean")) and variance=\(python("variance"))",
                              at: (config["mean"] ?? config["variance"])!.location)
            return nil
        }
    }

    /// A number or a list of numbers.
    static func values(_ node: YAMLNode, _ key: String, _ diagnostics: DiagnosticEngine) -> [Float]? {
        if case .sequence = node.value {
            guard let items = node.sequence(key, in: diagnostics), !items.isEmpty else {
                diagnostics.error("`\(key)` must be a number or a non-empty list of numbers", at: node.location)
                return nil
            }
            var out: [Float] = []
            for item in items {
                guard let value = item.double(key, in: diagnostics) else { return nil }
                guard Float(value).isFinite else {
                    diagnostics.error("`\(key)` must hold finite float32 values. Received: \(value)", at: item.location)
                    return nil
                }
                out.append(Float(value))
            }
            return out
        }
        guard let value = node.double(key, in: diagnostics) else { return nil }
        guard Float(value).isFinite else {
            diagnostics.error("`\(key)` must hold finite float32 values. Received: \(value)", at: node.location)
            return nil
        }
        return [Float(value)]
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        // The last axis is -1 or, counting the batch axis, the input's rank.
        if let axis, axis.value != -1, axis.value != inputShape.count {
            diagnostics.error("Kiln supports Normalization over the last axis (axis=-1, or \(inputShape.count) for input shape \(kerasShape(inputShape))) or over every value (axis=None). Received: axis=\(axis.value)", at: axis.location)
            return nil
        }
        var op = self
        op.features = perFeature ? inputShape.last ?? 1 : 1
        op.mean = constants.map { broadcast($0.mean, to: op.features) }
        op.variance = constants.map { broadcast($0.variance, to: op.features) }
        let features = op.features
        if let constants {
            for (key, list) in [("mean", constants.mean), ("variance", constants.variance)] where list.count != 1 && list.count != features {
                diagnostics.error("`\(key)` must be a number or hold one value per feature of the last axis (\(features)). Received: \(key) with \(list.count) values for input shape \(kerasShape(inputShape))", at: location)
                return nil
            }
            return BuiltLayer(op: op, weights: [], outputShape: inputShape)
        }
        let shape = perFeature ? [features] : []
        return BuiltLayer(op: op, weights: [
            WeightDecl(name: "mean", shape: shape, initializer: .zeros, fanIn: 1, fanOut: 1, l2: nil),
            WeightDecl(name: "variance", shape: shape, initializer: .ones, fanIn: 1, fanOut: 1, l2: nil),
            WeightDecl(name: "count", shape: [], initializer: .zeros, fanIn: 1, fanOut: 1, l2: nil, isInt64: true),
        ], outputShape: inputShape, trainable: false)
    }

    func broadcast(_ values: [Float], to count: Int) -> [Float] { values.count == 1 ? Array(repeating: values[0], count: count) : values }

    func kerasArguments(_ node: LayerNode) -> [String] {
        var args = [perFeature ? "axis=-1" : "axis=None"]
        if let mean, let variance {
            // The spec's constants as given: one value, or one per feature.
            let given = constants!
            args += ["mean=\(given.mean.count == 1 ? Python.float(mean[0]) : Python.list(mean))",
                     "variance=\(given.variance.count == 1 ? Python.float(variance[0]) : Python.list(variance))"]
        }
        if invert { args.append("invert=True") }
        return args
    }

    func describe(_ node: LayerNode) -> String {
        "Normalization(\(features == 1 && node.inputShape.last != 1 ? "axis=None" : "axis=-1")\(mean == nil ? "" : ", mean and variance given")\(invert ? ", invert=True" : ""))"
    }

    func signature(_ node: LayerNode) -> String { "Normalization" }

    func cKernels(_ c: CLayerContext) -> String {
        let name = c.name, size = c.node.inputShape.reduce(1, *)
        var out = ""
        let statistics = mean == nil ? "mean, var (\(features))" : "\(name)_mean, \(name)_var (\(features)), from the spec"
        if let mean, let variance {
            out += "static const float \(name)_mean[\(features)] = {\(mean.map(CFormat.float).joined(separator: ", "))};\n"
            out += "static const float \(name)_var[\(features)] = {\(variance.map(CFormat.float).joined(separator: ", "))};\n"
        }
        let statArgs = mean == nil ? "const float *mean, const float *var, " : ""
        let meanArg = mean == nil ? "mean" : "\(name)_mean", varArg = mean == nil ? "var" : "\(name)_var"
        out += "static void \(c.forwardName)(float *out, const float *inp, \(statArgs)int n) {\n"
        out += "    // out, inp \(c.outShape); \(statistics)\n"
        out += "    kiln_normalize_forward(out, inp, \(meanArg), \(varArg), (int64_t)n * \(size / features), \(features), \(invert ? 1 : 0));\n"
        out += "}\n"
        if c.emitBackward && c.layer.needsInputGradient {
            out += "static void \(c.backwardName)(float *dinp, const float *dout, \(mean == nil ? "const float *var, " : "")int n) {\n"
            out += "    // dinp, dout \(c.outShape)\n"
            out += "    kiln_normalize_backward(dinp, dout, \(varArg), (int64_t)n * \(size / features), \(features), \(invert ? 1 : 0));  // dinp += dout * d(out)/d(inp)\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? {
        let stats = mean == nil ? "\(c.param(c.layer.weights[0])), \(c.param(c.layer.weights[1])), " : ""
        return "\(c.forwardName)(\(c.act(c.layer.output)), \(c.act(c.layer.input)), \(stats)n);"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        guard c.layer.needsInputGradient else { return nil }
        return "\(c.backwardName)(\(c.dact(c.layer.input)), \(c.dact(c.layer.output)), \(mean == nil ? "\(c.param(c.layer.weights[1])), " : "")n);"
    }

    var adaptsToData: Bool { mean == nil }

    func adaptation(_ layer: PlannedLayer) -> String? {
        guard adaptsToData else { return nil }
        return "Adaptation(layer: \(Identifiers.swiftStringLiteral(layer.node.name)), inputOffset: \(layer.input.isInput ? "nil" : "\(layer.input.offset)"), inputSize: \(layer.input.size), features: \(features), meanOffset: \(layer.weights[0].offset), varianceOffset: \(layer.weights[1].offset))"
    }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let m = mean.map { $0.map(Double.init) } ?? (0..<features).map { params[layer.weights[0].offset + $0] }
        let v = variance.map { $0.map(Double.init) } ?? (0..<features).map { params[layer.weights[1].offset + $0] }
        let output = input.indices.map { i in
            let j = i % features, sd = max(v[j].squareRoot(), 1e-7)
            return invert ? input[i] * sd + m[j] : (input[i] - m[j]) / sd
        }
        return (output, nil)
    }
}
