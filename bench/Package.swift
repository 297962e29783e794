// swift-tools-version: 6.3;(experimentalCGen)
// Kiln's benchmark, built the way a user builds Kiln models: specs in a C target, the build plugin.
import PackageDescription

let package = Package(
    name: "KilnBench",
    dependencies: [.package(name: "Kiln", path: "..")],
    targets: [
        .target(
            name: "BenchKernels",
            dependencies: [.product(name: "KilnRuntime", package: "Kiln")],
            plugins: [.plugin(name: "KilnBuildPlugin", package: "Kiln")]),
        .target(
            name: "BenchModels",
            dependencies: ["BenchKernels", .product(name: "KilnRuntime", package: "Kiln")],
            plugins: [.plugin(name: "KilnBuildPlugin", package: "Kiln")]),
        .executableTarget(name: "kiln-bench", dependencies: ["BenchModels"]),
        .executableTarget(name: "kiln-cnn-bench", dependencies: ["BenchModels"]),
        .executableTarget(name: "kiln-rnn-bench", dependencies: ["BenchModels"]),
        // Pipelines: specs in a Swift target, compiled by the same plugin.
        .target(
            name: "BenchPipelines",
            dependencies: [.product(name: "KilnRuntime", package: "Kiln")],
            plugins: [.plugin(name: "KilnBuildPlugin", package: "Kiln")]),
        .executableTarget(name: "kiln-stream-rss", dependencies: ["BenchModels"]),
        .executableTarget(name: "kiln-ml-bench", dependencies: [.product(name: "KilnRuntime", package: "Kiln")]),
        .executableTarget(name: "kiln-pipeline-bench", dependencies: ["BenchPipelines", .product(name: "KilnRuntime", package: "Kiln")]),
    ]
)
