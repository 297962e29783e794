import Foundation
import XCTest
import KilnData
import KilnGenerated
import KilnPipelines
import KilnRuntime

/// A model spec fed by a pipeline spec (specs/IrisFromPipeline.model.yaml, `data: {pipeline:
/// IrisPrep, ...}`): x and y are the pipeline outputs' columns, row for row, and the pair trains.
final class PipelineDataTests: XCTestCase {
    static let iris = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KilnDataTests/Fixtures/ml/iris.csv").path

    func testXAndYAreThePipelineOutputsColumns() throws {
        let data = try IrisFromPipeline.data(irisPath: Self.iris)
        let result = try IrisPrep.run(irisPath: Self.iris)
        for (tensors, table) in [(data.train, result.train.frame), (data.test, result.test.frame)] {
            XCTAssertEqual(tensors.x.shape, [table.count, 4])
            XCTAssertEqual(tensors.y.shape, [table.count, 1])
            let measures = ["sepalLength", "sepalWidth", "petalLength", "petalWidth"].map { table.doubleValues(try! table.mlColumn($0)) }
            let labels = table.doubleValues(try table.mlColumn("label"))
            for row in 0..<table.count {
                XCTAssertEqual((0..<4).map { tensors.x.scalars[row * 4 + $0] }, measures.map { Float($0[row]!) })
                XCTAssertEqual(tensors.y.scalars[row], Float(labels[row]!))
            }
        }
        XCTAssertEqual(data.train.x.count + data.test.x.count, 150)
        // Three species of 50 each: StringIndexer's frequency ties go to the smaller string.
        XCTAssertEqual(Set(data.train.y.scalars), [0, 1, 2])
    }

    /// The pipeline's `filter` drops a row with a missing measure before the model sees it.
    func testIncompleteRowsAreCleanedOut() throws {
        let lines = try String(contentsOfFile: Self.iris, encoding: .utf8).split(separator: "\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-iris-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        var edited = lines.map(String.init)
        edited[3] = "4.7,,1.3,0.2,0"
        try (edited.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let data = try IrisFromPipeline.data(irisPath: file.path)
        XCTAssertEqual(data.train.x.count + data.test.x.count, 149)
        XCTAssertFalse((data.train.x.scalars + data.test.x.scalars).contains { !$0.isFinite })
    }

    /// A pipeline's output as a data generator's source: written as CSV (what a `writeCSV` step
    /// does), then streamed through CSVBatchStream's bounded buffer. Same batches, same weights.
    func testPipelineOutputStreamsIntoFit() throws {
        let result = try IrisPrep.run(irisPath: Self.iris)
        let train = result.train.frame
        let columns = try ["sepalLength", "sepalWidth", "petalLength", "petalWidth", "label"].map { try train.mlColumn($0) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-irisprep-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try CSVWriter.write(train.selecting(columns), to: file.path, header: true)
        let stream = try CSVBatchStream(files: [file], hasHeader: true, bufferRows: 32)
        let streamed = IrisFromPipeline(seed: 2), inMemory = IrisFromPipeline(seed: 2)
        _ = try streamed.fit(stream, epochs: 3, verbose: .silent)
        let data = try IrisFromPipeline.data(irisPath: Self.iris)
        _ = try inMemory.fit(x: data.train.x, y: data.train.y, epochs: 3, shuffle: false, verbose: .silent)
        XCTAssertEqual(streamed.parameters, inMemory.parameters)
        XCTAssertLessThanOrEqual(stream.peakBufferedRows, 32)
    }

    func testThePairTrainsAndEvaluates() throws {
        let data = try IrisFromPipeline.data(irisPath: Self.iris)
        let model = IrisFromPipeline(seed: 1)
        let history = try model.fit(x: data.train.x, y: data.train.y, verbose: .silent)
        XCTAssertEqual(history.history["loss"]?.count, 100)  // the spec's fit: epochs
        XCTAssertLessThan(history.history["loss"]!.last!, history.history["loss"]!.first! / 3)
        XCTAssertGreaterThanOrEqual(try model.evaluate(x: data.test.x, y: data.test.y)["accuracy"] ?? 0, 0.9)
    }
}
