import Foundation
import XCTest
import KilnCompiler
import KilnGenerated
import KilnRuntime
import KilnSpec

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Every generated model of specs/ with a factory; together they cover every layer kind,
/// activation, loss (from probabilities and from logits) and optimizer. The seed CNN (SeedCNN,
/// and RefSeedCNN32 at 32x32), SeedFunctional and UNetSmall are too large for float64 finite differences:
/// the Keras lane trains them against Keras, and the Ref* specs hold the same kinds to the reference.
let generatedModels: [(name: String, make: @Sendable (UInt64) -> KilnModel)] = [
    ("SeedRegressor", { SeedRegressor(seed: $0) }),
    ("DigitsClassifier", { DigitsClassifier(seed: $0) }),
    ("IrisClassifier", { IrisClassifier(seed: $0) }),
    ("IrisFromPipeline", { IrisFromPipeline(seed: $0) }),
    ("RefSGDClassifier", { RefSGDClassifier(seed: $0) }),
    ("RefRMSpropBinary", { RefRMSpropBinary(seed: $0) }),
    ("RefSparseLogits", { RefSparseLogits(seed: $0) }),
    ("RefActivations", { RefActivations(seed: $0) }),
    ("FrozenStack", { FrozenStack(seed: $0) }),
    ("LogitsCategorical", { LogitsCategorical(seed: $0) }),
    ("LogitsBinary", { LogitsBinary(seed: $0) }),
    ("RefNormalization", { RefNormalization(seed: $0) }),
    ("RefLayerKinds", { RefLayerKinds(seed: $0) }),
    ("RefPReLUFirst", { RefPReLUFirst(seed: $0) }),
    ("RefConv2D", { RefConv2D(seed: $0) }),
    ("RefConv1D3D", { RefConv1D3D(seed: $0) }),
    ("RefBatchNorm", { RefBatchNorm(seed: $0) }),
    ("RefMerge", { RefMerge(seed: $0) }),
    ("RefReshaping", { RefReshaping(seed: $0) }),
    ("RefConvTranspose", { RefConvTranspose(seed: $0) }),
    ("RefDepthwiseSeparable", { RefDepthwiseSeparable(seed: $0) }),
    ("RefSpatialDropout", { RefSpatialDropout(seed: $0) }),
    ("RefConvReLUPool", { RefConvReLUPool(seed: $0) }),
    ("RefRecurrent", { RefRecurrent(seed: $0) }),
    ("RefRecurrentOptions", { RefRecurrentOptions(seed: $0) }),
    ("RefRecurrentDropout", { RefRecurrentDropout(seed: $0) }),
    ("RefTimeDistributed", { RefTimeDistributed(seed: $0) }),
    ("RefConvLSTMDropout", { RefConvLSTMDropout(seed: $0) }),
    ("RefReturnState", { RefReturnState(seed: $0) }),
    ("RefReturnStateMasked", { RefReturnStateMasked(seed: $0) }),
    ("RefMaskPropagation", { RefMaskPropagation(seed: $0) }),
    ("RefInitialState", { RefInitialState(seed: $0) }),
    ("RefBidirectional", { RefBidirectional(seed: $0) }),
    ("RefMasked", { RefMasked(seed: $0) }),
    ("RefMaskedAverage", { RefMaskedAverage(seed: $0) }),
    ("RefMaskedBatchNorm", { RefMaskedBatchNorm(seed: $0) }),
    ("RefMaskedResidual", { RefMaskedResidual(seed: $0) }),
    ("RefMasking", { RefMasking(seed: $0) }),
    ("RefConvLSTM", { RefConvLSTM(seed: $0) }),
    ("RefConvLSTM1D", { RefConvLSTM1D(seed: $0) }),
]

func graph(named name: String) throws -> ModelGraph {
    let diagnostics = DiagnosticEngine()
    let path = "specs/\(name).model.yaml"
    return try XCTUnwrap(KilnDriver.compileModel(at: packageRoot.appendingPathComponent(path), displayPath: path, diagnostics: diagnostics),
                         diagnostics.rendered)
}

/// Deterministic N(0,1) samples (Box-Muller over SplitMix64).
struct Gaussian {
    var state: UInt64
    mutating func next() -> Double {
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 0.5) / 9_007_199_254_740_992
        }
        return (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())
    }
    mutating func array(_ n: Int, scale: Double = 1) -> [Double] { (0..<n).map { _ in next() * scale } }
}

