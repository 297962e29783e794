import Foundation
import XCTest
import KilnCompiler
import KilnSpec

/// The errors Kiln words as Spark, held to Spark's own text: Fixtures/spark_messages.json is
/// written by Tests/PySpark/capture_messages.py, which runs pyspark 4.0.1 on each case. Kiln's
/// message is Spark's first line without its `[ERROR_CLASS] ` prefix and without ` SQLSTATE: ...`
/// and what follows (the plan); where a case names a `kiln_hint`, Kiln adds that one sentence
/// after Spark's text.
final class SparkMessageTableTests: XCTestCase {
    struct Case: Decodable {
        var name: String
        var schema: String
        var step: String
        var spark: String
        var spark_raw: String
        var kiln_hint: String?
        var join: Join?
    }

    /// A case on a join: `t` (schema) joined with `u` on `on`, the step reading the join.
    struct Join: Decodable {
        var schema: String
        var on: String
    }

    struct Fixture: Decodable {
        var pyspark: String
        var cases: [Case]
    }

    func loadFixture() throws -> Fixture {
        let url = packageRoot.appendingPathComponent("Tests/KilnCompilerTests/Fixtures/spark_messages.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func testKilnSaysWhatSparkSays() throws {
        let fixture = try loadFixture()
        XCTAssertEqual(fixture.pyspark, "4.0.1")
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 30)
        for row in fixture.cases {
            // The normalisation the capture script applied, checked on its raw text.
            var normalised = row.spark_raw
            if normalised.hasPrefix("["), let close = normalised.firstIndex(of: "]") {
                normalised = String(normalised[normalised.index(close, offsetBy: 2)...])
            }
            if let sqlState = normalised.range(of: " SQLSTATE: ") { normalised = String(normalised[..<sqlState.lowerBound]) }
            XCTAssertEqual(normalised, row.spark, "\(row.name): fixture normalisation")

            var spec = "pipeline: P\nsources:\n  t: {rows: [], schema: \"\(row.schema)\"}\n"
            if let join = row.join {
                spec += "  u: {rows: [], schema: \"\(join.schema)\"}\nsteps:\n  j: {join: u, on: \(join.on), from: t}\n  s: \(row.step)\n"
            } else {
                spec += "steps:\n  s: \(row.step)\n"
            }
            let diagnostics = DiagnosticEngine()
            let graph = KilnDriver.compilePipeline(text: spec, displayPath: "t.pipeline.yaml", diagnostics: diagnostics)
            XCTAssertNil(graph, row.name)
            let lines = diagnostics.rendered.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, 1, "\(row.name): \(lines)")
            guard let line = lines.first, let range = line.range(of: ": error: ") else {
                XCTFail("\(row.name): no error in \(lines)")
                continue
            }
            let message = String(line[range.upperBound...])
            let expected = row.kiln_hint.map { "\(row.spark) \($0)" } ?? row.spark
            XCTAssertEqual(message, expected, row.name)
        }
    }

    /// The table covers each kind of message the issue names.
    func testTheTableCoversEachMessage() throws {
        let names = Set(try loadFixture().cases.map(\.name))
        for required in ["unresolved_column_suggestions", "and_double_boolean", "or_boolean_int", "plus_int_boolean",
                         "compare_int_boolean", "not_int", "unknown_function", "filter_not_boolean", "arity", "ambiguous_select"] {
            XCTAssertTrue(names.contains(required), required)
        }
    }
}
