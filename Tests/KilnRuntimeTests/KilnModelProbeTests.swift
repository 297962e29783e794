import Foundation
import XCTest
@testable import KilnRuntime
import KilnGenerated

// A hand-written model for testing the training loop without generated code or the C optimizers:
// y = x . w + b with x (n,3), w (3,1), b (1); mse loss; plain SGD inside trainStep.
// params: w at 0..<3, b at 3. acts: the output (B,1) at 0.

let probeInputs = 3, probeBatch = 4

/// Every trainStep call appends (n, first feature of each row); tests give row i the feature i.
nonisolated(unsafe) var probeTrainLog: [(n: Int32, rowIDs: [Float])] = []

func probeForward(_ state: UnsafeMutablePointer<kiln_state>?, _ x: UnsafePointer<Float>?, _ n: Int32, _ training: Int32) {
    let s = state!.pointee, x = x!
    for r in 0..<Int(n) {
        var z = s.params[probeInputs]
        for j in 0..<probeInputs { z += x[r * probeInputs + j] * s.params[j] }
        s.acts[r] = z
    }
}

func probeLoss(_ state: UnsafeMutablePointer<kiln_state>?, _ y: UnsafePointer<Float>?, _ n: Int32) -> Float {
    let s = state!.pointee
    var sum: Float = 0
    for r in 0..<Int(n) { sum += (s.acts[r] - y![r]) * (s.acts[r] - y![r]) }
    return sum / Float(n)
}

func probeGradients(_ state: UnsafeMutablePointer<kiln_state>?, _ x: UnsafePointer<Float>?, _ y: UnsafePointer<Float>?, _ n: Int32) -> Float {
    probeForward(state, x, n, 1)
    let loss = probeLoss(state, y, n)
    let s = state!.pointee
    for j in 0...probeInputs { s.grads[j] = 0 }
    for r in 0..<Int(n) {
        let d = 2 * (s.acts[r] - y![r]) / Float(n)
        for j in 0..<probeInputs { s.grads[j] += d * x![r * probeInputs + j] }
        s.grads[probeInputs] += d
    }
    return loss
}

func probeTrainStep(_ state: UnsafeMutablePointer<kiln_state>?, _ x: UnsafePointer<Float>?, _ y: UnsafePointer<Float>?, _ n: Int32) -> Float {
    probeTrainLog.append((n, (0..<Int(n)).map { x![$0 * probeInputs] }))
    let loss = probeGradients(state, x, y, n)
    let lr = state!.pointee.learning_rate
    for j in 0...probeInputs { state!.pointee.params[j] -= lr * state!.pointee.grads[j] }
    state!.pointee.iterations += 1
    return loss
}

let probeKernels = ModelKernels(forward: probeForward, loss: probeLoss, gradients: probeGradients, trainStep: probeTrainStep)

func probeDescriptor(learningRate: Float = 0.1, metrics: [MetricKind] = [.mae], metricNames: [String]? = nil,
                     weights: [WeightInfo]? = nil) -> ModelDescriptor {
    let weights = weights ?? [
        WeightInfo(name: "dense/kernel", shape: [3, 1], offset: 0, initializer: .glorotUniform, fanIn: 3, fanOut: 1, trainable: true),
        WeightInfo(name: "dense/bias", shape: [1], offset: 3, initializer: .zeros, fanIn: 3, fanOut: 1, trainable: true),
    ]
    return ModelDescriptor(
        name: "Probe", specPath: "specs/Probe.model.yaml", inputShape: [3], outputShape: [1], batchSize: probeBatch,
        paramCount: weights.map { $0.offset + $0.count }.max() ?? 0, slotsPerParam: 0, activationCount: probeBatch,
        outputOffset: 0, layers: [LayerInfo(name: "dense", type: "Dense", outputShape: [1], params: 4, trainable: true)],
        weights: weights, loss: .meanSquaredError, metrics: metrics, metricNames: metricNames,
        optimizer: OptimizerConfig(kind: .sgd, learningRate: learningRate))
}

func probeModel(seed: UInt64 = 0, learningRate: Float = 0.1, metrics: [MetricKind] = [.mae]) -> KilnModel {
    KilnModel(descriptor: probeDescriptor(learningRate: learningRate, metrics: metrics), kernels: probeKernels, seed: seed)
}

/// n samples; row i has first feature i (so the trainStep log names rows) unless `random`.
/// y = x . trueW + trueB exactly.
let probeTrueW: [Float] = [2, -1, 0.5], probeTrueB: Float = 0.3
func probeData(_ n: Int, random: Bool = false, seed: UInt64 = 1) -> (x: Tensor, y: Tensor) {
    var rng = SplitMix64(seed: seed)
    var xs: [Float] = [], ys: [Float] = []
    for i in 0..<n {
        let row = (0..<probeInputs).map { j in random || j > 0 ? Float(rng.nextGaussian()) : Float(i) }
        xs += row
        ys.append(zip(row, probeTrueW).map(*).reduce(probeTrueB, +))
    }
    return (Tensor(shape: [n, probeInputs], scalars: xs), Tensor(column: ys))
}