/// Inputs for `rows` samples: N(0,1) values, or for integer inputs token ids that the Embedding
/// reading them knows, each sequence padded with 0s after a random length (and some 0s inside),
/// so that masks from mask_zero cut every sequence somewhere (but never before its first step).
func sampleInputs(_ graph: ModelGraph, input: Int = 0, rows: Int, rng: inout Gaussian) -> [Double] {
    let spec = graph.inputs[input]
    let reader = graph.layers.first { $0.inputs.contains(-1 - input) }
    if reader?.op.kerasClass == "Masking", spec.shape.count == 2 {
        // Masking's default mask_value: the last steps of some samples all zeros.
        let (steps, features) = (spec.shape[0], spec.shape[1])
        var x = rng.array(rows * spec.size)
        for sample in 0..<rows {
            for t in (steps - sample % steps)..<steps { for f in 0..<features { x[(sample * steps + t) * features + f] = 0 } }
        }
        return x
    }
    guard spec.integer else { return rng.array(rows * spec.size) }
    let vocabulary = graph.layers.first { $0.inputs.contains(-1 - input) && $0.op.kerasClass == "Embedding" }?.weights[0].shape[0] ?? 2
    let steps = spec.shape.last!, lead = spec.size / steps
    func uniform(_ bound: Int) -> Int { Int(abs(rng.next()) * 1000) % bound }
    var ids: [Double] = []
    for _ in 0..<(rows * lead) {
        let length = 1 + uniform(steps)
        // The first step always kept: a sequence masked whole averages 0 / 0 in GlobalAveragePooling1D.
        ids += (0..<steps).map { t in t == 0 || (t < length && uniform(5) != 0) ? Double(1 + uniform(max(vocabulary - 1, 1))) : 0 }
    }
    return ids
}

/// Targets that fit the model's loss: regression values, one-hot rows, 0/1 labels or class ids.
func targets(for graph: ModelGraph, rows: Int, rng: inout Gaussian) -> [Double] {
    let cols = graph.outputShape.last!
    let lead = graph.outputShape.dropLast().reduce(1, *)
    switch graph.loss {
    case .meanSquaredError, .meanAbsoluteError:
        return rng.array(rows * lead * cols)
    case .binaryCrossentropy:
        return (0..<(rows * lead * cols)).map { _ in rng.next() > 0 ? 1 : 0 }
    case .categoricalCrossentropy:
        return (0..<(rows * lead)).flatMap { _ -> [Double] in
            let hot = Int(abs(rng.next()) * 1000) % cols
            return (0..<cols).map { $0 == hot ? 1 : 0 }
        }
    case .sparseCategoricalCrossentropy:
        return (0..<rows).map { _ in Double(Int(abs(rng.next()) * 1000) % cols) }
    }
}

final class GradientCheckTests: XCTestCase {
    /// The C forward pass equals the float64 reference on random weights and inputs.
    func testForwardMatchesFloat64Reference() throws {
        for (name, make) in generatedModels {
            let graph = try graph(named: name)
            let reference = ReferenceModel(graph)
            let model = make(7)
            var rng = Gaussian(state: 11)
            let rows = min(5, graph.batchSize)
            let x = sampleInputs(graph, rows: rows, rng: &rng)
            let output = try model.predict(Tensor(shape: [rows] + graph.inputShape, scalars: x.map(Float.init)))
            let expected = reference.forward(params: model.parameters.map(Double.init), x: x, rows: rows).output
            XCTAssertEqual(output.scalars.count, expected.count, name)
            for (got, want) in zip(output.scalars, expected) {
                XCTAssertEqual(Double(got), want, accuracy: 1e-5 + 1e-4 * abs(want), name)
            }
        }
    }

