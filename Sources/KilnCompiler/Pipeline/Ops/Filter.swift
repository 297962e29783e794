import KilnCore
import KilnSpec

/// `filter: "state == 'CA'"`: keeps the rows where the condition is true
/// (null counts as false, as SQL's three-valued logic).
struct FilterOp: PipelineOperation {
    static let names = ["filter"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let typed = context.expression(context.argument, schema: input.schema) else { return nil }
        guard typed.type == .boolean else {
            return context.error("Cannot resolve \"\(typed.sparkName)\" due to data type mismatch: Filter expression \"\(typed.sparkName)\" of type \"\(typed.type.sqlName)\" is not a boolean.", at: typed.location)
        }
        return BuiltOp(op: .filter(typed), schema: input.schema, flavor: input.flavor)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .filter(condition) = node.op else { return "" }
        if node.flavor == .rdd {
            let rdd = r.rdd(node)
            return "\(node.name) = \(r.input(node, as: .rdd)).filter(lambda \(rdd.parameter): \(rdd.render(condition)))"
        }
        return "\(node.name) = \(r.input(node, as: .dataFrame)).filter(\(r.dataFrame.render(condition)))"
    }
}

/// `where`: DataFrame.where, filter under its other name. A type of its own so that the list
/// of operations (`PipelineValidator.stepOperations`, which messages show) keeps Spark's
/// order: RDD words, then DataFrame words.
struct WhereOp: PipelineOperation {
    static let names = ["where"]

    static func build(_ context: OpContext) -> BuiltOp? { FilterOp.build(context) }
    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String { FilterOp.pyspark(node, in: r) }
}

extension StageEmitter {
    /// A row whose condition is false or null goes no further.
    mutating func consumeFilter(_ index: Int, _ condition: TypedExpr, _ columns: [SwiftValue], _ emitter: SwiftExpressionEmitter) {
        let value = emitter.emit(condition)
        flush(emitter)
        line("guard \(value.expr)\(value.nullable ? " == true" : "") else { return }  // \(Identifiers.commentText(condition.sparkName))")
        emit(from: index, columns)
    }
}
