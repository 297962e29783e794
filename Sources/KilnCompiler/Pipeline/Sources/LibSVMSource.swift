import KilnCore
import KilnSpec

/// `libsvm: path` (`spark.read.format("libsvm").load(path)`): rows of label (double) and
/// features (a sparse vector; `vectorType: dense` for dense ones), `numFeatures` inferred
/// unless given.
struct LibSVMSource: PipelineOperation {
    static let names = ["libsvm"]
    static let options = ["numFeatures", "vectorType"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let paths = context.paths(context.argument) else { return nil }
        var numFeatures: Int?
        if let node = context.reader["numFeatures"] {
            guard let n = context.positiveInt(node, "numFeatures", allowZero: false) else { return nil }
            numFeatures = n
        }
        var dense = false
        if let node = context.reader["vectorType"] {
            guard let text = node.string("vectorType", in: context.diagnostics) else { return nil }
            guard text == "sparse" || text == "dense" else {
                return context.error("Invalid value `\(text)` for parameter `vectorType`. Expected types are `sparse` and `dense`.", at: node.location)
            }
            dense = text == "dense"
        }
        let schema = Schema([Field("label", .double, nullable: true), Field("features", .vector, nullable: true)])
        return BuiltOp(op: .libsvm(paths: paths, numFeatures: numFeatures, dense: dense), schema: schema, flavor: .dataFrame)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .libsvm(paths, numFeatures, dense) = node.op else { return "" }
        var options = ""
        if let numFeatures { options += ".option('numFeatures', \(numFeatures))" }
        if dense { options += ".option('vectorType', 'dense')" }
        return "\(node.name) = spark.read.format('libsvm')\(options).load(\(paths.count == 1 ? r.paths(paths) : r.paths(paths)))"
    }
}

extension PipelineSwiftRenderer {
    func libsvmStep(_ index: Int) -> [String] {
        guard case let .libsvm(paths, numFeatures, dense) = nodes[index].op else { return [] }
        return ["// \(nodes[index].name): libsvm rows (label, features)",
                "let \(nodes[index].name) = try LibSVMReader.read(paths: \(pathList(paths))\(numFeatures.map { ", numFeatures: \($0)" } ?? "")\(dense ? ", dense: true" : ""))"]
    }
}
