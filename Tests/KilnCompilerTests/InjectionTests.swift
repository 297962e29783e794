import Foundation
import XCTest
import KilnCompiler

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
