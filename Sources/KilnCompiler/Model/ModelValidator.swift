import Foundation
import KilnSpec
import KilnCore

/// `ModelSpec` -> `ModelGraph`: layer configs, shape inference, parameter counts, compile options.
/// Reports every independent problem; a node that fails leaves its shape unknown, so the nodes
/// that read it skip their shape checks instead of cascading. Sequential layers read the layer
/// above; functional nodes read the nodes they name.
public enum ModelValidator {
    public static func validate(_ spec: ModelSpec, specPath: String, diagnostics: DiagnosticEngine) -> ModelGraph? {
        validate(spec, specPath: specPath, nesting: [spec.name.value], diagnostics: diagnostics)
    }

    /// `nesting`: the model names from the outermost spec to this one (a spec used in itself is a cycle).
    static func validate(_ spec: ModelSpec, specPath: String, nesting: [String], diagnostics: DiagnosticEngine) -> ModelGraph? {
        let errorsBefore = diagnostics.errors.count
        if let problem = Identifiers.problemWithModelName(spec.name.value) {
            diagnostics.error("invalid model name '\(Identifiers.commentText(spec.name.value))': \(problem)", at: spec.name.location)
        }

        var sizes = ModelSizeCheck(batch: spec.fit.batchSize.value, diagnostics: diagnostics)
        let functional = spec.outputs != nil || spec.inputs.count > 1 || spec.layers.contains { $0.binding != nil || $0.from != nil }
        // Input k is node -1-k; Keras names unnamed ones input_layer, input_layer_1, ...
        var modelInputs: [ModelInput] = []
        // Each node's output shape by index (nil: it failed, so readers skip their checks
        // instead of cascading); names bind as Python variables: a later node hides an earlier one.
        var shapes: [Int: [Int]?] = [:]
        var bindings: [String: Int] = [:]
        var namesSeen: [String: SourceLocation] = [:]
        var unnamed = 0
        for (k, input) in spec.inputs.enumerated() {
            let name = input.name?.value ?? (unnamed == 0 ? "input_layer" : "input_layer_\(unnamed)")
            if input.name == nil { unnamed += 1 }
            if let first = namesSeen[name] {
                diagnostics.error("The name \"\(Identifiers.commentText(name))\" is used 2 times in the model. All operation names should be unique.",
                                  at: input.name?.location ?? input.location, notes: [Diagnostic(.note, "first used here", at: first)])
            }
            namesSeen[name] = namesSeen[name] ?? input.name?.location ?? input.location
            shapes[-1 - k] = sizes.input(input.shape, at: input.location) ? input.shape : nil
            bindings[name] = -1 - k
            modelInputs.append(ModelInput(name: name, shape: input.shape, integer: input.integer))
        }
        var laterBindings: [String: SourceLocation] = [:]
        for layer in spec.layers { if let binding = layer.binding { laterBindings[binding.value] = laterBindings[binding.value] ?? binding.location } }
        var nodes: [(node: LayerNode, spec: LayerSpec)?] = []
        // A return_state layer's StateOutput nodes, by the layer's index: `from: lstm[1]` reads the first.
        var stateNodes: [Int: [Int]] = [:]
        /// The node `source` names: a binding, or `name[k]`, output k of a layer that returns states
        /// ([0] the output itself). nil after reporting why not.
        func resolve(_ source: Located<String>) -> Int? {
            if let found = bindings[source.value] { return found }
            let text = source.value
            if text.hasSuffix("]"), let open = text.lastIndex(of: "["), let k = Int(text[text.index(after: open)..<text.index(before: text.endIndex)]),
               let base = bindings[String(text[..<open])] {
                let states = stateNodes[base] ?? []
                if k >= 0 && k <= states.count { return k == 0 ? base : states[k - 1] }
                let what = base >= 0 ? nodes[base].map { "'\(Identifiers.commentText($0.node.name))' (\($0.node.op.kerasClass))" } ?? nil : nil
                if states.isEmpty {
                    diagnostics.error("'\(Identifiers.commentText(String(text[..<open])))' is one output, not a list: only a recurrent layer with return_state: true has outputs to index", at: source.location)
                } else {
                    diagnostics.error("list index out of range: \(what ?? "the layer") returns \(states.count + 1) outputs, [0] to [\(states.count)]", at: source.location)
                }
                return nil
            }
            var message = "name '\(Identifiers.commentText(source.value))' is not defined"
            if let later = laterBindings[source.value] {
                message += ": node '\(Identifiers.commentText(source.value))' is defined later, at line \(later.line); a node reads only nodes above it"
            } else if let guess = didYouMean(source.value, among: bindings.keys.sorted()) {
                message += "; did you mean '\(guess)'?"
            }
            diagnostics.error(message, at: source.location)
            return nil
        }
        var previous = -1
        var autoNameCounts: [String: Int] = [:]
        for layer in spec.layers {
            var index = nodes.count
            nodes.append(nil)
            defer {
                if let binding = layer.binding { bindings[binding.value] = index }
                previous = index
            }
            shapes[index] = .some(nil)
            // What it reads: named nodes, or the previous one.
            var inputs: [Int] = []
            var inputsKnown = true
            for source in layer.from ?? [] {
                if let found = resolve(source) {
                    inputs.append(found)
                } else {
                    inputsKnown = false
                }
            }
            if layer.from == nil {
                if spec.inputs.count > 1 && previous < 0 {
                    diagnostics.error("a model with several inputs names what its first node reads: from: \(spec.inputs.first?.name?.value ?? "input_layer")", at: layer.kind.location)
                    inputsKnown = false
                }
                inputs = [previous]
            }

            if layer.kind.value == "Model" {
                // Another model spec as a layer: its nodes join this graph, built on what this layer reads.
                let config = MappingReader(layer.config ?? YAMLNode(.mapping([]), at: layer.kind.location), context: "Model", diagnostics: diagnostics)
                guard let nested = nestedModel(config, at: layer.kind.location, specPath: spec.file, nesting: nesting,
                                               inputShape: inputsKnown && inputs.count == 1 ? shapes[inputs[0]] ?? nil : nil,
                                               readsOne: inputs.count == 1, diagnostics: diagnostics) else { continue }
                nodes.removeLast()
                shapes[index] = nil
                let base = nodes.count
                var spliced = true
                for var node in nested.layers {
                    node.inputs = node.inputs.map { $0 < 0 ? inputs[0] : base + $0 }
                    node.trainable = node.trainable && nested.trainable
                    node.group = nested.group
                    if let first = namesSeen[node.name] {
                        diagnostics.error("The name \"\(Identifiers.commentText(node.name))\" is used 2 times in the model. All operation names should be unique.",
                                          at: config["spec"]?.location ?? layer.kind.location, notes: [Diagnostic(.note, "first used here", at: first)])
                        spliced = false
                    }
                    namesSeen[node.name] = namesSeen[node.name] ?? layer.kind.location
                    if !sizes.layer(node, at: layer.kind.location) { spliced = false }
                    shapes[nodes.count] = .some(node.outputShape)
                    nodes.append((node, layer))
                }
                index = nodes.count - 1
                if !spliced { nodes[index] = nil; shapes[index] = .some(nil) }
                continue
            }

            let kind = layer.kind.value
            guard let builder = layerKinds[kind] ?? layerAliases[kind].flatMap({ layerKinds[$0] }) else {
                diagnostics.error(unknownLayerMessage(kind), at: layer.kind.location)
                continue
            }
            let config = MappingReader(layer.config ?? YAMLNode(.mapping([]), at: layer.kind.location), context: kind, diagnostics: diagnostics)
            let explicitName = config.string("name")
            let trainable = config.bool("trainable") ?? true
            _ = config.string("dtype")
            var checked = builder.checkConfig(config, at: layer.kind.location, diagnostics: diagnostics)
            config.finish(allowed: ["name", "trainable", "dtype"] + builder.keys)
            // A wrapper's layer is built (and named) before the wrapper, as `Bidirectional(LSTM(8))` runs.
            if let wrapper = checked as? any WrapperLayer {
                let count = autoNameCounts[wrapper.innerNamePrefix, default: 0]
                autoNameCounts[wrapper.innerNamePrefix] = count + 1
                checked = wrapper.named(inner: wrapper.innerExplicitName ?? (count == 0 ? wrapper.innerNamePrefix : "\(wrapper.innerNamePrefix)_\(count)"))
            }

            // Keras numbers automatic names per prefix: dense, dense_1, dense_2, ...
            let count = autoNameCounts[builder.namePrefix, default: 0]
            autoNameCounts[builder.namePrefix] = count + 1
            let name = explicitName ?? (count == 0 ? builder.namePrefix : "\(builder.namePrefix)_\(count)")
            if let explicitName, let nameNode = config["name"] {
                if explicitName.contains("/") {
                    diagnostics.error("Argument `name` must be a string and cannot contain character `/`. Received: name=\(Identifiers.commentText(explicitName))", at: nameNode.location)
                }
            }
            if let first = namesSeen[name] {
                let message = functional
                    ? "The name \"\(Identifiers.commentText(name))\" is used 2 times in the model. All operation names should be unique."
                    : "All layers added to a Sequential model should have unique names. Name '\(Identifiers.commentText(name))' is already the name of a layer in this model. Update the `name` argument to pass a unique name."
                diagnostics.error(message, at: config["name"]?.location ?? layer.kind.location, notes: [Diagnostic(.note, "first used here", at: first)])
            } else {
                namesSeen[name] = config["name"]?.location ?? layer.kind.location
            }

            guard let checked, inputsKnown else { continue }
            let inputShapes = inputs.compactMap { shapes[$0] ?? nil }
            guard inputShapes.count == inputs.count else { continue }  // an input failed: already reported
            var built: BuiltLayer?
            if let merge = checked as? any MergeLayer {
                built = merge.build(inputShapes: inputShapes, name: name, at: layer.kind.location, diagnostics: diagnostics)
            } else if inputShapes.count > 1, checked is any InitialStateLayer {
                // initial_state: the inputs after the first are the states the layer starts from.
                built = checked.build(inputShape: inputShapes[0], name: name, at: layer.kind.location, diagnostics: diagnostics)
                if let wanted = (built?.op as? any InitialStateLayer)?.initialStateShapes, Array(inputShapes.dropFirst()) != wanted {
                    let states = wanted.count == 2 ? "[h, c]" : "[h]"
                    diagnostics.error("Layer '\(Identifiers.commentText(name))' (\(Swift.type(of: checked).kerasClass)) starts from \(wanted.count) state\(wanted.count == 1 ? "" : "s") (initial_state=\(states), each \(kerasShape(wanted[0]))): from: lists the sequence, then them; received \(inputShapes.count - 1): \(inputShapes.dropFirst().map(kerasShape).joined(separator: ", "))", at: layer.from?.dropFirst().first?.location ?? layer.kind.location)
                    built = nil
                }
            } else if inputShapes.count != 1 {
                diagnostics.error("Layer '\(Identifiers.commentText(name))' (\(Swift.type(of: checked).kerasClass)) reads one input; received \(inputShapes.count) (from: [\((layer.from ?? []).map(\.value).joined(separator: ", "))]). Merge several with Add, Concatenate, ...", at: layer.from?.first?.location ?? layer.kind.location)
                built = nil
            } else {
                built = checked.build(inputShape: inputShapes[0], name: name, at: layer.kind.location, diagnostics: diagnostics)
            }
            guard let built else { continue }
            let node = LayerNode(name: name, op: built.op, inputShape: inputShapes[0], outputShape: built.outputShape,
                                 inputs: inputs, inputShapes: inputShapes,
                                 weights: built.weights, trainable: trainable && built.trainable, location: layer.location)
            guard sizes.layer(node, at: layer.kind.location) else { continue }
            nodes[index] = (node, layer)
            shapes[index] = .some(built.outputShape)
            // return_state: the states are nodes of their own, after the layer (`from: lstm[1]`).
            if let producer = built.op as? any StateProducingLayer, producer.stateCount > 0 {
                guard functional else {
                    diagnostics.error("`return_state=True` returns [output, states...]: read the states in a functional spec, as `from: \(name)[1]`", at: config["return_state"]?.location ?? layer.kind.location)
                    continue
                }
                for k in 1...producer.stateCount {
                    let state = LayerNode(name: "\(name)[\(k)]", op: StateOutput(index: k, producer: name), inputShape: built.outputShape,
                                          outputShape: [node.outputShape.last!], inputs: [index], inputShapes: [built.outputShape], weights: [],
                                          trainable: node.trainable, location: layer.location)
                    stateNodes[index, default: []].append(nodes.count)
                    shapes[nodes.count] = .some(state.outputShape)
                    nodes.append((state, layer))
                }
            }
        }

        // The outputs, and every node that reaches one; keras.Model(inputs, outputs) leaves the rest out.
        var outputIndices: [Int]? = [previous]
        if let outputs = spec.outputs {
            var found: [Int] = []
            for output in outputs {
                if let index = bindings[output.value] ?? (output.value.hasSuffix("]") ? resolve(output) : nil) {
                    if found.contains(index) {
                        diagnostics.error("output '\(Identifiers.commentText(output.value))' is listed twice in 'outputs'", at: output.location)
                    } else if index < 0 {
                        if shapes[index] != nil { diagnostics.error("the model's output is its input: give it a layer", at: output.location) }
                    }
                    found.append(index)
                } else if !output.value.hasSuffix("]") {
                    var message = "name '\(Identifiers.commentText(output.value))' is not defined"
                    if let guess = didYouMean(output.value, among: bindings.keys.sorted()) { message += "; did you mean '\(guess)'?" }
                    diagnostics.error(message, at: output.location)
                }
            }
            outputIndices = found.count == outputs.count && Set(found).count == found.count && found.allSatisfy({ $0 >= 0 }) ? found : nil
        }
        var layers: [LayerNode] = []
        var outputNodes: [Int] = []
        var known = false
        if let outputIndices, outputIndices.allSatisfy({ $0 >= 0 && nodes[$0] != nil }) {
            var reaches = [Bool](repeating: false, count: nodes.count)
            for index in outputIndices { reaches[index] = true }
            for index in stride(from: nodes.count - 1, through: 0, by: -1) where reaches[index] {
                for input in nodes[index]?.node.inputs ?? [] where input >= 0 { reaches[input] = true }
            }
            var renumbered = [Int](repeating: -1, count: nodes.count)
            for (index, entry) in nodes.enumerated() {
                guard let entry else { continue }
                guard reaches[index] else {
                    if entry.node.op is StateOutput { continue }  // a state nothing reads, as `_` in Python
                    let label = entry.spec.binding.map { "node '\(Identifiers.commentText($0.value))' (\(Identifiers.commentText(entry.node.name)))" } ?? "layer '\(Identifiers.commentText(entry.node.name))'"
                    diagnostics.warning("\(label) is computed but reaches no output: Kiln leaves it out of the model, as keras.Model(inputs, outputs) does", at: entry.spec.binding?.location ?? entry.spec.kind.location)
                    continue
                }
                var node = entry.node
                node.inputs = node.inputs.map { $0 < 0 ? $0 : renumbered[$0] }
                renumbered[index] = layers.count
                layers.append(node)
            }
            outputNodes = outputIndices.map { renumbered[$0] }
            known = true
        }
        // A node that failed leaves the outputs unknown (already reported).
        if nodes.contains(where: { $0 == nil }) { known = false }
        let outputShapes: [[Int]]? = known ? outputNodes.map { layers[$0].outputShape } : nil
        let names = outputNodes.map { layers[$0].name }

        let optimizer = resolveOptimizer(spec.compile.optimizer, diagnostics: diagnostics)
        let heads = resolveOutputs(spec.compile, outputNames: known ? names : nil, outputShapes: outputShapes,
                                   count: spec.outputs?.count ?? 1, diagnostics: diagnostics)

        if let outputShapes {
            let graph = (total: saturatingSum(layers.map(\.paramCount)),
                         trainable: saturatingSum(layers.filter(\.trainable).map(\.trainableParamCount)))
            if let expected = spec.expect.params, expected.value != graph.total {
                diagnostics.error("expected \(expected.value) parameters (expect.params), but the model has \(graph.total)", at: expected.location)
            }
            if let expected = spec.expect.trainableParams, expected.value != graph.trainable {
                diagnostics.error("expected \(expected.value) trainable parameters (expect.trainable_params), but the model has \(graph.trainable)", at: expected.location)
            }
            if let expected = spec.expect.outputShape, expected.value != outputShapes[0] {
                diagnostics.error("expected output shape \(kerasShape(expected.value)) (expect.output_shape), but the model's output shape is \(kerasShape(outputShapes[0]))", at: expected.location)
            }
        }

        // A model used as a layer brings its layers, not its data.
        let data = nesting.count == 1 ? spec.data.map {
            PipelineDataBinding.validate($0, model: spec.name.value, modelFile: spec.file, modelDisplayPath: specPath, inputs: modelInputs,
                                         outputCount: spec.outputs?.count ?? 1, outputShape: outputShapes?.first, loss: heads?.first?.loss,
                                         diagnostics: diagnostics)
        } : nil

        guard diagnostics.errors.count == errorsBefore, known, let optimizer, let heads else { return nil }
        var graph = ModelGraph(name: spec.name.value, specPath: specPath, inputShape: spec.input.shape, layers: layers,
                               loss: heads[0].loss, metrics: heads[0].metrics, optimizer: optimizer, batchSize: spec.fit.batchSize.value)
        graph.inputs = modelInputs
        graph.outputs = zip(outputNodes, heads).map { node, head in
            ModelOutput(node: node, name: layers[node].name, loss: head.loss, lossWeight: head.weight, metrics: head.metrics)
        }
        graph.isFunctional = functional
        graph.inputName = modelInputs[0].name
        graph.nameLocation = spec.name.location
        graph.epochs = spec.fit.epochs?.value ?? 1
        graph.validationSplit = spec.fit.validationSplit?.value ?? 0
        graph.data = data ?? nil
        // Where a masked sequence goes into a layer that neither applies nor passes on the mask:
        // Keras's own warning where Keras drops the mask too (the layer does not support masking);
        // Kiln's where Keras would use it (a merge passing it on, a masked softmax).
        let maskOrigins = graph.maskOrigins()
        for (index, node) in layers.enumerated() where !node.op.consumesMask && !node.op.propagatesMask && !(node.op is StateOutput) {
            if node.op is any MergeLayer {
                // Keras ORs the masks when every input has one: Kiln follows one mask only (maskOrigins).
                let masks = node.inputs.map { $0 >= 0 ? maskOrigins[$0] : nil }
                guard maskOrigins[index] == nil, !masks.contains(where: { $0 == nil }), let origin = masks[0] else { continue }
                diagnostics.warning("layer '\(Identifiers.commentText(node.name))' (\(node.op.kerasClass)) reads the steps that '\(Identifiers.commentText(layers[origin].name))' masks: Kiln passes a merge's mask on only when all its inputs carry that one mask (and Concatenate joins channels), so the layers after it see the masked steps too, where Keras would skip them", at: node.location)
                continue
            }
            guard let source = node.inputs.first, source >= 0, let origin = maskOrigins[source] else { continue }
            let kerasUsesMask = node.op.kerasClass == "Softmax"
            if kerasUsesMask {
                diagnostics.warning("layer '\(Identifiers.commentText(node.name))' (\(node.op.kerasClass)) reads the steps that '\(Identifiers.commentText(layers[origin].name))' masks: Kiln applies masks in recurrent layers, GlobalAveragePooling1D and BatchNormalization only, so it sees the masked steps too, where Keras would skip them", at: node.location)
            } else {
                diagnostics.warning("Layer '\(Identifiers.commentText(node.name))' (of type \(node.op.kerasClass)) was passed an input with a mask attached to it. However, this layer does not support masking and will therefore destroy the mask information. Downstream layers will not see the mask.", at: node.location)
            }
        }
        for output in graph.outputs {
            if let origin = maskOrigins[output.node] {
                diagnostics.warning("output '\(Identifiers.commentText(output.name))' carries the mask of '\(Identifiers.commentText(layers[origin].name))': Keras leaves masked steps out of the loss, Kiln counts them", at: layers[output.node].location)
            }
        }
        return graph
    }

