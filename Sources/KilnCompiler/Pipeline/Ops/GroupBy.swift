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

// The Swift of `.aggregate` (groupBy, reduceByKey, groupByKey) and `.distinct` (distinct,
// dropDuplicates), which all hash-aggregate: a stage's sink and its state.
extension StageEmitter {
    /// Whether rows reach the stage's aggregation through a `KeyStaging` ring (see there): for
    /// one string key, whose table can outgrow the caches, and scalar arguments, which can be
    /// held back by value.
    var stagesAggregate: Bool {
        guard case let .aggregate(index) = stage.sink else { return false }
        let (keys, aggregates, _) = renderer.aggregation(index)
        return keys.count == 1 && keys[0].type == .string && aggregates.allSatisfy { aggregate in
            aggregate.function != .reduceUDF && aggregate.function != .collectList
                && (aggregate.argument.map { $0.type != .string && !$0.type.isArrayType } ?? true)
        }
    }

    /// `try ` where adding a staged row can throw (a udf reduction).
    func stagedTry(_ index: Int) -> String {
        renderer.aggregation(index).aggregates.contains { renderer.accumulator($0).throwingAdd } ? "try " : ""
    }

    /// The Swift type of the values a staged row holds: its aggregates' arguments.
    func stagedValuesType(_ index: Int) -> String {
        let types = renderer.aggregation(index).aggregates.compactMap { $0.argument.map { SwiftTypes.stage($0.type, nullable: $0.nullable) } }
        return types.count == 1 ? types[0] : "(\(types.joined(separator: ", ")))"
    }

    /// Drains the ring and throws an error an accumulator noted (long overflow): run at the
    /// end of every entry point, before the workers' states merge.
    mutating func finishBatch() {
        guard case let .aggregate(index) = stage.sink else { return }
        let t = stagedTry(index)
        if stagesAggregate { line("\(t)staging.drain { \(t)add\(typeName(index))(agg, $0, $1, $2) }  // rows still held back") }
        for (position, aggregate) in renderer.aggregation(index).aggregates.enumerated() where renderer.accumulator(aggregate).checked {
            line("try agg.acc\(position).check()  // overflow in \(Identifiers.commentText(aggregate.name))")
        }
    }

