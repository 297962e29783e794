import XCTest
import KilnCompiler
import KilnCore

/// compile: options resolved as Keras resolves them.
final class CompileOptionsTests: XCTestCase {
    func graph(units: Int, activation: String = "linear", loss: String, metrics: String = "[accuracy]", optimizer: String = "Adam") -> ModelGraph? {
        compile("""
            model: T
            input: {shape: [4]}
            layers: [Dense: {units: \(units), activation: \(activation)}]
            compile: {optimizer: \(optimizer), loss: \(loss), metrics: \(metrics)}
            """).graph
    }

    func testAccuracyFollowsKerasShapeRule() {
        // Keras 3 is_binary_or_sparse_categorical: one output unit -> binary; class-index targets -> sparse.
        let rows: [(Int, String, MetricKind)] = [
            (1, "binary_crossentropy", .binaryAccuracy),
            (1, "mse", .binaryAccuracy),
            (3, "binary_crossentropy", .categoricalAccuracy),
            (3, "categorical_crossentropy", .categoricalAccuracy),
            (3, "sparse_categorical_crossentropy", .sparseCategoricalAccuracy),
            (3, "mse", .categoricalAccuracy),
        ]
        for (units, loss, kind) in rows {
            XCTAssertEqual(graph(units: units, loss: loss)?.metrics.map(\.kind), [kind], "\(units) units, \(loss)")
            XCTAssertEqual(graph(units: units, loss: loss)?.metrics.map(\.name), ["accuracy"])
        }
    }

    func testOptimizerDefaultsAreKeras() {
        let rows: [(String, OptimizerConfig)] = [
            ("Adam", OptimizerConfig(kind: .adam, learningRate: 0.001)),
            ("adam", OptimizerConfig(kind: .adam, learningRate: 0.001)),
            ("SGD", OptimizerConfig(kind: .sgd, learningRate: 0.01)),
            ("rmsprop", OptimizerConfig(kind: .rmsprop, learningRate: 0.001, epsilon: 1e-7, rho: 0.9)),
            ("{SGD: {learning_rate: 0.1, momentum: 0.9, nesterov: true}}", OptimizerConfig(kind: .sgd, learningRate: 0.1, momentum: 0.9, nesterov: true)),
            ("{Adam: {beta_1: 0.8, epsilon: 0.001}}", OptimizerConfig(kind: .adam, learningRate: 0.001, beta1: 0.8, epsilon: 0.001)),
        ]
        for (text, expected) in rows {
            XCTAssertEqual(graph(units: 1, loss: "mse", metrics: "[]", optimizer: text)?.optimizer, expected, text)
        }
        // compile() without an optimizer is RMSprop, as Keras's default.
        XCTAssertEqual(compile("model: T\ninput: {shape: [2]}\nlayers: [Dense: {units: 1}]\ncompile: {loss: mse}\n").graph?.optimizer.kind, .rmsprop)
    }

    func testCrossentropyOnSoftmaxOrSigmoidUsesTheLogits() {
        let fused: [(String, String, Bool)] = [
            ("softmax", "categorical_crossentropy", true), ("softmax", "sparse_categorical_crossentropy", true),
            ("sigmoid", "binary_crossentropy", true), ("softmax", "mse", false), ("linear", "categorical_crossentropy", false),
        ]
        for (activation, loss, expected) in fused {
            let model = graph(units: 3, activation: activation, loss: loss, metrics: "[]")
            XCTAssertEqual(model.map { KernelPlan($0).outputs[0].lossOnLogits }, expected, "\(activation) + \(loss)")
        }
    }
}
