import Foundation
import XCTest
import KilnCompiler
import KilnSpec

/// Kiln's summary() and parameter counts against real Keras's model.summary() for the same
/// models (Fixtures/keras_summaries, made by Tests/KilnNumericTests/Fixtures/make_keras_reference.py).
final class KerasSummaryTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/keras_summaries")

    func testSummariesMatchKerasExactly() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path).filter { $0.hasSuffix(".txt") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 8)
        for file in files {
            let name = String(file.dropLast(4))
            let keras = try String(contentsOf: Self.fixtures.appendingPathComponent(file), encoding: .utf8)
            let diagnostics = DiagnosticEngine()
            let path = "specs/\(name).model.yaml"
            let graph = try XCTUnwrap(KilnDriver.compileModel(at: packageRoot.appendingPathComponent(path), displayPath: path,
                                                              diagnostics: diagnostics), diagnostics.rendered)
            XCTAssertEqual(graph.summary, keras, name)
        }
    }

    /// rich's layout of long cells (Fixtures/keras_summary_wrapping.txt, from Keras 3.15.1): words
    /// wrap onto more lines, a word longer than its cell is cut with an ellipsis.
    func testLongCellsWrapAsKerasDoes() throws {
        let (graph, diagnostics) = compile("""
            model: Wrapping
            input: {shape: [4]}
            layers:
              - Dense: {units: 2, name: a_very_long_layer_name_that_exceeds_the_column}
              - Dense: {units: 2, name: short}
              - Dense: {units: 2, name: abcdefghijklmnopqrstuvwxyz12}
              - Dense: {units: 3, name: "x y z w"}
              - Reshape: {target_shape: [3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}
              - Dense: {units: 2, name: abcdefghijklmnopqrstuvwxyz1234567890abcdefghijklmnopqrstuvwxyz1234567890}
            compile: {loss: mse}
            """, file: "Wrapping.model.yaml")
        XCTAssertEqual(diagnostics, [])
        let keras = try String(contentsOf: Self.fixtures.deletingLastPathComponent().appendingPathComponent("keras_summary_wrapping.txt"), encoding: .utf8)
        XCTAssertEqual(try XCTUnwrap(graph).summary, keras)
    }

    func testParameterCountsMatchKeras() throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("params.json"))
        let models = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        XCTAssertGreaterThanOrEqual(models.count, 5)
        for (name, keras) in models {
            let diagnostics = DiagnosticEngine()
            let path = "specs/\(name).model.yaml"
            let graph = try XCTUnwrap(KilnDriver.compileModel(at: packageRoot.appendingPathComponent(path), displayPath: path,
                                                              diagnostics: diagnostics), diagnostics.rendered)
            XCTAssertEqual(graph.paramCount, keras["total"] as? Int, name)
            XCTAssertEqual(graph.trainableParamCount, keras["trainable"] as? Int, name)
            XCTAssertEqual(graph.nonTrainableParamCount, keras["non_trainable"] as? Int, name)
            // A functional model's layers start with its InputLayer, which Kiln's rows leave to
            // summary(); a model of several inputs has its InputLayer rows among them.
            let layers = try XCTUnwrap(keras["layers"] as? [[Any]]).filter { graph.isMultiIO || $0[1] as? String != "InputLayer" }
            // Rows: a model used as a layer is one row (Keras's nested keras.Model).
            let rows = graph.layerInfos
            XCTAssertEqual(rows.map(\.name), layers.map { $0[0] as? String }, name)
            XCTAssertEqual(rows.map(\.type), layers.map { $0[1] as? String }, name)
            XCTAssertEqual(rows.map(\.outputShape), layers.map { $0[2] as? [Int] }, name)
            XCTAssertEqual(rows.map(\.params), layers.map { $0[3] as? Int }, name)
        }
    }
}