final class KilnModelProbeTests: XCTestCase {
    override func setUp() { probeTrainLog = [] }

    func testFitRecoversTheLinearFunction() throws {
        let data = probeData(64, random: true)
        let model = probeModel(seed: 7)
        let history = try model.fit(x: data.x, y: data.y, epochs: 60, verbose: .silent)
        let losses = try XCTUnwrap(history.history["loss"])
        XCTAssertLessThan(losses.last!, 1e-8)
        XCTAssertLessThan(losses.last!, losses.first! * 1e-4)
        for (got, want) in zip(model.parameters, probeTrueW + [probeTrueB]) { XCTAssertEqual(got, want, accuracy: 1e-4) }
        XCTAssertEqual(model.iterations, 60 * 16)
        XCTAssertEqual(history.epoch, Array(0..<60))
    }

    func testPartialLastBatchRunsWithFewerRowsAndTheEpochLossIsWeightedBySamples() throws {
        let data = probeData(10)
        let model = probeModel(learningRate: 0)  // the weights stay put: every batch sees one model
        let history = try model.fit(x: data.x, y: data.y, epochs: 1, shuffle: false, verbose: .silent)
        XCTAssertEqual(probeTrainLog.map(\.n), [4, 4, 2])
        XCTAssertEqual(probeTrainLog.flatMap(\.rowIDs), (0..<10).map(Float.init))
        XCTAssertEqual(model.iterations, 3)
        // Row i's error grows with i, so the unweighted mean of the three batch losses differs.
        let batchLosses = [0..<4, 4..<8, 8..<10].map { try! model.evaluate(x: data.x.rows($0), y: data.y.rows($0)).loss }
        let weighted = (4 * batchLosses[0] + 4 * batchLosses[1] + 2 * batchLosses[2]) / 10
        XCTAssertEqual(history.history["loss"]![0], weighted, accuracy: 1e-9 * weighted)
        XCTAssertGreaterThan(abs(batchLosses.reduce(0, +) / 3 - weighted), 0.01 * weighted)
        XCTAssertEqual(history.history["loss"]![0], try model.evaluate(x: data.x, y: data.y).loss, accuracy: 1e-6 * weighted)
    }

    func testSmallerBatchSizeIsAllowedAndLargerIsRefused() throws {
        let data = probeData(10)
        _ = try probeModel().fit(x: data.x, y: data.y, batchSize: 3, shuffle: false, verbose: .silent)
        XCTAssertEqual(probeTrainLog.map(\.n), [3, 3, 3, 1])
        XCTAssertThrowsError(try probeModel().fit(x: data.x, y: data.y, batchSize: 5, verbose: .silent)) {
            XCTAssertEqual(($0 as? KilnError)?.description,
                           "batch_size 5 is not supported by Probe: its kernels are compiled for batches of up to 4 (fit.batch_size in specs/Probe.model.yaml)")
        }
    }

    func testValidationSplitHoldsOutTheLastSamplesBeforeShuffling() throws {
        let data = probeData(10)
        let model = probeModel()
        let history = try model.fit(x: data.x, y: data.y, epochs: 3, validationSplit: 0.2, verbose: .silent)
        // Int(10 * 0.8) = 8 training rows, shuffled differently each epoch; rows 8 and 9 validate.
        let epochs = stride(from: 0, to: probeTrainLog.count, by: 2).map { probeTrainLog[$0].rowIDs + probeTrainLog[$0 + 1].rowIDs }
        XCTAssertEqual(epochs.count, 3)
        for ids in epochs { XCTAssertEqual(ids.sorted(), (0..<8).map(Float.init)) }
        XCTAssertNotEqual(epochs[0], epochs[1])
        let tail = try model.evaluate(x: data.x.rows(8..<10), y: data.y.rows(8..<10))
        XCTAssertEqual(history.history["val_loss"]!.last!, tail.loss, accuracy: 1e-12)
        XCTAssertEqual(history.history["val_mae"]!.last!, tail["mae"]!, accuracy: 1e-12)
        XCTAssertEqual(Set(history.history.keys), ["loss", "mae", "val_loss", "val_mae"])
        XCTAssertTrue(history.history.values.allSatisfy { $0.count == 3 })
    }

    func testValidationDataOverridesValidationSplit() throws {
        let data = probeData(10), extra = probeData(6, random: true, seed: 9)
        let model = probeModel(learningRate: 0)
        let history = try model.fit(x: data.x, y: data.y, validationSplit: 0.5, validationData: extra, verbose: .silent)
        XCTAssertEqual(probeTrainLog.flatMap(\.rowIDs).count, 10)
        XCTAssertEqual(history.history["val_loss"]![0], try model.evaluate(x: extra.x, y: extra.y).loss, accuracy: 1e-12)
    }