    /// Analytic gradients of the generated backward kernels against central finite differences
    /// of the float64 reference loss, for every parameter of every model (Dropout rate forced
    /// to a fixed mask read back from the kernel's own mask buffer).
    func testGradientsMatchFiniteDifferences() throws {
        for (name, make) in generatedModels {
            let graph = try graph(named: name)
            let reference = ReferenceModel(graph)
            let model = make(3)
            var rng = Gaussian(state: 5)
            let rows = min(4, graph.batchSize)
            let x = sampleInputs(graph, rows: rows, rng: &rng)
            let y = targets(for: graph, rows: rows, rng: &rng)
            let yShape = { if case .sparseCategoricalCrossentropy = graph.loss { [rows] } else { [rows] + graph.outputShape } }()
            let (loss, grads) = try model.lossAndGradients(x: Tensor(shape: [rows] + graph.inputShape, scalars: x.map(Float.init)),
                                                           y: Tensor(shape: yShape, scalars: y.map(Float.init)))
            // Dropout masks the kernel drew, so the reference sees the same network.
            var masks: [Int: [Double]] = [:]
            for (index, layer) in reference.plan.layers.enumerated() {
                if let mask = layer.mask {
                    masks[index] = model.activations[mask.offset..<(mask.offset + rows * mask.size)].map(Double.init)
                }
            }
            let params = model.parameters.map(Double.init)
            let referenceLoss = reference.loss(params: params, x: x, y: y, rows: rows, dropoutMasks: masks)
            XCTAssertEqual(Double(loss), referenceLoss, accuracy: 1e-5 + 1e-4 * abs(referenceLoss), "\(name) loss")

            let h = 1e-6
            for weight in reference.plan.weights {
                for i in weight.offset..<(weight.offset + weight.decl.count) {
                    var up = params, down = params
                    up[i] += h
                    down[i] -= h
                    let numeric = weight.trainable
                        ? (reference.loss(params: up, x: x, y: y, rows: rows, dropoutMasks: masks)
                            - reference.loss(params: down, x: x, y: y, rows: rows, dropoutMasks: masks)) / (2 * h)
                        : 0  // frozen weights get no gradient
                    XCTAssertEqual(Double(grads[i]), numeric, accuracy: 2e-5 + 2e-3 * abs(numeric),
                                   "\(name) \(weight.kerasPath)[\(i - weight.offset)]")
                }
            }
        }
    }

    /// Token ids outside the Embedding's input_dim are TensorFlow's lookup error, not zeros.
    func testTokenIdsOutOfRangeAreAnError() throws {
        let model = GRUTextClassifier(seed: 1)
        var ids = [Float](repeating: 3, count: 2 * 100)
        ids[100 + 7] = 1000
        XCTAssertThrowsError(try model.predict(Tensor(shape: [2, 100], scalars: ids))) { error in
            XCTAssertEqual("\(error)", "indices[1,7] = 1000 is not in [0, 1000)")
        }
        ids[100 + 7] = -1
        XCTAssertThrowsError(try model.predict(Tensor(shape: [2, 100], scalars: ids))) { error in
            XCTAssertEqual("\(error)", "indices[1,7] = -1 is not in [0, 1000)")
        }
        ids[100 + 7] = 1e30  // past Int's range: reported, not trapped on
        XCTAssertThrowsError(try model.predict(Tensor(shape: [2, 100], scalars: ids))) { error in
            XCTAssertEqual("\(error)", "indices[1,7] = 1e+30 is not in [0, 1000)")
        }
        ids[100 + 7] = 999
        XCTAssertEqual(try model.predict(Tensor(shape: [2, 100], scalars: ids)).shape, [2, 1])
    }

    /// With dropoutInTraining false (the Keras lane's training comparison), a Dropout layer's
    /// training mask is all ones and the training loss is the reference's without dropout.
    func testDropoutOffInTrainingKeepsEveryValue() throws {
        var checked = 0
        for (name, make) in generatedModels {
            let graph = try graph(named: name)
            let reference = ReferenceModel(graph)
            guard reference.plan.layers.contains(where: { $0.mask != nil && $0.node.op.usesTrainingFlag }) else { continue }
            let model = make(3)
            model.dropoutInTraining = false
            var rng = Gaussian(state: 7)
            let rows = min(4, graph.batchSize)
            let x = sampleInputs(graph, rows: rows, rng: &rng)
            let y = targets(for: graph, rows: rows, rng: &rng)
            let yShape = { if case .sparseCategoricalCrossentropy = graph.loss { [rows] } else { [rows] + graph.outputShape } }()
            let (loss, _) = try model.lossAndGradients(x: Tensor(shape: [rows] + graph.inputShape, scalars: x.map(Float.init)),
                                                       y: Tensor(shape: yShape, scalars: y.map(Float.init)))
            for layer in reference.plan.layers where layer.node.op.usesTrainingFlag {
                guard let mask = layer.mask else { continue }
                XCTAssertEqual(Set(model.activations[mask.offset..<(mask.offset + rows * mask.size)]), [1], "\(name) \(layer.node.name)")
            }
            let referenceLoss = reference.loss(params: model.parameters.map(Double.init), x: x, y: y, rows: rows, dropoutMasks: [:])
            XCTAssertEqual(Double(loss), referenceLoss, accuracy: 1e-5 + 1e-4 * abs(referenceLoss), name)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, "no generated model has Dropout")
    }

