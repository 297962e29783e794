import Foundation
import XCTest
import KilnCompiler
import KilnCore
import KilnSpec

/// Build-time schema inference (`inferSchema: true`) splits lines with the runtime's tokenizer
/// and types fields as Spark's CSVInferSchema does. Expected schemas are pyspark 4.0.1's
/// `spark.read.csv(f, header=True, inferSchema=True)` on the same files.
final class CSVInferenceTests: XCTestCase {
    struct Row {
        var csv: String
        var options = ""
        var schema: [(String, DataType)]
    }

    let rows: [Row] = [
        Row(csv: "a,b,c\n1,2.5,x\n", schema: [("a", .int), ("b", .double), ("c", .string)]),
        // univocity keeps "1"2 raw (a quote that closes mid-value), so it is a string.
        Row(csv: "a,b\n\"1\"2,3\n", schema: [("a", .string), ("b", .int)]),
        // An empty field is null whatever nullValue is.
        Row(csv: "a,b\n,NA\n1,2\n", options: ", nullValue: NA", schema: [("a", .int), ("b", .int)]),
        Row(csv: "\"x,y\",z\n1,2\n", schema: [("x,y", .int), ("z", .int)]),
        Row(csv: "a,b,c\n3000000000,true,\"1,5\"\n", schema: [("a", .long), ("b", .boolean), ("c", .string)]),
    ]

    func testInferredSchemasMatchSpark() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-infer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for row in rows {
            try Data(row.csv.utf8).write(to: dir.appendingPathComponent("data.csv"))
            let spec = "pipeline: P\nsources:\n  t: {csv: data.csv, header: true, inferSchema: true\(row.options)}\noutputs: [t]\n"
            let diagnostics = DiagnosticEngine()
            let graph = KilnDriver.compilePipeline(text: spec, displayPath: "P.pipeline.yaml", specDirectory: dir, diagnostics: diagnostics)
            XCTAssertEqual(diagnostics.errors.map(\.message), [], row.csv)
            let fields = try XCTUnwrap(graph?.node(named: "t")?.schema.fields, row.csv)
            XCTAssertEqual(fields.map(\.name), row.schema.map(\.0), row.csv)
            XCTAssertEqual(fields.map(\.type), row.schema.map(\.1), row.csv)
        }
    }
}
