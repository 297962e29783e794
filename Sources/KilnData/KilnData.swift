// The pipeline runtime: the only module generated pipelines import (with KilnCore's types).
@_exported import KilnCore

/// Generated pipelines declare a type conforming to this, so that a runtime that changed its
/// contract fails at compile time instead of misbehaving (bump the number on such changes).
public protocol KilnDataRuntimeVersion1 {}

/// Errors a running pipeline reports: bad input (with file and line), arithmetic under Spark's
/// ANSI rules, I/O.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
