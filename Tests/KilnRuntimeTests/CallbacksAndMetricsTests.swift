import Foundation
import XCTest
import KilnGenerated
@testable import KilnRuntime

final class EarlyStoppingTests: XCTestCase {
    /// Feeds a scripted val_loss sequence; returns the epoch at which training stopped (nil: never).
    func stopEpoch(_ values: [Double], _ callback: EarlyStopping, model: KilnModel = SeedRegressor()) -> Int? {
        model.stopTraining = false
        callback.onTrainBegin(model: model)
        for (epoch, value) in values.enumerated() {
            callback.onEpochEnd(epoch: epoch, logs: [callback.monitor: value], model: model)
            if model.stopTraining { return epoch }
        }
        return nil
    }

    func testKerasStoppingRule() {
        // (values, patience, minDelta, expected stop epoch) following Keras's EarlyStopping.
        let rows: [([Double], Int, Double, Int?)] = [
            ([1.0, 0.9, 0.8, 0.7], 0, 0, nil),
            ([1.0, 1.1], 0, 0, 1),
            ([1.0, 1.1, 1.2, 0.5], 2, 0, 2),
            ([1.0, 1.1, 0.9, 1.0, 1.0], 2, 0, 4),
            ([1.0, 0.99, 0.98, 0.97], 1, 0.05, 1),
            ([5.0], 0, 0, nil),  // never on the first epoch
        ]
        for (values, patience, delta, expected) in rows {
            XCTAssertEqual(stopEpoch(values, EarlyStopping(minDelta: delta, patience: patience)), expected, "\(values) patience \(patience)")
        }
    }

    func testAccuracyIsMaximised() {
        XCTAssertEqual(stopEpoch([0.5, 0.6, 0.55, 0.52], EarlyStopping(monitor: "val_accuracy", patience: 1)), 2)
    }

    func testRestoreBestWeights() {
        let model = SeedRegressor(seed: 1)
        let callback = EarlyStopping(patience: 1, restoreBestWeights: true)
        callback.onTrainBegin(model: model)
        let best = model.parameters
        callback.onEpochEnd(epoch: 0, logs: ["val_loss": 1], model: model)
        model.parameters = SeedRegressor(seed: 2).parameters
        callback.onEpochEnd(epoch: 1, logs: ["val_loss": 2], model: model)
        XCTAssertTrue(model.stopTraining)
        XCTAssertEqual(model.parameters, best)
    }

    func testFitStopsEarly() throws {
        let data = seedData(128)
        let model = SeedRegressor(seed: 1)
        model.learningRate = 0  // val_loss never improves
        let history = try model.fit(x: data.x, y: data.y, epochs: 20, validationSplit: 0.25,
                                    callbacks: [EarlyStopping(patience: 2)], verbose: .silent)
        XCTAssertEqual(history.epoch, [0, 1, 2])
    }
}

final class MetricTests: XCTestCase {
    func descriptor(_ metrics: [MetricKind], outputs: Int) -> ModelDescriptor {
        var d = SeedRegressor.descriptor
        d.metrics = metrics
        d.metricNames = metrics.map(\.rawValue)
        d.outputShape = [outputs]
        return d
    }

