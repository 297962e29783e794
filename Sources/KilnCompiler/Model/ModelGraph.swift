import KilnSpec
import KilnCore

/// The validated model: every layer with its resolved config, shapes and weights.
/// Produced by `ModelValidator`, consumed by `KernelPlan` and the renderers.
public struct ModelGraph: Sendable {
    public var name: String
    public var specPath: String
    public var inputShape: [Int]
    public var layers: [LayerNode]
    public var loss: LossKind
    public var metrics: [(name: String, kind: MetricKind)]
    public var optimizer: OptimizerConfig
    public var batchSize: Int
    /// fit's defaults from the spec (Keras's when absent: 1 epoch, no validation split).
    public var epochs: Int = 1
    public var validationSplit: Double = 0
    /// `data:`: the pipeline whose outputs feed fit.
    public var data: PipelineDataBinding?
    /// Where the spec declares the model's name (for messages about the whole model).
    public var nameLocation: SourceLocation?
    /// A functional model (named nodes, `from:`, `outputs:`): Keras's keras.Model, whose summary
    /// has an InputLayer row and a "Connected to" column.
    public var isFunctional = false
    /// keras.Input's name.
    public var inputName = "input_layer"
    /// Every keras.Input, in keras.Model(inputs=[...])'s order; node input -1-k reads input k.
    public var inputs: [ModelInput] = []
    /// What the model returns, in keras.Model(outputs=[...])'s order, each with its loss and
    /// metrics (`loss` and `metrics` above are the first's).
    public var outputs: [ModelOutput] = []
    /// Several inputs or outputs: x and y are then packed per sample, input after input.
    public var isMultiIO: Bool { inputs.count > 1 || outputs.count > 1 }

    public var outputShape: [Int] { outputs.first.map { layers[$0.node].outputShape } ?? layers.last?.outputShape ?? inputShape }
    public var paramCount: Int { saturatingSum(layers.map(\.paramCount)) }
    public var trainableParamCount: Int { saturatingSum(layers.filter(\.trainable).map(\.trainableParamCount)) }
    public var nonTrainableParamCount: Int { paramCount - trainableParamCount }

    /// The Keras `summary()` rows.
    /// The layers as Keras lists them: one item per node, a nested model's nodes (consecutive,
    /// one group) as one item.
    public var items: [(range: ClosedRange<Int>, group: LayerGroup?)] {
        var items: [(range: ClosedRange<Int>, group: LayerGroup?)] = []
        var index = 0
        while index < layers.count {
            if layers[index].op is StateOutput { index += 1; continue }  // part of its layer's row
            var end = index
            if let group = layers[index].group {
                while end + 1 < layers.count, layers[end + 1].group == group { end += 1 }
            }
            items.append((index...end, layers[index].group))
            index = end + 1
        }
        return items
    }

