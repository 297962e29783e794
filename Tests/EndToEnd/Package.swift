// swift-tools-version: 6.3;(experimentalCGen)
// A user's package: Kiln as a dependency, a spec in a C target, the build plugin on both targets.
import PackageDescription

let package = Package(
    name: "KilnEndToEnd",
    dependencies: [.package(name: "Kiln", path: "../..")],
    targets: [
        .target(
            name: "IrisKernels",
            dependencies: [.product(name: "KilnRuntime", package: "Kiln")],
            plugins: [.plugin(name: "KilnBuildPlugin", package: "Kiln")]),
        .target(
            name: "IrisModel",
            dependencies: ["IrisKernels", .product(name: "KilnRuntime", package: "Kiln")],
            plugins: [.plugin(name: "KilnBuildPlugin", package: "Kiln")]),
        .executableTarget(name: "train-iris", dependencies: ["IrisModel"]),
    ]
)
