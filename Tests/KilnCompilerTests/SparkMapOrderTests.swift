import XCTest
@testable import KilnCompiler
import KilnSpec

/// `agg: {column: function}` gives its columns in the order pyspark 4.0.1's `agg({...})` does
/// (the orders below are pyspark's own, from `df.groupBy().agg({k: 'max' ...}).columns`).
final class SparkMapOrderTests: XCTestCase {
    let pyspark: [([String], [String])] = [
        (["qty", "price"], ["price", "qty"]),
        (["price", "qty"], ["price", "qty"]),
        (["balance", "name"], ["balance", "name"]),
        (["name", "balance"], ["balance", "name"]),
        (["location", "rating", "state", "price", "qty"], ["location", "state", "price", "rating", "qty"]),
        (["mean_radius", "mean_texture", "mean_perimeter", "mean_area", "mean_smoothness", "label"],
         ["mean_perimeter", "mean_texture", "mean_smoothness", "mean_area", "mean_radius", "label"]),
        (["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"],
         ["e", "n", "j", "f", "a", "m", "i", "p", "k", "q", "b", "g", "l", "c", "h", "o", "d"]),
        (["Zoë", "città", "straße", "ΟΔΟΣ"], ["straße", "Zoë", "ΟΔΟΣ", "città"]),
    ]

    func testTheOrderOfADictsEntriesIsSparks() {
        for (keys, expected) in pyspark {
            XCTAssertEqual(SparkMapOrder.order(keys).map { keys[$0] }, expected, "\(keys)")
        }
    }

    func testAggMappingColumnsComeInSparksOrder() {
        let spec = """
        pipeline: P
        sources:
          t: {rows: [[a, 1, 2.5]], schema: {name: string, qty: int, price: double}}
        steps:
          g: {groupBy: name, agg: {qty: sum, price: max}}
          h: {groupBy: name, agg: {price: max, qty: sum}, from: t}
        """
        let diagnostics = DiagnosticEngine()
        let graph = KilnDriver.compilePipeline(text: spec + "\n", displayPath: "t.pipeline.yaml", diagnostics: diagnostics)
        XCTAssertEqual(diagnostics.rendered, "")
        for step in ["g", "h"] {
            XCTAssertEqual(graph?.nodes.first { $0.name == step }?.schema.names, ["name", "max(price)", "sum(qty)"], step)
        }
    }
}
