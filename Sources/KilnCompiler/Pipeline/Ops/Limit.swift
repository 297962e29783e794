import KilnCore
import KilnSpec

/// `limit: n` (DataFrame.limit): the first n rows.
struct LimitOp: PipelineOperation {
    static let names = ["limit"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let count = context.positiveInt(context.argument, context.op) else { return nil }
        return BuiltOp(op: .limit(count), schema: input.schema, flavor: input.flavor)
    }

    /// An RDD has no limit: its first rows as a new RDD.
    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .limit(n) = node.op else { return "" }
        if node.flavor == .rdd { return "\(node.name) = sc.parallelize(\(r.input(node, as: .rdd)).take(\(n)))" }
        return "\(node.name) = \(r.input(node, as: .dataFrame)).limit(\(n))"
    }
}

/// `take: n` (RDD.take): limit by its RDD name, a type of its own only to keep Spark's order
/// in the list of operations (as `WhereOp`).
struct TakeOp: PipelineOperation {
    static let names = ["take"]

    static func build(_ context: OpContext) -> BuiltOp? { LimitOp.build(context) }
    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String { LimitOp.pyspark(node, in: r) }
}

/// `collect`: every row, for `run` to return (the dataset itself).
struct CollectOp: PipelineOperation {
    static let names = ["collect"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input else { return nil }
        guard context.isBare else { return context.error("collect takes no argument") }
        return BuiltOp(op: .project(context.passThrough(input.schema)), schema: input.schema, flavor: input.flavor)
    }

    /// An RDD is the dataset itself; a DataFrame is selected whole.
    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard node.flavor == .dataFrame else { return "\(node.name) = \(r.input(node, as: .rdd))" }
        return r.select(node)
    }
}

extension PipelineSwiftRenderer {
    func limitStep(_ index: Int) -> [String] {
        guard case let .limit(n) = nodes[index].op else { return [] }
        return ["let \(nodes[index].name) = \(nodes[nodes[index].inputs[0]].name).prefix(\(n))"]
    }
}
