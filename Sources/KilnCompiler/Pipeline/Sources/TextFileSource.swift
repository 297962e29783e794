import KilnCore
import KilnSpec

/// `textFile: path` (Spark's `sc.textFile`): one row per line, column `value`. Globs and
/// lists of paths read every matching file; lines end at \n, \r\n or \r, as Hadoop's reader.
struct TextFileSource: PipelineOperation {
    static let names = ["textFile"]
    static let options = ["minPartitions"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let paths = context.paths(context.argument) else { return nil }
        _ = context.reader["minPartitions"].flatMap { context.positiveInt($0, "minPartitions") }
        return BuiltOp(op: .textFile(paths: paths), schema: Schema([Field("value", .string, nullable: false)]), flavor: .rdd)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .textFile(list) = node.op else { return "" }
        return "\(node.name) = sc.textFile(\(list.count == 1 ? r.paths(list) : "','.join(\(r.paths(list)))"))"
    }
}

extension PipelineSwiftRenderer {
    func textFileReader(_ paths: [PathArgument]) -> String {
        "try TextSource(paths: \(pathList(paths)))"
    }
}
