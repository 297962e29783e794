import Foundation

/// Shared by KilnBuildPlugin and KilnCommandPlugin (each links this folder as PluginsShared).
enum SpecDiscovery {
    /// `*.model.yaml` files under `directory`, following symlinks, sorted by path.
    static func specs(in directory: URL) -> [URL] { files(in: directory, suffix: ".model.yaml") }

    /// `*.pipeline.yaml` files under `directory`, following symlinks, sorted by path.
    static func pipelineSpecs(in directory: URL) -> [URL] { files(in: directory, suffix: ".pipeline.yaml") }

    static func files(in directory: URL, suffix: String) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        var found: [URL] = []
        for case let url as URL in enumerator where url.lastPathComponent.hasSuffix(suffix) {
            found.append(url)
        }
        return found.sorted { $0.path < $1.path }
    }

    /// `SeedRegressor.model.yaml` -> `SeedRegressor`: generated files are named after the spec.
    static func stem(of spec: URL) -> String {
        let name = spec.lastPathComponent
        for suffix in [".model.yaml", ".pipeline.yaml"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
        return name
    }

    /// A path relative to the package root, for headers and diagnostics.
    static func displayPath(of url: URL, packageRoot: URL) -> String {
        let path = url.standardizedFileURL.path, root = packageRoot.standardizedFileURL.path
        return path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }
}