    /// A nested model's row: its name and class, its last node's shape, the sum of their
    /// parameters; the nodes outside it read it by that name.
    public var layerInfos: [LayerInfo] {
        func rowName(_ index: Int) -> String { index < 0 ? inputs[-1 - index].name : layers[index].group?.name ?? layers[index].name }
        /// `dense[0][0]`; a state, `lstm[0][1]`.
        func connection(_ index: Int) -> String {
            if index >= 0, let state = layers[index].op as? StateOutput { return "\(rowName(layers[index].inputs[0]))[0][\(state.index)]" }
            return "\(rowName(index))[0][0]"
        }
        let rows = items.map { item in
            let first = layers[item.range.lowerBound], members = layers[item.range], last = item.range.upperBound
            return LayerInfo(name: item.group?.name ?? first.name, type: item.group?.kerasClass ?? first.op.kerasClass,
                             outputShape: layers[last].outputShape, params: saturatingSum(members.map(\.paramCount)),
                             trainable: members.contains(where: \.trainable),
                             connectedTo: isFunctional ? first.inputs.map(connection) : [],
                             stateShapes: item.group == nil ? layers[last].op.buffers.states : [])
        }
        guard isFunctional else { return rows }
        // Keras's order (ops/function.py map_graph): by depth, the longest path to an output,
        // deepest first; ties in the order a depth-first walk from the outputs first meets them
        // (so two branches of unequal length interleave). Inputs are rows too (InputLayer), at
        // their depth; one input is the deepest, and `summaryInput` gives its row. Row r is item
        // r, then the mask ops; input k is -1-k.
        var itemOf = [Int](repeating: 0, count: layers.count)
        for (row, item) in items.enumerated() { for index in item.range { itemOf[index] = row } }
        for index in layers.indices where layers[index].op is StateOutput { itemOf[index] = itemOf[layers[index].inputs[0]] }
        var allRows = rows
        var parentRows: [[Int]] = items.map { item in layers[item.range.lowerBound].inputs.map { $0 < 0 ? $0 : itemOf[$0] } }
        // A functional graph holds a mask's ops as nodes: Embedding(mask_zero)'s not_equal on the
        // ids, Masking's not_equal and any; a layer whose call takes the mask reads the last.
        var maskRow: [Int: Int] = [:], opCounts: [String: Int] = [:]
        func opName(_ base: String) -> String {
            let count = opCounts[base, default: 0]
            opCounts[base] = count + 1
            return count == 0 ? base : "\(base)_\(count)"
        }
        for (index, layer) in layers.enumerated() where layer.op.producesMask && layer.group == nil {
            let source = layer.inputs[0]
            let notEqual = opName("not_equal")
            allRows.append(LayerInfo(name: notEqual, type: "NotEqual", outputShape: layer.inputShape, params: 0, trainable: true, connectedTo: [connection(source)]))
            parentRows.append([source < 0 ? source : itemOf[source]])
            if layer.op.kerasClass == "Masking" {
                allRows.append(LayerInfo(name: opName("any"), type: "Any", outputShape: Array(layer.inputShape.dropLast()), params: 0, trainable: true,
                                         connectedTo: ["\(notEqual)[0][0]"]))
                parentRows.append([allRows.count - 2])
            }
            maskRow[index] = allRows.count - 1
        }
        // The row of the mask each node's output carries: its maker's, or that of the ops a merge
        // computes it with (maskOrigins): Add and the like OR the masks (logical_or); Concatenate
        // widens each to its input (expand_dims, zeros_like, logical_or), joins them and takes any.
        let origins = maskOrigins()
        var carried = [Int?](repeating: nil, count: layers.count)
        func addOp(_ base: String, _ type: String, _ shape: [Int], reading: [Int], names: [String]) -> Int {
            allRows.append(LayerInfo(name: opName(base), type: type, outputShape: shape, params: 0, trainable: true, connectedTo: names))
            parentRows.append(reading)
            return allRows.count - 1
        }
        for (index, layer) in layers.enumerated() {
            if layer.op.producesMask {
                carried[index] = maskRow[index]
            } else if layer.op is any MergeLayer, origins[index] != nil, layer.group == nil {
                let masks = layer.inputs.compactMap { carried[$0] }
                guard masks.count == layer.inputs.count else { continue }
                let maskShape = Array(layer.outputShape.dropLast())
                if layer.op is Concatenate {
                    let widened = zip(layer.inputs, masks).map { input, mask -> Int in
                        let shape = input < 0 ? inputs[-1 - input].shape : layers[input].outputShape
                        let expanded = addOp("expand_dims", "ExpandDims", maskShape + [1], reading: [mask], names: ["\(allRows[mask].name)[0][0]"])
                        let zeros = addOp("zeros_like", "ZerosLike", shape, reading: [input < 0 ? input : itemOf[input]], names: [connection(input)])
                        return addOp("logical_or", "LogicalOr", shape, reading: [expanded, zeros],
                                     names: ["\(allRows[expanded].name)[0][0]", "\(allRows[zeros].name)[0][0]"])
                    }
                    let joined = addOp("concatenate", "Concatenate", layer.outputShape, reading: widened, names: widened.map { "\(allRows[$0].name)[0][0]" })
                    carried[index] = addOp("any", "Any", maskShape, reading: [joined], names: ["\(allRows[joined].name)[0][0]"])
                } else {
                    var mask = masks[0]
                    for other in masks.dropFirst() {
                        mask = addOp("logical_or", "LogicalOr", maskShape, reading: [mask, other],
                                     names: ["\(allRows[mask].name)[0][0]", "\(allRows[other].name)[0][0]"])
                    }
                    carried[index] = mask
                }
            } else if layer.op.propagatesMask, let source = layer.inputs.first, source >= 0 {
                carried[index] = carried[source]
            }
        }
        for (row, item) in items.enumerated() where item.group == nil {
            let layer = layers[item.range.lowerBound]
            guard layer.op.consumesMask || layer.op.kerasClass == "TimeDistributed",
                  let source = layer.inputs.first, source >= 0, origins[source] != nil, let mask = carried[source] else { continue }
            allRows[row].connectedTo.append("\(allRows[mask].name)[0][0]")
            parentRows[row].append(mask)
        }
        func parents(_ row: Int) -> [Int] { row < 0 ? [] : parentRows[row] }
        var visitOrder: [Int: Int] = [:], postOrder: [Int] = []
        func visit(_ row: Int) {
            guard visitOrder[row] == nil else { return }
            visitOrder[row] = visitOrder.count
            parents(row).forEach(visit)
            postOrder.append(row)
        }
        for output in outputs { visit(itemOf[output.node]) }
        var depth: [Int: Int] = [:]
        for row in postOrder.reversed() {
            let d = depth[row, default: 0]
            for parent in parents(row) { depth[parent] = max(depth[parent, default: 0], d + 1) }
        }
        let ordered = visitOrder.keys.sorted { (depth[$0, default: 0], -visitOrder[$0]!) > (depth[$1, default: 0], -visitOrder[$1]!) }
            .filter { $0 >= 0 || isMultiIO }
        return ordered.map { row in
            row >= 0 ? allRows[row] : LayerInfo(name: inputs[-1 - row].name, type: "InputLayer", outputShape: inputs[-1 - row].shape, params: 0, trainable: true)
        }
    }

