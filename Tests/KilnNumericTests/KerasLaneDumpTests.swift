import Foundation
import XCTest
import KilnCompiler
import KilnGenerated
import KilnRuntime

/// Kiln's side of the Keras lane (Tests/Keras/run.sh): with KILN_KERAS_LANE_DIR set, every model
/// of specs/ trains 3 epochs, unshuffled, from seeded weights on seeded data, and writes
/// DIR/<Model>/{data,init,final}.safetensors and kiln.json (per-epoch losses, summary() before
/// and after fit, whether it has dropout; Dropout keeps every value in training here). The lane runs generated/keras/<Model>.py on the same data from the same
/// weights and compares. Without the variable there is nothing to do.
final class KerasLaneDumpTests: XCTestCase {
    static let models: [(name: String, make: @Sendable (UInt64) -> KilnModel)] = generatedModels + [
        ("CancerClassifier", { @Sendable in CancerClassifier(seed: $0) }),
        ("CancerUnscaled", { @Sendable in CancerUnscaled(seed: $0) }),
        // The seed CNN at 32x32x3 (SeedCNN's 128x128 would take minutes on both sides).
        ("RefSeedCNN32", { @Sendable in RefSeedCNN32(seed: $0) }),
        ("SeedFunctional", { @Sendable in SeedFunctional(seed: $0) }),
        ("UNetSmall", { @Sendable in UNetSmall(seed: $0) }),
        ("DigitsFunctional", { @Sendable in DigitsFunctional(seed: $0) }),
        // A frozen ResNet50 base under a trained head (ResNet50Transfer at the smallest input ResNet50 takes).
        ("RefTransfer32", { @Sendable in RefTransfer32(seed: $0) }),
        // Two inputs and two outputs: data, targets and predictions packed per sample.
        ("TwoTowers", { @Sendable in TwoTowers(seed: $0) }),
        // Branches of unequal length: summary() rows in Keras's depth order, not the spec's.
        ("RefBranchOrder", { @Sendable in RefBranchOrder(seed: $0) }),
        // Recurrent models too large for finite differences: LSTM(64) over 50 steps, two LSTMs stacked.
        ("SequenceRegressor", { @Sendable in SequenceRegressor(seed: $0) }),
        ("StackedLSTM", { @Sendable in StackedLSTM(seed: $0) }),
        ("BidirectionalLSTM", { @Sendable in BidirectionalLSTM(seed: $0) }),
        ("GRUTextClassifier", { @Sendable in GRUTextClassifier(seed: $0) }),
        ("PrecipitationNowcast", { @Sendable in PrecipitationNowcast(seed: $0) }),
    ]

    func testDumpKilnRuns() throws {
        guard let directory = ProcessInfo.processInfo.environment["KILN_KERAS_LANE_DIR"] else {
            throw XCTSkip("KILN_KERAS_LANE_DIR is not set: the Keras lane (Tests/Keras/run.sh) sets it")
        }
        let root = URL(fileURLWithPath: directory)
        // KILN_KERAS_LANE_ONLY=A,B: only those models (while working on them).
        let only = ProcessInfo.processInfo.environment["KILN_KERAS_LANE_ONLY"].map { $0.split(separator: ",").map(String.init) }
        for (name, make) in Self.models where only?.contains(name) ?? true {
            let graph = try graph(named: name)
            let model = make(11)
            var rng = Gaussian(state: 5)
            // Two full batches and a partial one: the last, smaller batch counts as Keras counts it.
            let rows = graph.batchSize * 2 + max(1, graph.batchSize / 2)
            let xs = graph.inputs.indices.map { k in Tensor(shape: [rows] + graph.inputs[k].shape, scalars: sampleInputs(graph, input: k, rows: rows, rng: &rng).map(Float.init)) }
            let ys = graph.outputs.map { output in
                let head = graph.withOnlyOutput(output)
                let sparse: Bool = { if case .sparseCategoricalCrossentropy = output.loss { true } else { false } }()
                return Tensor(shape: sparse ? [rows] : [rows] + head.outputShape, scalars: targets(for: head, rows: rows, rng: &rng).map(Float.init))
            }
            let x = packRows(xs), y = packRows(ys)
            if !model.descriptor.adaptations.isEmpty { try model.adapt(xs) }
            let out = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try SafeTensors.write([("x", x), ("y", y)], to: out.appendingPathComponent("data.safetensors"))
            try model.saveWeights(to: out.appendingPathComponent("init.safetensors"))
            let summary = model.summary()
            let predictions = packRows(try model.predict(xs))
            try SafeTensors.write([("predict", predictions)], to: out.appendingPathComponent("predict.safetensors"))
            // Dropout's masks are random on both sides: training is compared with Dropout keeping
            // every value (the Keras program's --no-dropout), inference as it is.
            let hasDropout = graph.layers.contains { $0.op.buffers.mask && $0.op.usesTrainingFlag }
            model.dropoutInTraining = false
            let history = try model.fit(x: xs, y: ys, epochs: 3, validationSplit: 0, shuffle: false, verbose: .silent)
            try model.saveWeights(to: out.appendingPathComponent("final.safetensors"))
            // Max pooling of ReLU outputs, whose windows tie (at 0 and near it): each window's gradient
            // goes to one winner; compare.py's looser worst-weight bound for them says why.
            let argmax = graph.layers.filter { layer in
                layer.op.kerasClass.contains("MaxPooling") && layer.inputs.allSatisfy { input in
                    input >= 0 && (graph.layers[input].op.fusedActivation?.kind == .relu || graph.layers[input].op.kerasClass == "ReLU")
                }
            }.map(\.name)
            var report: [String: Any] = ["losses": history.history["loss"] ?? [], "summary": summary, "summary_after_fit": model.summary(),
                                         "dropout": hasDropout, "epochs": 3, "argmax_layers": argmax]
            // Several outputs: every History key (each output's loss and metrics) is compared.
            if graph.outputs.count > 1 { report["history"] = history.history }
            try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]).write(to: out.appendingPathComponent("kiln.json"))
        }
    }
}

/// Per sample, each tensor's values one after another: (rows, total), as the kernels take x and y.
func packRows(_ parts: [Tensor]) -> Tensor {
    guard parts.count > 1 else { return parts[0] }
    let rows = parts[0].count, width = parts.reduce(0) { $0 + $1.sampleSize }
    var scalars: [Float] = []
    scalars.reserveCapacity(rows * width)
    for r in 0..<rows {
        for part in parts { scalars += part.scalars[(r * part.sampleSize)..<((r + 1) * part.sampleSize)] }
    }
    return Tensor(shape: [rows, width], scalars: scalars)
}

extension ModelGraph {
    /// The graph as its one output `output` sees it: that output's loss and shape (for targets).
    func withOnlyOutput(_ output: ModelOutput) -> ModelGraph {
        var graph = self
        graph.loss = output.loss
        graph.outputs = [output]
        return graph
    }
}
