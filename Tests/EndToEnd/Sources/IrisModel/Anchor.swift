// Anchor: SwiftPM skips a target whose only sources come from a plugin (SwiftPM issue 8061).
@_exported import KilnRuntime
