import Foundation
import XCTest
import KilnGenerated
@testable import KilnRuntime

/// Regression data for SeedRegressor: x (n,128) ~ N(0,1), y (n,1) = tanh(x . w).
func seedData(_ n: Int, seed: UInt64 = 1) -> (x: Tensor, y: Tensor) {
    var rng = SplitMix64(seed: seed)
    let w = (0..<128).map { _ in Float(rng.nextGaussian()) / 11 }
    var xs: [Float] = [], ys: [Float] = []
    for _ in 0..<n {
        let row = (0..<128).map { _ in Float(rng.nextGaussian()) }
        xs += row
        ys.append(tanh(zip(row, w).map(*).reduce(0, +)))
    }
    return (Tensor(shape: [n, 128], scalars: xs), Tensor(shape: [n, 1], scalars: ys))
}

final class KilnModelTests: XCTestCase {
    func testSameSeedSameWeightsOtherSeedOtherWeights() {
        XCTAssertEqual(SeedRegressor(seed: 5).parameters, SeedRegressor(seed: 5).parameters)
        XCTAssertNotEqual(SeedRegressor(seed: 5).parameters, SeedRegressor(seed: 6).parameters)
        // Keras's defaults: glorot_uniform kernels within sqrt(6/(fan_in+fan_out)), zero biases.
        let model = SeedRegressor(seed: 5)
        let limit = Float((6.0 / 138).squareRoot())
        XCTAssertTrue(model.weight(named: "dense/kernel")!.scalars.allSatisfy { abs($0) <= limit })
        XCTAssertEqual(model.weight(named: "dense/bias")!.scalars, [Float](repeating: 0, count: 10))
    }

    func testFitLearnsAndReportsKerasHistoryKeys() throws {
        let data = seedData(512)
        let model = SeedRegressor(seed: 3)
        let history = try model.fit(x: data.x, y: data.y, epochs: 5, validationSplit: 0.25, verbose: .silent)
        XCTAssertEqual(history.epoch, [0, 1, 2, 3, 4])
        XCTAssertEqual(Set(history.history.keys), ["loss", "mae", "val_loss", "val_mae"])
        let losses = try XCTUnwrap(history.history["loss"])
        XCTAssertLessThan(losses.last!, losses.first! * 0.8)
        // 384 training samples in batches of 32: 12 steps an epoch.
        XCTAssertEqual(model.iterations, 60)
    }

    func testFitDefaultsComeFromTheSpec() throws {
        // specs/DigitsClassifier.model.yaml: fit: {batch_size: 32, epochs: 30, validation_split: 0.2}
        var rng = SplitMix64(seed: 1)
        let x = Tensor(shape: [40, 64], scalars: (0..<(40 * 64)).map { _ in Float(rng.nextUniform()) })
        let y = Tensor((0..<40).map { Float($0 % 10) })
        let history = try DigitsClassifier(seed: 1).fit(x: x, y: y, verbose: .silent)
        XCTAssertEqual(history.epoch.count, 30)
        XCTAssertEqual(Set(history.history.keys), ["loss", "accuracy", "val_loss", "val_accuracy"])
    }

    func testValidationSplitTakesTheLastSamplesBeforeShuffling() throws {
        let data = seedData(100)
        let model = SeedRegressor(seed: 4)
        let history = try model.fit(x: data.x, y: data.y, epochs: 1, validationSplit: 0.2, verbose: .silent)
        let tail = try model.evaluate(x: data.x.rows(80..<100), y: data.y.rows(80..<100))
        XCTAssertEqual(history.history["val_loss"]![0], tail.loss, accuracy: 1e-7)
        XCTAssertEqual(history.history["val_mae"]![0], tail["mae"]!, accuracy: 1e-7)
        // 80 samples, batch 32: two full steps and one of 16.
        XCTAssertEqual(model.iterations, 3)
    }

    func testEpochLossIsTheSampleWeightedMeanOfBatchLosses() throws {
        let data = seedData(50)
        let model = SeedRegressor(seed: 8)
        model.learningRate = 0  // weights stay put, so every batch sees the same model
        let history = try model.fit(x: data.x, y: data.y, epochs: 1, shuffle: false, verbose: .silent)
        let whole = try model.evaluate(x: data.x, y: data.y)
        XCTAssertEqual(history.history["loss"]![0], whole.loss, accuracy: 1e-6)
        XCTAssertEqual(history.history["mae"]![0], whole["mae"]!, accuracy: 1e-6)
    }

    func testEvaluateEqualsMSEOfPredict() throws {
        // The lecture's assertion: np.isclose(mse(model.predict(X), y), model.evaluate(X, y)).
        let data = seedData(70)
        let model = SeedRegressor(seed: 2)
        let predictions = try model.predict(data.x)
        XCTAssertEqual(predictions.shape, [70, 1])
        let mse = zip(predictions.scalars, data.y.scalars).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / 70
        XCTAssertEqual(try model.evaluate(x: data.x, y: data.y).loss, mse, accuracy: 1e-6)
    }

