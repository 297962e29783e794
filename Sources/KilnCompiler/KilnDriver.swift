import Foundation
import KilnSpec
import KilnCore

/// One file the compiler produces, relative to its output directory.
public struct GeneratedFile: Equatable, Sendable {
    public var path: String
    public var contents: String
}

/// The whole pipeline, spec text -> generated files; the CLI, both plugins (which run the CLI)
/// and the golden test all go through here, so they cannot drift apart. Each stage has a named
/// type at its boundary:
///
///     spec text --parse--> ModelSpec    --validate--> ModelGraph    --plan--> KernelPlan   --render--> [GeneratedFile]
///     spec text --parse--> PipelineSpec --validate--> PipelineGraph --plan--> PipelinePlan --render--> [GeneratedFile]
///
/// `compileModel` / `compilePipeline` run parse and validate (diagnostics stop there); `plan`
/// lays out buffers or stages; the renderers (`cFiles`, `swiftFile`, `kerasFile`,
/// `pipelineSwiftFile`, `pysparkFile`) print files from the plan.
public enum KilnDriver {
    /// The model name a spec file must declare: `SeedRegressor.model.yaml` -> SeedRegressor.
    public static func stem(ofSpec path: String) -> String {
        var name = (path as NSString).lastPathComponent
        for suffix in [".model.yaml", ".model.yml", ".pipeline.yaml", ".pipeline.yml", ".yaml", ".yml"] where name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
            break
        }
        return name
    }

    /// parse: the spec's YAML as a `ModelSpec`, every node with its file:line:column.
    public static func parseModel(text: String, file: String, diagnostics: DiagnosticEngine) -> ModelSpec? {
        ModelSpecParser.parse(text, file: file, diagnostics: diagnostics)
    }

    /// parse -> validate. `displayPath` is what generated headers show; diagnostics show
    /// `diagnosticPath` (default: the same), e.g. the absolute path a build tool was given.
    public static func compileModel(text: String, displayPath: String, diagnosticPath: String? = nil,
                                    diagnostics: DiagnosticEngine, requireFileNameMatch: Bool = false) -> ModelGraph? {
        guard let spec = parseModel(text: text, file: diagnosticPath ?? displayPath, diagnostics: diagnostics) else { return nil }
        let graph = ModelValidator.validate(spec, specPath: displayPath, diagnostics: diagnostics)
        if requireFileNameMatch, spec.name.value != stem(ofSpec: displayPath) {
            diagnostics.error("model '\(Identifiers.commentText(spec.name.value))' must be declared in a file named '\(Identifiers.commentText(spec.name.value)).model.yaml' (generated files are named after the spec file)", at: spec.name.location)
            return nil
        }
        return graph
    }

    public static func compileModel(at url: URL, displayPath: String, diagnosticPath: String? = nil, diagnostics: DiagnosticEngine,
                                    requireFileNameMatch: Bool = false) -> ModelGraph? {
        guard let text = readSpec(at: url, displayPath: diagnosticPath ?? displayPath, diagnostics: diagnostics) else { return nil }
        return compileModel(text: text, displayPath: displayPath, diagnosticPath: diagnosticPath, diagnostics: diagnostics,
                            requireFileNameMatch: requireFileNameMatch)
    }

    /// The layer graph in Graphviz DOT, functional graphs with their merges; each edge is labelled
    /// with the shape it carries. Each label part is escaped (quotes, backslashes,
    /// non-printable characters), so any spec name renders as text.
    public static func dot(for graph: ModelGraph) -> String {
        func label(_ parts: [String]) -> String {
            "\"" + parts.map { String(Identifiers.swiftStringLiteral($0).dropFirst().dropLast()) }.joined(separator: "\\n") + "\""
        }
        var lines = ["digraph \(graph.name) {", "  node [shape=box];", "  input [label=\(label([graph.isFunctional ? "\(graph.inputName) (InputLayer)" : "Input", kerasShapeText(graph.inputShape)]))];"]
        for (index, layer) in graph.layers.enumerated() {
            var parts = ["\(layer.name) (\(layer.op.kerasClass))" + (layer.trainable ? "" : " frozen"), kerasShapeText(layer.outputShape)]
            if layer.paramCount > 0 { parts.append("\(groupedThousands(layer.paramCount)) params") }
            lines.append("  l\(index) [label=\(label(parts))];")
            // Each edge carries the shape it moves, as plot_model(show_shapes=True).
            for input in layer.inputs {
                let shape = input < 0 ? graph.inputShape : graph.layers[input].outputShape
                lines.append("  \(input < 0 ? "input" : "l\(input)") -> l\(index) [label=\(label([kerasShapeText(shape)]))];")
            }
        }
        return (lines + ["}"]).joined(separator: "\n") + "\n"
    }

    /// The layer graph as an SVG picture, like `keras.utils.plot_model(show_shapes=True)`: one box
    /// per node (name and class, output shape, parameters), rows by depth from the input, and an
    /// arrow per input read, labelled with the shape it carries.
    public static func svg(for graph: ModelGraph) -> String {
        let count = graph.layers.count + 1  // node 0 is the input
        func node(_ input: Int) -> Int { input + 1 }
        var depth = [Int](repeating: 0, count: count)
        for (index, layer) in graph.layers.enumerated() {
            depth[index + 1] = (layer.inputs.map { depth[node($0)] }.max() ?? -1) + 1
        }
        var column = [Int](repeating: 0, count: count), perRow: [Int: Int] = [:]
        for index in 0..<count {
            column[index] = perRow[depth[index], default: 0]
            perRow[depth[index], default: 0] += 1
        }
        let boxWidth = 300.0, boxHeight = 56.0, gapX = 40.0, gapY = 48.0, margin = 20.0
        let widest = Double(perRow.values.max() ?? 1), rows = Double((depth.max() ?? 0) + 1)
        var svg = SVGDocument(width: 2 * margin + widest * boxWidth + (widest - 1) * gapX, height: 2 * margin + rows * boxHeight + (rows - 1) * gapY)
        func origin(_ index: Int) -> (x: Double, y: Double) {
            let inRow = Double(perRow[depth[index]]!)
            let rowWidth = inRow * boxWidth + (inRow - 1) * gapX
            return ((svg.width - rowWidth) / 2 + Double(column[index]) * (boxWidth + gapX), margin + Double(depth[index]) * (boxHeight + gapY))
        }
        for (index, layer) in graph.layers.enumerated() {
            for input in layer.inputs {
                let from = origin(node(input)), to = origin(index + 1)
                let shape = input < 0 ? graph.inputShape : graph.layers[input].outputShape
                svg.line(x1: from.x + boxWidth / 2, y1: from.y + boxHeight, x2: to.x + boxWidth / 2, y2: to.y, arrow: true, className: "edge")
                svg.text(kerasShapeText(shape), x: (from.x + to.x) / 2 + boxWidth / 2 + 6, y: (from.y + boxHeight + to.y) / 2 + 4,
                         size: 10, anchor: "start", className: "shape")
            }
        }
        for index in 0..<count {
            let (x, y) = origin(index)
            let lines: [String]
            if index == 0 {
                lines = ["\(graph.inputName) (InputLayer)", kerasShapeText(graph.inputShape)]
            } else {
                let layer = graph.layers[index - 1]
                lines = ["\(layer.name) (\(layer.op.kerasClass))" + (layer.trainable ? "" : ", frozen"),
                         kerasShapeText(layer.outputShape) + (layer.paramCount > 0 ? " · \(groupedThousands(layer.paramCount)) params" : "")]
            }
            svg.rect(x: x, y: y, width: boxWidth, height: boxHeight, fill: index == 0 ? "#eef3fb" : "#fdf6e3", className: "node")
            svg.text(lines[0], x: x + boxWidth / 2, y: y + 23, size: 13, weight: "bold")
            svg.text(lines[1], x: x + boxWidth / 2, y: y + 42, size: 11)
        }
        return svg.text
    }

    /// Models generated together (one C target, or specs/) link into one binary, and their C
    /// symbols are the model name in lower case (`seed_forward`): names equal but for case
    /// are reported at the later one.
    public static func checkDistinctCSymbols(_ graphs: [ModelGraph], diagnostics: DiagnosticEngine) {
        var seen: [String: ModelGraph] = [:]
        for graph in graphs {
            let prefix = Identifiers.cFragment(graph.name)
            if let first = seen[prefix] {
                let notes = first.nameLocation.map { [Diagnostic(.note, "model '\(first.name)' is declared here", at: $0)] } ?? []
                diagnostics.error("model '\(graph.name)' would define the same C functions as model '\(first.name)' (\(prefix)_forward, ...): C symbols are the model name in lower case; rename one of them",
                                  at: graph.nameLocation ?? SourceLocation(file: graph.specPath, line: 1, column: 1), notes: notes)
            } else {
                seen[prefix] = graph
            }
        }
    }

    /// plan: where every weight and activation lives, which kernels run.
    public static func plan(_ graph: ModelGraph) -> KernelPlan { KernelPlan(graph) }

    /// render: `<Model>.c` and `include/<Model>.h`.
    public static func cFiles(for plan: KernelPlan) -> [GeneratedFile] {
        let renderer = CRenderer(plan: plan)
        return [GeneratedFile(path: "\(plan.graph.name).c", contents: renderer.source()),
                GeneratedFile(path: "include/\(plan.graph.name).h", contents: renderer.header())]
    }

    public static func cFiles(for graph: ModelGraph) -> [GeneratedFile] { cFiles(for: plan(graph)) }

    /// render: `<Model>.swift`.
    /// `pipelineModule`: where the pipelines that models' `data:` names live; nil: the wrapper's module.
    public static func swiftFile(for plan: KernelPlan, cModule: String, pipelineModule: String? = nil) -> GeneratedFile {
        GeneratedFile(path: "\(plan.graph.name).swift", contents: SwiftRenderer(plan: plan, cModule: cModule, pipelineModule: pipelineModule).source())
    }

    public static func swiftFile(for graph: ModelGraph, cModule: String, pipelineModule: String? = nil) -> GeneratedFile {
        swiftFile(for: plan(graph), cModule: cModule, pipelineModule: pipelineModule)
    }

    /// `<Model>.py`: the model as a Keras 3 program.
    public static func kerasFile(for graph: ModelGraph) -> GeneratedFile {
        GeneratedFile(path: "\(graph.name).py", contents: KerasRenderer(graph: graph).program())
    }

    /// `include/kiln_generated.h`, which a C target's checked-in umbrella header includes, and
    /// `kiln_generated.c`, which names the models: SwiftPM runs a build command only when it
    /// yields a source to compile, so the header travels with this one.
    public static func umbrellaFiles(models: [String]) -> [GeneratedFile] {
        let names = models.sorted().filter { Identifiers.problemWithModelName($0) == nil }
        var source = "// Generated by Kiln \(kilnVersion). Do not edit.\n#include \"kiln_generated.h\"\n\n"
        source += "// The models of this target, for tools that inspect the binary.\n"
        source += "const char kiln_generated_models[] = \"\(names.joined(separator: ","))\";\n"
        return [umbrellaHeader(models: names), GeneratedFile(path: "kiln_generated.c", contents: source)]
    }

    static func umbrellaHeader(models: [String]) -> GeneratedFile {
        var text = "// Generated by Kiln \(kilnVersion). Do not edit: it includes every model of this target.\n"
        text += "#ifndef KILN_GENERATED_H\n#define KILN_GENERATED_H\n"
        for model in models.sorted() where Identifiers.problemWithModelName(model) == nil {
            text += "#include \"\(model).h\"\n"
        }
        text += "#endif\n"
        return GeneratedFile(path: "include/kiln_generated.h", contents: text)
    }

    /// Everything `generated/` holds for a directory of specs: C files under `cDirectory`,
    /// model wrappers under `swiftDirectory` and Keras programs under `kerasDirectory`, pipelines
    /// under `pipelineDirectory` (Swift) and `pysparkDirectory` (PySpark). Specs are compiled in
    /// file-name order.
    public static func generateTree(specs: [(url: URL, displayPath: String)], cDirectory: String, swiftDirectory: String,
                                    pipelineDirectory: String = "KilnPipelines", pysparkDirectory: String = "pyspark",
                                    kerasDirectory: String = "keras",
                                    cModule: String, diagnostics: DiagnosticEngine) -> [GeneratedFile]? {
        var files: [GeneratedFile] = []
        var models: [String] = []
        var graphs: [ModelGraph] = []
        for spec in specs.sorted(by: { $0.displayPath < $1.displayPath }) {
            if isPipelineSpec(spec.displayPath) {
                guard let graph = compilePipeline(at: spec.url, displayPath: spec.displayPath, diagnostics: diagnostics,
                                                  requireFileNameMatch: true) else { continue }
                let swift = pipelineSwiftFile(for: graph), python = pysparkFile(for: graph)
                files.append(GeneratedFile(path: "\(pipelineDirectory)/\(swift.path)", contents: swift.contents))
                files.append(GeneratedFile(path: "\(pysparkDirectory)/\(python.path)", contents: python.contents))
                continue
            }
            guard let graph = compileModel(at: spec.url, displayPath: spec.displayPath, diagnostics: diagnostics,
                                           requireFileNameMatch: true) else { continue }
            models.append(graph.name)
            graphs.append(graph)
            let kernelPlan = plan(graph)
            files += cFiles(for: kernelPlan).map { GeneratedFile(path: "\(cDirectory)/\($0.path)", contents: $0.contents) }
            // generated/'s targets are named after their folders: the wrappers import the pipelines' one.
            let swift = swiftFile(for: kernelPlan, cModule: cModule, pipelineModule: pipelineDirectory)
            files.append(GeneratedFile(path: "\(swiftDirectory)/\(swift.path)", contents: swift.contents))
            let keras = kerasFile(for: graph)
            files.append(GeneratedFile(path: "\(kerasDirectory)/\(keras.path)", contents: keras.contents))
        }
        checkDistinctCSymbols(graphs, diagnostics: diagnostics)
        guard !diagnostics.hasErrors else { return nil }
        files += umbrellaFiles(models: models).map { GeneratedFile(path: "\(cDirectory)/\($0.path)", contents: $0.contents) }
        return files
    }

    /// Writes `files` under `root`, touching only files whose contents changed (keeps
    /// incremental builds incremental), and returns their paths.
    @discardableResult
    public static func write(_ files: [GeneratedFile], under root: URL) throws -> [URL] {
        var written: [URL] = []
        for file in files {
            let url = root.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let data = Data(file.contents.utf8)
            if FileManager.default.contents(atPath: url.path) != data {
                try data.write(to: url, options: .atomic)
            }
            written.append(url)
        }
        return written
    }

    /// The `*.model.yaml` and `*.pipeline.yaml` files in a directory tree (following symlinks), sorted.
    public static func findSpecs(in directory: URL) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        var specs: [URL] = []
        for case let url as URL in enumerator where url.lastPathComponent.hasSuffix(".model.yaml") || isPipelineSpec(url.lastPathComponent) {
            specs.append(url)
        }
        return specs.sorted { $0.path < $1.path }
    }
}
