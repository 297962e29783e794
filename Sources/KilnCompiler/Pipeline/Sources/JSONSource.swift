import KilnCore
import KilnSpec

/// `json: path` (Spark's `spark.read.json`): JSON lines, one object per line, with a declared
/// `schema` (fields absent from an object are null) and Spark's `mode`.
struct JSONSource: PipelineOperation {
    static let names = ["json"]
    static let options = ["schema", "mode"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let paths = context.paths(context.argument) else { return nil }
        guard let mode = context.parseMode() else { return nil }
        guard let node = context.reader["schema"] else {
            return context.error("json source '\(context.spec.name.value)' needs a schema, e.g. schema: {name: string, age: long}")
        }
        guard let schema = context.schema(node) else { return nil }
        return BuiltOp(op: .json(paths: paths, options: JSONReadOptions(mode: mode)), schema: schema, flavor: .dataFrame)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .json(list, options) = node.op else { return "" }
        return "\(node.name) = spark.read.json(\(r.paths(list)), schema=\(r.py(r.ddl(node.schema))), mode=\(r.py(options.mode.rawValue)))"
    }
}

extension PipelineSwiftRenderer {
    func jsonReader(_ index: Int, _ paths: [PathArgument], _ options: JSONReadOptions) -> String {
        "try JSONSource(paths: \(pathList(paths)), schema: \(schemaRef(index)), mode: .\(modeCase(options.mode)))"
    }
}
