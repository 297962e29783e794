import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory kiln-generate`: compiles specs/ into
/// generated/KilnGeneratedC (C kernels), generated/KilnGenerated (Swift wrappers),
/// generated/KilnPipelines (pipelines in Swift), generated/pyspark (the same pipelines in
/// PySpark) and generated/keras (the models as Keras 3 programs), readable, and the Swift and C
/// compiled as ordinary targets.
@main
struct KilnCommandPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let root = context.package.directoryURL
        let specsDirectory = root.appendingPathComponent("specs")
        let generated = root.appendingPathComponent("generated")
        let specs = (SpecDiscovery.specs(in: specsDirectory) + SpecDiscovery.pipelineSpecs(in: specsDirectory)).filter {
            // specs/ may hold broken examples for documentation under specs/invalid/.
            !$0.path.contains("/invalid/")
        }
        guard !specs.isEmpty else {
            Diagnostics.warning("no *.model.yaml or *.pipeline.yaml specs in \(specsDirectory.path)")
            return
        }
        let process = Process()
        process.executableURL = try context.tool(named: "kiln").url
        process.arguments = ["generate"] + specs.map(\.path) + [
            "--root", root.path,
            "--c-output", generated.appendingPathComponent("KilnGeneratedC").path,
            "--swift-output", generated.appendingPathComponent("KilnGenerated").path,
            "--c-module", "KilnGeneratedC", "--umbrella", "--pipeline-module", "KilnPipelines",
            "--pipeline-output", generated.appendingPathComponent("KilnPipelines").path,
            "--pyspark-output", generated.appendingPathComponent("pyspark").path, "--target", "both",
            "--keras-output", generated.appendingPathComponent("keras").path,
        ]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Diagnostics.error("kiln generate failed (exit \(process.terminationStatus))")
            return
        }
        print("Kiln: wrote generated/ for \(specs.count) spec(s)")
    }
}
