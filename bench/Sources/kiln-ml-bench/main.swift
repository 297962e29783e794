// Kiln's side of bench/ml: decision-tree fit and predict (maxDepth 5) on the libsvm sample and on
// the synthetic table bench/ml/gen_data.py writes, then a 20-tree random forest and 20 rounds of
// gradient boosting (maxDepth 5) on the libsvm sample and the table's first 100,000 rows; one JSON
// line per workload.
// Usage: kiln-ml-bench DATA_DIR [--repeats N]
import Foundation
import KilnData

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func emit(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

var arguments = Array(CommandLine.arguments.dropFirst())
var repeats = 5
if let i = arguments.firstIndex(of: "--repeats"), i + 1 < arguments.count { repeats = Int(arguments[i + 1]) ?? 5; arguments.removeSubrange(i...(i + 1)) }
guard arguments.count == 1 else { FileHandle.standardError.write(Data("usage: kiln-ml-bench DATA_DIR [--repeats N]\n".utf8)); exit(2) }
let directory = URL(fileURLWithPath: arguments[0])

/// A depth-5 estimator of one family: a tree, a 20-tree forest, or 20 rounds of boosting.
enum Family: String { case tree, forest, gbt }

/// Times fit and predict (transform of every training row) of `family` on `frame`.
func measure(_ family: Family, _ name: String, _ frame: Frame, labelCol: String, featuresCol: String, repeats: Int) throws {
    let params = TreeParams(maxDepth: 5, seed: 42)
    let fit: () throws -> MLTransformer
    switch family {
    case .tree: fit = { try DecisionTreeClassifier(labelCol: labelCol, featuresCol: featuresCol, params: params).fitModel(frame) }
    case .forest: fit = { try RandomForestClassifier(labelCol: labelCol, featuresCol: featuresCol, numTrees: 20, params: params).fitModel(frame) }
    case .gbt: fit = { try GBTClassifier(labelCol: labelCol, featuresCol: featuresCol, maxIter: 20, params: params).fitModel(frame) }
    }
    var model = try fit()  // warm-up
    var fits: [Double] = [], predicts: [Double] = []
    for _ in 0..<repeats { fits.append(try seconds { model = try fit() }) }
    // predict: transform every row (rawPrediction, probability and prediction columns), as sklearn's predict.
    var predicted = frame
    for _ in 0..<repeats { predicts.append(try seconds { predicted = try model.transform(frame) }) }
    let accuracy = try MulticlassClassificationEvaluator(labelCol: labelCol, metricName: "accuracy").evaluate(predicted)
    var fitLine: [String: Any] = ["framework": "kiln", "workload": "\(family)_fit_\(name)", "seconds": median(fits), "rows": frame.count]
    if let tree = model as? DecisionTreeClassificationModel { fitLine["depth"] = tree.depth; fitLine["nodes"] = tree.numNodes }
    emit(fitLine)
    emit(["framework": "kiln", "workload": "\(family)_predict_\(name)", "seconds": median(predicts), "rows": frame.count, "train_accuracy": accuracy])
}

// The seed's data: indexed labels and features, as the seed's pipeline fits the tree.
let libsvm = try LibSVMReader.read(paths: [directory.appendingPathComponent("sample_libsvm_data.txt").path])
var indexed = try VectorIndexer(inputCol: "features", outputCol: "indexedFeatures", maxCategories: 5).fit(libsvm).transform(libsvm)
indexed = try StringIndexer(inputCol: "label", outputCol: "indexedLabel").fit(indexed).transform(indexed)
try measure(.tree, "libsvm", indexed, labelCol: "indexedLabel", featuresCol: "indexedFeatures", repeats: repeats)

// The synthetic table: rows of 20 float64 features then the label, little-endian.
let raw = try Data(contentsOf: directory.appendingPathComponent("synthetic.f64"))
let width = 21, rows = raw.count / (8 * width)
let features = VectorColumn(capacity: rows), labels = PrimitiveColumn<Double>(capacity: rows)
raw.withUnsafeBytes { bytes in
    let values = bytes.bindMemory(to: Double.self)
    for r in 0..<rows {
        features.append(SparkVector(dense: Array(values[(r * width)..<(r * width + 20)])))
        labels.append(values[r * width + 20])
    }
}
let synthetic = Frame(schema: Schema([Field("features", .vector), Field("label", .double)]), columns: [.vector(features), .double(labels)])
try measure(.tree, "synthetic", synthetic, labelCol: "label", featuresCol: "features", repeats: repeats)

// Ensembles: the libsvm sample and the table's first 100,000 rows.
let head = synthetic.gather(Array(0..<min(100_000, rows)))
for family in [Family.forest, .gbt] {
    try measure(family, "libsvm", indexed, labelCol: "indexedLabel", featuresCol: "indexedFeatures", repeats: repeats)
    try measure(family, "synthetic100k", head, labelCol: "label", featuresCol: "features", repeats: repeats)
}
