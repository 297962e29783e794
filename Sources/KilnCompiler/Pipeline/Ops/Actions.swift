import KilnCore
import KilnSpec

/// `show` (DataFrame.show): prints the first `n` rows (20) as Spark's table; `truncate`
/// (true: cells cut to 20 characters; false; or a width).
struct ShowOp: PipelineOperation {
    static let names = ["show"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard context.input != nil else { return nil }
        var rows = 20, truncate = 20
        switch context.argument.value {
        case .scalar where context.isBare: break
        case .scalar:
            guard let n = context.positiveInt(context.argument, "show") else { return nil }
            rows = n
        case .mapping:
            let reader = MappingReader(context.argument, context: "show", diagnostics: context.diagnostics)
            defer { reader.finish(allowed: ["n", "truncate"]) }
            if let node = reader["n"] { guard let n = context.positiveInt(node, "n") else { return nil }; rows = n }
            if let node = reader["truncate"] {
                switch node.scalarKind {
                case let .bool(flag)?: truncate = flag ? 20 : 0
                case .int?: guard let width = context.positiveInt(node, "truncate") else { return nil }; truncate = width
                default: return context.error("expected true, false or a width for 'truncate', received \(node.kindDescription)", at: node.location)
                }
            }
        case .sequence:
            return context.error("expected show, show: 5 or show: {n: 5, truncate: false}, received a list")
        }
        return BuiltOp(op: .show(rows: rows, truncate: truncate), schema: Schema([]), flavor: .dataFrame)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .show(rows, truncate) = node.op else { return "" }
        let truncateText = truncate == 20 ? "True" : truncate == 0 ? "False" : "\(truncate)"
        return "\(r.input(node, as: .dataFrame)).show(\(rows), truncate=\(truncateText))"
    }
}

/// `count`: the number of rows, which `run` returns when the step is an output.
struct CountOp: PipelineOperation {
    static let names = ["count"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input else { return nil }
        guard context.isBare else { return context.error("count takes no argument") }
        return BuiltOp(op: .count, schema: Schema([Field("count", .long, nullable: false)]), flavor: input.flavor)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        "\(node.name) = \(r.input(node, as: r.graph.nodes[node.inputs[0]].flavor)).count()"
    }
}

/// `printSchema`: prints the input's schema as Spark's tree.
struct PrintSchemaOp: PipelineOperation {
    static let names = ["printSchema"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard context.input != nil else { return nil }
        guard context.isBare else { return context.error("printSchema takes no argument") }
        return BuiltOp(op: .printSchema, schema: Schema([]), flavor: .dataFrame)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        "\(r.input(node, as: .dataFrame)).printSchema()"
    }
}

/// `writeCSV: path` (`header` true by default here) and `writeJSON: path`: one file, written
/// whole or not at all.
struct WriteOp: PipelineOperation {
    static let names = ["writeCSV", "writeJSON"]
    static let options = ["header"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let paths = context.paths(context.argument) else { return nil }
        guard paths.count == 1 else { return context.error("\(context.op) writes one file; give one path") }
        if case let .literal(path) = paths[0], path.contains("*") || path.contains("?") {
            return context.error("\(context.op) needs a file path, not a pattern")
        }
        if let array = input.schema.fields.first(where: { if case .array = $0.type { true } else { false } }), context.op == "writeCSV" {
            return context.error("CSV cannot hold array column '\(array.name)'; use writeJSON")
        }
        let header = context.reader.bool("header") ?? true
        return BuiltOp(op: .write(context.op == "writeCSV" ? .csv : .json, path: paths[0], header: header), schema: Schema([]), flavor: .dataFrame)
    }

    /// Spark writes a directory of part files; Kiln writes the one file.
    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .write(format, path, header) = node.op else { return "" }
        let target: String = switch path {
        case let .literal(text): r.py(text)
        case let .param(param): param
        }
        if format == .csv {
            return "\(r.input(node, as: .dataFrame)).coalesce(1).write.mode('overwrite').csv(\(target), header=\(header ? "True" : "False"))"
        }
        return "\(r.input(node, as: .dataFrame)).coalesce(1).write.mode('overwrite').json(\(target))"
    }
}

extension StageEmitter {
    /// A count streamed from its input's loop: the stage's sink holds the number.
    mutating func consumeCount() {
        line("rowCount += 1")
    }
}

extension PipelineSwiftRenderer {
    func showStep(_ index: Int) -> [String] {
        guard case let .show(rows, truncate) = nodes[index].op else { return [] }
        return ["context.output(\(nodes[nodes[index].inputs[0]].name).showString(rows: \(rows), truncate: \(truncate)))"]
    }

    /// printSchema() prints the tree and a newline.
    func printSchemaStep(_ index: Int) -> [String] {
        ["context.output(\(nodes[nodes[index].inputs[0]].name).schema.treeString + \"\\n\")"]
    }

    func writeStep(_ index: Int) -> [String] {
        guard case let .write(format, path, header) = nodes[index].op else { return [] }
        let target: String = switch path {
        case let .literal(text): Identifiers.swiftStringLiteral(text)
        case let .param(name): name
        }
        let input = nodes[nodes[index].inputs[0]].name
        return format == .csv ? ["try CSVWriter.write(\(input), to: \(target), header: \(header))"]
                              : ["try JSONWriter.write(\(input), to: \(target))"]
    }

    func countFrameStep(_ index: Int) -> [String] {
        ["let \(nodes[index].name) = Int64(\(nodes[nodes[index].inputs[0]].name).count)"]
    }

    /// Spark's count() of a file source reads no column: no field is parsed for it.
    func countRecordsStep(_ index: Int) -> [String] {
        let reader = readerExpression(nodes[index].inputs[0])  // "try Source(...)"
        return ["let \(nodes[index].name) = Int64(try \(reader.hasPrefix("try ") ? String(reader.dropFirst(4)) : reader).countRecords(context: context))"]
    }
}
