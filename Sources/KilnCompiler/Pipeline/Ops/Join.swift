import KilnCore
import KilnSpec

/// `join: other` with `on: location` (or a list) and `how:` (Spark's spellings; default
/// inner). Columns as Spark's USING join: the keys, then the left's others, then the right's;
/// a right join takes the keys from the right, a full join coalesces them; semi and anti keep
/// the left's columns only. `how: cross` takes no `on`.
struct JoinOp: PipelineOperation {
    static let names = ["join"]
    static let options = ["on", "how"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let name = context.argument.string("join", in: context.diagnostics),
              let other = context.node(named: Located(name, at: context.argument.location)) else { return nil }
        var how = JoinType.inner
        if let node = context.reader["how"] {
            guard let text = node.string("how", in: context.diagnostics) else { return nil }
            guard let parsed = JoinType.parse(text) else {
                var message = "Unsupported join type '\(text)'. Supported join types include: \(JoinType.spellings.map { "'\($0)'" }.joined(separator: ", "))."
                if let guess = didYouMean(text, among: JoinType.spellings) { message += " Did you mean '\(guess)'?" }
                return context.error(message, at: node.location)
            }
            how = parsed
        }
        let onNode = context.reader["on"]
        if how == .cross {
            if let onNode { return context.error("a cross join pairs every row with every row and takes no 'on'", at: onNode.location) }
            let fields = input.schema.fields + other.schema.fields
            let output = input.schema.fields.indices.map(JoinColumn.left) + other.schema.fields.indices.map(JoinColumn.right)
            return BuiltOp(op: .join(.cross, leftKeys: [], rightKeys: [], output: output), schema: Schema(fields), flavor: .dataFrame, extraInputs: [other.index])
        }
        guard let onNode else {
            return context.error("join needs 'on:' naming the column(s) both sides share, e.g. on: location (or how: cross)", at: context.spec.op.location)
        }
        guard let names = context.columnList(onNode, "on"), !names.isEmpty else { return nil }
        // Spark's USING join: a key one side lacks is UNRESOLVED_USING_COLUMN_FOR_JOIN, which
        // lists that side's columns by name.
        for (side, schema) in [("left", input.schema), ("right", other.schema)] {
            for name in names where schema.index(of: name.value) == nil {
                let columns = schema.names.sorted { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }.map(SparkSuggestions.quoted)
                return context.error("USING column \(SparkSuggestions.quoted(name.value)) cannot be resolved on the \(side) side of the join. The \(side)-side columns: [\(columns.joined(separator: ", "))].", at: name.location)
            }
        }
        guard let leftKeys = context.columnIndices(names, in: input.schema), let rightKeys = context.columnIndices(names, in: other.schema) else { return nil }
        for (l, r) in zip(leftKeys, rightKeys) {
            let a = input.schema.fields[l], b = other.schema.fields[r]
            if a.type != b.type {
                return context.error("join column '\(a.name)' is \(a.type) in '\(input.name)' but \(b.type) in '\(other.name)'; cast one side with select", at: onNode.location)
            }
            if case .array = a.type { return context.error("cannot join on an array column ('\(a.name)')", at: onNode.location) }
        }
        var fields: [Field] = []
        var output: [JoinColumn] = []
        for (position, (l, r)) in zip(leftKeys, rightKeys).enumerated() {
            let a = input.schema.fields[l], b = other.schema.fields[r]
            let nullable: Bool = switch how {
            case .right: b.nullable
            case .full: a.nullable && b.nullable
            default: a.nullable
            }
            fields.append(Field(how == .right ? b.name : a.name, a.type, nullable: nullable))
            output.append(.key(position))
        }
        let leftRest = input.schema.fields.indices.filter { !leftKeys.contains($0) }
        let rightRest = other.schema.fields.indices.filter { !rightKeys.contains($0) }
        let leftNullable = how == .right || how == .full, rightNullable = how == .left || how == .full
        for index in leftRest {
            let field = input.schema.fields[index]
            fields.append(Field(field.name, field.type, nullable: field.nullable || leftNullable))
            output.append(.left(index))
        }
        if how != .semi && how != .anti {
            for index in rightRest {
                let field = other.schema.fields[index]
                fields.append(Field(field.name, field.type, nullable: field.nullable || rightNullable))
                output.append(.right(index))
            }
        }
        return BuiltOp(op: .join(how, leftKeys: leftKeys, rightKeys: rightKeys, output: output), schema: Schema(fields),
                       flavor: .dataFrame, extraInputs: [other.index])
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .join(how, leftKeys, _, _) = node.op else { return "" }
        let left = r.input(node, as: .dataFrame), right = r.input(node, 1, as: .dataFrame)
        if how == .cross { return "\(node.name) = \(left).crossJoin(\(right))" }
        let on = leftKeys.map { r.py(r.graph.nodes[node.inputs[0]].schema.fields[$0].name) }
        let spelled: String = switch how {
        case .semi: "left_semi"
        case .anti: "left_anti"
        default: how.rawValue
        }
        return "\(node.name) = \(left).join(\(right), on=[\(on.joined(separator: ", "))], how=\(r.py(spelled)))"
    }
}
