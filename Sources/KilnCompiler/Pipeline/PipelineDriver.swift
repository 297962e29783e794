import Foundation
import KilnCore
import KilnSpec

extension KilnDriver {
    /// Whether a spec file is a pipeline (`*.pipeline.yaml`) rather than a model.
    public static func isPipelineSpec(_ path: String) -> Bool {
        path.hasSuffix(".pipeline.yaml") || path.hasSuffix(".pipeline.yml")
    }

    /// parse -> validate for a pipeline spec; see `compileModel` for the paths.
    public static func compilePipeline(text: String, displayPath: String, diagnosticPath: String? = nil, specDirectory: URL? = nil,
                                       diagnostics: DiagnosticEngine, requireFileNameMatch: Bool = false) -> PipelineGraph? {
        onCompilerStack {
            compilePipelineOnThisStack(text: text, displayPath: displayPath, diagnosticPath: diagnosticPath, specDirectory: specDirectory,
                                       diagnostics: diagnostics, requireFileNameMatch: requireFileNameMatch)
        }
    }

    static func compilePipelineOnThisStack(text: String, displayPath: String, diagnosticPath: String?, specDirectory: URL?,
                                           diagnostics: DiagnosticEngine, requireFileNameMatch: Bool) -> PipelineGraph? {
        guard let spec = PipelineSpecParser.parse(text, file: diagnosticPath ?? displayPath, sourceKinds: PipelineValidator.sourceKinds,
                                                  operations: PipelineValidator.operationNames, diagnostics: diagnostics) else { return nil }
        let graph = PipelineValidator.validate(spec, specPath: displayPath, specDirectory: specDirectory, diagnostics: diagnostics)
        if requireFileNameMatch, spec.name.value != stem(ofSpec: displayPath) {
            diagnostics.error("pipeline '\(Identifiers.commentText(spec.name.value))' must be declared in a file named '\(Identifiers.commentText(spec.name.value)).pipeline.yaml' (generated files are named after the spec file)", at: spec.name.location)
            return nil
        }
        return graph
    }

    public static func compilePipeline(at url: URL, displayPath: String, diagnosticPath: String? = nil, diagnostics: DiagnosticEngine,
                                       requireFileNameMatch: Bool = false) -> PipelineGraph? {
        guard let text = readSpec(at: url, displayPath: diagnosticPath ?? displayPath, diagnostics: diagnostics) else { return nil }
        return compilePipeline(text: text, displayPath: displayPath, diagnosticPath: diagnosticPath, specDirectory: url.deletingLastPathComponent(),
                               diagnostics: diagnostics, requireFileNameMatch: requireFileNameMatch)
    }

    static func readSpec(at url: URL, displayPath: String, diagnostics: DiagnosticEngine) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            diagnostics.error("cannot read spec file", at: SourceLocation(file: displayPath, line: 1, column: 1))
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            diagnostics.error("spec file is not valid UTF-8", at: SourceLocation(file: displayPath, line: 1, column: 1))
            return nil
        }
        return text
    }

    /// A readable outline of a pipeline: each node with its operation and schema.
    public static func outline(of graph: PipelineGraph) -> String {
        var lines = ["Pipeline \(graph.name)" + (graph.params.isEmpty ? "" : "(\(graph.params.map { "\($0.name): \($0.typeName)" }.joined(separator: ", ")))")]
        for node in graph.nodes {
            let inputs = node.inputs.map { graph.nodes[$0].specName }.joined(separator: ", ")
            let schema = node.schema.fields.isEmpty ? "" : " -> (\(node.schema))"
            lines.append("  \(node.specName) = \(node.op.summary)\(inputs.isEmpty ? "" : "(\(inputs))")\(schema)")
        }
        if !graph.outputs.isEmpty { lines.append("  outputs: \(graph.outputs.map { graph.nodes[$0].specName }.joined(separator: ", "))") }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension PlanOp {
    /// The operation in a few words, for outlines and generated comments.
    public var summary: String {
        switch self {
        case let .textFile(paths): "textFile[\(paths.map(\.text).joined(separator: ", "))]"
        case let .csv(paths, _): "csv[\(paths.map(\.text).joined(separator: ", "))]"
        case let .json(paths, _): "json[\(paths.map(\.text).joined(separator: ", "))]"
        case let .rows(rows): "rows[\(rows.count)]"
        case let .libsvm(paths, _, _): "libsvm[\(paths.map(\.text).joined(separator: ", "))]"
        case let .randomSplit(weights, seed, part): "randomSplit[\(weights.map(JavaDoubleFormat.string).joined(separator: ", ")), seed \(seed)][\(part)]"
        case let .mlStage(stage): stage.kindName
        case let .mlFit(stages, pipeline): pipeline ? "Pipeline[\(stages.map { $0.kindName }.joined(separator: ", "))].fit" : "\(stages[0].kindName).fit"
        case .mlTransform: "transform"
        case let .mlEvaluate(stage): "\(stage.kindName).evaluate"
        case let .mlDebugString(stage): "toDebugString\(stage.map { "[stage \($0)]" } ?? "")"
        case let .mlSave(path): "saveModel[\(path.text)]"
        case let .project(exprs): "project[\(exprs.map(\.sparkName).joined(separator: ", "))]"
        case let .projectUDF(name, args): "map[\(name)(\(args.map(\.sparkName).joined(separator: ", ")))]"
        case let .filter(condition): "filter[\(condition.sparkName)]"
        case let .flatMap(expr): "flatMap[\(expr.sparkName)]"
        case .union: "union"
        case let .aggregate(keys, aggregates): "aggregate[keys: \(keys.map(\.sparkName).joined(separator: ", ")); \(aggregates.map(\.name).joined(separator: ", "))]"
        case let .distinct(subset): subset == nil ? "distinct" : "dropDuplicates"
        case let .sort(keys): "sort[\(keys.map { "\($0.expr.sparkName) \($0.ascending ? "ASC" : "DESC") NULLS \($0.nullsFirst ? "FIRST" : "LAST")" }.joined(separator: ", "))]"
        case let .join(how, _, _, _): "join[\(how.rawValue)]"
        case let .limit(n): "limit[\(n)]"
        case let .show(rows, truncate): "show[\(rows), truncate \(truncate)]"
        case .count: "count"
        case .printSchema: "printSchema"
        case let .write(format, path, _): "write\(format.rawValue.uppercased())[\(path.text)]"
        }
    }
}

extension PathArgument {
    public var text: String {
        switch self {
        case let .literal(path): path
        case let .param(name): "$\(name)"
        }
    }
}

extension KilnDriver {
    /// `<Pipeline>.swift`: the generated Swift for a pipeline.
    public static func pipelineSwiftFile(for graph: PipelineGraph) -> GeneratedFile {
        onCompilerStack { GeneratedFile(path: "\(graph.name).swift", contents: PipelineSwiftRenderer(plan: PipelinePlan(graph)).source()) }
    }
}

extension KilnDriver {
    /// `<Pipeline>.py`: the same pipeline as a PySpark program.
    public static func pysparkFile(for graph: PipelineGraph) -> GeneratedFile {
        onCompilerStack { GeneratedFile(path: "\(graph.name).py", contents: PySparkRenderer(graph: graph).source()) }
    }
}