    mutating func consumeAggregate(_ index: Int, _ emitter: SwiftExpressionEmitter) {
        let (keys, aggregates, _) = renderer.aggregation(index)
        let keyValues = keys.map(emitter.emit)
        let argumentValues = aggregates.map { $0.argument.map(emitter.emit) }
        flush(emitter)
        if stagesAggregate {
            let key = keyValues[0]
            let staged = argumentValues.compactMap { $0?.expr }
            let values = staged.count == 1 ? staged[0] : "(\(staged.joined(separator: ", ")))"
            let prefetches = aggregates.indices.map { "agg.acc\($0).prefetch(g)" }
            let prefetch = prefetches.isEmpty ? "{ _ in }" : "{ g in \(prefetches.joined(separator: "; ")) }"
            let add = "add\(typeName(index))", stageRow = "stage\(typeName(index))", t = stagedTry(index)
            line(key.nullable ? "if let key = \(key.expr), staging.isActive(for: agg.table) {" : "if staging.isActive(for: agg.table) {")
            let held = key.nullable ? "key" : key.expr
            printer.indented { $0.line("\(t)\(stageRow)(\(held), \(staged.isEmpty ? "()" : values))") }
            line("} else {")
            indented {
                if key.nullable {
                    $0.line("if \(key.expr) == nil { \(t)staging.drain { \(t)\(add)(agg, $0, $1, $2) } }  // rows held back go first")
                }
                // A small table: the row goes straight in (add's body, inline).
                $0.line("let key = \(key.expr), hash = \(key.expr)\(key.nullable ? "?.fastHash ?? 0" : ".fastHash")\(staged.isEmpty ? "" : ", values = \(values)")")
                $0.addBody(key: key, aggregates: aggregates, argumentValues: argumentValues)
            }
            line("}")
            let throwing = t.isEmpty ? "" : " throws"
            var function = CodePrinter()
            function.line("/// \(nodes[index].name): a row into the staging ring (a large table). Out of line, so that")
            function.line("/// the loop stays small for small tables.")
            function.block("@inline(never) func \(stageRow)(_ key: KStr, _ values: \(stagedValuesType(index)))\(throwing) {") {
                $0.block("\(t)withBorrowed(agg) { agg in  // not retained and released per row") {
                    $0.line("\(t)staging.push(key, values, table: agg.table, prefetchGroup: \(prefetch)) { \(t)\(add)(agg, $0, $1, $2) }")
                }
            }
            pendingFunctions.append(function.lines)
            pendingFunctions.append(stagedAdd(index, key: key, aggregates: aggregates, argumentValues: argumentValues))
            return
        }
        if keys.isEmpty {
            line("let g = 0  // one group")
        } else {
            if renderer.keyIsTableKey(index) {
                // One string key: its bytes are the table's key (a null gets its own group),
                // and the table keeps it.
                let key = keyValues[0].expr
                let insert = keyValues[0].nullable ? "if let \(key) { agg.table.insert(\(key)) } else { agg.table.insertNull() }"
                                                   : "agg.table.insert(\(key))"
                line("\(aggregates.isEmpty ? "_" : "let g") = \(insert)")
            } else {
                line("agg.encoder.reset()")
                for value in keyValues { line("agg.encoder.add(\(value.expr))") }
                line("\(aggregates.isEmpty ? "_" : "let g") = agg.table.insert(agg.encoder.key)")
                // A DataFrame's double keys are kept as Spark normalizes them (-0.0 is 0.0, one
                // NaN); an RDD keeps the first key it meets, as Python's dict does.
                let isRDD = nodes[index].graphIndex.map { renderer.graph.nodes[$0].flavor == .rdd } ?? false
                let kept = keyValues.map { $0.type == .double && !isRDD ? "KilnSQL.groupKey(\($0.expr))" : $0.expr }
                // A new group is numbered after those whose keys are already kept.
                printer.block("if \(aggregates.isEmpty ? "agg.table.count" : "g + 1") > agg.key0.count {") { out in
                    for (position, value) in kept.enumerated() { out.line("agg.key\(position).append(\(value))") }
                }
            }
        }
        addToAccumulators(aggregates, argumentValues)
    }

    /// `add<Name>(key, hash, values)`: one staged row into its group.
    mutating func stagedAdd(_ index: Int, key: SwiftValue, aggregates: [AggregateCall], argumentValues: [SwiftValue?]) -> [String] {
        let keyType = SwiftTypes.stage(.string, nullable: key.nullable)
        let throwing = stagedTry(index).isEmpty ? "" : " throws"
        let doc = "/// \(nodes[index].name): one row into its group (`hash` is the key's)."
        let opener = "@inline(__always) func add\(typeName(index))(_ agg: \(renderer.aggregationName(index)), _ key: \(keyType), _ hash: UInt64, _ values: \(stagedValuesType(index)))\(throwing) {"
        return apart {
            $0.line(doc)
            $0.block(opener) { $0.addBody(key: key, aggregates: aggregates, argumentValues: argumentValues) }
        }
    }

    /// The body of `add<Name>`, on `key`, `hash` and `values` in scope.
    mutating func addBody(key: SwiftValue, aggregates: [AggregateCall], argumentValues: [SwiftValue?]) {
        let group = aggregates.isEmpty ? "_" : "let g"
        line(key.nullable ? "\(group) = if let key { agg.table.insert(key, hash: hash) } else { agg.table.insertNull() }"
                          : "\(group) = agg.table.insert(key, hash: hash)")
        // The arguments, as held: `values` itself or its elements.
        let count = argumentValues.compactMap { $0 }.count
        var position = 0
        let held: [SwiftValue?] = argumentValues.map { value in
            guard let value else { return nil }
            defer { position += 1 }
            return SwiftValue(expr: count == 1 ? "values" : "values.\(position)", type: value.type, nullable: value.nullable)
        }
        addToAccumulators(aggregates, held)
    }

