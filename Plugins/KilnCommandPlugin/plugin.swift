import PackagePlugin
@main struct KilnCommandPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {}
}
