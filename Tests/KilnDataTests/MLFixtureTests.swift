import Foundation
import XCTest
@testable import KilnData

/// Kiln's ML runtime against pyspark.ml on the same rows (Fixtures/make_spark_ml_fixtures.py):
/// the split's rows, the indexers' maps, the printed tree, predictions and metrics.
final class MLFixtureTests: XCTestCase {
    static let directory: String = {
        if let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) {
            let path = url.appendingPathComponent("ml").path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/ml").path
    }()

    func fixture(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.directory + "/" + name + ".json"))) as! [String: Any]
    }

    func params(_ json: [String: Any]) -> (TreeParams, TreeImpurity) {
        var p = TreeParams()
        if let v = json["maxDepth"] as? Int { p.maxDepth = v }
        if let v = json["maxBins"] as? Int { p.maxBins = v }
        if let v = json["minInstancesPerNode"] as? Int { p.minInstancesPerNode = v }
        if let v = json["minInfoGain"] as? Double { p.minInfoGain = v }
        return (p, (json["impurity"] as? String).flatMap(TreeImpurity.init(rawValue:)) ?? .gini)
    }

    /// Foundation's JSON parser on Linux may miss the last bit of a double: equal to 1e-12.
    func assertClose(_ actual: [Double], _ expected: [Double], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
        for (i, (a, e)) in zip(actual, expected).enumerated() where abs(a - e) > 1e-12 * max(1, abs(e)) {
            XCTFail("\(message): row \(i): \(a) != \(e)", file: file, line: line)
            return
        }
    }

    func testSeedPipelinesMatchSpark() throws {
        for name in ["seed_libsvm", "seed_digits", "seed_digits_entropy"] {
            let f = try fixture(name)
            let data = try LibSVMReader.read(paths: [Self.directory + "/" + (f["path"] as! String)])
            let labelIndexer = try StringIndexer(inputCol: "label", outputCol: "indexedLabel").fitModel(data)
            XCTAssertEqual(labelIndexer.labels, f["labels"] as! [String], name)
            let featureIndexer = try VectorIndexer(inputCol: "features", outputCol: "indexedFeatures", maxCategories: f["maxCategories"] as! Int).fitModel(data)
            let maps = (f["categoryMaps"] as! [String: [String: Int]]).reduce(into: [Int: [Double: Int]]()) { out, entry in
                out[Int(entry.key)!] = Dictionary(uniqueKeysWithValues: entry.value.map { (Double($0.key)!, $0.value) })
            }
            XCTAssertEqual(featureIndexer.categoryMaps, maps, name)
            let splits = try data.randomSplit(f["weights"] as! [Double], seed: Int64(f["seed"] as! Int))
            XCTAssertEqual(splits[0].count, f["trainCount"] as! Int, "\(name): training rows")
            XCTAssertEqual(splits[1].doubleValues(0).map { $0! }, f["testLabels"] as! [Double], "\(name): test rows")
            let (p, impurity) = params(f["tree"] as! [String: Any])
            let dt = DecisionTreeClassifier(labelCol: "indexedLabel", featuresCol: "indexedFeatures", impurity: impurity, params: p)
            let model = try Pipeline(stages: [.transformer(labelIndexer), .transformer(featureIndexer), .estimator(dt)]).fitPipeline(splits[0])
            let tree = model.stages[2] as! DecisionTreeClassificationModel
            XCTAssertEqual(tree.toDebugString.replacingOccurrences(of: "uid=\(tree.uid), ", with: ""), f["debugString"] as! String, name)
            let predictions = try model.transform(splits[1])
            let column = predictions.schema.index(of: "prediction")!
            XCTAssertEqual(predictions.doubleValues(column).map { $0! }, f["predictions"] as! [Double], name)
            let raw = predictions.vectors(predictions.schema.index(of: "rawPrediction")!).values.map { $0!.dense }
            XCTAssertEqual(raw, f["rawPredictions"] as! [[Double]], name)
            // Spark's values, and scikit-learn's definitions of the same metrics (support-weighted).
            for (source, metrics) in [("spark", f["metrics"]), ("sklearn", f["sklearnMetrics"])] {
                for (metric, expected) in metrics as! [String: Double] {
                    let value = try MulticlassClassificationEvaluator(labelCol: "indexedLabel", predictionCol: "prediction", metricName: metric).evaluate(predictions)
                    XCTAssertEqual(value, expected, accuracy: 1e-12, "\(name): \(source) \(metric)")
                }
            }
            let shown = predictions.selecting(["prediction", "indexedLabel", "features"].map { predictions.schema.index(of: $0)! }).showString(rows: 5)
            XCTAssertEqual(shown, (f["show"] as! String) + "\n", name)  // show() adds the newline
        }
    }

    func testTreesOnEveryRowMatchSpark() throws {
        for name in ["trees_libsvm", "trees_digits"] {
            let f = try fixture(name)
            let data = try LibSVMReader.read(paths: [Self.directory + "/" + (f["path"] as! String)])
            var indexed = try VectorIndexer(inputCol: "features", outputCol: "indexedFeatures", maxCategories: f["maxCategories"] as! Int).fitModel(data).transform(data)
            indexed = try StringIndexer(inputCol: "label", outputCol: "indexedLabel").fitModel(indexed).transform(indexed)
            for (number, variant) in (f["variants"] as! [[String: Any]]).enumerated() {
                let (p, impurity) = params(variant["params"] as! [String: Any])
                let what = "\(name) #\(number) \(variant["params"]!)"
                let debug: String, predictions: Frame
                if variant["kind"] as! String == "classifier" {
                    let model = try DecisionTreeClassifier(labelCol: "indexedLabel", featuresCol: "indexedFeatures", impurity: impurity, params: p).fitModel(indexed)
                    debug = model.toDebugString.replacingOccurrences(of: "uid=\(model.uid), ", with: "")
                    predictions = try model.transform(indexed)
                } else {
                    let model = try DecisionTreeRegressor(labelCol: "label", featuresCol: "indexedFeatures", params: p).fitModel(indexed)
                    debug = model.toDebugString.replacingOccurrences(of: "uid=\(model.uid), ", with: "")
                    predictions = try model.transform(indexed)
                }
                XCTAssertEqual(debug, variant["debugString"] as! String, what)
                let column = predictions.schema.index(of: "prediction")!
                assertClose(predictions.doubleValues(column).map { $0! }, variant["predictions"] as! [Double], what)
                for (metric, expected) in variant["metrics"] as! [String: Double] {
                    let value: Double
                    if variant["kind"] as! String == "classifier" {
                        value = try BinaryClassificationEvaluator(labelCol: "indexedLabel", metricName: metric).evaluate(predictions)
                    } else {
                        value = try RegressionEvaluator(labelCol: "label", metricName: metric).evaluate(predictions)
                    }
                    XCTAssertEqual(value, expected, accuracy: 1e-9, "\(what): \(metric)")
                }
            }
        }
    }
}

