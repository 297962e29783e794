import XCTest
import KilnCompiler
import KilnSpec

/// `kiln graph`: one edge per input a node reads, each labelled with the shape it carries.
final class DotGraphTests: XCTestCase {
    func testFunctionalGraphHasAnEdgePerInput() throws {
        let (graph, diagnostics) = compile("""
            model: Skip
            input: {shape: [4], name: x}
            layers:
              - a: {Dense: {units: 3}, from: x}
              - b: {Dense: {units: 3}, from: x}
              - s: {Add: null, from: [a, b]}
            outputs: [s]
            compile: {loss: mse}
            """, file: "Skip.model.yaml")
        XCTAssertEqual(diagnostics, [])
        let dot = KilnDriver.dot(for: try XCTUnwrap(graph))
        let edges = dot.split(separator: "\n").filter { $0.contains("->") }.map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(edges, [
            "input -> l0 [label=\"(None, 4)\"];", "input -> l1 [label=\"(None, 4)\"];",
            "l0 -> l2 [label=\"(None, 3)\"];", "l1 -> l2 [label=\"(None, 3)\"];",
        ])
        XCTAssertTrue(dot.contains("input [label=\"x (InputLayer)\\n(None, 4)\"];"), dot)
    }
}
