import Foundation
import XCTest
import KilnCompiler
import KilnSpec

/// Runs `body` on a thread with a 512 KiB stack, as small as secondary threads get.
func onSmallStack(_ body: @escaping @Sendable () -> Void) {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread { body(); done.signal() }
    thread.stackSize = 512 * 1024
    thread.start()
    done.wait()
}

/// A pipeline whose one step filters on `expression` (at line 5, column 16).
func filterSpec(_ expression: String) -> String {
    "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, rating: int}}\nsteps:\n  f: {filter: \"\(expression)\"}\noutput: f\n"
}

func pipelineDiagnostics(_ spec: String) -> (graph: PipelineGraph?, diagnostics: [String]) {
    let diagnostics = DiagnosticEngine()
    let graph = KilnDriver.compilePipeline(text: spec, displayPath: "t.pipeline.yaml", diagnostics: diagnostics)
    return (graph, diagnostics.rendered.split(separator: "\n").map { String($0).replacingOccurrences(of: "t.pipeline.yaml:", with: "") })
}

/// Expressions deep enough to overflow a stack, or long enough to take quadratic time, give
/// one located error (or compile) in linear time, even when compiled from a small stack.
final class HostileExpressionTests: XCTestCase {
    struct Row { var name: String; var expression: String; var expected: String }

    static func repeated(_ part: String, _ count: Int) -> String { String(repeating: part, count: count) }

    let rows: [Row] = [
        Row(name: "nested_brackets", expression: repeated("(", 1_537) + "rating" + repeated(")", 1_537) + " > 1",
            expected: "5:116: error: expression nests more than 100 levels deep; split it into steps or columns"),
        Row(name: "unary_minus", expression: repeated("-", 12_762) + "rating > 1",
            expected: "5:116: error: expression nests more than 100 levels deep; split it into steps or columns"),
        Row(name: "left_deep_sum", expression: Array(repeating: "rating", count: 12_762).joined(separator: " + ") + " > 1",
            expected: "5:914: error: expression nests more than 100 levels deep; split it into steps or columns"),
        Row(name: "not_chain", expression: repeated("not ", 12_762) + "true",
            expected: "5:416: error: expression nests more than 100 levels deep; split it into steps or columns"),
        Row(name: "nested_calls", expression: repeated("lower(", 12_762) + "name" + repeated(")", 12_762) + " == name",
            expected: "5:616: error: expression nests more than 100 levels deep; split it into steps or columns"),
        Row(name: "method_chain", expression: "name" + repeated(".lower()", 12_762) + " == name",
            expected: "5:813: error: expression nests more than 100 levels deep; split it into steps or columns"),
    ]

    func testDeepExpressionsGiveOneLocatedErrorOnASmallStack() {
        for row in rows {
            let spec = filterSpec(row.expression), name = row.name, expected = row.expected
            onSmallStack {
                let (graph, diagnostics) = pipelineDiagnostics(spec)
                XCTAssertNil(graph, name)
                XCTAssertEqual(diagnostics, [expected], name)
            }
        }
    }

    /// Just under the limit, a spec compiles and renders (Swift and PySpark) from a small stack.
    func testExpressionsAtTheLimitCompileAndRenderOnASmallStack() {
        let expressions = [
            Self.repeated("(", 98) + "rating" + Self.repeated(")", 98) + " > 1",
            Array(repeating: "rating", count: 99).joined(separator: " + ") + " > 1",
            Self.repeated("- ", 98) + "rating > 1",
            Self.repeated("lower(", 98) + "name" + Self.repeated(")", 98) + " == name",
        ]
        for expression in expressions {
            onSmallStack {
                let diagnostics = DiagnosticEngine()
                guard let graph = KilnDriver.compilePipeline(text: filterSpec(expression), displayPath: "P.pipeline.yaml", diagnostics: diagnostics) else {
                    return XCTFail(diagnostics.rendered)
                }
                XCTAssertFalse(KilnDriver.pipelineSwiftFile(for: graph).contents.isEmpty)
                XCTAssertFalse(KilnDriver.pysparkFile(for: graph).contents.isEmpty)
            }
        }
    }

    /// 10x the sizes that took 9 s (or never finished) when every node's location rescanned the
    /// text. No speed is asserted: quadratic work at this size takes a quarter of an hour.
    func testLongExpressionsAreLinear() {
        let concat = "concat(" + Array(repeating: "name", count: 400_000).joined(separator: ", ") + ") == name"
        XCTAssertEqual(pipelineDiagnostics(filterSpec(concat)).diagnostics,
                       ["5:16: error: The `concat` takes at most 64 parameters in Kiln but the actual number is 400000; nest the calls, e.g. concat(concat(a, b), c)."])
    }

    /// Each `.when` used to copy every branch before it.
    func testLongWhenChainsAreLinear() {
        let when = "when(rating > 1, 1)" + Self.repeated(".when(rating > 2, 2)", 40_000) + ".otherwise(3) > 1"
        let (graph, diagnostics) = pipelineDiagnostics(filterSpec(when))
        XCTAssertNotNil(graph, diagnostics.joined(separator: "\n"))
    }
}

final class LongNameTests: XCTestCase {
    /// A 200,000-character misspelled column and key: one located error each, without the
    /// full edit-distance table (3.1 GB at 20,000 characters).
    func testLongMisspelledNamesAreReportedQuickly() {
        // The schema has a column as long as the misspelled one: the full table was their product.
        let column = String(repeating: "nmae", count: 50_000), existing = String(repeating: "name", count: 50_000)
        let spec = "pipeline: P\nsources:\n  t:\n    rows: [[1]]\n    schema:\n      ? \(existing)\n      : int\nsteps:\n  f: {filter: \"\(column) > 1\"}\noutput: f\n"
        let (graph, diagnostics) = pipelineDiagnostics(spec)
        XCTAssertNil(graph)
        XCTAssertEqual(diagnostics.count, 1)
        XCTAssertTrue(diagnostics.first?.hasPrefix("9:16: error: A column") == true, String(diagnostics.first?.prefix(200) ?? ""))
        // An explicit key: libyaml allows implicit keys of at most 1024 characters.
        let (model, modelDiagnostics) = compile("model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 1}]\ncompile: {loss: mse}\n? \(column)\n: 1\n")
        XCTAssertNil(model)
        // (compared as a Bool: a failure would print the 200,000 characters)
        XCTAssertTrue(modelDiagnostics == ["t.model.yaml:5:3: error: unknown key '\(column)' for model spec"], String(modelDiagnostics.first?.prefix(200) ?? ""))
    }
}
