// swift-tools-version: 6.3;(experimentalCGen)
// experimentalCGen lets the build plugin emit C kernels into C targets (see README).
import PackageDescription

let package = Package(
    name: "Kiln",
    products: [
        .library(name: "KilnRuntime", targets: ["KilnRuntime", "CKilnRuntime", "KilnCore", "KilnData", "CKilnData"]),
        .library(name: "KilnCompiler", targets: ["KilnCompiler"]),
        .executable(name: "kiln", targets: ["kiln"]),
        .plugin(name: "KilnBuildPlugin", targets: ["KilnBuildPlugin"]),
        .plugin(name: "KilnCommandPlugin", targets: ["KilnCommandPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Compiler side: YAML -> spec AST -> graph IR -> C and Swift sources.
        .systemLibrary(
            name: "CYaml", path: "Sources/CYaml", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .target(name: "KilnSpec", dependencies: ["CYaml"]),
        .target(name: "KilnCompiler", dependencies: ["KilnSpec", "KilnCore"]),
        .executableTarget(
            name: "kiln",
            dependencies: ["KilnCompiler", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Model facts (descriptor types, Keras summary layout) shared by compiler and runtime.
        // Runtime side: the only thing generated code imports.
        .target(name: "CKilnRuntime", linkerSettings: [.linkedLibrary("m"), .linkedLibrary("pthread")]),
        .target(name: "KilnCore"),
        .target(name: "KilnRuntime", dependencies: ["CKilnRuntime", "KilnCore"]),
        // Pipeline runtime: columns, readers, hash tables, sort, show(); what generated pipelines import.
        .target(name: "CKilnData"),
        .target(name: "KilnData", dependencies: ["KilnCore", "CKilnData"]),

        // Plugins share PluginsShared through symlinks.
        .plugin(name: "KilnBuildPlugin", capability: .buildTool(), dependencies: ["kiln"]),
        .plugin(
            name: "KilnCommandPlugin",
            capability: .command(
                intent: .custom(verb: "kiln-generate", description: "Write generated/ for the specs in specs/"),
                permissions: [.writeToPackageDirectory(reason: "Kiln writes the generated sources into generated/")]),
            dependencies: ["kiln"]),

        // The demo: seed specs built through the build plugin (C kernels + Swift wrappers).
        .target(name: "KilnDemoModels", dependencies: ["CKilnRuntime"], plugins: ["KilnBuildPlugin"]),
        .target(name: "KilnDemo", dependencies: ["KilnDemoModels", "KilnRuntime", "KilnData"], plugins: ["KilnBuildPlugin"]),
        .executableTarget(name: "kiln-demo", dependencies: ["KilnDemo", "KilnRuntime", "KilnData"], resources: [.copy("data")]),

        // generated/: the command plugin's committed output for specs/, compiled as ordinary targets.
        .target(name: "KilnGeneratedC", dependencies: ["CKilnRuntime"], path: "generated/KilnGeneratedC"),
        .target(name: "KilnGenerated", dependencies: ["KilnGeneratedC", "KilnRuntime", "KilnPipelines", "KilnData"], path: "generated/KilnGenerated"),
        .target(name: "KilnPipelines", dependencies: ["KilnData"], path: "generated/KilnPipelines"),

        .testTarget(name: "KilnSpecTests", dependencies: ["KilnSpec"]),
        .testTarget(name: "KilnDataTests", dependencies: ["KilnData", "KilnRuntime"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KilnPipelineTests", dependencies: ["KilnPipelines", "KilnData", "KilnGenerated", "KilnRuntime"]),
        .testTarget(name: "KilnCompilerTests", dependencies: ["KilnCompiler"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KilnRuntimeTests", dependencies: ["KilnRuntime", "CKilnRuntime", "KilnGenerated"]),
        .testTarget(
            name: "KilnNumericTests", dependencies: ["KilnGenerated", "KilnRuntime", "KilnCompiler"],
            resources: [.copy("Fixtures")]),
    ]
)
