import KilnCore
import KilnSpec

/// `union: other` (RDD.union, DataFrame.union): the rows of both, by column position; the
/// result keeps the first input's column names. Column types must match.
struct UnionOp: PipelineOperation {
    static let names = ["union"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let name = context.argument.string("union", in: context.diagnostics),
              let other = context.node(named: Located(name, at: context.argument.location)) else { return nil }
        guard other.schema.count == input.schema.count else {
            return context.error("union needs the same number of columns: '\(input.name)' has \(input.schema.count) (\(input.schema)), '\(other.name)' has \(other.schema.count) (\(other.schema))")
        }
        for (a, b) in zip(input.schema.fields, other.schema.fields) where a.type != b.type {
            return context.error("union pairs columns by position: '\(input.name).\(a.name)' is \(a.type) but '\(other.name).\(b.name)' is \(b.type); cast one with select")
        }
        let fields = zip(input.schema.fields, other.schema.fields).map { Field($0.name, $0.type, nullable: $0.nullable || $1.nullable) }
        return BuiltOp(op: .union, schema: Schema(fields), flavor: input.flavor, extraInputs: [other.index])
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        "\(node.name) = \(r.input(node, as: node.flavor)).union(\(r.input(node, 1, as: node.flavor)))"
    }
}

extension StageEmitter {
    /// Both inputs' loops call it with their rows, which pass on as they are.
    mutating func consumeUnion(_ index: Int, _ columns: [SwiftValue]) {
        emit(from: index, columns)
    }
}
