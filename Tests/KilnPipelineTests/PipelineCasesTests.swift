import Foundation
import XCTest
import KilnData
import KilnPipelines

/// Runs every pipeline of specs/ on the inputs of Tests/PySpark/cases.json and writes what it
/// produced (outputs and printed text) as JSON, for Tests/PySpark/compare.py to hold against
/// PySpark's results on the same inputs. Writes to $KILN_DUMP_DIR, or a temporary directory.
final class PipelineCasesTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every generated pipeline, by name.
    static let pipelines: [String: @Sendable ([String: String], PipelineContext) throws -> [(name: String, frame: Frame)]] = [
        "WordCount": { try WordCount.run(arguments: $0, context: $1) },
        "Cities": { try Cities.run(arguments: $0, context: $1) },
        "WordCountUDF": { try WordCountUDF.run(arguments: $0, context: $1) },
        "DataFrameTour": { try DataFrameTour.run(arguments: $0, context: $1) },
        "RDDTour": { try RDDTour.run(arguments: $0, context: $1) },
        "CitySales": { try CitySales.run(arguments: $0, context: $1) },
        "SalesReport": { try SalesReport.run(arguments: $0, context: $1) },
        "SharedSources": { try SharedSources.run(arguments: $0, context: $1) },
        "ReservedNames": { try ReservedNames.run(arguments: $0, context: $1) },
        "SparkParity": { try SparkParity.run(arguments: $0, context: $1) },
        "SeedDecisionTree": { try SeedDecisionTree.run(arguments: $0, context: $1) },
        "IrisTree": { try IrisTree.run(arguments: $0, context: $1) },
        "IrisPrep": { try IrisPrep.run(arguments: $0, context: $1) },
        "CancerGBT": { try CancerGBT.run(arguments: $0, context: $1) },
        "CancerForest": { try CancerForest.run(arguments: $0, context: $1) },
    ]

    struct Cases: Decodable {
        struct Case: Decodable {
            var name: String
            var pipeline: String
            var arguments: [String: String]
            var written: [String]?
        }
        var cases: [Case]
    }

    func testEveryPipelineRunsOnItsCases() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("Tests/PySpark/cases.json"))
        let cases = try JSONDecoder().decode(Cases.self, from: data).cases
        let specs = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("specs").path)
            .filter { $0.hasSuffix(".pipeline.yaml") }.map { String($0.dropLast(".pipeline.yaml".count)) }
        for spec in specs {
            XCTAssertNotNil(Self.pipelines[spec], "specs/\(spec).pipeline.yaml has no entry in PipelineCasesTests.pipelines")
            XCTAssertTrue(cases.contains { $0.pipeline == spec }, "specs/\(spec).pipeline.yaml has no case in Tests/PySpark/cases.json")
        }
        let directory = ProcessInfo.processInfo.environment["KILN_DUMP_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("kiln-dump-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(Self.root.path))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        for testCase in cases {
            let run = try XCTUnwrap(Self.pipelines[testCase.pipeline], "unknown pipeline \(testCase.pipeline)")
            let printed = Printed()
            let context = PipelineContext(threads: 2, output: { printed.append($0) })
            // Files a case writes go to a directory of Kiln's own.
            let scratch = directory.appendingPathComponent("\(testCase.name)-kiln-files").path
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let arguments = testCase.arguments.mapValues { $0.replacingOccurrences(of: "{scratch}", with: scratch) }
            let outputs = try run(arguments, context)
            var json: [String: Any] = ["printed": printed.text]
            var written: [String: String] = [:]
            for name in testCase.written ?? [] {
                written[name] = try String(contentsOfFile: arguments[name]!, encoding: .utf8)
            }
            json["written"] = written
            var dumped: [String: Any] = [:]
            for (name, frame) in outputs {
                dumped[name] = [
                    "schema": frame.schema.fields.map { [$0.name, $0.type.sparkSimpleString] },
                    "rows": frame.rows.map { $0.map(Self.cell) },
                ]
            }
            json["outputs"] = dumped
            let text = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted])
            try text.write(to: directory.appendingPathComponent("\(testCase.name).kiln.json"))
        }
    }

    /// A cell as tagged JSON (doubles as text: JSON has no NaN).
    static func cell(_ value: CellValue?) -> Any {
        guard let value else { return NSNull() }
        switch value {
        case let .string(s): return ["s": s]
        case let .long(v): return ["i": v]
        case let .double(v): return ["d": v.isNaN ? "nan" : v.isInfinite ? (v < 0 ? "-inf" : "inf") : "\(v)"]
        case let .boolean(b): return ["b": b]
        case let .array(items): return ["a": items.map(cell)]
        // (size, indices or null, values), as spark_dump.py writes pyspark.ml vectors.
        case let .vector(v): return ["a": [cell(.long(Int64(v.size))), v.indices.map { cell(.array($0.map { .long(Int64($0)) })) } ?? NSNull(),
                                           cell(.array(v.values.map { .double($0) }))]]
        }
    }
}

/// Text a pipeline prints (show, printSchema), gathered across threads.
final class Printed: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var text = ""
    func append(_ chunk: String) { lock.lock(); text += chunk; lock.unlock() }
}
