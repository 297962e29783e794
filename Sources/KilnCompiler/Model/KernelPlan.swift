import KilnCore

/// `ModelGraph` -> buffer layout and kernel list: where every weight and activation lives in
/// the model's two flat allocations, and which layer kernels run, fused how.
public struct KernelPlan: Sendable {
    public var graph: ModelGraph
    public var prefix: String                 // C symbol prefix, e.g. "seedregressor"
    public var weights: [PlacedWeight]
    public var layers: [PlannedLayer]
    public var paramCount: Int
    public var activationCount: Int           // floats per buffer role, for the compiled batch
    public var slotsPerParam: Int
    /// The caller's x, not in acts: (n, input) for one input; for several, each sample's
    /// inputs packed one after another, which forward unpacks into `inputBuffers`.
    public var input: Buffer
    /// What the nodes read for each model input: x itself, or its unpacked copy in acts.
    public var inputBuffers: [Buffer]
    public var outputs: [PlannedOutput]
    /// Each output's loss of the last pass (a model of several outputs), for per-output logs.
    public var lossesBuffer: Buffer?

    public var batchSize: Int { graph.batchSize }
    public var output: Buffer { outputs.first?.buffer ?? input }
    /// Floats per sample of y: every output's targets, packed in output order.
    public var targetSize: Int { outputs.reduce(0) { $0 + $1.targetSize } }
}

/// One model output: its buffer, what its loss reads, and where its targets sit in y.
public struct PlannedOutput: Sendable {
    public var output: ModelOutput
    public var layer: Int                     // index into the plan's layers
    public var buffer: Buffer
    /// Softmax/sigmoid output + matching crossentropy: the loss reads the logits and writes
    /// their gradient directly, as Keras's TF backend does.
    public var lossOnLogits: Bool
    /// The buffer the loss reads: the layer's logits when fused, else its output.
    public var lossInput: Buffer
    /// Its slice of y unpacked (several outputs), or nil: the loss reads y itself.
    public var target: Buffer?
    public var targetOffset: Int              // floats before its targets in one sample of y
    public var targetSize: Int                // 1 (class ids) for sparse crossentropy, else the output's size
}

/// A region of `acts` (or the input x) holding (batch, shape...), or (shape...) once per batch.
public struct Buffer: Sendable, Equatable {
    public var symbol: String                 // C enum constant with the offset, e.g. "A_DENSE_OUT"
    public var offset: Int                    // floats from acts start (for the full compiled batch)
    public var shape: [Int]                   // per sample
    /// False for statistics of the whole batch (one `shape`, not one per sample).
    public var perSample = true
    public var size: Int { saturatingProduct(shape) }
    /// (B,10) for a per-sample buffer, (2,16) for batch statistics.
    public var shapeComment: String { CFormat.shape(shape, batch: perSample ? "B" : nil) }
    public var isInput: Bool { symbol == "X" }
}

public struct PlacedWeight: Sendable {
    public var layer: String
    public var decl: WeightDecl
    public var offset: Int
    public var trainable: Bool
    public var symbol: String                 // C enum constant, e.g. "W_DENSE_KERNEL"
    public var kerasPath: String { "\(layer)/\(decl.name)" }
}

public struct PlannedLayer: Sendable {
    public var node: LayerNode
    public var cName: String                  // fragment used in kernel names, unique in the model
    /// Every input's buffer, in the node's order; `input` is the first.
    public var inputs: [Buffer]
    public var input: Buffer { inputs[0] }
    public var output: Buffer
    public var preActivation: Buffer?         // z, kept when the activation's backward needs it
    public var mask: Buffer?                  // dropout mask
    public var statistics: Buffer?            // per-batch statistics (BatchNormalization)
    public var intermediate: Buffer?          // a result inside the layer (SeparableConv's depthwise output)
    public var weights: [PlacedWeight]
    /// Whether backward must produce each input's gradient (false for the model's input and for
    /// inputs with no trainable weights upstream).
    public var inputNeedsGradient: [Bool]
    /// A max pool reading a ReLU layer that nothing else reads: its backward writes that layer's
    /// pre-activation gradient (this buffer's) itself, and the layer skips its ReLU backward.
    public var inputPreActivationGradient: Buffer? = nil
    /// The layer whose ReLU backward the max pool reading it does (`inputPreActivationGradient`).
    public var activationBackwardByReader = false
    /// A conv whose BatchNormalization (and the elementwise activation after it) fold into its
    /// epilogue at inference: the layers of the chain, and whether training runs it folded too.
    public var inferenceFold: InferenceFold? = nil
    /// A 2D conv whose output only a MaxPooling2D of disjoint windows reads: at inference one call
    /// writes the pool's output (the runtime's kiln_conv_max_pool_forward), this layer's index of the pool.
    public var inferencePool: Int? = nil
    /// The mask of its input's steps (n, steps), 1 or 0, in the mask buffer of the layer that made
    /// it (Embedding with mask_zero, Masking), for a layer that applies it.
    public var inputMask: Buffer? = nil
    /// The extra outputs it writes (LayerBuffers.states): the buffers its `StateOutput` nodes are.
    public var states: [Buffer] = []
    /// Whether backward must produce the (first) input's gradient.
    public var needsInputGradient: Bool { inputNeedsGradient.first ?? false }

