import KilnCore
import KilnSpec

/// `map: "(lower(value), 1)"` (RDD.map): one output row per input row. A tuple gives columns
/// `_1, _2, ...` (a pair RDD); anything else gives one column `value`.
struct MapOp: PipelineOperation {
    static let names = ["map"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let parsed = ExpressionParser.parse(context.argument, diagnostics: context.diagnostics) else { return nil }
        let typer = context.typer(input.schema)
        if case let .tuple(items) = parsed.node {
            var exprs: [TypedExpr] = []
            for item in items {
                guard let typed = typer.type(item) else { continue }
                exprs.append(typed)
            }
            guard exprs.count == items.count else { return nil }
            let fields = exprs.enumerated().map { Field("_\($0.offset + 1)", $0.element.type, nullable: $0.element.nullable) }
            return BuiltOp(op: .project(exprs), schema: Schema(fields), flavor: .rdd)
        }
        // A udf returning a tuple fills several columns.
        if case let .call(name, _, false) = parsed.node, let udf = context.validator.udfs[name], case let .tuple(types) = udf.returns {
            let wrapped = ExpressionTyper(schema: input.schema, params: context.validator.paramTypes,
                                          udfs: [name: UDFSignature(name: name, args: udf.args, returns: .value(.string), location: udf.location)],
                                          diagnostics: context.diagnostics)
            guard let typed = wrapped.type(parsed), case let .udf(_, typedArgs) = typed.node else { return nil }
            let nullable = typedArgs.contains { $0.nullable }
            let fields = types.enumerated().map { Field("_\($0.offset + 1)", $0.element, nullable: nullable) }
            return BuiltOp(op: .projectUDF(name, args: typedArgs), schema: Schema(fields), flavor: .rdd)
        }
        guard let typed = typer.type(parsed) else { return nil }
        return BuiltOp(op: .project([typed]), schema: Schema([Field("value", typed.type, nullable: typed.nullable)]), flavor: .rdd)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .projectUDF(udf, args) = node.op else { return r.rddMap(node) }
        let rdd = r.rdd(node)
        return "\(node.name) = \(r.input(node, as: .rdd)).map(lambda \(rdd.parameter): \(udf)(\(args.map(rdd.render).joined(separator: ", "))))"
    }
}

/// `flatMap: "split(value)"` (RDD.flatMap): the expression must give an array; each element
/// becomes a row with one column `value`.
struct FlatMapOp: PipelineOperation {
    static let names = ["flatMap"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let typed = context.expression(context.argument, schema: input.schema) else { return nil }
        guard case let .array(element) = typed.type else {
            return context.error("flatMap needs an expression that gives an array, such as split(value); \"\(typed.sparkName)\" gives \(typed.type)", at: typed.location)
        }
        // split's and udfs' elements are never null; other arrays' may be.
        let nullElements: Bool = switch typed.node {
        case .function(.split, _), .function(.splitWhitespace, _), .udf: false
        default: true
        }
        return BuiltOp(op: .flatMap(typed), schema: Schema([Field("value", element, nullable: nullElements)]), flavor: .rdd)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .flatMap(expr) = node.op else { return "" }
        let rdd = r.rdd(node)
        return "\(node.name) = \(r.input(node, as: .rdd)).flatMap(lambda \(rdd.parameter): \(rdd.render(expr)))"
    }
}

/// `keys` / `values` (RDD.keys(), RDD.values()) of a pair dataset.
struct KeysValuesOp: PipelineOperation {
    static let names = ["keys", "values"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input else { return nil }
        guard context.isBare else { return context.error("'\(context.op)' takes no argument") }
        guard input.schema.count == 2 else {
            return context.error("'\(context.op)' needs (key, value) pairs; '\(input.name)' has \(input.schema.count) column\(input.schema.count == 1 ? "" : "s") (\(input.schema))", at: context.spec.op.location)
        }
        let index = context.op == "keys" ? 0 : 1
        let field = input.schema.fields[index]
        let expr = TypedExpr(.column(index, name: field.name), field.type, nullable: field.nullable, sparkName: field.name, at: context.spec.op.location)
        return BuiltOp(op: .project([expr]), schema: Schema([Field("value", field.type, nullable: field.nullable)]), flavor: .rdd)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String { r.rddMap(node) }
}

/// `toDF: [location, state, rating]` (RDD.toDF / DataFrame.toDF): names the columns.
struct ToDFOp: PipelineOperation {
    static let names = ["toDF"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input else { return nil }
        var names = input.schema.names
        if !context.isBare {
            guard let given = context.columnList(context.argument, "toDF") else { return nil }
            guard given.count == input.schema.count else {
                return context.error("toDF got \(given.count) name\(given.count == 1 ? "" : "s") for \(input.schema.count) column\(input.schema.count == 1 ? "" : "s") (\(input.schema))")
            }
            names = given.map(\.value)
        }
        let exprs = input.schema.fields.enumerated().map {
            TypedExpr(.column($0.offset, name: $0.element.name), $0.element.type, nullable: $0.element.nullable, sparkName: $0.element.name, at: context.spec.op.location)
        }
        let fields = zip(names, input.schema.fields).map { Field($0, $1.type, nullable: $1.nullable) }
        return BuiltOp(op: .project(exprs), schema: Schema(fields), flavor: .dataFrame)
    }

