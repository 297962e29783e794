import KilnCore
import KilnSpec

/// One stage's worker class: its sink's state, the join tables it probes, a `consume` function
/// per root (the batch loop) and one per operation in the stage. Each operation's function takes
/// a row of its input as typed arguments, computes its own row(s) and calls the next
/// operation's function, or appends to the sink. Everything is inlined into the batch loop.
struct StageEmitter {
    let renderer: PipelineSwiftRenderer
    let stage: PipelinePlan.Stage
    var lines: [String] = []
    /// Functions a member needs beside its own, written after it.
    var pendingFunctions: [[String]] = []

    init(renderer: PipelineSwiftRenderer, stage: PipelinePlan.Stage) {
        self.renderer = renderer; self.stage = stage
    }

    var nodes: [PipelinePlan.PlannedNode] { renderer.nodes }
    var sinkNode: Int { stage.sink.node }

    mutating func add(_ line: String) { lines.append(line) }

    func typeName(_ index: Int) -> String { renderer.typeName(nodes[index].name) }

    /// The columns a node's consume function takes: its input's, or a union's own.
    func parameterSchema(_ index: Int) -> Schema {
        let node = nodes[index]
        if case .union = node.op { return node.schema }
        return nodes[node.inputs[0]].schema
    }

    /// The member that reads `index`'s rows in this stage.
    func consumer(of index: Int) -> Int {
        renderer.plan.consumers[index].first { stage.members.contains($0) }!
    }

