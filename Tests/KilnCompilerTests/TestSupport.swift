import Foundation
import KilnCompiler
import KilnSpec

/// The package root, found from this file's path (tests run from varying directories).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Compiles spec text; returns the graph (nil on error) and every diagnostic, in source order, one per line.
func compile(_ text: String, file: String = "t.model.yaml") -> (graph: ModelGraph?, diagnostics: [String]) {
    let diagnostics = DiagnosticEngine()
    let graph = KilnDriver.compileModel(text: text, displayPath: file, diagnostics: diagnostics)
    return (graph, diagnostics.rendered.isEmpty ? [] : diagnostics.rendered.components(separatedBy: "\n"))
}

/// A one-layer model around `layer` (a YAML flow mapping entry such as `Dense: {units: 3}`).
func singleLayerSpec(input: [Int], layers: [String], loss: String = "mse") -> String {
    """
    model: T
    input: {shape: [\(input.map(String.init).joined(separator: ", "))]}
    layers:
    \(layers.map { "  - \($0)" }.joined(separator: "\n"))
    compile: {optimizer: Adam, loss: \(loss)}
    """
}