    /// Recurrent dropout masks (Keras 3's cells): one draw per sequence, held for every step; each
    /// entry is 0 or 1/(1-rate), drops close to `rate` of the entries over many batches, and the
    /// same seed draws the same masks.
    func testRecurrentDropoutMasksAreSeededAndHoldTheirRate() throws {
        // layer: (input rate, input mask floats, recurrent rate, recurrent mask floats) per sample
        // and copy, as the specs set them.
        let rows: [(spec: String, make: (UInt64) -> KilnModel, layers: [String: (Double, Int, Double, Int)])] = [
            ("RefRecurrentDropout", { RefRecurrentDropout(seed: $0) }, [
                "simple_rnn": (0.3, 3, 0.25, 3),     // 1 gate: inputs (1,3), h_prev (1,3)
                "lstm": (0.2, 3, 0, 0),              // implementation 2 without recurrent_dropout: one input mask
                "bidirectional": (0.3, 9, 0.3, 6),   // per copy: GRU inputs (3,3), h_prev (3,2)
                "lstm_1": (0.25, 16, 0.2, 8),        // inputs (4,4), h_prev (4,2)
            ]),
            ("RefConvLSTMDropout", { RefConvLSTMDropout(seed: $0) }, [
                "conv_lstm2d": (0.3, 4 * 40, 0.25, 4 * 40),  // per gate: a frame (5,4,2), h_prev (5,4,2)
                "conv_lstm2d_1": (0, 0, 0.2, 4 * 12),        // h_prev (2,3,2)
                "conv_lstm1d": (0.25, 4 * 12, 0, 0),         // a frame (6,2)
            ]),
        ]
        for (spec, make, layers) in rows {
            let graph = try graph(named: spec)
            let plan = KernelPlan(graph)
            func masks(_ model: KilnModel, x: Tensor, y: Tensor) throws -> [String: [Float]] {
                _ = try model.lossAndGradients(x: x, y: y)
                var out: [String: [Float]] = [:]
                for layer in plan.layers where layers[layer.node.name] != nil {
                    if let m = layer.mask { out[layer.node.name] = Array(model.activations[m.offset..<(m.offset + graph.batchSize * m.size)]) }
                }
                return out
            }
            var rng = Gaussian(state: 3)
            let n = graph.batchSize
            let x = Tensor(shape: [n] + graph.inputShape, scalars: sampleInputs(graph, rows: n, rng: &rng).map(Float.init))
            let y = Tensor(shape: [n] + graph.outputShape, scalars: targets(for: graph, rows: n, rng: &rng).map(Float.init))
            XCTAssertEqual(try masks(make(5), x: x, y: y), try masks(make(5), x: x, y: y), spec)
            XCTAssertNotEqual(try masks(make(5), x: x, y: y), try masks(make(6), x: x, y: y), spec)

            let model = make(5)
            var dropped: [String: (Int, Int, Int, Int)] = [:]
            for _ in 0..<200 {
                for (name, values) in try masks(model, x: x, y: y) {
                    let (inRate, inFloats, recRate, recFloats) = layers[name]!
                    let perCopy = inFloats + recFloats, copies = name == "bidirectional" ? 2 : 1
                    XCTAssertEqual(values.count, n * copies * perCopy, name)
                    var count = dropped[name] ?? (0, 0, 0, 0)
                    for (i, v) in values.enumerated() {
                        let isInput = (i % (n * perCopy)) < n * inFloats  // per copy: (n, inputs) then (n, h_prev)
                        let rate = isInput ? inRate : recRate
                        XCTAssertTrue(v == 0 || abs(Double(v) - 1 / (1 - rate)) < 1e-6, "\(name)[\(i)] = \(v)")
                        if isInput { count.0 += v == 0 ? 1 : 0; count.1 += 1 } else { count.2 += v == 0 ? 1 : 0; count.3 += 1 }
                    }
                    dropped[name] = count
                }
            }
            for (name, (inDrop, inTotal, recDrop, recTotal)) in dropped {
                let (inRate, _, recRate, _) = layers[name]!
                if inTotal > 0 { XCTAssertEqual(Double(inDrop) / Double(inTotal), inRate, accuracy: 0.03, "\(name) inputs") }
                if recTotal > 0 { XCTAssertEqual(Double(recDrop) / Double(recTotal), recRate, accuracy: 0.03, "\(name) h_prev") }
            }
            XCTAssertEqual(dropped.count, layers.count, spec)
        }
    }