    func testSameSeedSameRunAndShuffleFollowsTheSeed() throws {
        let data = probeData(12)
        func run(_ seed: UInt64) throws -> ([Float], [Float]) {
            probeTrainLog = []
            let model = probeModel(seed: seed)
            _ = try model.fit(x: data.x, y: data.y, epochs: 2, verbose: .silent)
            return (model.parameters, probeTrainLog.flatMap(\.rowIDs))
        }
        let (a, b, c) = (try run(3), try run(3), try run(4))
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
        XCTAssertNotEqual(a.1, c.1)
    }

    func testMetricKeysFollowTheNamesTheSpecWrote() throws {
        let data = probeData(8)
        let descriptor = probeDescriptor(metrics: [.mae, .mse], metricNames: ["mean_absolute_error", "mse"])
        let model = KilnModel(descriptor: descriptor, kernels: probeKernels, seed: 1)
        let history = try model.fit(x: data.x, y: data.y, validationSplit: 0.25, verbose: .silent)
        XCTAssertEqual(Set(history.history.keys), ["loss", "mean_absolute_error", "mse", "val_loss", "val_mean_absolute_error", "val_mse"])
        let result = try model.evaluate(x: data.x, y: data.y)
        XCTAssertEqual(Set(result.metrics.keys), ["mean_absolute_error", "mse"])
        XCTAssertEqual(result["loss"], result.loss)
        XCTAssertEqual(result["mse"]!, result.loss, accuracy: 1e-6 * result.loss)  // mse loss, no regularizer
    }

    func testPredictEvaluateAndTheGradientHooks() throws {
        let data = probeData(10, random: true)
        let model = probeModel(seed: 2)
        let w = model.parameters
        let predicted = try model.predict(data.x, batchSize: 3)
        XCTAssertEqual(predicted.shape, [10, 1])
        for i in 0..<10 {
            XCTAssertEqual(predicted[i, 0], zip(data.x.row(i), w).map(*).reduce(w[3], +), accuracy: 1e-6)
        }
        XCTAssertEqual(try model.predict(data.x.scalars.chunked(3)), predicted)
        let mse = zip(predicted.scalars, data.y.scalars).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / 10
        XCTAssertEqual(try model.evaluate(x: data.x, y: data.y, batchSize: 3).loss, mse, accuracy: 1e-6 * mse)

        let batch = (x: data.x.rows(0..<4), y: data.y.rows(0..<4))
        let (loss, grads) = try model.lossAndGradients(x: batch.x, y: batch.y)
        XCTAssertEqual(Double(loss), try model.evaluate(x: batch.x, y: batch.y).loss, accuracy: 1e-5)
        XCTAssertEqual(try model.loss(x: batch.x, y: batch.y), loss)
        XCTAssertEqual(model.parameters, w, "gradients must not step")
        // Central differences on the loss hook agree with the analytic gradients.
        for j in 0..<4 {
            var plus = w, minus = w
            plus[j] += 1e-2; minus[j] -= 1e-2
            model.parameters = plus
            let up = try model.loss(x: batch.x, y: batch.y)
            model.parameters = minus
            let down = try model.loss(x: batch.x, y: batch.y)
            XCTAssertEqual((up - down) / 2e-2, grads[j], accuracy: 1e-2 * max(1, abs(grads[j])))
        }
        XCTAssertThrowsError(try model.lossAndGradients(x: data.x, y: data.y))  // 10 rows > the compiled batch of 4
    }

    func testLearningRateWritesTheKernelState() throws {
        let data = probeData(8)
        let model = probeModel(learningRate: 0.25)
        XCTAssertEqual(model.learningRate, 0.25)
        model.learningRate = 0
        let before = model.parameters
        _ = try model.fit(x: data.x, y: data.y, epochs: 2, verbose: .silent)
        XCTAssertEqual(model.parameters, before)
        XCTAssertEqual(model.iterations, 4)
    }