    /// An RDD becomes a DataFrame of the node's schema; a DataFrame's columns are renamed.
    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        let source = r.graph.nodes[node.inputs[0]]
        guard source.flavor == .rdd else { return r.select(node) }
        return "\(node.name) = _kiln_frame(spark, \(source.name), \(r.py(r.ddl(node.schema))))"
    }
}

extension PySparkRenderer {
    /// An RDD projection (`.project` of map, keys, values) as a map: one value, or a tuple.
    func rddMap(_ node: PlanNode) -> String {
        guard case let .project(exprs) = node.op else { return "" }
        let rdd = rdd(node)
        let body = exprs.count == 1 ? rdd.render(exprs[0]) : "(" + exprs.map(rdd.render).joined(separator: ", ") + ")"
        return "\(node.name) = \(input(node, as: .rdd)).map(lambda \(rdd.parameter): \(body))"
    }
}

extension StageEmitter {
    /// A udf returning a tuple: its items are the row (all null when an argument is null).
    mutating func consumeUDFMap(_ index: Int, _ name: String, _ args: [TypedExpr], _ emitter: SwiftExpressionEmitter) {
        let values = args.map(emitter.emit)
        let signature = emitter.udfs[name]!
        guard case let .tuple(types) = signature.returns else { return }
        let converted = zip(values, signature.args).map { emitter.toUser($0.expr, $1) }
        flush(emitter)
        if values.contains(where: \.nullable) {
            let nulls = types.map { SwiftValue(expr: "(nil as \(SwiftTypes.stage($0))?)", type: $0, nullable: true) }
            block("guard \(values.filter(\.nullable).map { "let \($0.expr)" }.joined(separator: ", ")) else {") {
                $0.emit(from: index, nulls)
                $0.line("return")
            }
        }
        line("let result = \(name)(\(converted.joined(separator: ", ")))  // udf \(name)")
        let outputs = types.enumerated().map { SwiftValue(expr: emitter.fromUser("result.\($0.offset)", $0.element), type: $0.element, nullable: false) }
        emit(from: index, outputs)
    }

    mutating func consumeFlatMap(_ index: Int, _ expr: TypedExpr, _ emitter: SwiftExpressionEmitter) {
        let element = "element"
        let passOn = [SwiftValue(expr: element, type: .string, nullable: false)]
        switch expr.node {
        case let .function(.splitWhitespace, args):
            let value = emitter.emit(args[0])
            flush(emitter)
            if value.nullable { line("guard let \(value.expr) else { return }") }
            line("var elements = KilnSQL.splitWhitespace(\(value.expr))  // Python's str.split()")
            block("while let \(element) = elements.next() {") { $0.emit(from: index, passOn) }
        case let .function(.split, args):
            let value = emitter.emit(args[0])
            let separator = emitter.emit(args[1])
            flush(emitter)
            if value.nullable { line("guard let \(value.expr) else { return }") }
            block("for \(element) in KilnSQL.split(\(value.expr), \(separator.expr)) {") { $0.emit(from: index, passOn) }
        default:
            let value = emitter.emit(expr)
            flush(emitter)
            if value.nullable { line("guard let \(value.expr) else { return }") }
            // Elements the schema calls non-null (a udf's) come unwrapped.
            let nullable = nodes[index].schema.fields[0].nullable
            let elementType = expr.type.element ?? .string
            block("for \(nullable ? "" : "case let ")\(element)\(nullable ? "" : "?") in \(value.expr) {") {
                $0.emit(from: index, [SwiftValue(expr: element, type: elementType, nullable: nullable)])
            }
        }
    }
}