    /// SpatialDropout's training mask is one draw per sample and channel: every position of a
    /// channel holds the same 0 or 1/(1-rate), and some channels are dropped.
    func testSpatialDropoutDropsWholeChannels() throws {
        let graph = try graph(named: "RefSpatialDropout")
        let plan = KernelPlan(graph)
        let model = RefSpatialDropout(seed: 4)
        var rng = Gaussian(state: 3)
        let rows = graph.batchSize
        let x = Tensor(shape: [rows] + graph.inputShape, scalars: sampleInputs(graph, rows: rows, rng: &rng).map(Float.init))
        let y = Tensor(shape: [rows] + graph.outputShape, scalars: targets(for: graph, rows: rows, rng: &rng).map(Float.init))
        _ = try model.lossAndGradients(x: x, y: y)
        for layer in plan.layers {
            guard let mask = layer.mask else { continue }
            let channels = layer.node.outputShape.last!, positions = mask.size / channels
            let rate = layer.node.op.kerasClass == "SpatialDropout1D" ? 0.5 : 0.3
            var dropped = 0
            for sample in 0..<rows {
                let values = model.activations[(mask.offset + sample * mask.size)..<(mask.offset + (sample + 1) * mask.size)]
                for channel in 0..<channels {
                    let column = (0..<positions).map { values[values.startIndex + $0 * channels + channel] }
                    XCTAssertEqual(Set(column).count, 1, "\(layer.node.name) sample \(sample) channel \(channel)")
                    XCTAssertTrue(column[0] == 0 || abs(Double(column[0]) - 1 / (1 - rate)) < 1e-6, "\(column[0])")
                    if column[0] == 0 { dropped += 1 }
                }
            }
            XCTAssertGreaterThan(dropped, 0, layer.node.name)
            XCTAssertLessThan(dropped, rows * channels, layer.node.name)
        }
    }

    /// A training step moves every trainable weight and no frozen one; BatchNormalization's
    /// moving statistics move in a trainable layer (the training forward updates them).
    func testFrozenWeightsDoNotMove() throws {
        for (name, make) in generatedModels {
            let graph = try graph(named: name)
            let plan = KernelPlan(graph)
            let model = make(9)
            // Drawn dropout masks can zero a trainable weight's whole first-step gradient
            // (RefRecurrentDropout's GRU recurrent kernel, whose bias starts at zero).
            model.dropoutInTraining = false
            var rng = Gaussian(state: 2)
            let rows = graph.batchSize
            let x = Tensor(shape: [rows] + graph.inputShape, scalars: sampleInputs(graph, rows: rows, rng: &rng).map(Float.init))
            let yValues = targets(for: graph, rows: rows, rng: &rng).map(Float.init)
            let y = Tensor(shape: { if case .sparseCategoricalCrossentropy = graph.loss { [rows] } else { [rows] + graph.outputShape } }(), scalars: yValues)
            let before = model.parameters
            _ = try model.fit(x: x, y: y, epochs: 1, shuffle: false, verbose: .silent)
            let after = model.parameters
            for weight in plan.weights {
                let range = weight.offset..<(weight.offset + weight.decl.count)
                let moved = zip(before[range], after[range]).contains { $0 != $1 }
                let layerTrainable = graph.layers.first { $0.name == weight.layer }!.trainable
                XCTAssertEqual(moved, weight.trainable || (weight.decl.updatedInForward && layerTrainable), "\(name) \(weight.kerasPath)")
            }
        }
    }
}
