import Foundation
import XCTest
import KilnCompiler
import KilnSpec

/// Model specs used as layers (`- Model: {spec: Base, trainable: false}`): the nested spec's
/// nodes join the graph, built on what the layer reads; summary() shows them as one row; a
/// frozen base gets no backward; every misuse gets one exact error.
final class NestedModelTests: XCTestCase {
    /// A functional base with a skip connection, as ResNet50's blocks have.
    static let base = """
    model: Base
    input: {shape: [8, 8, 3], name: image}
    layers:
      - c1: {Conv2D: {filters: 4, kernel_size: 3, padding: same, name: base_conv}, from: image}
      - b1: {BatchNormalization: {name: base_bn}, from: c1}
      - c2: {Conv2D: {filters: 4, kernel_size: 1, name: base_skip}, from: image}
      - s: {Add: {name: base_add}, from: [b1, c2]}
      - out: {Activation: {activation: relu, name: base_out}, from: s}
    outputs: [out]
    compile: {loss: mse}

    """

    func write(_ specs: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-nested-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in specs { try text.write(to: directory.appendingPathComponent("\(name).model.yaml"), atomically: true, encoding: .utf8) }
        return directory
    }

    func compileFile(_ name: String, in directory: URL) -> (graph: ModelGraph?, diagnostics: [String]) {
        let diagnostics = DiagnosticEngine()
        let url = directory.appendingPathComponent("\(name).model.yaml")
        let graph = try? KilnDriver.compileModel(at: url, displayPath: "\(name).model.yaml", diagnosticPath: url.path, diagnostics: diagnostics)
        let rendered = diagnostics.rendered.replacingOccurrences(of: directory.path + "/", with: "")
        return (graph ?? nil, rendered.isEmpty ? [] : rendered.components(separatedBy: "\n"))
    }

    func testFrozenBaseIsOneRowAndGetsNoBackward() throws {
        let top = """
        model: Top
        input: {shape: [6, 6, 2]}
        layers:
          - Model: {spec: Base, trainable: false}
          - GlobalAveragePooling2D
          - Dense: {units: 2, activation: softmax}
        compile: {loss: categorical_crossentropy}

        """
        let directory = try write(["Base": Self.base, "Top": top])
        let (graph, diagnostics) = compileFile("Top", in: directory)
        XCTAssertEqual(diagnostics, [])
        let model = try XCTUnwrap(graph)
        // Built on the outer input (6x6x2), not the base's own default (8x8x3).
        XCTAssertEqual(model.layers.map(\.name), ["base_conv", "base_bn", "base_skip", "base_add", "base_out", "global_average_pooling2d", "dense"])
        XCTAssertEqual(model.layers[0].inputShape, [6, 6, 2])
        XCTAssertEqual(model.layers[3].inputs, [1, 2])
        XCTAssertEqual(model.layerInfos.map(\.name), ["Base", "global_average_pooling2d", "dense"])
        XCTAssertEqual(model.layerInfos.map(\.type), ["Functional", "GlobalAveragePooling2D", "Dense"])
        XCTAssertEqual(model.layerInfos.map(\.params), [76 + 16 + 12, 0, 10])
        XCTAssertEqual(model.trainableParamCount, 10)
        XCTAssertEqual(model.layers.prefix(5).map(\.trainable), [false, false, false, false, false])
        // The backward starts after the frozen base: nothing below the head trains.
        let plan = KernelPlan(model)
        XCTAssertEqual(plan.firstBackwardLayer, 6)  // Dense: the pooling under it has nothing to train below it
        XCTAssertEqual(plan.layers[6].inputNeedsGradient, [false])
    }

    func testMisusesGiveOneErrorEach() throws {
        func top(_ layer: String) -> String {
            "model: Top\ninput: {shape: [6, 6, 2]}\nlayers:\n  - \(layer)\n  - Flatten\ncompile: {loss: mse}\n"
        }
        let rows: [(name: String, specs: [String: String], expected: [String])] = [
            ("no file", ["Top": top("Model: {spec: Missing}")],
             ["Top.model.yaml:4:19: error: no model spec 'Missing' beside this one: Missing.model.yaml cannot be read"]),
            ("no spec key", ["Top": top("Model: {trainable: false}")],
             ["Top.model.yaml:4:5: error: Model needs `spec`: the name of a model spec beside this one (spec: ResNet50Base reads ResNet50Base.model.yaml)"]),
            ("unknown key", ["Top": top("Model: {spec: Base, weight: b.safetensors}"), "Base": Self.base],
             ["Top.model.yaml:4:25: error: unknown key 'weight' for Model; did you mean 'weights'?"]),
            ("itself", ["Top": top("Model: {spec: Top}")],
             ["Top.model.yaml:4:19: error: model 'Top' uses itself as a layer: Top -> Top"]),
            ("a cycle through another", ["Top": top("Model: {spec: Middle}"),
                                         "Middle": "model: Middle\ninput: {shape: [4]}\nlayers:\n  - Model: {spec: Top}\ncompile: {loss: mse}\n"],
             ["Middle.model.yaml:4:19: error: model 'Top' uses itself as a layer: Top -> Middle -> Top",
              "Top.model.yaml:4:19: note: in model 'Middle', used as a layer here"]),
            ("a broken base, reported at its own line", ["Top": top("Model: {spec: Base}"),
                                                        "Base": Self.base.replacingOccurrences(of: "kernel_size: 1,", with: "kernel_size: 0,")],
             ["Base.model.yaml:6:44: error: The `kernel_size` argument must be a tuple of 2 integers. Received kernel_size=0, including values {0} that do not satisfy `value > 0`",
              "Top.model.yaml:4:19: note: in model 'Base', used as a layer here"]),
            ("a name used twice", ["Top": "model: Top\ninput: {shape: [6, 6, 2]}\nlayers:\n  - Conv2D: {filters: 3, kernel_size: 1, name: base_conv}\n  - Model: {spec: Base}\ncompile: {loss: mse}\n",
                                   "Base": Self.base],
             ["Top.model.yaml:5:19: error: The name \"base_conv\" is used 2 times in the model. All operation names should be unique.",
              "Top.model.yaml:4:48: note: first used here"]),
        ]
        for row in rows {
            let directory = try write(row.specs)
            let (graph, diagnostics) = compileFile("Top", in: directory)
            XCTAssertNil(graph, row.name)
            XCTAssertEqual(diagnostics, row.expected, row.name)
        }
    }
}
