import Foundation
import XCTest
@testable import KilnData

/// RandomForestClassifier against pyspark.ml's on the same rows and seed
/// (Fixtures/make_spark_ml_fixtures.py, rf_*.json): the printed forest (every tree's splits,
/// which the bootstrap counts and each node's feature subset decide), every row's prediction,
/// and the first 300 rows' rawPrediction and probability.
extension MLFixtureTests {
    func forest(_ json: [String: Any]) -> RandomForestClassifier {
        var (tree, impurity) = params(json)
        tree.seed = Int64(json["seed"] as? Int ?? 0)
        return RandomForestClassifier(featuresCol: json["featuresCol"] as? String ?? "features", impurity: impurity, numTrees: json["numTrees"] as? Int ?? 20,
                                      featureSubsetStrategy: json["featureSubsetStrategy"] as? String ?? "auto",
                                      subsamplingRate: json["subsamplingRate"] as? Double ?? 1, bootstrap: json["bootstrap"] as? Bool ?? true, params: tree)
    }

    func testRandomForestsMatchSpark() throws {
        let digits = try LibSVMReader.read(paths: [Self.directory + "/digits.libsvm"])
        let frames: [(String, Frame)] = [
            ("rf_libsvm", try LibSVMReader.read(paths: [Self.directory + "/sample_libsvm_data.txt"])),
            ("rf_digits", try VectorIndexer(inputCol: "features", outputCol: "indexedFeatures", maxCategories: 3).fitModel(digits).transform(digits)),
            ("rf_cancer", try cancerFrame()),
        ]
        for (name, data) in frames {
            let f = try fixture(name)
            for (number, variant) in (f["variants"] as! [[String: Any]]).enumerated() {
                let json = variant["params"] as! [String: Any]
                let model = try forest(json).fitModel(data)
                let what = "\(name) variant \(number) \(json)"
                XCTAssertEqual(model.toDebugString.replacingOccurrences(of: "uid=\(model.uid), ", with: ""), variant["debugString"] as! String, what)
                let out = try model.transform(data)
                let raw = out.vectors(try out.mlColumn("rawPrediction")).values.map { $0!.dense }
                let probability = out.vectors(try out.mlColumn("probability")).values.map { $0!.dense }
                let expectedRaw = variant["rawPredictions"] as! [[Double]], expectedProbability = variant["probabilities"] as! [[Double]]
                for c in 0..<model.numClasses {
                    assertClose(raw.prefix(expectedRaw.count).map { $0[c] }, expectedRaw.map { $0[c] }, what + " rawPrediction[\(c)]")
                    assertClose(probability.prefix(expectedRaw.count).map { $0[c] }, expectedProbability.map { $0[c] }, what + " probability[\(c)]")
                }
                XCTAssertEqual(out.doubleValues(try out.mlColumn("prediction")).map { $0! }, variant["predictions"] as! [Double], what)
            }
        }
    }

    /// RandomForestRegressor: the printed forest and every row's prediction (the trees' mean).
    func testRegressionForestsMatchSpark() throws {
        for (name, path) in [("rfr_libsvm", "sample_libsvm_data.txt"), ("rfr_digits", "digits.libsvm")] {
            let data = try LibSVMReader.read(paths: [Self.directory + "/" + path])
            for (number, variant) in (try fixture(name)["variants"] as! [[String: Any]]).enumerated() {
                let json = variant["params"] as! [String: Any]
                var (tree, _) = params(json)
                tree.seed = Int64(json["seed"] as? Int ?? 0)
                let model = try RandomForestRegressor(numTrees: json["numTrees"] as? Int ?? 20, featureSubsetStrategy: json["featureSubsetStrategy"] as? String ?? "auto",
                                                      subsamplingRate: json["subsamplingRate"] as? Double ?? 1, bootstrap: json["bootstrap"] as? Bool ?? true,
                                                      params: tree).fitModel(data)
                let what = "\(name) variant \(number) \(json)"
                XCTAssertEqual(model.toDebugString.replacingOccurrences(of: "uid=\(model.uid), ", with: ""), variant["debugString"] as! String, what)
                let out = try model.transform(data)
                assertClose(out.doubleValues(try out.mlColumn("prediction")).map { $0! }, variant["predictions"] as! [Double], what)
            }
        }
    }

