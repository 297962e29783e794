import Foundation
import PackagePlugin

/// Attach to a C target holding `*.model.yaml` specs (it gets the kernels) and to a Swift
/// target depending on it (it gets the wrapper classes). A Swift target's own
/// `*.pipeline.yaml` specs become Swift pipelines in it.
@main
struct KilnBuildPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let kiln = try context.tool(named: "kiln").url
        let work = context.pluginWorkDirectoryURL
        let root = context.package.directoryURL

        // SwiftPM does not list .yaml files as sources of a C target: read the directory.
        if target is ClangSourceModuleTarget {
            let specs = SpecDiscovery.specs(in: target.directoryURL)
            guard !specs.isEmpty else { return [] }
            // One command writes every kernel, header and the umbrella: kiln_generated.c includes
            // every model's header, and SwiftPM orders commands only by declared outputs, so
            // separate commands could compile it before another command wrote a header.
            let stems = specs.map(SpecDiscovery.stem(of:))
            let outputs = stems.flatMap { [work.appendingPathComponent("\($0).c"), work.appendingPathComponent("include/\($0).h")] }
                + [work.appendingPathComponent("kiln_generated.c"), work.appendingPathComponent("include/kiln_generated.h")]
            return [.buildCommand(
                displayName: "Kiln: C kernels for \(target.name) (\(stems.joined(separator: ", ")))",
                executable: kiln,
                arguments: ["generate"] + specs.map(\.path) + ["--root", root.path, "--c-output", work.path, "--umbrella"],
                inputFiles: specs,
                outputFiles: outputs)]
        }

        // A Swift target: its own pipeline specs and those beside the model specs of the C
        // targets it depends on (a model's `data:` names one), and wrappers for those models.
        let cDependencies = target.recursiveTargetDependencies.compactMap { $0 as? ClangSourceModuleTarget }
        let pipelineSpecs = ([target.directoryURL] + cDependencies.map(\.directoryURL)).flatMap(SpecDiscovery.pipelineSpecs(in:))
        var commands: [Command] = pipelineSpecs.map { spec in
            let stem = SpecDiscovery.stem(of: spec)
            return .buildCommand(
                displayName: "Kiln: Swift pipeline \(stem)",
                executable: kiln,
                arguments: ["generate", spec.path, "--root", root.path, "--pipeline-output", work.path],
                inputFiles: [spec],
                outputFiles: [work.appendingPathComponent("\(stem).swift")])
        }
        for dependency in cDependencies {
            // Every spec of the target is an input of each wrapper: a spec may use another as a
            // layer (`- Model: {spec: ResNet50Base}`) or a pipeline as its data, and an edit to
            // that one must rebuild it.
            let siblings = SpecDiscovery.specs(in: dependency.directoryURL)
            let pipelines = SpecDiscovery.pipelineSpecs(in: dependency.directoryURL)
            for spec in siblings {
                let stem = SpecDiscovery.stem(of: spec)
                commands.append(.buildCommand(
                    displayName: "Kiln: Swift wrapper for \(stem)",
                    executable: kiln,
                    arguments: ["generate", spec.path, "--root", root.path, "--swift-output", work.path,
                                "--c-module", dependency.moduleName],
                    inputFiles: siblings + pipelines,
                    outputFiles: [work.appendingPathComponent("\(stem).swift")]))
            }
        }
        return commands
    }
}