    mutating func render() -> String {
        let className = renderer.stageClassName(stage)
        add("    /// Stage \(stage.index + 1): \(renderer.describe(stage)).")
        add("    final class \(className): @unchecked Sendable {")
        add("        let scratch = Scratch()")
        var initLines: [String] = []
        switch stage.sink {
        case let .materialize(index):
            add("        let out = Frame(schema: \(renderer.schemaRef(index)))")
            for (column, field) in nodes[index].schema.fields.enumerated() {
                add("        let out\(column): \(SwiftTypes.column(field.type))  // \(Identifiers.commentText(field.name))")
                initLines.append("out\(column) = out.\(SwiftTypes.accessor(field.type))(\(column))")
            }
        case let .aggregate(index):
            add("        let agg = \(renderer.aggregationName(index))()")
            if stagesAggregate { add("        let staging = KeyStaging<\(stagedValuesType(index))>()  // rows on their way into agg") }
        case .count:
            add("        @exclusivity(unchecked) var rowCount: Int64 = 0  // one worker thread owns it")
        }
        let deps = renderer.stageDependencies(stage)
        for dep in deps { add("        let \(dep.label): \(dep.type)") }
        for join in renderer.joinsIn(stage) {
            let node = nodes[join]
            let build = nodes[node.inputs[1]]
            guard case let .join(how, _, rightKeys, _) = node.op else { continue }
            for (column, field) in build.schema.fields.enumerated() {
                let type = field.type.isArrayType ? "ListColumn" : field.type == .string ? "StringView" : "PrimitiveView<\(SwiftTypes.stage(field.type))>"
                add("        let \(node.name)Right\(column): \(type)  // \(Identifiers.commentText(build.name)).\(Identifiers.commentText(field.name))")
                initLines.append("\(node.name)Right\(column) = \(node.name)Build.\(SwiftTypes.accessor(field.type))(\(column))\(field.type.isArrayType ? "" : ".view")")
            }
            if how == .right || how == .full {
                add("        let matched\(typeName(join)): Buffer<UInt8>  // build rows a probe row matched")
                initLines.append("matched\(typeName(join)) = Buffer(repeating: 0, count: \(node.name)Table.rowCount)")
            }
            if rightKeys.count > 1 || (rightKeys.count == 1 && build.schema.fields[rightKeys[0]].type != .string) {
                add("        let \(node.name)Encoder = KeyEncoder()")
            }
        }
        add("")
        let labels = deps.map { "\($0.label): \($0.type)" }.joined(separator: ", ")
        if deps.isEmpty && initLines.isEmpty {
            add("        init() {}")
        } else {
            add("        init(\(labels)) {")
            for dep in deps { add("            self.\(dep.label) = \(dep.label)") }
            for line in initLines { add("            \(line)") }
            add("        }")
        }
        for root in stage.roots { add(""); renderRoot(root) }
        for member in stage.members { add(""); renderMember(member) }
        for join in renderer.joinsIn(stage) {
            guard case let .join(how, _, _, _) = nodes[join].op, how == .right || how == .full else { continue }
            add("")
            renderUnmatched(join)
        }
        add("    }")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The batch loop: each row of the root goes to its consumer.
    mutating func renderRoot(_ root: PipelinePlan.Root) {
        let node = nodes[root.node]
        let names = renderer.localNames(node.schema)
        add("        /// Rows of `\(node.name)`\(root.isReader ? " as they are read" : "").")
        // A text file read as it streams gives lines; a frame (a loaded source too) gives columns.
        var readsLines = false
        if root.isReader, case .textFile = node.op { readsLines = true }
        add("        func consume\(typeName(root.node))(_ batch: \(readsLines ? "LineBatch" : "Batch")) throws {")
        var arguments: [String] = []
        if readsLines {
            add("            let lines = batch.lines")
            arguments = ["lines.value(i)"]
        } else {
            for (column, (name, field)) in zip(names, node.schema.fields).enumerated() {
                let accessor = SwiftTypes.accessor(field.type)
                add("            let \(name) = batch.\(accessor)(\(column))")
                if case let .array(element) = field.type {
                    arguments.append("\(name).\(SwiftTypes.listReader(element))(i)" + (field.nullable ? "" : " ?? []"))
                } else {
                    arguments.append(field.nullable ? "\(name)[i]" : "\(name).value(i)")
                }
            }
        }
        add("            for i in batch.rows {")
        add("                scratch.reset()")
        add("                try \(renderer.consumeName(root.consumer))(\(arguments.joined(separator: ", ")))")
        add("            }")
        finishBatch(indent: "            ")
        add("        }")
    }

    /// Values passed on from a node's output: to the next node in the stage, or into the sink.
    mutating func emit(from index: Int, _ values: [SwiftValue], indent: String) {
        if index == sinkNode, case .materialize = stage.sink {
            for (column, value) in values.enumerated() {
                add("\(indent)out\(column).append(\(value.expr))")
            }
            return
        }
        add("\(indent)try \(renderer.consumeName(consumer(of: index)))(\(values.map(\.expr).joined(separator: ", ")))")
    }

    mutating func renderMember(_ index: Int) {
        let node = nodes[index]
        let schema = parameterSchema(index)
        let names = renderer.localNames(schema)
        let parameters = zip(names, schema.fields).map { "_ \($0): \(SwiftTypes.stage($1.type, nullable: $1.nullable))" }
        let input = node.inputs.first.map { nodes[$0].name } ?? ""
        add("        /// \(node.name) = \(Identifiers.commentText(node.op.summary))\(input.isEmpty ? "" : " of \(input)")")
        add("        @inline(__always) func \(renderer.consumeName(index))(\(parameters.joined(separator: ", "))) throws {")
        let columns = zip(names, schema.fields).map { SwiftValue(expr: $0, type: $1.type, nullable: $1.nullable) }
        let params = Dictionary(uniqueKeysWithValues: renderer.graph.params.map { param in
            (param.name, SwiftValue(expr: param.type == .string ? "p_\(param.name).value" : "p_\(param.name)", type: param.type, nullable: false))
        })
        let udfs = Dictionary(uniqueKeysWithValues: renderer.graph.udfs.map { ($0.name, $0) })
        let emitter = SwiftExpressionEmitter(columns: columns, params: params, udfs: udfs, indent: "            ")
        let indent = "            "
        func flush() { lines += emitter.lines; emitter.lines = [] }
        switch node.op {
        case let .project(exprs):
            let values = exprs.map(emitter.emit)
            flush()
            emit(from: index, values, indent: indent)
        case let .projectUDF(name, args):
            let values = args.map(emitter.emit)
            let signature = udfs[name]!
            guard case let .tuple(types) = signature.returns else { break }
            let converted = zip(values, signature.args).map { emitter.toUser($0.expr, $1) }
            flush()
            if values.contains(where: \.nullable) {
                add("\(indent)guard \(values.filter(\.nullable).map { "let \($0.expr)" }.joined(separator: ", ")) else {")
                emit(from: index, types.map { SwiftValue(expr: "(nil as \(SwiftTypes.stage($0))?)", type: $0, nullable: true) }, indent: indent + "    ")
                add("\(indent)    return")
                add("\(indent)}")
            }
            add("\(indent)let result = \(name)(\(converted.joined(separator: ", ")))  // udf \(name)")
            let outputs = types.enumerated().map { SwiftValue(expr: emitter.fromUser("result.\($0.offset)", $0.element), type: $0.element, nullable: false) }
            emit(from: index, outputs, indent: indent)
        case let .filter(condition):
            let value = emitter.emit(condition)
            flush()
            add("\(indent)guard \(value.expr)\(value.nullable ? " == true" : "") else { return }  // \(Identifiers.commentText(condition.sparkName))")
            emit(from: index, columns, indent: indent)
        case let .flatMap(expr):
            renderFlatMap(index, expr, emitter, indent: indent)
        case .union:
            emit(from: index, columns, indent: indent)
        case .join:
            renderProbe(index, columns, indent: indent)
        case .aggregate, .distinct:
            renderAggregate(index, emitter, indent: indent)
        case .count:
            add("\(indent)rowCount += 1")
        default:
            add("\(indent)fatalError(\"\(node.op.summary) does not run in a stage\")")
        }
        add("        }")
        for function in pendingFunctions { add(""); lines += function }
        pendingFunctions = []
    }

    mutating func renderFlatMap(_ index: Int, _ expr: TypedExpr, _ emitter: SwiftExpressionEmitter, indent: String) {
        let element = "element"
        func next(_ indent: String) -> (inout StageEmitter) -> Void {
            { $0.emit(from: index, [SwiftValue(expr: element, type: .string, nullable: false)], indent: indent) }
        }
        switch expr.node {
        case let .function(.splitWhitespace, args):
            let value = emitter.emit(args[0])
            lines += emitter.lines
            if value.nullable { add("\(indent)guard let \(value.expr) else { return }") }
            add("\(indent)var elements = KilnSQL.splitWhitespace(\(value.expr))  // Python's str.split()")
            add("\(indent)while let \(element) = elements.next() {")
            next(indent + "    ")(&self)
            add("\(indent)}")
        case let .function(.split, args):
            let value = emitter.emit(args[0])
            let separator = emitter.emit(args[1])
            lines += emitter.lines
            if value.nullable { add("\(indent)guard let \(value.expr) else { return }") }
            add("\(indent)for \(element) in KilnSQL.split(\(value.expr), \(separator.expr)) {")
            next(indent + "    ")(&self)
            add("\(indent)}")
        default:
            let value = emitter.emit(expr)
            lines += emitter.lines
            if value.nullable { add("\(indent)guard let \(value.expr) else { return }") }
            // Elements the schema calls non-null (a udf's) come unwrapped.
            let nullable = nodes[index].schema.fields[0].nullable
            add("\(indent)for \(nullable ? "" : "case let ")\(element)\(nullable ? "" : "?") in \(value.expr) {")
            let elementType = expr.type.element ?? .string
            emit(from: index, [SwiftValue(expr: element, type: elementType, nullable: nullable)], indent: indent + "    ")
            add("\(indent)}")
        }
    }

    /// A build-side value of row `m`.
    func buildValue(_ join: Int, _ column: Int, row: String) -> String {
        let node = nodes[join]
        let field = nodes[node.inputs[1]].schema.fields[column]
        let view = "\(node.name)Right\(column)"
        if case let .array(element) = field.type {
            return "\(view).\(SwiftTypes.listReader(element))(\(row))" + (field.nullable ? "" : " ?? []")
        }
        return field.nullable ? "\(view)[\(row)]" : "\(view).value(\(row))"
    }

    func nullValue(_ field: Field) -> SwiftValue {
        SwiftValue(expr: "(nil as \(SwiftTypes.stage(field.type))?)", type: field.type, nullable: true)
    }

    /// The join's output row: from the probe row, build row `row`, or nulls for a missing side.
    func joinOutput(_ join: Int, probe: [SwiftValue]?, buildRow: String?) -> [SwiftValue] {
        let node = nodes[join]
        guard case let .join(how, leftKeys, rightKeys, output) = node.op else { return [] }
        let left = nodes[node.inputs[0]].schema, right = nodes[node.inputs[1]].schema
        return output.enumerated().map { position, column in
            let field = node.schema.fields[position]
            switch column {
            case let .key(p):
                if let buildRow, how == .right || probe == nil {
                    return SwiftValue(expr: buildValue(join, rightKeys[p], row: buildRow), type: field.type, nullable: right.fields[rightKeys[p]].nullable)
                }
                return probe![leftKeys[p]]
            case let .left(i):
                return probe?[i] ?? nullValue(left.fields[i])
            case let .right(i):
                guard let buildRow else { return nullValue(right.fields[i]) }
                return SwiftValue(expr: buildValue(join, i, row: buildRow), type: right.fields[i].type, nullable: right.fields[i].nullable)
            }
        }
    }

    mutating func renderProbe(_ index: Int, _ columns: [SwiftValue], indent: String) {
        let node = nodes[index]
        guard case let .join(how, leftKeys, _, _) = node.op else { return }
        let table = "\(node.name)Table"
        if how == .cross {
            add("\(indent)for m in 0..<\(table).rowCount {")
            emit(from: index, joinOutput(index, probe: columns, buildRow: "m"), indent: indent + "    ")
            add("\(indent)}")
            return
        }
        let keys = leftKeys.map { columns[$0] }
        add("\(indent)var m = -1")
        if keys.count == 1 && keys[0].type == .string {
            if keys[0].nullable {
                add("\(indent)if let key = \(keys[0].expr) { m = \(table).first(key) }  // a null key matches nothing")
            } else {
                add("\(indent)m = \(table).first(\(keys[0].expr))")
            }
        } else {
            let encoder = "\(node.name)Encoder"
            add("\(indent)\(encoder).reset()")
            for key in keys { add("\(indent)\(encoder).add(\(key.expr))") }
            add("\(indent)if !\(encoder).hasNull { m = \(table).first(\(encoder).key) }  // a null key matches nothing")
        }
        switch how {
        case .semi:
            add("\(indent)guard m >= 0 else { return }")
            emit(from: index, joinOutput(index, probe: columns, buildRow: nil), indent: indent)
        case .anti:
            add("\(indent)guard m < 0 else { return }")
            emit(from: index, joinOutput(index, probe: columns, buildRow: nil), indent: indent)
        default:
            if how == .left || how == .full {
                add("\(indent)if m < 0 {")
                emit(from: index, joinOutput(index, probe: columns, buildRow: nil), indent: indent + "    ")
                add("\(indent)    return")
                add("\(indent)}")
            }
            add("\(indent)while m >= 0 {")
            if how == .right || how == .full { add("\(indent)    matched\(typeName(index))[m] = 1") }
            emit(from: index, joinOutput(index, probe: columns, buildRow: "m"), indent: indent + "    ")
            add("\(indent)    m = \(table).next(m)")
            add("\(indent)}")
        }
    }

    /// Right and full joins: build rows no probe row matched, with nulls for the probe side.
    mutating func renderUnmatched(_ join: Int) {
        add("        /// \(nodes[join].name): build rows that matched no probe row (right/full join).")
        add("        func emitUnmatched\(typeName(join))(_ rows: [Int]) throws {")
        add("            for m in rows {")
        add("                scratch.reset()")
        emit(from: join, joinOutput(join, probe: nil, buildRow: "m"), indent: "                ")
        add("            }")
        finishBatch(indent: "            ")
        add("        }")
    }

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
    mutating func finishBatch(indent: String) {
        guard case let .aggregate(index) = stage.sink else { return }
        let t = stagedTry(index)
        if stagesAggregate { add("\(indent)\(t)staging.drain { \(t)add\(typeName(index))(agg, $0, $1, $2) }  // rows still held back") }
        for (position, aggregate) in renderer.aggregation(index).aggregates.enumerated() where renderer.accumulator(aggregate).checked {
            add("\(indent)try agg.acc\(position).check()  // overflow in \(Identifiers.commentText(aggregate.name))")
        }
    }

    mutating func renderAggregate(_ index: Int, _ emitter: SwiftExpressionEmitter, indent: String) {
        let (keys, aggregates, _) = renderer.aggregation(index)
        let keyValues = keys.map(emitter.emit)
        let argumentValues = aggregates.map { $0.argument.map(emitter.emit) }
        lines += emitter.lines
        emitter.lines = []
        if stagesAggregate {
            let key = keyValues[0]
            let staged = argumentValues.compactMap { $0?.expr }
            let values = staged.count == 1 ? staged[0] : "(\(staged.joined(separator: ", ")))"
            let prefetches = aggregates.indices.map { "agg.acc\($0).prefetch(g)" }
            let prefetch = prefetches.isEmpty ? "{ _ in }" : "{ g in \(prefetches.joined(separator: "; ")) }"
            let add = "add\(typeName(index))", t = stagedTry(index)
            if key.nullable {
                self.add("\(indent)if let key = \(key.expr), staging.isActive(for: agg.table) {")
            } else {
                self.add("\(indent)if staging.isActive(for: agg.table) {")
            }
            let held = key.nullable ? "key" : key.expr
            self.add("\(indent)    \(t)stage\(typeName(index))(\(held), \(staged.isEmpty ? "()" : values))")
            self.add("\(indent)} else {")
            if key.nullable {
                self.add("\(indent)    if \(key.expr) == nil { \(t)staging.drain { \(t)\(add)(agg, $0, $1, $2) } }  // rows held back go first")
            }
            // A small table: the row goes straight in (add's body, inline).
            self.add("\(indent)    let key = \(key.expr), hash = \(key.expr)\(key.nullable ? "?.fastHash ?? 0" : ".fastHash")\(staged.isEmpty ? "" : ", values = \(values)")")
            lines += addBody(key: key, aggregates: aggregates, argumentValues: argumentValues, indent: indent + "    ")
            self.add("\(indent)}")
            let throwing = t.isEmpty ? "" : " throws"
            pendingFunctions.append([
                "        /// \(nodes[index].name): a row into the staging ring (a large table). Out of line, so that",
                "        /// the loop stays small for small tables.",
                "        @inline(never) func stage\(typeName(index))(_ key: KStr, _ values: \(stagedValuesType(index)))\(throwing) {",
                "            \(t)withBorrowed(agg) { agg in  // not retained and released per row",
                "                \(t)staging.push(key, values, table: agg.table, prefetchGroup: \(prefetch)) { \(t)\(add)(agg, $0, $1, $2) }",
                "            }",
                "        }",
            ])
            pendingFunctions.append(stagedAdd(index, key: key, aggregates: aggregates, argumentValues: argumentValues))
            return
        }
        if keys.isEmpty {
            add("\(indent)let g = 0  // one group")
        } else {
            if renderer.keyIsTableKey(index) {
                // One string key: its bytes are the table's key (a null gets its own group),
                // and the table keeps it.
                let key = keyValues[0].expr
                let insert = keyValues[0].nullable ? "if let \(key) { agg.table.insert(\(key)) } else { agg.table.insertNull() }"
                                                   : "agg.table.insert(\(key))"
                add("\(indent)\(aggregates.isEmpty ? "_" : "let g") = \(insert)")
            } else {
                add("\(indent)agg.encoder.reset()")
                for value in keyValues { add("\(indent)agg.encoder.add(\(value.expr))") }
                add("\(indent)\(aggregates.isEmpty ? "_" : "let g") = agg.table.insert(agg.encoder.key)")
                // A new group is numbered after those whose keys are already kept.
                add("\(indent)if \(aggregates.isEmpty ? "agg.table.count" : "g + 1") > agg.key0.count {")
                // A DataFrame's double keys are kept as Spark normalizes them (-0.0 is 0.0, one
                // NaN); an RDD keeps the first key it meets, as Python's dict does.
                let isRDD = nodes[index].graphIndex.map { renderer.graph.nodes[$0].flavor == .rdd } ?? false
                for (position, value) in keyValues.enumerated() {
                    let kept = value.type == .double && !isRDD ? "KilnSQL.groupKey(\(value.expr))" : value.expr
                    add("\(indent)    agg.key\(position).append(\(kept))")
                }
                add("\(indent)}")
            }
        }
        addToAccumulators(aggregates, argumentValues, indent: indent)
    }

    /// `add<Name>(key, hash, values)`: one staged row into its group.
    func stagedAdd(_ index: Int, key: SwiftValue, aggregates: [AggregateCall], argumentValues: [SwiftValue?]) -> [String] {
        let keyType = SwiftTypes.stage(.string, nullable: key.nullable)
        let throwing = stagedTry(index).isEmpty ? "" : " throws"
        return ["        /// \(nodes[index].name): one row into its group (`hash` is the key's).",
                "        @inline(__always) func add\(typeName(index))(_ agg: \(renderer.aggregationName(index)), _ key: \(keyType), _ hash: UInt64, _ values: \(stagedValuesType(index)))\(throwing) {"]
            + addBody(key: key, aggregates: aggregates, argumentValues: argumentValues, indent: "            ")
            + ["        }"]
    }

    /// The body of `add<Name>`, on `key`, `hash` and `values` in scope.
    func addBody(key: SwiftValue, aggregates: [AggregateCall], argumentValues: [SwiftValue?], indent: String) -> [String] {
        var emitter = self
        emitter.lines = []
        let group = aggregates.isEmpty ? "_" : "let g"
        emitter.add(key.nullable ? "\(indent)\(group) = if let key { agg.table.insert(key, hash: hash) } else { agg.table.insertNull() }"
                                 : "\(indent)\(group) = agg.table.insert(key, hash: hash)")
        // The arguments, as held: `values` itself or its elements.
        let count = argumentValues.compactMap { $0 }.count
        var position = 0
        let held: [SwiftValue?] = argumentValues.map { value in
            guard let value else { return nil }
            defer { position += 1 }
            return SwiftValue(expr: count == 1 ? "values" : "values.\(position)", type: value.type, nullable: value.nullable)
        }
        emitter.addToAccumulators(aggregates, held, indent: indent)
        return emitter.lines
    }

    mutating func addToAccumulators(_ aggregates: [AggregateCall], _ argumentValues: [SwiftValue?], indent: String) {
        for (position, aggregate) in aggregates.enumerated() {
            let accumulator = renderer.accumulator(aggregate)
            let tryPrefix = accumulator.throwingAdd ? "try " : ""
            let comment = "  // \(Identifiers.commentText(aggregate.name))"
            switch aggregate.function {
            case .countStar:
                add("\(indent)agg.acc\(position).add(g, counting: true)\(comment)")
            case .count:
                let value = argumentValues[position]!
                add("\(indent)agg.acc\(position).add(g, counting: \(value.nullable ? "\(value.expr) != nil" : "true"))\(comment)")
            case .reduceUDF:
                let value = argumentValues[position]!
                let converted = value.nullable ? "\(value.expr).map { \(SwiftExpressionEmitter.toUser("$0", value.type)) }" : SwiftExpressionEmitter.toUser(value.expr, value.type)
                add("\(indent)\(tryPrefix)agg.acc\(position).add(g, \(converted))\(comment)")
            default:
                add("\(indent)\(tryPrefix)agg.acc\(position).add(g, \(argumentValues[position]!.expr))\(comment)")
            }
        }
    }
}
