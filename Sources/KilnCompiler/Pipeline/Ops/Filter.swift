import KilnCore
import KilnSpec

/// `filter: "state == 'CA'"` (also `where`): keeps the rows where the condition is true
/// (null counts as false, as SQL's three-valued logic).
struct FilterOp: PipelineOperation {
    static let names = ["filter", "where"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let typed = context.expression(context.argument, schema: input.schema) else { return nil }
        guard typed.type == .boolean else {
            return context.error("filter needs a boolean condition, such as state == 'CA'; \"\(typed.sparkName)\" has the type \"\(typed.type.sqlName)\"", at: typed.location)
        }
        return BuiltOp(op: .filter(typed), schema: input.schema, flavor: input.flavor)
    }
}