    /// A functional model's InputLayer row, and whether its graph is a chain (each node reads the one above).
    /// (A model of several inputs or outputs has its InputLayer rows among `layerInfos`.)
    public var summaryInput: (name: String, shape: [Int], chain: Bool)? {
        // A mask's ops are nodes of Keras's graph too (see layerInfos): no longer a chain.
        isFunctional && !isMultiIO ? (inputName, inputShape, layers.indices.allSatisfy { layers[$0].inputs == [$0 - 1] } && !layers.contains { $0.op.producesMask }) : nil
    }
    public var summary: String {
        kerasSummary(modelName: name, layers: layerInfos,
                     trainableParams: trainableParamCount, nonTrainableParams: nonTrainableParamCount,
                     int64NonTrainable: layers.flatMap { layer in layer.weights.filter { !(layer.trainable && $0.trainable) } }.filter(\.isInt64).reduce(0) { $0 + $1.count },
                     input: summaryInput, connected: isMultiIO ? true : nil)
    }
}

/// One keras.Input.
public struct ModelInput: Sendable, Equatable {
    public var name: String
    public var shape: [Int]              // per sample
    /// Integer token ids (`dtype: int32`), passed to the kernels as floats.
    public var integer = false
    public var size: Int { saturatingProduct(shape) }
}