extension MLFixtureTests {
    /// A fixture vector: `indices` present for sparse ones.
    func vector(_ json: Any) -> SparkVector {
        let v = json as! [String: Any]
        if let indices = v["indices"] as? [Int] { return SparkVector(size: v["size"] as! Int, indices: indices.map(Int32.init), values: v["values"] as! [Double]) }
        return SparkVector(dense: v["values"] as! [Double])
    }

    /// Iris through StringIndexer, OneHotEncoder, VectorAssembler, both StandardScalers and
    /// MinMaxScaler, then a 3-class tree on the measures and a binary one on a nominal feature
    /// the assembler carried: the vectors (dense or sparse as Spark chose) and the trees.
    func testFeatureStagesMatchSpark() throws {
        let f = try fixture("features_iris")
        let schema = Schema([Field("sl", .double), Field("sw", .double), Field("pl", .double), Field("pw", .double), Field("species", .string), Field("wide", .double)])
        var frame = Frame(schema: schema)
        for row in f["rows"] as! [[Any]] {
            for (k, cell) in row.enumerated() {
                switch frame.columns[k] {
                case let .double(c): c.append(cell as! Double)
                case let .string(c): c.append(cell as! String)
                default: XCTFail("unexpected column")
                }
            }
        }
        frame = try StringIndexer(inputCol: "species", outputCol: "speciesIndex").fit(frame).transform(frame)
        frame = try OneHotEncoder(inputCol: "speciesIndex", outputCol: "speciesVec").fit(frame).transform(frame)
        // The multi-column form: each column encoded on its own, fitted on the same rows.
        frame = try OneHotEncoder(inputCols: ["speciesIndex", "wide"], outputCols: ["speciesOneHot", "wideOneHot"], dropLast: false).fit(frame).transform(frame)
        frame = try VectorAssembler(inputCols: ["sl", "sw", "pl", "pw", "speciesVec"], outputCol: "features").transform(frame)
        frame = try StandardScaler(inputCol: "features", outputCol: "scaled").fit(frame).transform(frame)
        frame = try StandardScaler(inputCol: "features", outputCol: "centred", withMean: true).fit(frame).transform(frame)
        frame = try MinMaxScaler(inputCol: "features", outputCol: "minmax").fit(frame).transform(frame)
        frame = try VectorAssembler(inputCols: ["sl", "sw", "pl", "pw"], outputCol: "measures").transform(frame)
        frame = try VectorAssembler(inputCols: ["sl", "speciesIndex"], outputCol: "mixed").transform(frame)
        let columns = f["columns"] as! [String: [Any]]
        XCTAssertEqual(frame.doubleValues(frame.schema.index(of: "speciesIndex")!).map { $0! }, columns["speciesIndex"] as! [Double])
        for name in ["speciesVec", "speciesOneHot", "wideOneHot", "features", "scaled", "centred", "minmax", "mixed"] {
            let actual = frame.vectors(frame.schema.index(of: name)!).values.map { $0! }
            let expected = columns[name]!.map(vector)
            XCTAssertEqual(actual.map(\.isSparse), expected.map(\.isSparse), "\(name): dense or sparse")
            XCTAssertEqual(actual.map { $0.indices ?? [] }, expected.map { $0.indices ?? [] }, name)
            assertClose(actual.flatMap(\.values), expected.flatMap(\.values), name)
        }
        let species = try DecisionTreeClassifier(labelCol: "speciesIndex", featuresCol: "measures", params: TreeParams(maxDepth: 3)).fitModel(frame)
        XCTAssertEqual(species.toDebugString.replacingOccurrences(of: "uid=\(species.uid), ", with: ""), f["speciesTree"] as! String)
        let wide = try DecisionTreeClassifier(labelCol: "wide", featuresCol: "mixed").fitModel(frame)
        XCTAssertEqual(wide.toDebugString.replacingOccurrences(of: "uid=\(wide.uid), ", with: ""), f["wideTree"] as! String)
    }
}