    func testBadInputsAreRejectedWithClearMessages() {
        let model = SeedRegressor()
        let data = seedData(4)
        let rows: [(String, () throws -> Void)] = [
            ("Input 0 of layer \"SeedRegressor\" is incompatible with the layer: expected shape=(None, 128), found shape=(4, 12)",
             { _ = try model.predict(Tensor(shape: [4, 12], scalars: [Float](repeating: 0, count: 48))) }),
            ("Data cardinality is ambiguous: x sizes: 4, y sizes: 3. Make sure all arrays contain the same number of samples.",
             { _ = try model.fit(x: data.x, y: data.y.rows(0..<3), verbose: .silent) }),
            ("batch_size 64 is not supported by SeedRegressor: its kernels are compiled for batches of up to 32 (fit.batch_size in specs/SeedRegressor.model.yaml)",
             { _ = try model.fit(x: data.x, y: data.y, batchSize: 64, verbose: .silent) }),
            ("x: sample 2 holds a non-finite value nan",
             { var x = data.x; x.scalars[2 * 128 + 5] = .nan; _ = try model.evaluate(x: x, y: data.y) }),
        ]
        for (message, call) in rows {
            XCTAssertThrowsError(try call(), message) { XCTAssertEqual(($0 as? KilnError)?.description, message) }
        }
    }

    func testSparseLabelsMustBeClassIndices() {
        let model = IrisClassifier()
        let x = Tensor(shape: [2, 4], scalars: [Float](repeating: 1, count: 8))
        XCTAssertThrowsError(try model.evaluate(x: x, y: Tensor([0, 3]))) {
            XCTAssertEqual(($0 as? KilnError)?.description, "y: sample 1 has label 3.0, expected a class index in [0, 3)")
        }
        // A label past Int's range is the same error, not a trap converting it.
        XCTAssertThrowsError(try model.evaluate(x: x, y: Tensor([1e30, 0]))) {
            XCTAssertEqual(($0 as? KilnError)?.description, "y: sample 0 has label 1e+30, expected a class index in [0, 3)")
        }
    }
}

final class WeightFileTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testSaveLoadRoundTripUsesKerasNamesAndTheSafetensorsLayout() throws {
        let url = directory.appendingPathComponent("w.safetensors")
        let model = SeedRegressor(seed: 1)
        try model.saveWeights(to: url)
        let data = try Data(contentsOf: url)
        let headerLength = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertEqual(data.count, 8 + headerLength + 1301 * 4)
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        XCTAssertEqual(Set(header.keys), ["__metadata__", "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"])
        XCTAssertEqual((header["dense/kernel"] as? [String: Any])?["shape"] as? [Int], [128, 10])
        XCTAssertEqual((header["dense/kernel"] as? [String: Any])?["dtype"] as? String, "F32")

        let other = SeedRegressor(seed: 2)
        try other.loadWeights(from: url)
        XCTAssertEqual(other.parameters, model.parameters)
    }

    func testLoadRejectsAMismatchAndChangesNothing() throws {
        let url = directory.appendingPathComponent("iris.safetensors")
        try IrisClassifier(seed: 1).saveWeights(to: url)
        let model = SeedRegressor(seed: 3)
        let before = model.parameters
        XCTAssertThrowsError(try model.loadWeights(from: url)) {
            XCTAssertEqual(($0 as? KilnError)?.description, "weight 'dense/kernel' of SeedRegressor has shape (128, 10), received (4, 16)")
        }
        XCTAssertEqual(model.parameters, before)
    }

    /// `partial: true` loads the weights a file holds (a pretrained base's) and keeps the rest;
    /// a tensor the model lacks is still an error, and without `partial` a missing one is.
    func testPartialLoadKeepsTheOtherWeights() throws {
        let url = directory.appendingPathComponent("first.safetensors")
        let source = SeedRegressor(seed: 1)
        try SafeTensors.write([("dense/kernel", source.weight(named: "dense/kernel")!), ("dense/bias", source.weight(named: "dense/bias")!)], to: url)
        let model = SeedRegressor(seed: 2)
        let before = model.parameters
        XCTAssertThrowsError(try model.loadWeights(from: url)) {
            XCTAssertEqual(($0 as? KilnError)?.description, "\(url.path) has no tensor 'dense_1/kernel' (it holds dense/kernel, dense/bias)")
        }
        XCTAssertEqual(model.parameters, before)
        try model.loadWeights(from: url, partial: true)
        XCTAssertEqual(model.weight(named: "dense/kernel")!.scalars, source.weight(named: "dense/kernel")!.scalars)
        XCTAssertEqual(model.weight(named: "dense_1/kernel")!.scalars, SeedRegressor(seed: 2).weight(named: "dense_1/kernel")!.scalars)
        let stray = directory.appendingPathComponent("stray.safetensors")
        try SafeTensors.write([("head/kernel", Tensor(shape: [1], scalars: [0]))], to: stray)
        XCTAssertThrowsError(try model.loadWeights(from: stray, partial: true)) {
            XCTAssertTrue(($0 as? KilnError)?.description.hasPrefix("\(stray.path) holds tensor 'head/kernel', which is not a weight of SeedRegressor") == true)
        }
    }

    func testAFailedSaveLeavesTheOldFileAndNoTemporary() throws {
        let url = directory.appendingPathComponent("w.safetensors")
        let model = SeedRegressor(seed: 1)
        try model.saveWeights(to: url)
        let original = try Data(contentsOf: url)
        // A destination that cannot be replaced (a non-empty directory) makes the final rename fail.
        let blocked = directory.appendingPathComponent("blocked.safetensors")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: blocked.appendingPathComponent("inside"))
        XCTAssertThrowsError(try model.saveWeights(to: blocked))
        XCTAssertEqual(try Data(contentsOf: blocked.appendingPathComponent("inside")), Data("keep".utf8))
        XCTAssertEqual(try Data(contentsOf: url), original)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testTruncatedFileIsRejected() throws {
        let url = directory.appendingPathComponent("cut.safetensors")
        try SeedRegressor().saveWeights(to: url)
        try Data(contentsOf: url).prefix(100).write(to: url)
        XCTAssertThrowsError(try SeedRegressor().loadWeights(from: url))
    }
}
