// SwiftPM skips a target whose only sources come from a plugin; the pipelines come from the specs here.
