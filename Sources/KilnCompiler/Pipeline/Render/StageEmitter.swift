import KilnCore
import KilnSpec

/// One stage's worker class: its sink's state, the join tables it probes, a `consume` function
/// per root (the batch loop) and one per operation in the stage. Each operation's function takes
/// a row of its input as typed arguments, computes its own row(s) and calls the next
/// operation's function, or appends to the sink. Everything is inlined into the batch loop.
/// Each operation's body is written by its own file (Ops/); this is the stage around them.
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

    /// The lines an expression emitter wrote (values it computes before they are used).
    mutating func flush(_ emitter: SwiftExpressionEmitter) {
        lines += emitter.lines
        emitter.lines = []
    }

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
        for join in renderer.joinsIn(stage) { joinFields(join, initLines: &initLines) }
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
        // Each operation's body lives with it (Ops/).
        switch node.op {
        case let .project(exprs): consumeProject(index, exprs, emitter, indent: indent)
        case let .projectUDF(name, args): consumeUDFMap(index, name, args, emitter, indent: indent)
        case let .filter(condition): consumeFilter(index, condition, columns, emitter, indent: indent)
        case let .flatMap(expr): consumeFlatMap(index, expr, emitter, indent: indent)
        case .union: consumeUnion(index, columns, indent: indent)
        case .join: consumeProbe(index, columns, indent: indent)
        case .aggregate, .distinct: consumeAggregate(index, emitter, indent: indent)
        case .count: consumeCount(indent: indent)
        default:
            add("\(indent)fatalError(\"\(node.op.summary) does not run in a stage\")")
        }
        add("        }")
        for function in pendingFunctions { add(""); lines += function }
        pendingFunctions = []
    }
}
