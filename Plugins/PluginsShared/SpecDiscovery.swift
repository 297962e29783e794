import Foundation

/// Shared by KilnBuildPlugin and KilnCommandPlugin (each links this folder as PluginsShared).
enum SpecDiscovery {
    /// `*.model.yaml` files under `directory`, following symlinks, sorted by path.
    static func specs(in directory: URL) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        var found: [URL] = []
        for case let url as URL in enumerator where url.lastPathComponent.hasSuffix(".model.yaml") {
            found.append(url)
        }
        return found.sorted { $0.path < $1.path }
    }

    /// `SeedRegressor.model.yaml` -> `SeedRegressor`: generated files are named after the spec.
    static func stem(of spec: URL) -> String {
        String(spec.lastPathComponent.dropLast(".model.yaml".count))
    }

    /// A path relative to the package root, for headers and diagnostics.
    static func displayPath(of url: URL, packageRoot: URL) -> String {
        let path = url.standardizedFileURL.path, root = packageRoot.standardizedFileURL.path
        return path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }
}
