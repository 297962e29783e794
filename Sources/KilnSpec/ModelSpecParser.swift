/// YAML tree -> `ModelSpec`: the document's structure and value types. Names of layers,
/// activations, losses and optimizers are left to the compiler, which knows the options.
public enum ModelSpecParser {
    static let topLevelKeys = ["model", "description", "input", "inputs", "layers", "outputs", "compile", "fit", "expect", "data"]

    /// Parses one spec; every problem goes to `diagnostics`, nil if any was an error.
    public static func parse(_ text: String, file: String, diagnostics: DiagnosticEngine) -> ModelSpec? {
        let root: YAMLNode
        do { root = try YAMLParser.parse(text, file: file) } catch {
            error.diagnostics.forEach(diagnostics.emit)
            return nil
        }
        guard case .mapping = root.value else {
            diagnostics.error("expected a mapping with keys 'model', 'input', 'layers' and 'compile' at the top of a model spec, received \(root.kindDescription)", at: root.location)
            return nil
        }
        let errorsBefore = diagnostics.errors.count
        let top = MappingReader(root, context: "model spec", diagnostics: diagnostics)
        let name = requiredString(top, "model", at: root.location, diagnostics: diagnostics)
        _ = top.string("description")
        let inputs = parseInputs(top, at: root.location, diagnostics: diagnostics)
        let layers = parseLayers(top, at: root.location, diagnostics: diagnostics)
        let outputs = parseOutputs(top, diagnostics: diagnostics)
        let compile = parseCompile(top, at: root.location, diagnostics: diagnostics)
        let fit = parseFit(top, at: root.location, diagnostics: diagnostics)
        let expect = parseExpect(top, diagnostics: diagnostics)
        let data = parseData(top, diagnostics: diagnostics)
        top.finish(allowed: topLevelKeys)
        guard diagnostics.errors.count == errorsBefore, let name, let inputs, let layers, let compile, let fit, let expect else {
            return nil
        }
        return ModelSpec(file: file, name: name, input: inputs[0], inputs: inputs, layers: layers, outputs: outputs, compile: compile, fit: fit, expect: expect,
                         data: data ?? nil)
    }

    /// `data: {pipeline: P, train: out, test: out, features: [cols], label: col}`; `.some(nil)`
    /// when absent, nil after an error.
    static func parseData(_ top: MappingReader, diagnostics: DiagnosticEngine) -> DataSpec?? {
        guard let node = top["data"] else { return .some(nil) }
        guard node.mapping("data", in: diagnostics) != nil else { return nil }
        let reader = MappingReader(node, context: "data", diagnostics: diagnostics)
        defer { reader.finish(allowed: ["pipeline", "train", "test", "features", "label"]) }
        func name(_ key: String) -> Located<String>? { reader.string(key).map { Located($0, at: reader[key]!.location) } }
        let pipeline = name("pipeline")
        if pipeline == nil, reader["pipeline"] == nil, !reader.hasMisspelling(of: "pipeline") {
            diagnostics.error("missing required key 'pipeline' in 'data': the pipeline spec whose output feeds fit, e.g. data: {pipeline: IrisPrep, features: [a, b], label: y}", at: node.location)
        }
        var features: [Located<String>]?
        if let featuresNode = reader["features"] {
            features = nameList(featuresNode, "features", diagnostics: diagnostics)
        } else if !reader.hasMisspelling(of: "features") {
            diagnostics.error("missing required key 'features' in 'data': the columns that make x, e.g. features: [sepalLength, sepalWidth]", at: node.location)
        }
        var labels: [Located<String>]?
        if let labelNode = reader["label"] {
            labels = nameList(labelNode, "label", diagnostics: diagnostics)
        } else if !reader.hasMisspelling(of: "label") {
            diagnostics.error("missing required key 'label' in 'data': the column (or columns) that make y", at: node.location)
        }
        guard let pipeline, let features, let labels else { return nil }
        return DataSpec(pipeline: pipeline, train: name("train"), test: name("test"), features: features, labels: labels, location: node.location)
    }

    /// `outputs: out` or `outputs: [out]`.
    static func parseOutputs(_ top: MappingReader, diagnostics: DiagnosticEngine) -> [Located<String>]? {
        guard let node = top["outputs"] else { return nil }
        return nameList(node, "outputs", diagnostics: diagnostics)
    }

