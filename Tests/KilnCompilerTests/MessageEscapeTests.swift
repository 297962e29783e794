import XCTest
import KilnCompiler
import KilnSpec

/// Spec values echoed in messages are escaped, so that each diagnostic is one located line.
final class MessageEscapeTests: XCTestCase {
    struct Row { var name: String; var spec: String; var expected: [String] }

    let modelRows: [Row] = [
        Row(name: "string_with_newline", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: \"ten\\nor\\releven\"}\ncompile: {loss: mse}\n",
            expected: ["4:20: error: expected an integer for 'units', received a string \"ten\\nor\\releven\""]),
        Row(name: "key_with_control_characters", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 1}]\ncompile: {loss: mse}\n\"fit\\tx\\u0007\\u2028\": 1\n",
            expected: ["5:1: error: unknown key 'fit\\tx\\u{7}\\u{2028}' for model spec"]),
        Row(name: "duplicate_key_with_newline", spec: "model: M\ninput: {shape: [4]}\n\"a\\nb\": 1\n\"a\\nb\": 2\nlayers: [Dense: {units: 1}]\ncompile: {loss: mse}\n",
            expected: ["4:1: error: duplicate key 'a\\nb'", "3:1: note: 'a\\nb' first appears here"]),
        Row(name: "bidi_override", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: \"1\\u202E2\"}\ncompile: {loss: mse}\n",
            expected: ["4:20: error: expected an integer for 'units', received a string \"1\\u{202E}2\""]),
    ]

    func testModelMessagesEscapeTheValuesTheyEcho() {
        for row in modelRows {
            let (graph, diagnostics) = compile(row.spec, file: "b.model.yaml")
            XCTAssertNil(graph, row.name)
            XCTAssertEqual(diagnostics, row.expected.map { "b.model.yaml:" + $0 }, row.name)
        }
    }

    func testPipelineMessagesEscapeTheValuesTheyEcho() {
        let spec = filterSpec("`na\\nme` == 'a'").replacingOccurrences(of: "\\n", with: "\\\\n")
        let (graph, diagnostics) = pipelineDiagnostics(spec)
        XCTAssertNil(graph)
        XCTAssertEqual(diagnostics.count, 1, diagnostics.joined(separator: "\n"))
        XCTAssertTrue(diagnostics[0].hasPrefix("5:16: error: A column") && diagnostics[0].contains("`na\\nme`"), diagnostics[0])
    }

    /// A pipeline is told about a pipeline name, not a model name.
    func testPipelineNamesAreCalledPipelineNames() {
        let rows = [
            ("my pipe", "1:11: error: invalid pipeline name 'my pipe': a pipeline name may contain only ASCII letters, digits and '_'"),
            ("\"9lives\"", "1:11: error: invalid pipeline name '9lives': a pipeline name must start with an ASCII letter"),
            ("\"\"", "1:11: error: invalid pipeline name '': a pipeline name cannot be empty"),
        ]
        for (name, expected) in rows {
            let spec = "pipeline: \(name)\nsources:\n  t: {rows: [[a]], schema: {name: string}}\noutput: t\n"
            XCTAssertEqual(pipelineDiagnostics(spec).diagnostics, [expected], name)
        }
    }
}