    /// Its buffers in `acts`, in layout order.
    public var buffers: [Buffer] { [statistics, intermediate, mask, preActivation].compactMap { $0 } + states + [output] }
}

/// conv -> BatchNormalization (-> activation), each read by the next alone: at inference one call
/// writes the last one's output (the runtime's kiln_conv_batchnorm_forward).
public struct InferenceFold: Sendable, Equatable {
    public var batchNorm: Int
    public var activation: Int?
    /// A frozen batch norm in a chain that backward never reaches (a frozen base): folded in training too.
    public var always: Bool
    public var layers: [Int] { [batchNorm] + (activation.map { [$0] } ?? []) }
}

extension KernelPlan {
    public init(_ graph: ModelGraph) {
        self.graph = graph
        prefix = Identifiers.cFragment(graph.name)
        let batch = graph.batchSize
        var paramOffset = 0
        var actOffset = 0
        var usedNames: Set<String> = []
        var usedSymbols: Set<String> = []
        var placed: [PlacedWeight] = []
        var planned: [PlannedLayer] = []
        let multiInput = graph.inputs.count > 1
        let x = Buffer(symbol: "X", offset: 0, shape: multiInput ? [graph.inputs.reduce(0) { $0 + $1.size }] : graph.inputShape)
        var outputs: [Buffer] = []

        // Keep in step with `LayerBuffers.count`, which the validator sizes models by.
        func allocate(_ symbol: String, _ shape: [Int], perSample: Bool = true) -> Buffer {
            let buffer = Buffer(symbol: symbol, offset: actOffset, shape: shape, perSample: perSample)
            actOffset += (perSample ? batch : 1) * buffer.size
            return buffer
        }

        // Several inputs: each unpacked from x into acts, named after its keras.Input.
        var inputBuffers = [x]
        if multiInput {
            inputBuffers = graph.inputs.enumerated().map { k, input in
                var cName = Identifiers.isPlainCIdentifier(input.name) ? input.name : "input\(k)"
                while usedNames.contains(cName.uppercased()) { cName += "_\(k)" }
                usedNames.insert(cName.uppercased())
                return allocate("A_\(cName.uppercased())_IN", input.shape)
            }
        }
        let outputLayers = Set(graph.outputs.map(\.node))
        for (index, node) in graph.layers.enumerated() {
            let inputs = node.inputs.map { $0 < 0 ? inputBuffers[-1 - $0] : outputs[$0] }
            let current = inputs[0]
            // A name that is already a plain C identifier (Keras's own dense_1, or hidden_2) names
            // the kernels; any other spec name stays in comments and strings only.
            var cName = Identifiers.isPlainCIdentifier(node.name) ? node.name : "layer\(index)"
            // Mangled apart: a later spec name may equal an earlier fallback (layer3, dense_1_2), or
            // an earlier name but for case (Dense, dense), since the offset symbols are upper case.
            while usedNames.contains(cName.uppercased()) { cName += "_\(index)" }
            usedNames.insert(cName.uppercased())
            let upper = cName.uppercased()

            var layerWeights: [PlacedWeight] = []
            for decl in node.weights {
                // Unique across layers too: layer bn's moving_mean and layer bn_moving's mean.
                var symbol = "W_\(upper)_\(Identifiers.cFragment(decl.name).uppercased())"
                while usedSymbols.contains(symbol) { symbol += "_\(index)" }
                usedSymbols.insert(symbol)
                let weight = PlacedWeight(layer: node.name, decl: decl, offset: paramOffset, trainable: node.trainable && decl.trainable, symbol: symbol)
                paramOffset += decl.count
                layerWeights.append(weight)
            }
            placed += layerWeights

            var preActivation: Buffer?
            var mask: Buffer?
            let output: Buffer
            let needs = node.op.buffers
            let statistics = needs.statistics > 0 ? allocate("A_\(upper)_STATS", [needs.statistics], perSample: false) : nil
            let intermediate = needs.intermediate.map { allocate("A_\(upper)_MID", $0) }
            // A model of views only (Flatten alone) still gets an output in acts for the loss to read.
            // (Views of views alias one buffer; several readers of one node share it.)
            var states: [Buffer] = []
            if let state = node.op as? StateOutput {
                // An extra output of the layer it reads (return_state): that layer's buffer.
                output = planned[node.inputs[0]].states[state.index - 1]
            } else if needs.aliasesInput && !(current.isInput && outputLayers.contains(index)) {
                output = Buffer(symbol: current.symbol, offset: current.offset, shape: node.outputShape)
            } else {
                if needs.mask { mask = allocate("A_\(upper)_MASK", needs.maskShape ?? node.outputShape) }
                if needs.preActivation { preActivation = allocate("A_\(upper)_Z", node.outputShape) }
                output = allocate("A_\(upper)_OUT", node.outputShape)
                states = needs.states.enumerated().map { allocate("A_\(upper)_STATE\($0.offset + 1)", $0.element) }
            }
            planned.append(PlannedLayer(node: node, cName: cName, inputs: inputs, output: output, preActivation: preActivation,
                                        mask: mask, statistics: statistics, intermediate: intermediate, weights: layerWeights,
                                        inputNeedsGradient: [], states: states))
            outputs.append(output)
        }
        // An input needs its gradient iff some node upstream of it has trainable weights (frozen
        // prefixes, like a frozen base in transfer learning, skip backward entirely).
        var trainableUpstream = [Bool](repeating: false, count: planned.count)  // of each node's output
        for index in planned.indices {
            let node = planned[index].node
            planned[index].inputNeedsGradient = node.inputs.map { $0 >= 0 && trainableUpstream[$0] }
            trainableUpstream[index] = node.hasTrainableWeights || planned[index].inputNeedsGradient.contains(true)
        }

        // A ReLU layer read only by a max pool: one backward pass for both (the pool routes each
        // window's gradient to its maximum where that is > 0, straight into the ReLU's dz).
        let outputNodes = Set(graph.outputs.map(\.node)), firstBackward = firstBackwardLayerIndex(planned)
        for index in planned.indices where index >= firstBackward {
            let pool = planned[index]
            guard pool.node.op.fusesReLUBackward, pool.needsInputGradient, let source = pool.node.inputs.first, source >= 0,
                  !outputNodes.contains(source),
                  graph.layers.indices.filter({ graph.layers[$0].inputs.contains(source) }) == [index] else { continue }
            let producer = planned[source]
            guard producer.node.op is any AffineLayer, producer.node.op.fusedActivation?.kind == .relu,
                  let z = producer.preActivation, source >= firstBackward else { continue }
            planned[index].inputPreActivationGradient = z
            planned[source].activationBackwardByReader = true
        }

        // Keras's masks, from the layer that makes one to the recurrent layers that apply it.
        let maskOrigins = graph.maskOrigins()
        for index in planned.indices {
            guard planned[index].node.op.consumesMask, let source = planned[index].node.inputs.first, source >= 0,
                  let origin = maskOrigins[source] else { continue }
            planned[index].inputMask = planned[origin].mask
        }

        // conv -> BatchNormalization (-> elementwise activation), each the only reader of the one before.
        func soleReader(of index: Int) -> Int? {
            guard !outputNodes.contains(index) else { return nil }
            let readers = graph.layers.indices.filter { graph.layers[$0].inputs.contains(index) }
            return readers.count == 1 && graph.layers[readers[0]].inputs == [index] ? readers[0] : nil
        }
        for index in planned.indices {
            guard let conv = planned[index].node.op as? any ConvolutionLayer, conv.activation == .linear,
                  let bn = soleReader(of: index), planned[bn].node.op is BatchNormalization else { continue }
            var activation: Int?
            if let next = soleReader(of: bn), let act = planned[next].node.op as? any ElementwiseActivation,
               act.activationKind != .softmax {
                activation = next
            }
            let last = activation ?? bn
            planned[index].inferenceFold = InferenceFold(batchNorm: bn, activation: activation,
                                                         always: !planned[bn].node.trainable && last < firstBackward)
        }

        // conv (elementwise activation) -> MaxPooling2D with pool_size = strides, valid: pooled band by band at inference.
        for index in planned.indices where planned[index].inferenceFold == nil {
            guard let conv = planned[index].node.op as? Conv<Spatial2D>, conv.activation != .softmax, let pool = soleReader(of: index),
                  let op = planned[pool].node.op as? Pooling<Spatial2D, MaxPool>, op.window.size == op.window.strides,
                  op.window.padding == .valid else { continue }
            planned[index].inferencePool = pool
        }

        // Each output's loss when the activation and crossentropy fuse (and no
        // other node reads the output, whose gradient would then need the activation's backward).
        var plannedOutputs: [PlannedOutput] = []
        var targetOffset = 0
        for output in graph.outputs {
            let layer = planned[output.node]
            var lossOnLogits = false
            if let act = layer.node.op.fusedActivation, !graph.layers.contains(where: { $0.inputs.contains(output.node) }) {
                switch (act.kind, output.loss) {
                case (.softmax, .categoricalCrossentropy(false)), (.softmax, .sparseCategoricalCrossentropy(false)),
                     (.sigmoid, .binaryCrossentropy(false)):
                    lossOnLogits = true
                default: break
                }
                // A layer without a pre-activation buffer (an activation layer) has its input as logits.
                if lossOnLogits, layer.preActivation == nil {
                    planned[output.node].preActivation = layer.input
                    lossOnLogits = !layer.input.isInput
                }
            }
            let targetSize: Int
            if case .sparseCategoricalCrossentropy = output.loss { targetSize = 1 } else { targetSize = layer.output.size }
            let target = graph.outputs.count > 1 ? allocate("A_\(layer.cName.uppercased())_Y", [targetSize]) : nil
            plannedOutputs.append(PlannedOutput(output: output, layer: output.node, buffer: layer.output, lossOnLogits: lossOnLogits,
                                                lossInput: lossOnLogits ? planned[output.node].preActivation! : layer.output,
                                                target: target, targetOffset: targetOffset, targetSize: targetSize))
            targetOffset += targetSize
        }
        lossesBuffer = graph.outputs.count > 1 ? allocate("A_LOSSES", [graph.outputs.count], perSample: false) : nil

        weights = placed
        layers = planned
        paramCount = paramOffset
        activationCount = actOffset
        input = x
        self.inputBuffers = inputBuffers
        self.outputs = plannedOutputs
        switch graph.optimizer.kind {
        case .adam: slotsPerParam = 2
        case .sgd: slotsPerParam = graph.optimizer.momentum > 0 ? 1 : 0
        case .rmsprop: slotsPerParam = 1
        }
    }

