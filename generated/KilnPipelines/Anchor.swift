// SwiftPM skips a target whose only sources are generated; this file keeps KilnPipelines a target.
