import Foundation
import XCTest
import KilnCompiler
import KilnSpec

/// Spec names reach generated C and Swift only as sanitised identifiers, comments or escaped
/// string literals: no name can add code.
final class InjectionTests: XCTestCase {
    static let hostileLayerNames = [
        #"x *\ int injected_c = 1; \*"#,
        #"y\"); injected_swift(); (\""#,
        #"z \(injected_interpolation())"#,
        "w\n#include <stdlib.h>\nint injected_line;",
        #"v \"#,
        "u\u{2028}injected_unicode",
    ]

    func spec(layerName: String) -> String {
        // JSON string escaping is valid YAML double-quoted escaping.
        let quoted = String(data: try! JSONEncoder().encode(layerName), encoding: .utf8)!
        return """
        model: Hostile
        input: {shape: [3]}
        layers:
          - Dense: {units: 2, activation: relu, name: \(quoted)}
          - Dense: {units: 1}
        compile: {optimizer: Adam, loss: mse}
        """
    }

    /// Source with comments and string/char literals removed: what the compiler sees as code.
    func codeOnly(_ source: String) -> String {
        var out = "", chars = Array(source.unicodeScalars), i = 0
        while i < chars.count {
            if chars[i] == "/", i + 1 < chars.count, chars[i + 1] == "/" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
            } else if chars[i] == "\"" {
                i += 1
                while i < chars.count, chars[i] != "\"" { i += chars[i] == "\\" ? 2 : 1 }
                i += 1
                out += "\"\""
            } else {
                out.unicodeScalars.append(chars[i]); i += 1
            }
        }
        return out
    }

    func testHostileLayerNamesCannotInjectCode() throws {
        for name in Self.hostileLayerNames {
            let (graph, diagnostics) = compile(spec(layerName: name), file: "Hostile.model.yaml")
            XCTAssertEqual(diagnostics, [], name)
            let model = try XCTUnwrap(graph, name)
            XCTAssertEqual(model.layers[0].name, name, "the Keras name is kept as data")
            let sources = KilnDriver.cFiles(for: model).map(\.contents) + [KilnDriver.swiftFile(for: model, cModule: "HostileC").contents,
                                                                          KilnDriver.dot(for: model)]
            for source in sources {
                let code = codeOnly(source)
                for marker in ["injected", "#include <stdlib.h>"] {
                    XCTAssertFalse(code.contains(marker), "\(marker) escaped into code for name \(name.debugDescription)")
                }
                XCTAssertFalse(source.unicodeScalars.contains { $0.value > 0x7E || ($0.value < 0x20 && $0 != "\n") },
                               "generated code is printable ASCII")
            }
            try assertCCompiles(KilnDriver.cFiles(for: model))
        }
    }

    func testSlashInLayerNameIsRejectedAsKerasDoes() {
        let (graph, diagnostics) = compile(spec(layerName: "x */ int injected_c = 1; /*"), file: "Hostile.model.yaml")
        XCTAssertNil(graph)
        XCTAssertEqual(diagnostics, ["Hostile.model.yaml:4:47: error: Argument `name` must be a string and cannot contain character `/`. Received: name=x */ int injected_c = 1; /*"])
    }

    func testHostileModelNamesAreRejected() {
        for name in ["X; system(\"rm -rf /\")", "class", "9Lives", "Tensor", "a-b", "Ünïcode"] {
            let quoted = String(data: try! JSONEncoder().encode(name), encoding: .utf8)!
            let (graph, diagnostics) = compile("model: \(quoted)\ninput: {shape: [1]}\nlayers: [Dense: {units: 1}]\ncompile: {loss: mse}\n")
            XCTAssertNil(graph, name)
            XCTAssertTrue(diagnostics.first?.hasPrefix("t.model.yaml:1:8: error: invalid model name") ?? false, "\(name): \(diagnostics)")
        }
    }

    static let hostileTexts = [
        #"x"""; print("INJECTED"); """"#,
        #"y'''; print("INJECTED"); '''"#,
        "z\nprint('INJECTED')\n#",
        #"w \"""; print("INJECTED") #"#,
        #"v */ injected_c(); /* \(injected_swift()) INJECTED"#,
        "u\u{2028}print('INJECTED')",
    ]

    /// A pipeline's description lands in a Swift doc comment and a Python docstring: whatever
    /// it holds, the Python module's docstring is that text and the module runs no extra code.
    func testHostileDescriptionsStayText() throws {
        for text in Self.hostileTexts {
            let quoted = String(data: try JSONEncoder().encode(text), encoding: .utf8)!
            let diagnostics = DiagnosticEngine()
            let spec = "pipeline: P\ndescription: \(quoted)\nsources: {t: {rows: [[a]], schema: {s: string}}}\noutput: t\n"
            let graph = try XCTUnwrap(KilnDriver.compilePipeline(text: spec, displayPath: "P.pipeline.yaml", diagnostics: diagnostics), diagnostics.rendered)
            let swift = KilnDriver.pipelineSwiftFile(for: graph).contents, python = KilnDriver.pysparkFile(for: graph).contents
            XCTAssertFalse(codeOnly(swift).contains("injected"), text)
            XCTAssertFalse(swift.unicodeScalars.contains { $0.value > 0x7E || ($0.value < 0x20 && $0 != "\n") }, text)
            // Python parses the module: one docstring, then imports and definitions only.
            let check = """
                import ast, sys
                tree = ast.parse(sys.stdin.read())
                doc = ast.get_docstring(tree) or ''
                calls = [n for n in tree.body if isinstance(n, ast.Expr) and not isinstance(n.value, ast.Constant)]
                print('INJECTED' in doc, len(calls) == 0)
                """
            let python3 = Process()
            python3.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            python3.arguments = ["python3", "-c", check]
            let input = Pipe(), output = Pipe()
            python3.standardInput = input; python3.standardOutput = output
            try python3.run()
            input.fileHandleForWriting.write(Data(python.utf8)); try input.fileHandleForWriting.close()
            python3.waitUntilExit()
            let answer = String(data: output.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8) ?? ""
            XCTAssertEqual(python3.terminationStatus, 0, "the generated Python does not parse for \(text.debugDescription)")
            XCTAssertEqual(answer.trimmingCharacters(in: .whitespacesAndNewlines), "True True", text.debugDescription)
        }
    }

    /// Dataset names that clash with keywords, the generated code's own names, udfs or each
    /// other are mangled apart (specs/ReservedNames runs such a pipeline in both backends).
    func testClashingDatasetNamesAreMangledApart() {
        let rows: [(names: [String], joins: Set<Int>, reserved: Set<String>, expected: [String])] = [
            (["open", "class", "context", "len", "stage1", "kilnish", "p_x", "ok"], [], [],
             ["open_", "class_", "context_", "len_", "stage1_", "ds_kilnish", "ds_p_x", "ok"]),
            (["open", "open_"], [], [], ["open__", "open_"]),
            (["result", "resultTable"], [0], [], ["result_", "resultTable"]),
            (["joined", "joinedBuild_"], [0], [], ["joined", "joinedBuild_"]),
            (["split", "path"], [], ["split", "path"], ["split_", "path_"]),
        ]
        for row in rows {
            let identifiers = Identifiers.datasetIdentifiers(row.names, joins: row.joins, reserved: row.reserved)
            XCTAssertEqual(identifiers, row.expected, "\(row.names)")
            XCTAssertEqual(Set(identifiers).count, identifiers.count, "\(row.names)")
        }
    }

    /// Seed and SEED would both define seed_forward: generated together (one C target, or
    /// specs/), the later in file order is an error at its name, with a note at the first.
    func testModelsEqualButForCaseAreRejectedWhenGeneratedTogether() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-collide-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var specs: [(url: URL, displayPath: String)] = []
        for name in ["Seed", "SEED"] {
            let url = dir.appendingPathComponent("\(name).model.yaml")
            try "model: \(name)\ninput: {shape: [2]}\nlayers: [Dense: {units: 1}]\ncompile: {loss: mse}\n".write(to: url, atomically: true, encoding: .utf8)
            specs.append((url, "specs/\(name).model.yaml"))
        }
        let diagnostics = DiagnosticEngine()
        XCTAssertNil(KilnDriver.generateTree(specs: specs, cDirectory: "c", swiftDirectory: "s", cModule: "C", diagnostics: diagnostics))
        XCTAssertEqual(diagnostics.rendered, """
            specs/Seed.model.yaml:1:8: error: model 'Seed' would define the same C functions as model 'SEED' (seed_forward, ...): C symbols are the model name in lower case; rename one of them
            specs/SEED.model.yaml:1:8: note: model 'SEED' is declared here
            """)
        // Alone, each is fine, and their include guards differ.
        let headers = try specs.map { spec -> String in
            let one = DiagnosticEngine()
            let files = try XCTUnwrap(KilnDriver.generateTree(specs: [spec], cDirectory: "c", swiftDirectory: "s", cModule: "C", diagnostics: one))
            return try XCTUnwrap(files.first { $0.path.hasSuffix(".h") && !$0.path.hasSuffix("kiln_generated.h") }).contents
        }
        XCTAssertTrue(headers[0].contains("#ifndef KILN_GENERATED_Seed_H"), headers[0])
        XCTAssertTrue(headers[1].contains("#ifndef KILN_GENERATED_SEED_H"), headers[1])
    }

    /// A layer's C name is its own when it is a plain identifier, else `layer<index>`; a spec
    /// name equal to such a fallback is mangled apart, and the C compiles.
    func testLayerCNamesAreMangledApart() throws {
        let (graph, diagnostics) = compile("""
            model: Names
            input: {shape: [3]}
            layers:
              - Dense: {units: 4, name: Hidden}
              - Dense: {units: 4, name: layer0}
              - Dense: {units: 4, name: hidden}
              - Dense: {units: 1, name: layer0_1}
            compile: {loss: mse}
            """, file: "Names.model.yaml")
        XCTAssertEqual(diagnostics, [])
        let model = try XCTUnwrap(graph)
        let names = KernelPlan(model).layers.map(\.cName)
        XCTAssertEqual(Set(names).count, names.count, "\(names)")
        try assertCCompiles(KilnDriver.cFiles(for: model))
    }

    /// The model functions name each buffer once (`dense_out`, its gradient `ddense_out`): a
    /// layer named `ddense` beside `dense` gets locals of its own, and a model of views only
    /// gets an output buffer for its loss.
    func testBufferLocalsAreMangledApart() throws {
        let rows: [(layers: String, local: String)] = [
            ("  - Dense: {units: 4, name: ddense}\n  - Dense: {units: 4, name: dense}\n  - Dense: {units: 1}", "float *ddense_out_2 = dacts + A_DENSE_OUT;"),
            ("  - Flatten: {}", "memcpy(flatten_out, x, sizeof(float) * n * 3);"),
            ("  - Reshape: {target_shape: [3, 1]}\n  - Flatten: {}", "memcpy(flatten_out, x, sizeof(float) * n * 3);"),
        ]
        for row in rows {
            let (graph, diagnostics) = compile("model: Locals\ninput: {shape: [3]}\nlayers:\n\(row.layers)\ncompile: {loss: mse}\n", file: "Locals.model.yaml")
            XCTAssertEqual(diagnostics, [], row.layers)
            let files = KilnDriver.cFiles(for: try XCTUnwrap(graph))
            XCTAssertTrue(files[0].contents.contains(row.local), row.layers)
            try assertCCompiles(files)
        }
    }

    /// clang -fsyntax-only on the generated C against the runtime header.
    func assertCCompiles(_ files: [GeneratedFile], file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-injection-\(UUID().uuidString)")
        try KilnDriver.write(files, under: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try XCTUnwrap(files.first { $0.path.hasSuffix(".c") })
        let clang = Process()
        clang.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        clang.arguments = ["clang", "-fsyntax-only", "-Werror", "-Wall",
                           "-I", packageRoot.appendingPathComponent("Sources/CKilnRuntime/include").path,
                           "-I", dir.appendingPathComponent("include").path, dir.appendingPathComponent(source.path).path]
        try clang.run()
        clang.waitUntilExit()
        XCTAssertEqual(clang.terminationStatus, 0, "generated C does not compile cleanly", file: file, line: line)
    }
}