    mutating func addToAccumulators(_ aggregates: [AggregateCall], _ argumentValues: [SwiftValue?]) {
        for (position, aggregate) in aggregates.enumerated() {
            let accumulator = renderer.accumulator(aggregate)
            let tryPrefix = accumulator.throwingAdd ? "try " : ""
            let comment = "  // \(Identifiers.commentText(aggregate.name))"
            switch aggregate.function {
            case .countStar:
                line("agg.acc\(position).add(g, counting: true)\(comment)")
            case .count:
                let value = argumentValues[position]!
                line("agg.acc\(position).add(g, counting: \(value.nullable ? "\(value.expr) != nil" : "true"))\(comment)")
            case .reduceUDF:
                let value = argumentValues[position]!
                let converted = value.nullable ? "\(value.expr).map { \(SwiftExpressionEmitter.toUser("$0", value.type)) }" : SwiftExpressionEmitter.toUser(value.expr, value.type)
                line("\(tryPrefix)agg.acc\(position).add(g, \(converted))\(comment)")
            default:
                line("\(tryPrefix)agg.acc\(position).add(g, \(argumentValues[position]!.expr))\(comment)")
            }
        }
    }
}

extension PipelineSwiftRenderer {
    func aggregationName(_ index: Int) -> String { typeName(nodes[index].name) + "Aggregation" }

    /// Keys and aggregates of an aggregate or distinct node, in output order.
    func aggregation(_ index: Int) -> (keys: [TypedExpr], aggregates: [AggregateCall], order: [Int]) {
        let node = nodes[index]
        let input = nodes[node.inputs[0]].schema
        switch node.op {
        case let .aggregate(keys, aggregates):
            return (keys, aggregates, Array(0..<(keys.count + aggregates.count)))
        case let .distinct(subset):
            let columns = input.fields.enumerated().map {
                TypedExpr(.column($0.offset, name: $0.element.name), $0.element.type, nullable: $0.element.nullable, sparkName: $0.element.name, at: node.location)
            }
            guard let subset else { return (columns, [], Array(columns.indices)) }
            let rest = columns.indices.filter { !subset.contains($0) }
            let firsts = rest.map { AggregateCall(function: .first, argument: columns[$0], name: input.fields[$0].name, type: input.fields[$0].type, nullable: input.fields[$0].nullable, location: node.location) }
            // finish() yields keys then firsts; the output wants the input's column order.
            let produced = subset + rest
            return (subset.map { columns[$0] }, firsts, input.fields.indices.map { produced.firstIndex(of: $0)! })
        default:
            return ([], [], [])
        }
    }

    func accumulator(_ aggregate: AggregateCall, global: Bool = false) -> (type: String, initializer: String, throwingAdd: Bool, throwingMerge: Bool, checked: Bool) {
        // checked: adds note an error (long overflow) that `check()` throws after each batch.
        // A sum can be null only for a nullable argument, or for the one group of a global
        // aggregation, which exists before any row does.
        let sumNullable = global || (aggregate.argument?.nullable ?? true)
        let argumentType = aggregate.argument?.type ?? .long
        switch aggregate.function {
        case .sum:
            return aggregate.type == .double ? ("SumDouble", "SumDouble()", false, false, false) : ("SumLong", "SumLong(nullable: \(sumNullable))", false, true, true)
        case .product:
            return aggregate.type == .double ? ("ProductDouble", "ProductDouble()", false, false, false) : ("ProductLong", "ProductLong()", false, true, true)
        case .avg: return ("Average", "Average()", false, false, false)
        case .count, .countStar: return ("Count", "Count()", false, false, false)
        case .min, .max:
            let max = aggregate.function == .max
            if argumentType == .string { return ("MinMaxString", "MinMaxString(max: \(max))", false, false, false) }
            let t = "MinMax<\(SwiftTypes.stage(argumentType))>"
            return (t, "\(t)(max: \(max))", false, false, false)
        case .first: return ("First", "First(\(typeLiteral(argumentType)))", false, false, false)
        case .countDistinct: return ("CountDistinct", "CountDistinct()", false, false, false)
        case .collectList: return ("CollectList", "CollectList(\(typeLiteral(argumentType)))", false, false, false)
        case .reduceUDF:
            let user = SwiftTypes.user(argumentType)
            let column = reduceColumnClosure(argumentType)
            return ("ReduceWith<\(user)>", "ReduceWith<\(user)>({ \(aggregate.udf!)($0, $1) }, column: \(column))", true, true, false)
        }
    }