/// One output of keras.Model(outputs=[...]) with what compile gave it.
public struct ModelOutput: Sendable {
    public var node: Int                 // index into the graph's layers
    public var name: String              // its node's name: Keras keys logs by it (reg_loss, reg_mae)
    public var loss: LossKind
    public var lossWeight: Double
    public var metrics: [(name: String, kind: MetricKind)]
}

public struct LayerNode: Sendable {
    public var name: String              // Keras layer name, e.g. "dense_1"
    /// The kind with its config resolved to Keras's defaults.
    public var op: any LayerKind
    public var inputShape: [Int]         // per sample (the first input's, for a merge)
    public var outputShape: [Int]        // per sample
    /// The nodes it reads, in order: indices into the graph's layers, -1 for the model's input.
    public var inputs: [Int] = []
    /// Every input's shape (a merge reads several).
    public var inputShapes: [[Int]] = []
    public var weights: [WeightDecl]
    public var trainable: Bool
    public var location: SourceLocation
    /// The model spec used as a layer that this node came from (`- Model: {spec: ...}`), if any.
    public var group: LayerGroup?
    public var paramCount: Int { saturatingSum(weights.map(\.count)) }
    /// What the optimizer updates when the layer is trainable.
    public var trainableParamCount: Int { saturatingSum(weights.filter(\.trainable).map(\.count)) }
    /// Whether backward computes any weight gradient here.
    public var hasTrainableWeights: Bool { trainable && weights.contains(where: \.trainable) }
}

/// A model used as a layer: its nodes are spliced into the outer graph, and summary() shows
/// them as one row, as Keras shows a nested keras.Model.
public struct LayerGroup: Sendable, Equatable {
    public var name: String              // the row's name (the nested spec's model name by default)
    public var kerasClass: String        // "Functional" or "Sequential"
    public var spec: String              // the nested spec's model name
    /// The weights file the spec names (`weights:`), as written, relative to the spec.
    public var weights: String?
}

/// One weight tensor of a layer, before placement in the flat parameter buffer.
public struct WeightDecl: Sendable, Equatable {
    public var name: String              // "kernel", "bias"
    public var shape: [Int]
    public var initializer: Initializer
    public var fanIn: Int
    public var fanOut: Int
    public var l2: Float?                // kernel_regularizer l2 factor
    /// Keras keeps it as int64 (Normalization's `count`): 8 bytes in summary().
    public var isInt64 = false
    /// False for statistics the optimizer never updates (BatchNormalization's moving ones),
    /// even in a trainable layer.
    public var trainable = true
    /// The forward pass in training writes it (BatchNormalization's moving statistics).
    public var updatedInForward = false
    /// Its gradient is a sum of row lookups (Embedding's): TensorFlow hands the optimizer each lookup's
    /// gradient (IndexedSlices), so Adam's and RMSprop's squared gradient is the sum of their squares.
    public var lookupGradient = false
    public var count: Int { saturatingProduct(shape) }
}

extension ModelGraph {
    /// For each node, the node whose mask its output carries, as Keras passes masks on: the layer
    /// that makes it (Embedding with mask_zero, Masking), then recurrent layers returning sequences.
    /// A merge carries the OR of its inputs' masks when every input has one: Kiln follows that when
    /// they are all one mask (a skip connection), and Concatenate joins channels, not steps.
    public func maskOrigins() -> [Int?] {
        var origins: [Int?] = []
        for node in layers {
            if node.op.producesMask {
                origins.append(origins.count)
            } else if node.op is any MergeLayer {
                let masks = node.inputs.map { $0 >= 0 ? origins[$0] : nil }
                let joinsChannels = (node.op as? Concatenate).map { $0.sampleAxis(rank: node.outputShape.count) == node.outputShape.count - 1 } ?? true
                origins.append(joinsChannels && Set(masks).count == 1 ? masks[0] : nil)
            } else if node.op.propagatesMask, let source = node.inputs.first, source >= 0 {
                origins.append(origins[source])
            } else {
                origins.append(nil)
            }
        }
        return origins
    }
}
