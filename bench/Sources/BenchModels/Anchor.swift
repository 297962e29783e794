// Anchor: SwiftPM skips a target whose only sources come from a plugin.
@_exported import KilnRuntime
