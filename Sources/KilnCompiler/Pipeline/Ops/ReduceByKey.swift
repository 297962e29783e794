import KilnCore
import KilnSpec

extension OpContext {
    /// The (key, value) columns of a pair dataset, or an error naming what the input has.
    func pairColumns(_ input: PlanNode) -> (key: TypedExpr, value: TypedExpr)? {
        guard input.schema.count == 2 else {
            diagnostics.error("'\(op)' needs (key, value) pairs, e.g. map: \"(lower(value), 1)\"; '\(input.name)' has \(input.schema.count) column\(input.schema.count == 1 ? "" : "s") (\(input.schema))", at: spec.op.location)
            return nil
        }
        let columns = passThrough(input.schema)
        return (columns[0], columns[1])
    }
}

/// `reduceByKey: "+"` (RDD.reduceByKey): folds each key's values with `+` (or `add`), `*`,
/// `min`, `max`, or a udf `(T, T) -> T`. Integer sums are longs (Python's ints do not overflow
/// at 32 bits). The result is pairs `_1, _2`.
struct ReduceByKeyOp: PipelineOperation {
    static let names = ["reduceByKey"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let (key, value) = context.pairColumns(input) else { return nil }
        guard let reducer = context.argument.string("reduceByKey", in: context.diagnostics) else { return nil }
        let at = context.argument.location
        var function: AggregateCall.Function
        var type = value.type
        var udf: String?
        var argument = value
        switch reducer.trimmingCharacters(in: .whitespaces) {
        case "+", "add", "sum", "operator.add":
            guard value.type.isNumeric else { return context.error("reduceByKey '+' needs numeric values; the values of '\(input.name)' are \(value.type)") }
            function = .sum
            type = value.type == .double ? .double : .long
            argument = ExpressionTyper(schema: input.schema, params: [:], udfs: [:], diagnostics: context.diagnostics).widen(value, to: type)
        case "*", "mul", "operator.mul":
            guard value.type.isNumeric else { return context.error("reduceByKey '*' needs numeric values; the values of '\(input.name)' are \(value.type)") }
            function = .product
            type = value.type == .double ? .double : .long
            argument = ExpressionTyper(schema: input.schema, params: [:], udfs: [:], diagnostics: context.diagnostics).widen(value, to: type)
        case "min": function = .min
        case "max": function = .max
        case let name:
            guard let signature = context.validator.udfs[name] else {
                var message = "unknown reducer '\(name)' for reduceByKey; expected +, *, min, max or a udf (T, T) -> T"
                if let guess = didYouMean(name, among: ["add", "min", "max"] + Array(context.validator.udfs.keys)) { message += "; did you mean '\(guess)'?" }
                return context.error(message)
            }
            guard signature.args == [value.type, value.type], signature.returns == .value(value.type) else {
                return context.error("udf '\(name)' must be (\(value.type), \(value.type)) -> \(value.type) to reduce the values of '\(input.name)'")
            }
            function = .reduceUDF
            udf = name
        }
        if case .array = value.type, function != .reduceUDF { return context.error("reduceByKey cannot \(reducer) array values") }
        let aggregate = AggregateCall(function: function, argument: argument, udf: udf, name: "_2", type: type, nullable: value.nullable, location: at)
        let schema = Schema([Field("_1", key.type, nullable: key.nullable), Field("_2", type, nullable: value.nullable)])
        return BuiltOp(op: .aggregate(keys: [key], aggregates: [aggregate]), schema: schema, flavor: .rdd)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .aggregate(_, aggregates) = node.op, let aggregate = aggregates.first else { return "" }
        let reducer: String = switch aggregate.function {
        case .sum: "add"
        case .product: "mul"
        case .min: "min"
        case .max: "max"
        default: aggregate.udf ?? "add"
        }
        return "\(node.name) = \(r.input(node, as: .rdd)).reduceByKey(\(reducer))"
    }
}

/// `groupByKey` (RDD.groupByKey): each key with the list of its values, in input order.
struct GroupByKeyOp: PipelineOperation {
    static let names = ["groupByKey"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let (key, value) = context.pairColumns(input) else { return nil }
        guard context.isBare else { return context.error("groupByKey takes no argument") }
        let aggregate = AggregateCall(function: .collectList, argument: value, name: "_2", type: .array(value.type), nullable: false, location: context.spec.op.location)
        let schema = Schema([Field("_1", key.type, nullable: key.nullable), Field("_2", .array(value.type), nullable: false)])
        return BuiltOp(op: .aggregate(keys: [key], aggregates: [aggregate]), schema: schema, flavor: .rdd)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        "\(node.name) = \(r.input(node, as: .rdd)).groupByKey().mapValues(list)"
    }
}
