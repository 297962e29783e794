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
    ]

    func testDumpKilnRuns() throws {
        guard let directory = ProcessInfo.processInfo.environment["KILN_KERAS_LANE_DIR"] else {
            throw XCTSkip("KILN_KERAS_LANE_DIR is not set: the Keras lane (Tests/Keras/run.sh) sets it")
        }
        let root = URL(fileURLWithPath: directory)
        for (name, make) in Self.models {
            let graph = try graph(named: name)
            let model = make(11)
            var rng = Gaussian(state: 5)
            // Two full batches and a partial one: the last, smaller batch counts as Keras counts it.
            let rows = graph.batchSize * 2 + max(1, graph.batchSize / 2)
            let x = Tensor(shape: [rows] + graph.inputShape, scalars: rng.array(rows * graph.inputShape.reduce(1, *)).map(Float.init))
            let sparse: Bool = { if case .sparseCategoricalCrossentropy = graph.loss { true } else { false } }()
            let y = Tensor(shape: sparse ? [rows] : [rows] + graph.outputShape, scalars: targets(for: graph, rows: rows, rng: &rng).map(Float.init))
            if !model.descriptor.adaptations.isEmpty { try model.adapt(x) }
            let out = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try SafeTensors.write([("x", x), ("y", y)], to: out.appendingPathComponent("data.safetensors"))
            try model.saveWeights(to: out.appendingPathComponent("init.safetensors"))
            let summary = model.summary()
            let predictions = try model.predict(x)
            try SafeTensors.write([("predict", predictions)], to: out.appendingPathComponent("predict.safetensors"))
            // Dropout's masks are random on both sides: training is compared with Dropout keeping
            // every value (the Keras program's --no-dropout), inference as it is.
            let hasDropout = graph.layers.contains { $0.op.buffers.mask }
            model.dropoutInTraining = false
            let history = try model.fit(x: x, y: y, epochs: 3, validationSplit: 0, shuffle: false, verbose: .silent)
            try model.saveWeights(to: out.appendingPathComponent("final.safetensors"))
            // Max pooling of ReLU outputs, whose windows tie (at 0 and near it): each window's gradient
            // goes to one winner; compare.py's looser worst-weight bound for them says why.
            let argmax = graph.layers.filter { layer in
                layer.op.kerasClass.contains("MaxPooling") && layer.inputs.allSatisfy { input in
                    input >= 0 && (graph.layers[input].op.fusedActivation?.kind == .relu || graph.layers[input].op.kerasClass == "ReLU")
                }
            }.map(\.name)
            let report: [String: Any] = ["losses": history.history["loss"] ?? [], "summary": summary, "summary_after_fit": model.summary(),
                                         "dropout": hasDropout, "epochs": 3, "argmax_layers": argmax]
            try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]).write(to: out.appendingPathComponent("kiln.json"))
        }
    }
}
