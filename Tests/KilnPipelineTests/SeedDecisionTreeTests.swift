import Foundation
import XCTest
import KilnData
import KilnPipelines

/// The seed's MLlib example, compiled from specs/SeedDecisionTree.pipeline.yaml, against what
/// pyspark 4.0.1 computes for the same script (Tests/KilnDataTests/Fixtures/ml/seed_libsvm.json,
/// from make_spark_ml_fixtures.py): the same test rows, predictions, tree and accuracy.
final class SeedDecisionTreeTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KilnDataTests/Fixtures/ml")

    func testSeedExampleMatchesSpark() throws {
        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("seed_libsvm.json"))) as! [String: Any]
        let printed = Printed()
        let result = try SeedDecisionTree.run(dataPath: Self.fixtures.appendingPathComponent("sample_libsvm_data.txt").path,
                                              context: PipelineContext(output: { printed.append($0) }))
        let rows = result.predictions.rows
        XCTAssertEqual(rows.map { $0.label! }, fixture["testLabels"] as! [Double])
        XCTAssertEqual(rows.map(\.prediction), fixture["predictions"] as! [Double])
        XCTAssertEqual(rows.map { $0.rawPrediction!.dense }, fixture["rawPredictions"] as! [[Double]])
        XCTAssertEqual(result.accuracy, (fixture["metrics"] as! [String: Double])["accuracy"]!, accuracy: 1e-12)
        // show(5) of the selection, then the tree as print(treeModel.toDebugString) prints it.
        let tree = (fixture["debugString"] as! String).replacingOccurrences(of: "DecisionTreeClassificationModel: ", with: "")
        let text = printed.text.replacingOccurrences(of: #"uid=DecisionTreeClassifier_[0-9a-f]{12}, "#, with: "", options: .regularExpression)
        XCTAssertEqual(text, (fixture["show"] as! String) + "\n" + "DecisionTreeClassificationModel: " + tree + "\n")
    }
}
