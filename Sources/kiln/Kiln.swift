import ArgumentParser
import Foundation
import KilnCompiler
import KilnSpec

@main
struct Kiln: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiln",
        abstract: "Compile Keras-style model specs (*.model.yaml) into C kernels and Swift wrappers, and Spark-style pipeline specs (*.pipeline.yaml) into Swift and PySpark.",
        discussion: "In a package that depends on Kiln, run it as `swift run kiln ...`; the build plugin runs the same tool (SwiftPM builds it as kiln-tool for plugins).",
        version: kilnVersion,
        subcommands: [Check.self, Summary.self, Graph.self, Generate.self])
}

/// Shared by the subcommands: display paths relative to --root, diagnostics to stderr.
struct SpecOptions: ParsableArguments {
    @Argument(help: "Spec files (*.model.yaml, *.pipeline.yaml).")
    var specs: [String]

    @Option(help: "Show spec paths relative to this directory (default: the current directory).")
    var root: String?

    func displayPath(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let base = URL(fileURLWithPath: root ?? FileManager.default.currentDirectoryPath).standardizedFileURL.path
        return absolute.hasPrefix(base + "/") ? String(absolute.dropFirst(base.count + 1)) : path
    }

    /// Compiles every spec, hands each valid graph to `body`, reports diagnostics, and fails
    /// the command if any spec had an error.
    func forEachGraph(requireFileNameMatch: Bool = false, _ body: (String, ModelGraph) throws -> Void,
                      pipelines: ((String, PipelineGraph) throws -> Void)? = nil) throws {
        let diagnostics = DiagnosticEngine()
        for spec in specs {
            if KilnDriver.isPipelineSpec(spec) {
                let graph = KilnDriver.compilePipeline(at: URL(fileURLWithPath: spec), displayPath: displayPath(spec), diagnosticPath: spec,
                                                       diagnostics: diagnostics, requireFileNameMatch: requireFileNameMatch)
                if let graph, let pipelines { try pipelines(spec, graph) }
                continue
            }
            if let graph = compile(spec, diagnostics: diagnostics, requireFileNameMatch: requireFileNameMatch) { try body(spec, graph) }
        }
        report(diagnostics)
        if diagnostics.hasErrors { throw ExitCode.failure }
    }

    func compile(_ path: String, diagnostics: DiagnosticEngine, requireFileNameMatch: Bool = false) -> ModelGraph? {
        // Diagnostics name the file as given (absolute from the plugins); headers use the root-relative path.
        KilnDriver.compileModel(at: URL(fileURLWithPath: path), displayPath: displayPath(path), diagnosticPath: path,
                                diagnostics: diagnostics, requireFileNameMatch: requireFileNameMatch)
    }
}

func report(_ diagnostics: DiagnosticEngine) {
    guard !diagnostics.diagnostics.isEmpty else { return }
    FileHandle.standardError.write(Data((diagnostics.rendered + "\n").utf8))
}

extension Kiln {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate specs: shapes, parameter counts, options.")
        @OptionGroup var options: SpecOptions

