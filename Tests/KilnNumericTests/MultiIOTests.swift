import XCTest
import KilnGenerated
import KilnRuntime

/// TwoTowers (specs/): two inputs, two outputs with their own losses, loss weight and metrics.
/// The Keras lane holds it to Keras (History keys and values, weights, summary); these check
/// its gradients, the weighted loss and the list and dict forms of the API.
final class MultiIOTests: XCTestCase {
    let rows = 12
    func data(seed: UInt64) -> (x: [Tensor], y: [Tensor]) {
        var rng = Gaussian(state: seed)
        let features = Tensor(shape: [rows, 8], scalars: rng.array(rows * 8).map(Float.init))
        let extra = Tensor(shape: [rows, 4], scalars: rng.array(rows * 4).map(Float.init))
        let score = Tensor(shape: [rows, 1], scalars: rng.array(rows).map(Float.init))
        let label = Tensor(shape: [rows], scalars: (0..<rows).map { Float($0 % 3) })
        return ([features, extra], [score, label])
    }

    /// dLoss/dparams from the kernels against central differences of the loss, every parameter.
    /// Where a ReLU kink lies within the step, the differences at h and h/2 disagree: such
    /// parameters are skipped, and there may be only a few.
    func testGradientsMatchFiniteDifferences() throws {
        let model = TwoTowers(seed: 3)
        let (x, y) = data(seed: 9)
        let px = packRows(x), py = packRows(y)
        let (_, grads) = try model.lossAndGradients(x: px, y: py)
        let params = model.parameters
        func difference(_ i: Int, _ h: Float) throws -> Double {
            var p = params
            p[i] = params[i] + h
            model.parameters = p
            let up = try model.loss(x: px, y: py)
            p[i] = params[i] - h
            model.parameters = p
            let down = try model.loss(x: px, y: py)
            return Double(up - down) / Double(2 * h)
        }
        var worst = 0.0, kinks = 0
        for i in params.indices {
            let coarse = try difference(i, 2e-3), fine = try difference(i, 1e-3)
            guard abs(coarse - fine) <= 1e-3 + 1e-2 * abs(fine) else { kinks += 1; continue }
            worst = max(worst, abs(fine - Double(grads[i])) / (1e-2 + abs(fine)))
        }
        model.parameters = params
        XCTAssertLessThan(worst, 3e-2, "worst relative gradient error (float32 differences)")
        XCTAssertLessThan(kinks, params.count / 20, "parameters with a kink within the step")
    }

    /// The loss is score_loss + 0.5 * label_loss (loss_weights), and one batch's per-output
    /// losses are what evaluate reports by Keras's names.
    func testWeightedLossAndNames() throws {
        let model = TwoTowers(seed: 1)
        let (x, y) = data(seed: 2)
        let result = try model.evaluate(x: x, y: y, batchSize: 16)
        let score = try XCTUnwrap(result["score_loss"]), label = try XCTUnwrap(result["label_loss"])
        XCTAssertEqual(result.loss, score + 0.5 * label, accuracy: 1e-5)
        XCTAssertEqual(Set(result.metrics.keys), ["score_loss", "label_loss", "score_mae", "label_accuracy"])
        // mse of the score head, by hand from predict.
        let predicted = try model.predict(x)
        XCTAssertEqual(predicted.map(\.shape), [[rows, 1], [rows, 3]])
        let mse = zip(predicted[0].scalars, y[0].scalars).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(rows)
        XCTAssertEqual(score, mse, accuracy: 1e-5)
    }

    /// Lists in order and dicts by name are the same call; mistakes name what is wrong.
    func testListDictAndErrors() throws {
        let (x, y) = data(seed: 4)
        let a = TwoTowers(seed: 5), b = TwoTowers(seed: 5)
        let listed = try a.fit(x: x, y: y, epochs: 2, shuffle: false, verbose: .silent)
        let named = try b.fit(x: ["extra": x[1], "features": x[0]], y: ["label": y[1], "score": y[0]], epochs: 2, shuffle: false, verbose: .silent)
        XCTAssertEqual(listed.history, named.history)
        XCTAssertEqual(Set(listed.history.keys), ["loss", "score_loss", "label_loss", "score_mae", "label_accuracy"])
        XCTAssertEqual(a.parameters, b.parameters)
        let cases: [(String, () throws -> Void)] = [
            ("Layer \"TwoTowers\" expects 2 input(s), but it received 1 input tensors.", { _ = try a.predict([x[0]]) }),
            ("input has no entry for 'extra' (TwoTowers's inputs are features, extra)", { _ = try a.predict(["features": x[0]]) }),
            ("input 'extra' of \"TwoTowers\" is incompatible: expected shape=(None, 4), found shape=(12, 8)", { _ = try a.predict([x[0], x[0]]) }),
            ("y 'label': sample 0 has label 7.0, expected a class index in [0, 3)", {
                _ = try a.evaluate(x: x, y: [y[0], Tensor(shape: [12], scalars: [Float](repeating: 7, count: 12))])
            }),
            ("TwoTowers has 2 inputs (features, extra) and 2 outputs (score, label): pass x and y as [Tensor] in that order or as [name: Tensor]", {
                _ = try a.predict(x[0])
            }),
        ]
        for (message, call) in cases {
            XCTAssertThrowsError(try call(), message) { XCTAssertEqual("\($0)", message) }
        }
    }
}