    /// Turns a udf reduction's Swift values into a column.
    func reduceColumnClosure(_ type: DataType) -> String {
        switch type {
        case .string: "{ values in let c = StringColumn(); values.forEach { $0.map { c.append($0) } ?? c.appendNull() }; return .string(c) }"
        case .int: "{ values in let c = PrimitiveColumn<Int32>(); values.forEach { c.append($0) }; return .int(c) }"
        case .long: "{ values in let c = PrimitiveColumn<Int64>(); values.forEach { c.append($0) }; return .long(c) }"
        case .double: "{ values in let c = PrimitiveColumn<Double>(); values.forEach { c.append($0) }; return .double(c) }"
        case .boolean: "{ values in let c = PrimitiveColumn<Bool>(); values.forEach { c.append($0) }; return .boolean(c) }"
        case .array, .vector: "{ _ in fatalError(\"arrays and vectors cannot be reduced\") }"
        }
    }

    func columnCase(_ type: DataType) -> String {
        switch type {
        case .string: "string"
        case .int: "int"
        case .long: "long"
        case .double: "double"
        case .boolean: "boolean"
        case .array: "list"
        case .vector: "vector"
        }
    }

    /// Whether an aggregation's one key is a string whose bytes are the table's key: the
    /// table's keys are then the key column (no copy per worker).
    func keyIsTableKey(_ index: Int) -> Bool {
        let keys = aggregation(index).keys
        return keys.count == 1 && keys[0].type == .string
    }

    func aggregationState(_ index: Int) -> String {
        let node = nodes[index]
        let (keys, aggregates, order) = aggregation(index)
        let tableKeys = keyIsTableKey(index)
        let name = aggregationName(index)
        var out = CodePrinter(level: 1)
        out.line("/// Per-worker state of `\(node.name)`: " + (keys.isEmpty ? "one group" : "groups by \(keys.map { Identifiers.commentText($0.sparkName) }.joined(separator: ", "))") + ".")
        out.block("final class \(name): AggregationState {") { out in
            out.line("static let isGlobal = \(keys.isEmpty)")
            out.line("let table = KeyTable()")
            out.line("let encoder = KeyEncoder()")
            for (position, key) in keys.enumerated() where !tableKeys {
                out.line("let key\(position) = \(SwiftTypes.column(key.type))(\(key.type.isArrayType ? "elementType: \(typeLiteral(key.type.element!))" : ""))  // \(Identifiers.commentText(key.sparkName))")
            }
            for (position, aggregate) in aggregates.enumerated() {
                out.line("let acc\(position) = \(accumulator(aggregate, global: keys.isEmpty).initializer)  // \(Identifiers.commentText(aggregate.name))")
            }
            out.line()
            out.line(keys.isEmpty ? "required init() { _ = table.insert(KStr.empty) }  // the one group" : "required init() {}")
            out.line()
            if keys.isEmpty {
                out.line("func copyKey(from other: \(name), group: Int) {}")
            } else if tableKeys {
                out.line("func copyKey(from other: \(name), group: Int) {}  // the table keeps the keys")
            } else {
                out.block("func copyKey(from other: \(name), group: Int) {") { out in
                    for position in keys.indices { out.line("key\(position).append(from: other.key\(position), row: group)") }
                }
            }
            out.line()
            let throwing = aggregates.contains { accumulator($0).throwingMerge }
            out.block("func merge(from other: \(name), remap: UnsafeBufferPointer<Int>) \(throwing ? "throws " : ""){") { out in
                for (position, aggregate) in aggregates.enumerated() {
                    out.line("\(accumulator(aggregate).throwingMerge ? "try " : "")acc\(position).merge(from: other.acc\(position), remap: remap)")
                }
            }
            out.line()
            let produced = (tableKeys ? [".string(table.keyColumn())"] : keys.enumerated().map { ".\(columnCase($0.element.type))(key\($0.offset))" })
                + aggregates.indices.map { "acc\($0).finish(groups: table.count)" }
            out.block("func finish() -> [AnyColumn] {") { out in
                out.line("[\(order.map { produced[$0] }.joined(separator: ", "))]")
            }
        }
        return out.text
    }
}