        func run() throws {
            try options.forEachGraph { spec, graph in
                print("\(spec): ok: \(graph.name), \(graph.paramCount) params (\(graph.trainableParamCount) trainable), output \(graph.outputShape)")
            } pipelines: { spec, graph in
                print("\(spec): ok: pipeline \(graph.name), \(graph.nodes.count) sources and steps")
            }
        }
    }

    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each model's summary, as Keras's model.summary(), and each pipeline's steps and schemas.")
        @OptionGroup var options: SpecOptions

        func run() throws {
            try options.forEachGraph { _, graph in print(graph.summary, terminator: "") } pipelines: { _, graph in
                print(KilnDriver.outline(of: graph), terminator: "")
            }
        }
    }

    struct Graph: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each model's layer graph in Graphviz DOT or as an SVG picture, with shapes and parameter counts.")
        enum Format: String, ExpressibleByArgument, CaseIterable { case dot, svg }
        @OptionGroup var options: SpecOptions
        @Option(help: "dot (Graphviz) or svg (a picture, like keras.utils.plot_model(show_shapes=True)).") var format: Format = .dot

        func run() throws {
            try options.forEachGraph { _, graph in
                print(format == .dot ? KilnDriver.dot(for: graph) : KilnDriver.svg(for: graph), terminator: "")
            }
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate C kernels and Swift wrappers for model specs, Swift and PySpark for pipeline specs.",
            discussion: "Each spec must be named after what it declares: SeedRegressor.model.yaml declares model SeedRegressor, WordCount.pipeline.yaml pipeline WordCount.")
        @OptionGroup var options: SpecOptions

        @Option(help: "Write <Model>.c and include/<Model>.h here.")
        var cOutput: String?
        @Option(help: "Write <Model>.swift here.")
        var swiftOutput: String?
        @Option(help: "The C target's module name, imported by the Swift wrappers.")
        var cModule: String = "KilnGeneratedC"
        @Option(help: "The module holding the pipelines that models' `data:` names, imported by their wrappers (default: the wrappers' own).")
        var pipelineModule: String?
        @Flag(help: "Also write include/kiln_generated.h and kiln_generated.c (every given model) into --c-output.")
        var umbrella = false
        @Option(help: "Write each pipeline's <Pipeline>.swift here (default: --swift-output).")
        var pipelineOutput: String?
        @Option(help: "Write each pipeline's PySpark program <Pipeline>.py here.")
        var pysparkOutput: String?
        @Option(help: "Write each model's Keras 3 program <Model>.py here.")
        var kerasOutput: String?
        @Option(help: "What to generate: swift (default: C and Swift for models, Swift for pipelines), pyspark (pipelines), both (Swift and PySpark pipelines), or keras (models' Keras programs only).")
        var target: String = "swift"

        func run() throws {
            guard cOutput != nil || swiftOutput != nil || pipelineOutput != nil || pysparkOutput != nil || kerasOutput != nil else {
                throw ValidationError("give --c-output, --swift-output, --pipeline-output, --pyspark-output and/or --keras-output")
            }
            guard ["swift", "pyspark", "both", "keras"].contains(target) else { throw ValidationError("--target must be swift, pyspark, both or keras") }
            if target == "keras" && kerasOutput == nil { throw ValidationError("give --keras-output for --target keras") }
            var models: [ModelGraph] = []
            try options.forEachGraph(requireFileNameMatch: true, { _, graph in
                models.append(graph)
            }, pipelines: { _, graph in
                if target == "keras" { return }
                if target != "pyspark", let directory = pipelineOutput ?? swiftOutput {
                    try KilnDriver.write([KilnDriver.pipelineSwiftFile(for: graph)], under: URL(fileURLWithPath: directory))
                }
                if target != "swift" {
                    guard let directory = pysparkOutput ?? pipelineOutput ?? swiftOutput else {
                        throw ValidationError("give --pyspark-output for --target \(target)")
                    }
                    try KilnDriver.write([KilnDriver.pysparkFile(for: graph)], under: URL(fileURLWithPath: directory))
                }
            })
            // Models are written once all are known: the ones generated together must not clash.
            let diagnostics = DiagnosticEngine()
            KilnDriver.checkDistinctCSymbols(models, diagnostics: diagnostics)
            report(diagnostics)
            if diagnostics.hasErrors { throw ExitCode.failure }
            for graph in models {
                if let kerasOutput {
                    try KilnDriver.write([KilnDriver.kerasFile(for: graph)], under: URL(fileURLWithPath: kerasOutput))
                }
                if target == "keras" { continue }
                if let cOutput {
                    try KilnDriver.write(KilnDriver.cFiles(for: graph), under: URL(fileURLWithPath: cOutput))
                }
                if let swiftOutput {
                    try KilnDriver.write([KilnDriver.swiftFile(for: graph, cModule: cModule, pipelineModule: pipelineModule)], under: URL(fileURLWithPath: swiftOutput))
                }
            }
            if umbrella, target != "keras", let cOutput {
                try KilnDriver.write(KilnDriver.umbrellaFiles(models: models.map(\.name)), under: URL(fileURLWithPath: cOutput))
            }
        }
    }
}