    func testKerasMetricDefinitions() {
        // Two samples, two outputs; values worked by hand.
        let output: [Float] = [0.9, 0.2, 0.4, 0.7], y: [Float] = [1, 0, 1, 0]
        var metrics = MetricAccumulators(descriptor: descriptor([.mae, .mse, .binaryAccuracy, .categoricalAccuracy], outputs: 2))
        metrics.add(output: output, y: y, rows: 2)
        let values = Dictionary(metrics.values, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(values["mae"]!, (0.1 + 0.2 + 0.6 + 0.7) / 4, accuracy: 1e-6)
        XCTAssertEqual(values["mse"]!, (0.01 + 0.04 + 0.36 + 0.49) / 4, accuracy: 1e-6)
        XCTAssertEqual(values["binary_accuracy"]!, 0.5, accuracy: 1e-9)       // row 0 right twice, row 1 wrong twice
        XCTAssertEqual(values["categorical_accuracy"]!, 0.5, accuracy: 1e-9)  // argmax 0 vs 0; 1 vs 0

        var sparse = MetricAccumulators(descriptor: descriptor([.sparseCategoricalAccuracy], outputs: 2))
        sparse.add(output: output, y: [0, 1], rows: 2)
        XCTAssertEqual(sparse.values[0].1, 1.0)
    }
}

final class InitializerTests: XCTestCase {
    func testKerasVarianceScalingFormulas() {
        var rng = SplitMix64(seed: 9)
        let n = 20_000
        func std(_ v: [Float]) -> Double {
            let mean = v.map(Double.init).reduce(0, +) / Double(v.count)
            return (v.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(v.count)).squareRoot()
        }
        let glorot = Initializer.glorotUniform.sample(count: n, fanIn: 30, fanOut: 20, rng: &rng)
        XCTAssertLessThanOrEqual(glorot.map { abs($0) }.max()!, Float((6.0 / 50).squareRoot()))
        XCTAssertEqual(std(glorot), (2.0 / 50).squareRoot(), accuracy: 0.01)  // uniform: limit / sqrt(3)
        // Truncated normals: stddev sqrt(scale/fan), no sample beyond two (pre-correction) stddevs.
        let he = Initializer.heNormal.sample(count: n, fanIn: 50, fanOut: 10, rng: &rng)
        XCTAssertEqual(std(he), (2.0 / 50).squareRoot(), accuracy: 0.01)
        XCTAssertLessThanOrEqual(Double(he.map { abs($0) }.max()!), 2 * (2.0 / 50).squareRoot() / 0.87962566103423978 + 1e-6)
        XCTAssertEqual(std(Initializer.lecunNormal.sample(count: n, fanIn: 25, fanOut: 1, rng: &rng)), 0.2, accuracy: 0.005)
        XCTAssertEqual(Initializer.ones.sample(count: 3, fanIn: 1, fanOut: 1, rng: &rng), [1, 1, 1])
    }
}

final class CSVDatasetTests: XCTestCase {
    func testBadRowsNameTheirFileLineAndColumn() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try "a,b,label\n1,2,0\n3,x,1\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CSVDataset.load(from: url, hasHeader: true)) {
            XCTAssertEqual(($0 as? KilnError)?.description, "\(url.path):3:2: expected a finite number, received 'x'")
        }
        try "1,2,0\n3,4\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CSVDataset.load(from: url, hasHeader: false)) {
            XCTAssertEqual(($0 as? KilnError)?.description, "\(url.path):2: expected 3 values as on the first data row, received 2")
        }
        try "1,2,0\n3,4,1\n".write(to: url, atomically: true, encoding: .utf8)
        let data = try CSVDataset.load(from: url, hasHeader: false, featureScale: 0.5)
        XCTAssertEqual(data.x, Tensor(shape: [2, 2], scalars: [0.5, 1, 1.5, 2]))
        XCTAssertEqual(data.y, Tensor([0, 1]))
    }
}

final class ModelCheckpointTests: XCTestCase {
    func testSavesEveryEpochOrOnlyImprovements() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = SeedRegressor(seed: 1)
        let every = ModelCheckpoint(path: directory.appendingPathComponent("w-{epoch}.safetensors").path)
        let best = ModelCheckpoint(path: directory.appendingPathComponent("best.safetensors").path, saveBestOnly: true)
        var bestParameters: [Float] = []
        for (epoch, loss) in [3.0, 2.0, 2.5].enumerated() {
            model.parameters = SeedRegressor(seed: UInt64(epoch + 10)).parameters
            if epoch == 1 { bestParameters = model.parameters }
            every.onEpochEnd(epoch: epoch, logs: ["val_loss": loss], model: model)
            best.onEpochEnd(epoch: epoch, logs: ["val_loss": loss], model: model)
        }
        XCTAssertEqual(every.saved.map(\.lastPathComponent), ["w-1.safetensors", "w-2.safetensors", "w-3.safetensors"])
        XCTAssertEqual(best.saved.count, 2)  // epochs 1 and 2 improved, 3 did not
        let restored = SeedRegressor()
        try restored.loadWeights(from: directory.appendingPathComponent("best.safetensors"))
        XCTAssertEqual(restored.parameters, bestParameters)
    }
}
