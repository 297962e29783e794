import KilnCore
import KilnSpec

extension OpContext {
    /// The identity projection of a schema (for ops that rename or pass columns through).
    func passThrough(_ schema: Schema) -> [TypedExpr] {
        schema.fields.enumerated().map {
            TypedExpr(.column($0.offset, name: $0.element.name), $0.element.type, nullable: $0.element.nullable, sparkName: $0.element.name, at: spec.op.location)
        }
    }
}

/// `select: [location, "rating * 2 as double_rating", "*"]` (DataFrame.select).
struct SelectOp: PipelineOperation {
    static let names = ["select"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input else { return nil }
        let items: [YAMLNode]
        if case let .sequence(list) = context.argument.value { items = list } else { items = [context.argument] }
        guard !items.isEmpty else { return context.error("select needs at least one column") }
        var exprs: [TypedExpr] = [], fields: [Field] = []
        var ok = true
        for item in items {
            if case let .scalar(text, _) = item.value, text.trimmingCharacters(in: .whitespaces) == "*" {
                exprs += context.passThrough(input.schema)
                fields += input.schema.fields
                continue
            }
            guard let parsed = ExpressionParser.parse(item, diagnostics: context.diagnostics) else { ok = false; continue }
            var inner = parsed
            var alias: String?
            if case let .alias(operand, name) = parsed.node { inner = operand; alias = name }
            guard let typed = context.typer(input.schema).type(inner) else { ok = false; continue }
            exprs.append(typed)
            let name = alias ?? (typed.columnIndex.map { input.schema.fields[$0].name } ?? typed.sparkName)
            fields.append(Field(name, typed.type, nullable: typed.nullable))
        }
        guard ok else { return nil }
        return BuiltOp(op: .project(exprs), schema: Schema(fields), flavor: .dataFrame)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String { r.select(node) }
}

/// `withColumn: {total: "price * quantity"}` (DataFrame.withColumns): a column of the same
/// name is replaced where it stands, new ones are appended; all read the input's columns.
struct WithColumnOp: PipelineOperation {
    static let names = ["withColumn"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let pairs = context.argument.mapping("withColumn", in: context.diagnostics) else { return nil }
        guard !pairs.isEmpty else { return context.error("withColumn needs at least one column, e.g. withColumn: {total: \"price * 2\"}") }
        var exprs = context.passThrough(input.schema)
        var fields = input.schema.fields
        var ok = true
        for (key, value) in pairs {
            guard case let .scalar(name, _) = key.value, !name.isEmpty else {
                context.diagnostics.error("expected a column name as the key in withColumn", at: key.location)
                ok = false
                continue
            }
            guard let typed = context.expression(value, schema: input.schema) else { ok = false; continue }
            let field = Field(name, typed.type, nullable: typed.nullable)
            if let index = input.schema.index(of: name) {
                exprs[index] = typed
                fields[index] = Field(input.schema.fields[index].name, typed.type, nullable: typed.nullable)
            } else {
                exprs.append(typed)
                fields.append(field)
            }
        }
        guard ok else { return nil }
        return BuiltOp(op: .project(exprs), schema: Schema(fields), flavor: .dataFrame)
    }

    /// Only the columns it adds or replaces.
    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .project(exprs) = node.op else { return "" }
        var changed: [String] = []
        for (index, expr) in exprs.enumerated() where expr.columnIndex != index {
            changed.append("\(r.py(node.schema.fields[index].name)): \(r.dataFrame.render(expr))")
        }
        return "\(node.name) = \(r.input(node, as: .dataFrame)).withColumns({\(changed.joined(separator: ", "))})"
    }
}

/// `withColumnRenamed: {old: new}`.
struct WithColumnRenamedOp: PipelineOperation {
    static let names = ["withColumnRenamed"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let pairs = context.argument.mapping("withColumnRenamed", in: context.diagnostics) else { return nil }
        var fields = input.schema.fields
        for (key, value) in pairs {
            guard case let .scalar(old, _) = key.value, let new = value.string("withColumnRenamed", in: context.diagnostics) else { return nil }
            guard let index = context.columnIndices([Located(old, at: key.location)], in: input.schema)?.first else { return nil }
            fields[index].name = new
        }
        return BuiltOp(op: .project(context.passThrough(input.schema)), schema: Schema(fields), flavor: .dataFrame)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String { r.select(node) }
}

/// `drop: [col, ...]`.
struct DropOp: PipelineOperation {
    static let names = ["drop"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let names = context.columnList(context.argument, "drop") else { return nil }
        // A name two columns share (a join's) drops both, as Spark's drop.
        var dropped: [Int] = []
        for name in names {
            let matches = input.schema.fields.indices.filter { input.schema.fields[$0].name.lowercased() == name.value.lowercased() }
            if matches.count > 1 { dropped += matches; continue }
            guard let index = context.columnIndices([name], in: input.schema)?.first else { return nil }
            dropped.append(index)
        }
        let kept = input.schema.fields.indices.filter { !dropped.contains($0) }
        let all = context.passThrough(input.schema)
        return BuiltOp(op: .project(kept.map { all[$0] }), schema: Schema(kept.map { input.schema.fields[$0] }), flavor: .dataFrame)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String { r.select(node) }
}

extension PySparkRenderer {
    /// A DataFrame projection (`.project`: select, withColumnRenamed, drop, and toDF and collect
    /// of a DataFrame) as a select whose column names are the node's.
    func select(_ node: PlanNode) -> String {
        guard case let .project(exprs) = node.op else { return "" }
        let source = graph.nodes[node.inputs[0]]
        let columns = zip(exprs, node.schema.fields).map { expr, field -> String in
            var column = dataFrame.render(expr)
            let natural = expr.columnIndex.map { source.schema.fields[$0].name } ?? expr.sparkName
            if natural != field.name { column += ".alias(\(py(field.name)))" }
            return column
        }
        return "\(node.name) = \(input(node, as: .dataFrame)).select(\(columns.joined(separator: ", ")))"
    }
}

extension StageEmitter {
    /// A projection (`.project`, whichever operation made it: select, withColumn, map, drop,
    /// keys, toDF, collect, a sort's key columns) computes its values and passes them on.
    mutating func consumeProject(_ index: Int, _ exprs: [TypedExpr], _ emitter: SwiftExpressionEmitter) {
        let values = exprs.map(emitter.emit)
        flush(emitter)
        emit(from: index, values)
    }
}
