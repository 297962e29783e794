import Foundation
import XCTest
import KilnCompiler
import KilnSpec

/// Every model spec the README shows (```yaml blocks with `model:`) compiles as written, in specs/.
final class ReadmeSpecTests: XCTestCase {
    func testReadmeModelSpecsCompile() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let specs = blocks.filter { $0.hasPrefix("model:") || $0.contains("\nmodel:") }
        XCTAssertGreaterThanOrEqual(specs.count, 2)
        for spec in specs {
            let name = spec.components(separatedBy: "model:")[1].split(separator: "\n")[0].trimmingCharacters(in: .whitespaces)
            // As if in specs/: a model used as a layer (ResNet50Base) is read from beside it.
            let (graph, diagnostics) = compile(spec, file: packageRoot.appendingPathComponent("specs/\(name).model.yaml").path)
            XCTAssertNotNil(graph, spec)
            XCTAssertEqual(diagnostics.filter { $0.contains("error") }, [], spec)
        }
    }

    /// Every pipeline spec the README shows compiles as written (ML ones too), with no error.
    func testReadmePipelineSpecsCompile() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let specs = blocks.filter { $0.hasPrefix("pipeline:") }
        XCTAssertGreaterThanOrEqual(specs.count, 2)
        for spec in specs {
            let diagnostics = DiagnosticEngine()
            XCTAssertNotNil(KilnDriver.compilePipeline(text: spec, displayPath: "readme.pipeline.yaml", diagnostics: diagnostics), spec + diagnostics.rendered)
            XCTAssertFalse(diagnostics.rendered.contains("error"), diagnostics.rendered)
        }
    }
}