extension MLFixtureTests {
    /// A fitted pipeline saved and loaded gives the same predictions and tree; a file of another
    /// version or kind is refused with its reason.
    func testSavedPipelineLoadsAndPredictsTheSame() throws {
        let data = try LibSVMReader.read(paths: [Self.directory + "/digits.libsvm"])
        let splits = try data.randomSplit([0.8, 0.2], seed: 3)
        let model = try Pipeline(stages: [
            .estimator(StringIndexer(inputCol: "label", outputCol: "indexedLabel")),
            .estimator(VectorIndexer(inputCol: "features", outputCol: "indexedFeatures", maxCategories: 4, handleInvalid: .keep)),
            .estimator(StandardScaler(inputCol: "indexedFeatures", outputCol: "scaled")),
            .estimator(DecisionTreeClassifier(labelCol: "indexedLabel", featuresCol: "scaled", params: TreeParams(maxDepth: 6))),
        ]).fitPipeline(splits[0])
        let path = NSTemporaryDirectory() + "kiln-model-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try MLModelFile.save(model, to: path)
        let loaded = try XCTUnwrap(try MLModelFile.load(from: path) as? PipelineModel)
        XCTAssertEqual(try MLDescription.debugString(loaded, stage: 3), try MLDescription.debugString(model, stage: 3))
        let before = try model.transform(splits[1]), after = try loaded.transform(splits[1])
        let column = before.schema.index(of: "prediction")!
        XCTAssertEqual(after.doubleValues(column), before.doubleValues(column))
        XCTAssertEqual(after.vectors(before.schema.index(of: "scaled")!).values, before.vectors(before.schema.index(of: "scaled")!).values)

        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try MLModelFile.load(from: path)) { error in
            XCTAssertEqual("\(error)", "\(path) is a version 2 Kiln ML model file; this Kiln reads version 1")
        }
        try "{\"weights\": []}".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try MLModelFile.load(from: path)) { error in
            XCTAssertEqual("\(error)", "\(path) is not a Kiln ML model file (expected \"format\": \"kiln-ml-model\")")
        }
    }
}

extension MLFixtureTests {
    /// A pipeline's frame as a model's arrays: numbers and spread vectors per row, labels as
    /// targets; a null names its row.
    func testFrameAsModelArrays() throws {
        let data = try LibSVMReader.read(paths: [Self.directory + "/sample_libsvm_data.txt"])
        let (x, y) = try data.modelArrays(features: ["features"], labels: ["label"])
        XCTAssertEqual(x.count, 100)
        XCTAssertEqual(x[0].count, 692)
        XCTAssertEqual(x[0][127], 51)  // the first row's "128:51"
        XCTAssertEqual(y.prefix(3).map { $0 }, [[0], [1], [1]])
        let withNull = Frame(schema: Schema([Field("a", .double)]))
        withNull.columns[0].appendNull()
        XCTAssertThrowsError(try withNull.modelArrays(features: ["a"])) { XCTAssertEqual("\($0)", "row 1: column a is null") }
    }
}