    /// The generators Spark's bagging and feature subsets draw from, against the JVM's draws
    /// (rf_random.json: java.util.Random, commons-math3's Well19937c and PoissonDistribution).
    func testForestRandomSourcesMatchTheJVM() throws {
        let f = try fixture("rf_random")
        var random = JavaRandom(seed: 42)
        XCTAssertEqual((0..<3).map { _ in String(random.nextLong()) }, f["javaRandom42"] as! [String])
        var well = Well19937c(seed: -1_234_567_890_123)
        assertClose((0..<5).map { _ in well.nextDouble() }, f["well19937cDoubles"] as! [Double], "Well19937c")
        for (mean, entry) in f["poisson"] as! [String: [String: Any]] {
            var poisson = PoissonSampler(mean: Double(mean)!, seed: Int64(entry["seed"] as! Int))
            XCTAssertEqual((0..<40).map { _ in poisson.sample() }, entry["samples"] as! [Int], "mean \(mean)")
        }
        XCTAssertEqual(RandomForestClassifier.defaultSeed, Int64(f["classNameHash"] as! Int))
    }

    func testSavedForestLoads() throws {
        let data = try LibSVMReader.read(paths: [Self.directory + "/sample_libsvm_data.txt"])
        let model = try RandomForestClassifier(numTrees: 3).fitModel(data)
        let path = NSTemporaryDirectory() + "kiln-rf-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MLModelFile.save(model, to: path)
        let loaded = try XCTUnwrap(try MLModelFile.load(from: path) as? RandomForestClassificationModel)
        XCTAssertEqual(loaded.toDebugString, model.toDebugString)
        let a = try model.transform(data), b = try loaded.transform(data)
        XCTAssertEqual(a.vectors(try a.mlColumn("probability")).values, b.vectors(try b.mlColumn("probability")).values)
    }
}

/// Large nodes score their features on the cores; the trees must be the serial ones, split for
/// split (same sums per feature, the first best feature kept).
final class ParallelSplitTests: XCTestCase {
    func testFeaturesScoredOnTheCoresGiveTheSerialTrees() throws {
        var random = XORShiftRandom(seed: 9)
        let rows = 20_000, width = 24
        let features = VectorColumn(), labels = PrimitiveColumn<Double>(capacity: rows), classes = PrimitiveColumn<Double>(capacity: rows)
        for _ in 0..<rows {
            let x = (0..<width).map { _ in (random.nextDouble() * 40).rounded(.down) / 4 }
            features.append(SparkVector(dense: x))
            labels.append(x[0] + x[1] * x[2] - x[3] + random.nextDouble())
            classes.append(x[0] + x[5] > 5 ? 1 : 0)
        }
        let frame = Frame(schema: Schema([Field("features", .vector), Field("label", .double), Field("class", .double)]),
                          columns: [.vector(features), .double(labels), .double(classes)])
        func fits() throws -> [String] {
            [try DecisionTreeRegressor(params: TreeParams(maxDepth: 6)).fitModel(frame).toDebugString,
             try GBTClassifier(labelCol: "class", maxIter: 3).fitModel(frame).toDebugString,
             try RandomForestClassifier(labelCol: "class", numTrees: 3, featureSubsetStrategy: "all", params: TreeParams(seed: 1)).fitModel(frame).toDebugString]
        }
        let parallel = try fits()
        let saved = Grower.parallelWork
        Grower.parallelWork = .max
        defer { Grower.parallelWork = saved }
        XCTAssertEqual(parallel, try fits())
    }
}
