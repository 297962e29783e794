import KilnCore
import KilnSpec

/// `groupBy: [location]` with `agg:` (DataFrame.groupBy(...).agg(...)). `agg` is
/// - a list of aggregates: `[sum(rating), "avg(rating) as mean", count(*), count(distinct state)]`;
/// - a mapping of columns to functions, as `agg({'rating': 'sum'})`: `{rating: sum}`; its
///   columns come in the order Spark gives a dict's entries (`SparkMapOrder`), not the spec's;
/// - one function name, as GroupedData's shortcuts: `sum`, `avg`/`mean`, `min`, `max` over
///   every numeric column (`df.groupBy('location').sum()`), or `count` (a `count` column).
/// `groupBy: []` aggregates the whole input into one row.
struct GroupByOp: PipelineOperation {
    static let names = ["groupBy"]
    static let options = ["agg"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input else { return nil }
        var keys: [TypedExpr] = []
        if !context.isBare {
            let items: [YAMLNode]
            if case let .sequence(list) = context.argument.value { items = list } else { items = [context.argument] }
            for item in items {
                guard let typed = context.expression(item, schema: input.schema) else { return nil }
                if case .array = typed.type { return context.error("cannot group by an array column (\(typed.sparkName))", at: item.location) }
                keys.append(typed)
            }
        }
        guard let aggNode = context.reader["agg"] else {
            return context.error("groupBy needs 'agg:' to say what to compute per group, e.g. agg: [sum(rating)], agg: {rating: avg} or agg: count", at: context.spec.op.location)
        }
        let typer = context.typer(input.schema)
        var aggregates: [AggregateCall] = []
        switch aggNode.value {
        case let .scalar(text, _) where ["sum", "avg", "mean", "min", "max", "count"].contains(text.lowercased()):
            let function = text.lowercased()
            if function == "count" {
                aggregates = [AggregateCall(function: .countStar, argument: nil, name: "count", type: .long, nullable: false, location: aggNode.location)]
            } else {
                let numeric = input.schema.fields.enumerated().filter { $0.element.type.isNumeric }
                guard !numeric.isEmpty else {
                    return context.error("agg: \(text) applies to numeric columns, and '\(input.name)' has none (\(input.schema))", at: aggNode.location)
                }
                for (index, field) in numeric {
                    let call = Expr(.call(function, [Expr(.column(field.name), at: aggNode.location)], distinct: false), at: aggNode.location)
                    guard let aggregate = typer.aggregate(call) else { return nil }
                    _ = index
                    aggregates.append(aggregate)
                }
            }
        case .scalar:
            guard let parsed = ExpressionParser.parse(aggNode, diagnostics: context.diagnostics), let aggregate = typer.aggregate(parsed) else { return nil }
            aggregates = [aggregate]
        case let .mapping(pairs):
            for (position, (key, value)) in pairs.enumerated() {
                guard case let .scalar(column, _) = key.value, let function = value.string("agg", in: context.diagnostics) else { return nil }
                // agg({...}) resolves its keys as df[name] does: an unknown one lists every
                // column, in order, unranked.
                if column != "*", input.schema.index(of: column) == nil {
                    return context.error("A column, variable, or function parameter with name \(SparkSuggestions.quoted(column)) cannot be resolved. Did you mean one of the following? [\(input.schema.names.map(SparkSuggestions.quoted).joined(separator: ", "))].", at: key.location)
                }
                let argument: Expr = column == "*" ? Expr(.star, at: key.location) : Expr(.column(column), at: key.location)
                guard var aggregate = typer.aggregate(Expr(.call(function, [argument], distinct: false), at: value.location)) else { return nil }
                aggregate.dictEntry = AggregateCall.DictEntry(column: column, function: function, position: position)
                aggregates.append(aggregate)
            }
            // As agg({...}): the columns come in the order Spark's Map gives the entries.
            aggregates = SparkMapOrder.order(aggregates.map { $0.dictEntry?.column ?? $0.name }).map { aggregates[$0] }
        case let .sequence(items):
            for item in items {
                guard let parsed = ExpressionParser.parse(item, diagnostics: context.diagnostics), let aggregate = typer.aggregate(parsed) else { return nil }
                aggregates.append(aggregate)
            }
        }
        guard !aggregates.isEmpty else { return context.error("agg needs at least one aggregate", at: aggNode.location) }
        let keyFields = keys.map { key in Field(key.columnIndex.map { input.schema.fields[$0].name } ?? key.sparkName, key.type, nullable: key.nullable) }
        let fields = keyFields + aggregates.map { Field($0.name, $0.type, nullable: $0.nullable) }
        return BuiltOp(op: .aggregate(keys: keys, aggregates: aggregates), schema: Schema(fields), flavor: .dataFrame)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .aggregate(keys, aggregates) = node.op else { return "" }
        let df = r.dataFrame
        let keyColumns = keys.map { key -> String in
            let column = df.render(key)
            let fieldName = key.columnIndex.map { r.graph.nodes[node.inputs[0]].schema.fields[$0].name } ?? key.sparkName
            return key.columnIndex != nil ? r.py(fieldName) : column
        }
        let grouped = "\(r.input(node, as: .dataFrame)).groupBy(\(keyColumns.joined(separator: ", ")))"
        let entries = aggregates.compactMap(\.dictEntry).sorted { $0.position < $1.position }
        if !entries.isEmpty, entries.count == aggregates.count {
            // The spec's mapping as the same dict: Spark orders its columns.
            let dict = entries.map { "\(r.py($0.column)): \(r.py($0.function))" }.joined(separator: ", ")
            return "\(node.name) = \(grouped).agg({\(dict)})"
        }
        let aggregateColumns = aggregates.map { aggregate -> String in
            let argument = aggregate.argument.map { df.render($0, dropImplicitCasts: true) } ?? "F.lit(1)"
            let call: String = switch aggregate.function {
            case .sum: "F.sum(\(argument))"
            case .avg: "F.avg(\(argument))"
            case .min: "F.min(\(argument))"
            case .max: "F.max(\(argument))"
            case .count: "F.count(\(argument))"
            case .countStar: "F.count(F.lit(1))"
            case .countDistinct: "F.countDistinct(\(argument))"
            case .first: "F.first(\(argument))"
            case .product: "F.product(\(argument))"
            case .collectList: "F.collect_list(\(argument))"
            case .reduceUDF: "F.collect_list(\(argument))"
            }
            let natural: String = switch aggregate.function {
            case .countStar: "count(1)"
            default: "\(aggregate.function == .countDistinct ? "count(DISTINCT " : "\(aggregate.function.sparkFunction)(")\(aggregate.argument?.sparkName ?? "")\(")")"
            }
            return aggregate.name == natural ? call : "\(call).alias(\(r.py(aggregate.name)))"
        }
        return "\(node.name) = \(grouped).agg(\(aggregateColumns.joined(separator: ", ")))"
    }
}

extension AggregateCall.Function {
    /// The function's name in Spark's column names.
    var sparkFunction: String {
        switch self {
        case .sum: "sum"
        case .avg: "avg"
        case .min: "min"
        case .max: "max"
        case .count, .countStar: "count"
        case .countDistinct: "count"
        case .first: "first"
        case .product: "product"
        case .collectList, .reduceUDF: "collect_list"
        }
    }
}