    /// A name or a list of names (`from:`, `outputs:`).
    static func nameList(_ node: YAMLNode, _ what: String, diagnostics: DiagnosticEngine) -> [Located<String>]? {
        if case .scalar = node.value { return node.string(what, in: diagnostics).map { [Located($0, at: node.location)] } }
        guard let items = node.sequence(what, in: diagnostics) else { return nil }
        var names: [Located<String>] = []
        for item in items {
            guard let name = item.string(what, in: diagnostics) else { return nil }
            names.append(Located(name, at: item.location))
        }
        guard !names.isEmpty else {
            diagnostics.error("expected at least one name in '\(what)'", at: node.location)
            return nil
        }
        return names
    }

    static func requiredString(_ reader: MappingReader, _ key: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Located<String>? {
        guard let node = reader[key] else {
            if !reader.hasMisspelling(of: key) { diagnostics.error("missing required key '\(key)'", at: location) }
            return nil
        }
        return reader.string(key).map { Located($0, at: node.location) }
    }

    /// `input: {shape: [4]}`, or `inputs:` a list of them (keras.Model(inputs=[a, b])).
    static func parseInputs(_ top: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> [InputSpec]? {
        if let node = top["inputs"] {
            if top["input"] != nil {
                diagnostics.error("give either 'input' (one) or 'inputs' (a list), not both", at: node.location)
                return nil
            }
            guard let items = node.sequence("inputs", in: diagnostics) else { return nil }
            guard !items.isEmpty else {
                diagnostics.error("expected at least one input in 'inputs', e.g. inputs: [{name: a, shape: [4]}]", at: node.location)
                return nil
            }
            let inputs = items.map { parseInput($0, diagnostics: diagnostics) }
            return inputs.contains { $0 == nil } ? nil : inputs.compactMap { $0 }
        }
        guard let node = top["input"] else {
            if top.hasMisspelling(of: "input") || top.hasMisspelling(of: "inputs") { return nil }
            diagnostics.error("missing required key 'input' (the shape of one sample, as keras.Input(shape=...)), e.g. input: {shape: [128]}", at: location)
            return nil
        }
        return parseInput(node, diagnostics: diagnostics).map { [$0] }
    }

    static func parseInput(_ node: YAMLNode, diagnostics: DiagnosticEngine) -> InputSpec? {
        guard node.mapping("input", in: diagnostics) != nil else { return nil }
        let reader = MappingReader(node, context: "input", diagnostics: diagnostics)
        defer { reader.finish(allowed: ["shape", "name", "dtype"]) }
        let dtype = reader.string("dtype")
        if let dtype, !["float32", "int32", "int64"].contains(dtype) {
            diagnostics.error("Kiln models take float32 inputs, or int32 and int64 token ids (for an Embedding); received dtype=\(dtype)", at: reader["dtype"]!.location)
        }
        let name = reader.string("name").map { Located($0, at: reader["name"]!.location) }
        guard let shapeNode = reader["shape"] else {
            diagnostics.error("missing required key 'shape' in 'input'", at: node.location)
            return nil
        }
        guard let shape = shapeNode.intList("shape", in: diagnostics) else { return nil }
        guard !shape.isEmpty else {
            diagnostics.error("expected a non-empty shape for 'input', e.g. [128]; received []", at: shapeNode.location)
            return nil
        }
        if let bad = shape.first(where: { $0 <= 0 }) {
            diagnostics.error("Cannot create an Input with a non-positive dimension. Received: shape=\(pythonTuple(shape)) with dimension \(bad)", at: shapeNode.location)
            return nil
        }
        var input = InputSpec(shape: shape, name: name, location: node.location)
        input.integer = dtype == "int32" || dtype == "int64"
        return input
    }

    static func parseLayers(_ top: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> [LayerSpec]? {
        guard let node = top["layers"] else {
            if top.hasMisspelling(of: "layers") { return nil }
            diagnostics.error("missing required key 'layers' (a list such as - Dense: {units: 10})", at: location)
            return nil
        }
        guard let items = node.sequence("layers", in: diagnostics) else { return nil }
        guard !items.isEmpty else {
            diagnostics.error("expected at least one layer in 'layers'", at: node.location)
            return nil
        }
        var layers: [LayerSpec] = []
        var ok = true
        for item in items {
            switch item.value {
            case let .scalar(kind, .plain):
                layers.append(LayerSpec(kind: Located(kind, at: item.location), config: nil, location: item.location))
            case let .mapping(pairs) where pairs.count == 1 && isNodeName(pairs[0].key):
                guard let layer = parseNode(pairs[0].key, pairs[0].value, at: item.location, diagnostics: diagnostics) else { ok = false; continue }
                layers.append(layer)
            case let .mapping(pairs) where pairs.count == 1:
                guard case let .scalar(kind, _) = pairs[0].key.value else { fallthrough }
                let config = pairs[0].value
                switch config.value {
                case .mapping:
                    layers.append(LayerSpec(kind: Located(kind, at: pairs[0].key.location), config: config, location: item.location))
                case .scalar where config.scalarKind == .null:
                    layers.append(LayerSpec(kind: Located(kind, at: pairs[0].key.location), config: nil, location: item.location))
                default:
                    diagnostics.error("expected a mapping of arguments for layer '\(kind)', e.g. {units: 10}; received \(config.kindDescription)", at: config.location)
                    ok = false
                }
            default:
                var received = item.kindDescription
                if case let .mapping(pairs) = item.value { received += " with \(pairs.count) keys" }
                diagnostics.error("expected a layer: a mapping with one key, the layer class, such as - Dense: {units: 10}; received \(received)", at: item.location)
                ok = false
            }
        }
        return ok ? layers : nil
    }

    /// Layer classes are CamelCase (Dense, Conv2D); a key in lower case names a functional node.
    static func isNodeName(_ key: YAMLNode) -> Bool {
        guard case let .scalar(text, _) = key.value, let first = text.unicodeScalars.first else { return false }
        return !(first.properties.isUppercase)
    }

    /// `c1: {Conv2D: {filters: 32}, from: inp}`, `flat: {Flatten: null, from: c1}` or `flat: Flatten`.
    static func parseNode(_ key: YAMLNode, _ value: YAMLNode, at location: SourceLocation, diagnostics: DiagnosticEngine) -> LayerSpec? {
        guard case let .scalar(name, _) = key.value else { return nil }
        let binding = Located(name, at: key.location)
        if case let .scalar(kind, .plain) = value.value, value.scalarKind != .null {
            return LayerSpec(kind: Located(kind, at: value.location), config: nil, location: location, binding: binding, from: nil)
        }
        guard case let .mapping(pairs) = value.value else {
            diagnostics.error("expected node '\(name)' to be a layer and what it reads, e.g. \(name): {Dense: {units: 10}, from: x}; received \(value.kindDescription)", at: value.location)
            return nil
        }
        var from: [Located<String>]?
        var layer: (kind: Located<String>, config: YAMLNode?)?
        for pair in pairs {
            guard case let .scalar(keyText, _) = pair.key.value else { continue }
            if keyText == "from" {
                guard let names = nameList(pair.value, "from", diagnostics: diagnostics) else { return nil }
                from = names
                continue
            }
            guard isNodeName(pair.key) == false else {
                diagnostics.error("unknown key '\(keyText)' for node '\(name)': a node holds one layer class (CamelCase, e.g. \(name): {Dense: {units: 10}, from: x}) and what it reads (from:)", at: pair.key.location)
                return nil
            }
            guard layer == nil else {
                diagnostics.error("node '\(name)' has more than one layer ('\(layer!.kind.value)', '\(keyText)'); give each layer its own node", at: pair.key.location)
                return nil
            }
            switch pair.value.value {
            case .mapping: layer = (Located(keyText, at: pair.key.location), pair.value)
            case .scalar where pair.value.scalarKind == .null: layer = (Located(keyText, at: pair.key.location), nil)
            default:
                diagnostics.error("expected a mapping of arguments for layer '\(keyText)', e.g. {units: 10}; received \(pair.value.kindDescription)", at: pair.value.location)
                return nil
            }
        }
        guard let layer else {
            diagnostics.error("node '\(name)' names no layer; expected e.g. \(name): {Dense: {units: 10}, from: x}", at: value.location)
            return nil
        }
        return LayerSpec(kind: layer.kind, config: layer.config, location: location, binding: binding, from: from)
    }

    static func parseCompile(_ top: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> CompileSpec? {
        guard let node = top["compile"] else {
            if top.hasMisspelling(of: "compile") { return nil }
            diagnostics.error("missing required key 'compile' (as model.compile(...)), e.g. compile: {optimizer: Adam, loss: mse}", at: location)
            return nil
        }
        guard node.mapping("compile", in: diagnostics) != nil else { return nil }
        let reader = MappingReader(node, context: "compile", diagnostics: diagnostics)
        defer { reader.finish(allowed: ["optimizer", "loss", "loss_weights", "metrics"]) }
        var ok = true
        // Keras's compile() defaults to optimizer="rmsprop".
        var optimizer = OptimizerSpec(name: Located("rmsprop", at: node.location), config: nil)
        if let optNode = reader["optimizer"] {
            if let named = namedWithConfig(optNode, "optimizer", diagnostics: diagnostics) {
                optimizer = OptimizerSpec(name: named.name, config: named.config)
            } else { ok = false }
        }
        var loss: Located<String>?
        var fromLogits = false
        var outputLosses: PerOutput<LossSpec>?
        if let lossNode = reader["loss"] {
            if let perOutput = perOutput(lossNode, "loss", isSingle: isSingleLoss, diagnostics: diagnostics, value: { node in
                parseLoss(node, diagnostics: diagnostics)
            }) {
                outputLosses = perOutput
            } else if !isSingleLoss(lossNode) {
                ok = false
            } else if let single = parseLoss(lossNode, diagnostics: diagnostics) {
                loss = single.name
                fromLogits = single.fromLogits
            } else { ok = false }
        } else {
            if !reader.hasMisspelling(of: "loss") {
                diagnostics.error("missing required key 'loss' in 'compile', e.g. loss: mse", at: node.location)
            }
            ok = false
        }
        var lossWeights: PerOutput<Located<Double>>?
        if let weightsNode = reader["loss_weights"] {
            lossWeights = perOutput(weightsNode, "loss_weights", isSingle: { _ in false }, diagnostics: diagnostics) { item in
                item.double("loss_weights", in: diagnostics).map { Located($0, at: item.location) }
            }
            if lossWeights == nil { ok = false }
        }
        var metrics: [Located<String>] = []
        var outputMetrics: PerOutput<[Located<String>]>?
        if let metricsNode = reader["metrics"] {
            // A flat list of names is for every output; a list of lists or a mapping, per output.
            let flat: (YAMLNode) -> Bool = { node in
                guard case let .sequence(items) = node.value else { return false }
                return items.allSatisfy { if case .scalar = $0.value { true } else { false } }
            }
            if flat(metricsNode) {
                metrics = metricNames(metricsNode, diagnostics: diagnostics) ?? []
            } else if let perOutput = perOutput(metricsNode, "metrics", isSingle: flat, diagnostics: diagnostics, value: { item in
                metricNames(item, diagnostics: diagnostics)
            }) {
                outputMetrics = perOutput
            } else { ok = false }
        }
        guard ok else { return nil }
        return CompileSpec(optimizer: optimizer, loss: loss, lossFromLogits: fromLogits, metrics: metrics, location: node.location,
                           outputLosses: outputLosses, lossWeights: lossWeights, outputMetrics: outputMetrics)
    }

    /// `mse`, `{BinaryCrossentropy: {from_logits: true}}` or `{binary_crossentropy: null}`: one
    /// loss; any other mapping names outputs.
    static func isSingleLoss(_ node: YAMLNode) -> Bool {
        switch node.value {
        case .scalar: return true
        case let .mapping(pairs):
            guard pairs.count == 1 else { return false }
            let config = pairs[0].value
            if config.scalarKind == .null { return true }
            guard case let .mapping(arguments) = config.value else { return false }
            return arguments.allSatisfy { if case let .scalar(key, _) = $0.key.value { key == "from_logits" } else { false } }
        default: return false
        }
    }

    static func parseLoss(_ node: YAMLNode, diagnostics: DiagnosticEngine) -> LossSpec? {
        guard let named = namedWithConfig(node, "loss", diagnostics: diagnostics) else { return nil }
        var fromLogits = false
        if let config = named.config {
            let args = MappingReader(config, context: named.name.value, diagnostics: diagnostics)
            fromLogits = args.bool("from_logits") ?? false
            args.finish(allowed: ["from_logits"])
        }
        return LossSpec(name: named.name, fromLogits: fromLogits)
    }

    static func metricNames(_ node: YAMLNode, diagnostics: DiagnosticEngine) -> [Located<String>]? {
        if case .scalar = node.value { return node.string("metrics", in: diagnostics).map { [Located($0, at: node.location)] } }
        guard let items = node.sequence("metrics", in: diagnostics) else { return nil }
        var names: [Located<String>] = []
        for item in items {
            guard let name = item.string("metrics", in: diagnostics) else { return nil }
            names.append(Located(name, at: item.location))
        }
        return names
    }

    /// A per-output argument: a mapping keyed by output name or a list in the outputs' order;
    /// nil when `node` is the single form (`isSingle`) or on error (reported).
    static func perOutput<Value>(_ node: YAMLNode, _ what: String, isSingle: (YAMLNode) -> Bool, diagnostics: DiagnosticEngine,
                                 value: (YAMLNode) -> Value?) -> PerOutput<Value>? {
        if isSingle(node) { return nil }
        var entries: [(key: Located<String>?, value: Value)] = []
        var ok = true
        switch node.value {
        case let .mapping(pairs):
            for pair in pairs {
                guard let key = pair.key.string(what, in: diagnostics) else { ok = false; continue }
                if entries.contains(where: { $0.key?.value == key }) {
                    diagnostics.error("output '\(key)' appears twice in '\(what)'", at: pair.key.location)
                    ok = false
                    continue
                }
                if let parsed = value(pair.value) { entries.append((Located(key, at: pair.key.location), parsed)) } else { ok = false }
            }
        case let .sequence(items):
            for item in items {
                if let parsed = value(item) { entries.append((nil, parsed)) } else { ok = false }
            }
        default:
            diagnostics.error("expected a mapping {output: value} or a list with one entry per output for '\(what)'; received \(node.kindDescription)", at: node.location)
            return nil
        }
        return ok ? PerOutput(entries: entries, location: node.location) : nil
    }

    /// `Adam` or `{Adam: {learning_rate: 0.01}}`.
    static func namedWithConfig(_ node: YAMLNode, _ what: String, diagnostics: DiagnosticEngine) -> (name: Located<String>, config: YAMLNode?)? {
        switch node.value {
        case .scalar:
            guard let name = node.string(what, in: diagnostics) else { return nil }
            return (Located(name, at: node.location), nil)
        case let .mapping(pairs) where pairs.count == 1:
            guard case let .scalar(name, _) = pairs[0].key.value else { break }
            let config = pairs[0].value
            if config.scalarKind == .null { return (Located(name, at: pairs[0].key.location), nil) }
            guard config.mapping(name, in: diagnostics) != nil else { return nil }
            return (Located(name, at: pairs[0].key.location), config)
        default: break
        }
        diagnostics.error("expected a name or a mapping {Name: {arguments}} for '\(what)'; received \(node.kindDescription)", at: node.location)
        return nil
    }

    static func parseFit(_ top: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> FitSpec? {
        // Keras's fit() defaults to batch_size=32.
        guard let node = top["fit"] else { return FitSpec(batchSize: Located(32, at: location), epochs: nil, validationSplit: nil) }
        guard node.mapping("fit", in: diagnostics) != nil else { return nil }
        let reader = MappingReader(node, context: "fit", diagnostics: diagnostics)
        defer { reader.finish(allowed: ["batch_size", "epochs", "validation_split"]) }
        var ok = true
        var batch = Located(32, at: node.location)
        if let batchNode = reader["batch_size"] {
            if let value = reader.int("batch_size") {
                if value <= 0 {
                    diagnostics.error("expected a positive integer for 'batch_size', received \(value)", at: batchNode.location)
                    ok = false
                } else if value > 65_536 {
                    diagnostics.error("expected 'batch_size' of at most 65536 (activations are sized for one batch at compile time), received \(value)", at: batchNode.location)
                    ok = false
                }
                batch = Located(value, at: batchNode.location)
            } else { ok = false }
        }
        var epochs: Located<Int>?
        if let epochsNode = reader["epochs"] {
            if let value = reader.int("epochs"), value > 0 { epochs = Located(value, at: epochsNode.location) } else {
                if let value = reader.int("epochs") {
                    diagnostics.error("expected a positive integer for 'epochs', received \(value)", at: epochsNode.location)
                }
                ok = false
            }
        }
        var split: Located<Double>?
        if let splitNode = reader["validation_split"] {
            if let value = reader.double("validation_split") {
                if value >= 0, value < 1 { split = Located(value, at: splitNode.location) } else {
                    diagnostics.error("`validation_split` must be in [0, 1). Received: validation_split=\(value)", at: splitNode.location)
                    ok = false
                }
            } else { ok = false }
        }
        return ok ? FitSpec(batchSize: batch, epochs: epochs, validationSplit: split) : nil
    }

    static func parseExpect(_ top: MappingReader, diagnostics: DiagnosticEngine) -> ExpectSpec? {
        guard let node = top["expect"] else { return ExpectSpec() }
        guard node.mapping("expect", in: diagnostics) != nil else { return nil }
        let reader = MappingReader(node, context: "expect", diagnostics: diagnostics)
        defer { reader.finish(allowed: ["params", "trainable_params", "output_shape"]) }
        var expect = ExpectSpec()
        if let n = reader["params"], let value = reader.int("params") { expect.params = Located(value, at: n.location) }
        if let n = reader["trainable_params"], let value = reader.int("trainable_params") { expect.trainableParams = Located(value, at: n.location) }
        if let n = reader["output_shape"], let value = n.intList("output_shape", in: diagnostics) {
            expect.outputShape = Located(value, at: n.location)
        }
        return expect
    }
}
