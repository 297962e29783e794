import Foundation
import XCTest
@testable import KilnData

/// GBTClassifier against pyspark.ml's on the same rows (Fixtures/make_spark_ml_fixtures.py,
/// gbt_*.json): the printed ensemble (every split, leaf value and weight), and each row's
/// rawPrediction, probability and prediction; gbt_sampled_*: each tree on Spark's subsample of
/// the rows and feature subsets for the seed.
extension MLFixtureTests {
    /// Fixtures/ml/breast_cancer.csv: a count header, then 30 measures and the label per line.
    func cancerFrame() throws -> Frame {
        let lines = try String(contentsOfFile: Self.directory + "/breast_cancer.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let features = VectorColumn(), labels = PrimitiveColumn<Double>(capacity: lines.count)
        for line in lines {
            let values = line.split(separator: ",").map { Double($0)! }
            features.append(SparkVector(dense: Array(values[0..<30])))
            labels.append(values[30])
        }
        return Frame(schema: Schema([Field("features", .vector), Field("label", .double)]), columns: [.vector(features), .double(labels)])
    }

    func testGBTEnsemblesMatchSpark() throws {
        let libsvm = try LibSVMReader.read(paths: [Self.directory + "/sample_libsvm_data.txt"])
        let cancer = try cancerFrame()
        for (name, data) in [("gbt_libsvm", libsvm), ("gbt_cancer", cancer), ("gbt_sampled_libsvm", libsvm), ("gbt_sampled_cancer", cancer)] {
            let f = try fixture(name)
            for (number, variant) in (f["variants"] as! [[String: Any]]).enumerated() {
                let json = variant["params"] as! [String: Any]
                var (tree, _) = params(json)
                if let seed = json["seed"] as? Int { tree.seed = Int64(seed) }
                let gbt = GBTClassifier(maxIter: json["maxIter"] as? Int ?? 20, stepSize: json["stepSize"] as? Double ?? 0.1,
                                        featureSubsetStrategy: json["featureSubsetStrategy"] as? String ?? "all",
                                        subsamplingRate: json["subsamplingRate"] as? Double ?? 1, params: tree)
                let model = try gbt.fitModel(data)
                let what = "\(name) variant \(number)"
                XCTAssertEqual(model.toDebugString.replacingOccurrences(of: "uid = \(model.uid), ", with: ""), variant["debugString"] as! String, what)
                let out = try model.transform(data)
                let raw = out.vectors(try out.mlColumn("rawPrediction")).values.map { $0!.dense }
                let probability = out.vectors(try out.mlColumn("probability")).values.map { $0!.dense }
                assertClose(raw.map { $0[1] }, (variant["rawPredictions"] as! [[Double]]).map { $0[1] }, what + " margins")
                assertClose(probability.map { $0[1] }, (variant["probabilities"] as! [[Double]]).map { $0[1] }, what + " probabilities")
                XCTAssertEqual(out.doubleValues(try out.mlColumn("prediction")).map { $0! }, variant["predictions"] as! [Double], what)
            }
        }
    }

    /// GBTRegressor on squared and absolute error, sampled or not: the printed ensemble and
    /// every row's prediction.
    func testRegressionBoostingMatchesSpark() throws {
        for (name, path) in [("gbtr_libsvm", "sample_libsvm_data.txt"), ("gbtr_digits", "digits.libsvm")] {
            let data = try LibSVMReader.read(paths: [Self.directory + "/" + path])
            for (number, variant) in (try fixture(name)["variants"] as! [[String: Any]]).enumerated() {
                let json = variant["params"] as! [String: Any]
                var (tree, _) = params(json)
                if let seed = json["seed"] as? Int { tree.seed = Int64(seed) }
                let model = try GBTRegressor(lossType: GBTRegressor.Loss(rawValue: json["lossType"] as? String ?? "squared")!, maxIter: json["maxIter"] as? Int ?? 20,
                                             featureSubsetStrategy: json["featureSubsetStrategy"] as? String ?? "all",
                                             subsamplingRate: json["subsamplingRate"] as? Double ?? 1, params: tree).fitModel(data)
                let what = "\(name) variant \(number) \(json)"
                XCTAssertEqual(model.toDebugString.replacingOccurrences(of: "uid=\(model.uid), ", with: ""), variant["debugString"] as! String, what)
                let out = try model.transform(data)
                assertClose(out.doubleValues(try out.mlColumn("prediction")).map { $0! }, variant["predictions"] as! [Double], what)
            }
        }
    }

    func testGBTLabelsMustBeBinary() throws {
        let features = VectorColumn(), labels = PrimitiveColumn<Double>(capacity: 2)
        for (x, y) in [(0.0, 0.0), (1.0, 2.0)] { features.append(SparkVector(dense: [x])); labels.append(y) }
        let frame = Frame(schema: Schema([Field("features", .vector), Field("label", .double)]), columns: [.vector(features), .double(labels)])
        XCTAssertThrowsError(try GBTClassifier().fitModel(frame)) {
            XCTAssertEqual("\($0)", "GBTClassifier was given dataset with invalid label 2.0.  Labels must be in {0,1}; note that GBTClassifier currently only supports binary classification.")
        }
    }

    /// A saved ensemble loads and predicts the same.
    func testSavedGBTEnsembleLoads() throws {
        let data = try LibSVMReader.read(paths: [Self.directory + "/sample_libsvm_data.txt"])
        let model = try GBTClassifier(maxIter: 3).fitModel(data)
        let path = NSTemporaryDirectory() + "kiln-gbt-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MLModelFile.save(model, to: path)
        let loaded = try XCTUnwrap(try MLModelFile.load(from: path) as? GBTClassificationModel)
        XCTAssertEqual(loaded.toDebugString, model.toDebugString)
        let a = try model.transform(data), b = try loaded.transform(data)
        XCTAssertEqual(a.vectors(try a.mlColumn("probability")).values, b.vectors(try b.mlColumn("probability")).values)
    }
}
