/// A `*.pipeline.yaml` document after parsing. Sources and steps keep their YAML, because each
/// source kind and each operation checks its own arguments (KilnCompiler/Pipeline/Ops).
public struct PipelineSpec: Sendable {
    public var file: String
    public var name: Located<String>
    public var description: String?
    public var params: [ParamSpec]
    public var udfs: [UDFSpec]
    public var sources: [NodeSpec]
    public var steps: [NodeSpec]
    /// What the generated `run` returns, in order.
    public var outputs: [Located<String>]
    /// Sources and steps whose own structure was wrong (already reported): the compiler
    /// skips steps that read them instead of reporting them again.
    public var unparsed: Set<String>
    public var location: SourceLocation
}

/// `params: {path: path, threshold: double}`: arguments of the generated `run`.
public struct ParamSpec: Sendable {
    public var name: Located<String>
    public var type: Located<String>
}

/// `udfs: {splitLine: {args: [string], returns: array<string>, python: "lambda s: s.split()"}}`:
/// a Swift function the user writes in the same target, with its signature.
public struct UDFSpec: Sendable {
    public var name: Located<String>
    public var args: [Located<String>]
    public var returns: Located<String>
    /// The same function for the PySpark backend, as a Python expression (usually a lambda).
    public var python: Located<String>?
}

/// One source or step: `name: {op: argument, from: input, option: value, ...}`.
public struct NodeSpec: Sendable {
    public var name: Located<String>
    public var op: Located<String>
    public var argument: YAMLNode
    /// `from:`; nil means the previous step (or, for the first step, the only source).
    public var from: Located<String>?
    /// The whole mapping: the operation reads its options from it (`MappingReader`).
    public var node: YAMLNode
    public var location: SourceLocation
}