    func testBadDataIsRejectedUpFrontWithKerasLikeMessages() {
        let model = probeModel()
        let data = probeData(10)
        var nanY = data.y; nanY.scalars[7] = .nan
        var infX = data.x; infX[3, 2] = .infinity
        let rows: [(String, () throws -> Void)] = [
            ("Input 0 of layer \"Probe\" is incompatible with the layer: expected shape=(None, 3), found shape=(10, 2)",
             { _ = try model.fit(x: Tensor(repeating: 0, shape: [10, 2]), y: data.y, verbose: .silent) }),
            ("Input 0 of layer \"Probe\" is incompatible with the layer: expected shape=(None, 3), found shape=(10, 3, 1)",
             { _ = try model.predict(data.x.reshaped([10, 3, 1])) }),
            ("Data cardinality is ambiguous: x sizes: 10, y sizes: 9. Make sure all arrays contain the same number of samples.",
             { _ = try model.evaluate(x: data.x, y: data.y.rows(0..<9)) }),
            ("y: sample 7 holds a non-finite value nan", { _ = try model.fit(x: data.x, y: nanY, verbose: .silent) }),
            ("x: sample 3 holds a non-finite value inf", { _ = try model.predict(infX) }),
            ("targets for loss mean_squared_error must have 1 value per sample, received shape (10, 2)",
             { _ = try model.fit(x: data.x, y: Tensor(repeating: 0, shape: [10, 2]), verbose: .silent) }),
            ("x holds no samples (shape (0, 3)): Probe needs at least one",
             { _ = try model.predict(Tensor(shape: [0, 3], scalars: [])) }),
            ("Training data contains 10 samples, which is not sufficient to split it into a validation and training set as specified by `validation_split=0.99`. Either provide more data, or a different value for the `validation_split` argument.",
             { _ = try model.fit(x: data.x, y: data.y, validationSplit: 0.99, verbose: .silent) }),
        ]
        for (message, call) in rows {
            XCTAssertThrowsError(try call(), message) { XCTAssertEqual(($0 as? KilnError)?.description, message) }
        }
        XCTAssertEqual(probeTrainLog.count, 0, "nothing trains when the data is rejected")
        XCTAssertEqual(model.iterations, 0)
    }

    func testWeightsAccessorsAndSetWeights() throws {
        let model = probeModel(seed: 1)
        XCTAssertEqual(model.weights.map(\.name), ["dense/kernel", "dense/bias"])
        XCTAssertEqual(model.trainableWeights.map(\.value.shape), [[3, 1], [1]])
        try model.setWeights(["dense/kernel": Tensor(shape: [3, 1], scalars: [1, 2, 3])])
        XCTAssertEqual(Array(model.parameters.prefix(3)), [1, 2, 3])
        let before = model.parameters
        XCTAssertThrowsError(try model.setWeights(["dense/bias": Tensor([5]), "dense/kernel": Tensor([1, 2, 3])])) {
            XCTAssertEqual(($0 as? KilnError)?.description, "weight 'dense/kernel' of Probe has shape (3, 1), received (3,)")
        }
        XCTAssertThrowsError(try model.setWeights(["dense/bias": Tensor([5]), "dense_9/bias": Tensor([1])])) {
            XCTAssertEqual(($0 as? KilnError)?.description, "Probe has no weight named 'dense_9/bias'; its weights are dense/kernel, dense/bias")
        }
        XCTAssertEqual(model.parameters, before, "a refused setWeights changes nothing")
    }

    func testSummaryCountsTrainableAndFrozenWeights() {
        let frozen = probeDescriptor(weights: [
            WeightInfo(name: "dense/kernel", shape: [3, 1], offset: 0, initializer: .glorotUniform, fanIn: 3, fanOut: 1, trainable: true),
            WeightInfo(name: "dense/bias", shape: [1], offset: 3, initializer: .zeros, fanIn: 3, fanOut: 1, trainable: false),
        ])
        let text = KilnModel(descriptor: frozen, kernels: probeKernels).summary()
        XCTAssertTrue(text.hasPrefix("Model: \"Probe\"\n"))
        XCTAssertTrue(text.contains(" Total params: 4 (16.00 B)\n"))
        XCTAssertTrue(text.contains(" Trainable params: 3 (12.00 B)\n"))
        XCTAssertTrue(text.contains(" Non-trainable params: 1 (4.00 B)\n"))
    }

    /// Keras 3.15.1's summary() of the seed MLP (Adam) after one train_on_batch: its optimizer is
    /// built, and m, v, iteration (int64) and learning_rate count in the total.
    func testSummaryAfterTrainingCountsTheOptimizersVariables() throws {
        let model = SeedRegressor(seed: 1)
        XCTAssertFalse(model.summary().contains("Optimizer params"), "Keras shows no optimizer line before the optimizer is built")
        _ = try model.trainOnBatch(x: Tensor(shape: [32, 128], scalars: [Float](repeating: 0.5, count: 32 * 128)),
                                   y: Tensor(shape: [32, 1], scalars: [Float](repeating: 1, count: 32)))
        XCTAssertTrue(model.summary().hasSuffix("""
             Total params: 3,905 (15.26 KB)
             Trainable params: 1,301 (5.08 KB)
             Non-trainable params: 0 (0.00 B)
             Optimizer params: 2,604 (10.18 KB)

            """), model.summary())
    }
}

extension Array where Element == Float {
    func chunked(_ size: Int) -> [[Float]] { stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) } }
}
