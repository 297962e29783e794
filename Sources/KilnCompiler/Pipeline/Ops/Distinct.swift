import KilnCore
import KilnSpec

/// `distinct`: one row per distinct row, the first one met.
struct DistinctOp: PipelineOperation {
    static let names = ["distinct"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input else { return nil }
        if let array = input.schema.fields.first(where: { if case .array = $0.type { true } else { false } }) {
            return context.error("\(context.op) cannot compare array column '\(array.name)'")
        }
        guard context.isBare || context.argument.scalarKind == .bool(true) else { return context.error("distinct takes no argument") }
        return BuiltOp(op: .distinct(subset: nil), schema: input.schema, flavor: input.flavor)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        "\(node.name) = \(r.input(node, as: node.flavor)).distinct()"
    }
}

/// `dropDuplicates: [subset]`: one row per distinct value of the subset, the first one met;
/// bare, as distinct.
struct DropDuplicatesOp: PipelineOperation {
    static let names = ["dropDuplicates"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input else { return nil }
        if context.isBare { return DistinctOp.build(context) }
        if let array = input.schema.fields.first(where: { if case .array = $0.type { true } else { false } }) {
            return context.error("\(context.op) cannot compare array column '\(array.name)'")
        }
        guard let names = context.columnList(context.argument, "dropDuplicates") else { return nil }
        // Spark's dropDuplicates resolves names itself, with its own words.
        for name in names where input.schema.index(of: name.value) == nil {
            return context.error("Cannot resolve column name \"\(name.value)\" among (\(input.schema.names.joined(separator: ", "))).", at: name.location)
        }
        guard let indices = context.columnIndices(names, in: input.schema) else { return nil }
        return BuiltOp(op: .distinct(subset: indices), schema: input.schema, flavor: .dataFrame)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .distinct(subset?) = node.op else { return DistinctOp.pyspark(node, in: r) }
        let columns = subset.map { r.py(r.graph.nodes[node.inputs[0]].schema.fields[$0].name) }
        return "\(node.name) = \(r.input(node, as: .dataFrame)).dropDuplicates([\(columns.joined(separator: ", "))])"
    }
}