    /// `- Model: {spec: Name, weights: file, trainable: false, name: row}`: the spec beside this
    /// one (`Name.model.yaml`), validated on `inputShape` (its own input shape is only its default,
    /// as keras.applications' `input_shape`). Its errors are reported at its own lines.
    static func nestedModel(_ config: MappingReader, at location: SourceLocation, specPath: String, nesting: [String],
                            inputShape: [Int]?, readsOne: Bool,
                            diagnostics: DiagnosticEngine) -> (layers: [LayerNode], group: LayerGroup, trainable: Bool)? {
        let specName = config.string("spec")
        let weights = config.string("weights")
        let trainable = config.bool("trainable") ?? true
        let rowName = config.string("name")
        config.finish(allowed: ["spec", "weights", "trainable", "name"])
        guard let specName else {
            if config["spec"] == nil { diagnostics.error("Model needs `spec`: the name of a model spec beside this one (spec: ResNet50Base reads ResNet50Base.model.yaml)", at: location) }
            return nil
        }
        let specLocation = config["spec"]!.location
        guard Identifiers.problemWithModelName(specName) == nil else {
            diagnostics.error("invalid model name '\(Identifiers.commentText(specName))' in `spec`", at: specLocation)
            return nil
        }
        if nesting.contains(specName) {
            diagnostics.error("model '\(specName)' uses itself as a layer: \((nesting + [specName]).joined(separator: " -> "))", at: specLocation)
            return nil
        }
        guard readsOne else {
            diagnostics.error("Layer 'Model' reads one input; a model spec used as a layer has one input", at: location)
            return nil
        }
        let path = (specPath as NSString).deletingLastPathComponent
        let file = path.isEmpty ? "\(specName).model.yaml" : "\(path)/\(specName).model.yaml"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            diagnostics.error("no model spec '\(specName)' beside this one: \(file) cannot be read", at: specLocation)
            return nil
        }
        guard let inputShape else { return nil }  // what it reads failed: already reported
        let inner = DiagnosticEngine()
        guard var spec = ModelSpecParser.parse(text, file: file, diagnostics: inner) else {
            inner.errors.forEach(diagnostics.emit)
            return nil
        }
        spec.input.shape = inputShape
        spec.inputs[0].shape = inputShape
        let graph = validate(spec, specPath: file, nesting: nesting + [specName], diagnostics: inner)
        // Its warnings are its own spec's (reported when it compiles); its errors are this use's.
        inner.errors.forEach { diagnostics.emit(Diagnostic(.error, $0.message, at: $0.location, notes: $0.notes + [Diagnostic(.note, "in model '\(specName)', used as a layer here", at: specLocation)])) }
        guard let graph else { return nil }
        guard graph.inputs.count == 1, graph.outputs.count == 1 else {
            diagnostics.error("a model spec used as a layer has one input and one output; '\(specName)' has \(graph.inputs.count) and \(graph.outputs.count)", at: specLocation)
            return nil
        }
        let group = LayerGroup(name: rowName ?? spec.name.value, kerasClass: graph.isFunctional ? "Functional" : "Sequential",
                               spec: specName, weights: weights)
        return (graph.layers, group, trainable)
    }

    static let lossNames: [String: @Sendable (Bool) -> LossKind] = [
        "mse": { _ in .meanSquaredError }, "mean_squared_error": { _ in .meanSquaredError },
        "MeanSquaredError": { _ in .meanSquaredError },
        "mae": { _ in .meanAbsoluteError }, "mean_absolute_error": { _ in .meanAbsoluteError },
        "MeanAbsoluteError": { _ in .meanAbsoluteError },
        "binary_crossentropy": { .binaryCrossentropy(fromLogits: $0) }, "BinaryCrossentropy": { .binaryCrossentropy(fromLogits: $0) },
        "categorical_crossentropy": { .categoricalCrossentropy(fromLogits: $0) },
        "CategoricalCrossentropy": { .categoricalCrossentropy(fromLogits: $0) },
        "sparse_categorical_crossentropy": { .sparseCategoricalCrossentropy(fromLogits: $0) },
        "SparseCategoricalCrossentropy": { .sparseCategoricalCrossentropy(fromLogits: $0) },
    ]

    static func resolveLoss(_ spec: LossSpec, diagnostics: DiagnosticEngine) -> LossKind? {
        let name = spec.name
        if let make = lossNames[name.value] {
            let loss = make(spec.fromLogits)
            if spec.fromLogits, loss == .meanSquaredError || loss == .meanAbsoluteError {
                diagnostics.error("unknown key 'from_logits' for \(name.value): only crossentropy losses take it", at: name.location)
                return nil
            }
            return loss
        }
        var message = "Could not interpret loss identifier: \(Identifiers.commentText(name.value))"
        if let guess = didYouMean(name.value, among: lossNames.keys.sorted()) { message += "; did you mean '\(guess)'?" }
        diagnostics.error(message, at: name.location)
        return nil
    }

    /// `output`: the output's name in a model of several (nil: the model's one output).
    static func checkLossFitsOutput(_ loss: LossKind, outputShape: [Int], output: String? = nil, at location: SourceLocation, diagnostics: DiagnosticEngine) {
        let last = outputShape.last ?? 1
        let which = output.map { "output '\(Identifiers.commentText($0))' has shape" } ?? "the model's output shape is"
        switch loss {
        case .sparseCategoricalCrossentropy, .categoricalCrossentropy:
            if last < 2 {
                diagnostics.error("loss \(loss.name) expects an output with one unit per class (at least 2), but \(which) \(kerasShape(outputShape))", at: location)
            }
        default: break
        }
        if case .sparseCategoricalCrossentropy = loss, outputShape.count != 1 {
            diagnostics.error("loss sparse_categorical_crossentropy expects a model output of shape (None, classes), received \(kerasShape(outputShape))", at: location)
        }
    }

    static func resolveOptimizer(_ spec: OptimizerSpec, diagnostics: DiagnosticEngine) -> OptimizerConfig? {
        let kinds: [String: OptimizerConfig.Kind] = ["sgd": .sgd, "adam": .adam, "rmsprop": .rmsprop]
        guard let kind = kinds[spec.name.value.lowercased()] else {
            var message = "Could not interpret optimizer identifier: \(Identifiers.commentText(spec.name.value))"
            if let guess = didYouMean(spec.name.value, among: ["SGD", "Adam", "RMSprop"]) { message += "; did you mean '\(guess)'?" }
            diagnostics.error(message, at: spec.name.location)
            return nil
        }
        // Keras 3 defaults.
        var config: OptimizerConfig
        switch kind {
        case .sgd: config = OptimizerConfig(kind: .sgd, learningRate: 0.01)
        case .adam: config = OptimizerConfig(kind: .adam, learningRate: 0.001)
        case .rmsprop: config = OptimizerConfig(kind: .rmsprop, learningRate: 0.001)
        }
        guard let node = spec.config else { return config }
        let reader = MappingReader(node, context: kind.rawValue, diagnostics: diagnostics)
        var ok = true
        func positive(_ key: String, _ apply: (Float) -> Void, upTo limit: Double? = nil, allowZero: Bool = false) {
            guard let keyNode = reader[key], let value = reader.double(key) else { return }
            let inRange = (allowZero ? value >= 0 : value > 0) && value.isFinite && (limit.map { value < $0 } ?? true)
            guard inRange else {
                let range = limit.map { "\(allowZero ? "[0" : "(0"), \($0))" } ?? (allowZero ? "a non-negative float" : "a positive float")
                diagnostics.error("Argument `\(key)` must be \(limit == nil ? range : "in " + range). Received: \(key)=\(value)", at: keyNode.location)
                ok = false
                return
            }
            apply(Float(value))
        }
        positive("learning_rate") { config.learningRate = $0 }
        switch kind {
        case .adam:
            positive("beta_1", { config.beta1 = $0 }, upTo: 1, allowZero: true)
            positive("beta_2", { config.beta2 = $0 }, upTo: 1, allowZero: true)
            positive("epsilon") { config.epsilon = $0 }
            if reader.bool("amsgrad") == true {
                diagnostics.error("Kiln does not support amsgrad=True yet", at: reader["amsgrad"]!.location)
                ok = false
            }
        case .sgd:
            if let momentumNode = reader["momentum"], let momentum = reader.double("momentum") {
                if momentum < 0 || momentum > 1 {
                    diagnostics.error("`momentum` must be a float between [0, 1]. Received: momentum=\(momentum)", at: momentumNode.location)
                    ok = false
                } else { config.momentum = Float(momentum) }
            }
            config.nesterov = reader.bool("nesterov") ?? false
        case .rmsprop:
            positive("rho", { config.rho = $0 }, upTo: 1, allowZero: true)
            positive("epsilon") { config.epsilon = $0 }
            for key in ["momentum", "centered"] {
                guard let keyNode = reader[key] else { continue }
                let off = key == "momentum" ? reader.double(key) == 0 : reader.bool(key) == false
                if !off {
                    diagnostics.error("Kiln supports RMSprop with \(key)=\(key == "momentum" ? "0.0" : "False") only", at: keyNode.location)
                    ok = false
                }
            }
        }
        reader.finish()
        return ok ? config : nil
    }

    static func resolveMetrics(_ names: [Located<String>], loss: LossKind?, outputShape: [Int]?, diagnostics: DiagnosticEngine) -> [(name: String, kind: MetricKind)]? {
        let fixed: [String: MetricKind] = [
            "mae": .mae, "mean_absolute_error": .mae, "mse": .mse, "mean_squared_error": .mse,
            "binary_accuracy": .binaryAccuracy, "categorical_accuracy": .categoricalAccuracy,
            "sparse_categorical_accuracy": .sparseCategoricalAccuracy,
        ]
        var metrics: [(name: String, kind: MetricKind)] = []
        var ok = true
        for metric in names {
            let name = metric.value
            if let kind = fixed[name] {
                metrics.append((name, kind))
            } else if name == "accuracy" || name == "acc" {
                // Keras 3 (compile_utils.is_binary_or_sparse_categorical) decides by shapes: binary
                // when the output has one unit, sparse when y has one value per sample (as sparse
                // crossentropy's targets do) and the output several, else categorical.
                let kind: MetricKind
                if outputShape?.last == 1 {
                    kind = .binaryAccuracy
                } else if case .sparseCategoricalCrossentropy? = loss {
                    kind = .sparseCategoricalAccuracy
                } else {
                    kind = .categoricalAccuracy
                }
                metrics.append((name, kind))
            } else {
                var message = "Could not interpret metric identifier: \(Identifiers.commentText(name))"
                if let guess = didYouMean(name, among: (Array(fixed.keys) + ["accuracy"]).sorted()) { message += "; did you mean '\(guess)'?" }
                diagnostics.error(message, at: metric.location)
                ok = false
            }
        }
        return ok ? metrics : nil
    }
}