    /// A trainable lookup weight (Embedding's, without an L2 term that would make its gradient dense)
    /// with the buffer of its lookups' squared gradients: its layer's statistics, in dacts. None
    /// under SGD, whose update squares nothing.
    public var lookupWeights: [(weight: PlacedWeight, squares: Buffer)] {
        guard graph.optimizer.kind != .sgd else { return [] }
        return layers.flatMap { layer in
            layer.weights.filter { $0.trainable && $0.decl.lookupGradient && $0.decl.l2 == nil }.compactMap { weight in
                layer.statistics.map { (weight, $0) }
            }
        }
    }

    /// Contiguous runs of trainable weights: the optimizer runs one fused loop per run (lookup
    /// weights apart, whose update reads their squared gradients).
    public var trainableRanges: [Range<Int>] {
        var ranges: [Range<Int>] = []
        let lookups = Set(lookupWeights.map(\.weight.offset))
        for weight in weights where weight.trainable && !lookups.contains(weight.offset) {
            let range = weight.offset..<(weight.offset + weight.decl.count)
            if let last = ranges.last, last.upperBound == range.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound..<range.upperBound
            } else {
                ranges.append(range)
            }
        }
        return ranges
    }

    /// Backward must run down to this layer index (inclusive); layers before it are frozen
    /// and their outputs need no gradient.
    public var firstBackwardLayer: Int { firstBackwardLayerIndex(layers) }
}

func firstBackwardLayerIndex(_ layers: [PlannedLayer]) -> Int {
    layers.firstIndex { $0.node.hasTrainableWeights } ?? layers.count
}
