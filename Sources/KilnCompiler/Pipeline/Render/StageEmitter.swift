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
    /// The class is a member of the pipeline's enum.
    var printer = CodePrinter(level: 1)
    /// Functions a member needs beside its own (from level 0), written after it at its level.
    var pendingFunctions: [[String]] = []

    init(renderer: PipelineSwiftRenderer, stage: PipelinePlan.Stage) {
        self.renderer = renderer; self.stage = stage
    }

    var nodes: [PipelinePlan.PlannedNode] { renderer.nodes }
    var sinkNode: Int { stage.sink.node }

    mutating func line(_ text: String = "") { printer.line(text) }

    /// The lines `body` writes, through a printer of their own from level 0; the stage's
    /// printer is left as it was.
    mutating func apart(_ body: (inout StageEmitter) -> Void) -> [String] {
        let outer = printer
        printer = CodePrinter()
        body(&self)
        defer { printer = outer }
        return printer.lines
    }

    /// `body` one level deeper. It writes through the emitter (its own functions), which
    /// `CodePrinter.indented`'s closure can't reach while that holds the printer.
    mutating func indented(_ body: (inout StageEmitter) -> Void) {
        let inner = apart(body)
        printer.indented { $0.lines(inner) }
    }

    /// `opener`, `body` one level deeper, `}`.
    mutating func block(_ opener: String, _ body: (inout StageEmitter) -> Void) {
        line(opener)
        indented(body)
        line("}")
    }

    /// The statements an expression emitter wrote (values it computes before they are used).
    mutating func flush(_ emitter: SwiftExpressionEmitter) {
        printer.lines(emitter.take())
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
        line("/// Stage \(stage.index + 1): \(renderer.describe(stage)).")
        block("final class \(renderer.stageClassName(stage)): @unchecked Sendable {") { $0.renderClassBody() }
        return printer.text
    }

    mutating func renderClassBody() {
        line("let scratch = Scratch()")
        var initLines: [String] = []
        switch stage.sink {
        case let .materialize(index):
            line("let out = Frame(schema: \(renderer.schemaRef(index)))")
            for (column, field) in nodes[index].schema.fields.enumerated() {
                line("let out\(column): \(SwiftTypes.column(field.type))  // \(Identifiers.commentText(field.name))")
                initLines.append("out\(column) = out.\(SwiftTypes.accessor(field.type))(\(column))")
            }
        case let .aggregate(index):
            line("let agg = \(renderer.aggregationName(index))()")
            if stagesAggregate { line("let staging = KeyStaging<\(stagedValuesType(index))>()  // rows on their way into agg") }
        case .count:
            line("@exclusivity(unchecked) var rowCount: Int64 = 0  // one worker thread owns it")
        }
        let deps = renderer.stageDependencies(stage)
        for dep in deps { line("let \(dep.label): \(dep.type)") }
        for join in renderer.joinsIn(stage) { joinFields(join, initLines: &initLines) }
        line()
        let labels = deps.map { "\($0.label): \($0.type)" }.joined(separator: ", ")
        if deps.isEmpty && initLines.isEmpty {
            line("init() {}")
        } else {
            printer.block("init(\(labels)) {") { out in
                for dep in deps { out.line("self.\(dep.label) = \(dep.label)") }
                out.lines(initLines)
            }
        }
        for root in stage.roots { line(); renderRoot(root) }
        for member in stage.members { line(); renderMember(member) }
        for join in renderer.joinsIn(stage) {
            guard case let .join(how, _, _, _) = nodes[join].op, how == .right || how == .full else { continue }
            line()
            renderUnmatched(join)
        }
    }

    /// The batch loop: each row of the root goes to its consumer.
    mutating func renderRoot(_ root: PipelinePlan.Root) {
        let node = nodes[root.node]
        let names = renderer.localNames(node.schema)
        line("/// Rows of `\(node.name)`\(root.isReader ? " as they are read" : "").")
        // A text file read as it streams gives lines; a frame (a loaded source too) gives columns.
        var readsLines = false
        if root.isReader, case .textFile = node.op { readsLines = true }
        var reads: [String] = []
        var arguments: [String] = []
        if readsLines {
            reads = ["let lines = batch.lines"]
            arguments = ["lines.value(i)"]
        } else {
            for (column, (name, field)) in zip(names, node.schema.fields).enumerated() {
                let accessor = SwiftTypes.accessor(field.type)
                reads.append("let \(name) = batch.\(accessor)(\(column))")
                if case let .array(element) = field.type {
                    arguments.append("\(name).\(SwiftTypes.listReader(element))(i)" + (field.nullable ? "" : " ?? []"))
                } else {
                    arguments.append(field.nullable ? "\(name)[i]" : "\(name).value(i)")
                }
            }
        }
        let call = "try \(renderer.consumeName(root.consumer))(\(arguments.joined(separator: ", ")))"
        block("func consume\(typeName(root.node))(_ batch: \(readsLines ? "LineBatch" : "Batch")) throws {") {
            $0.printer.lines(reads)
            $0.printer.block("for i in batch.rows {") { out in
                out.line("scratch.reset()")
                out.line(call)
            }
            $0.finishBatch()
        }
    }

    /// Values passed on from a node's output: to the next node in the stage, or into the sink.
    mutating func emit(from index: Int, _ values: [SwiftValue]) {
        if index == sinkNode, case .materialize = stage.sink {
            for (column, value) in values.enumerated() {
                line("out\(column).append(\(value.expr))")
            }
            return
        }
        line("try \(renderer.consumeName(consumer(of: index)))(\(values.map(\.expr).joined(separator: ", ")))")
    }

    mutating func renderMember(_ index: Int) {
        let node = nodes[index]
        let schema = parameterSchema(index)
        let names = renderer.localNames(schema)
        let parameters = zip(names, schema.fields).map { "_ \($0): \(SwiftTypes.stage($1.type, nullable: $1.nullable))" }
        let input = node.inputs.first.map { nodes[$0].name } ?? ""
        line("/// \(node.name) = \(Identifiers.commentText(node.op.summary))\(input.isEmpty ? "" : " of \(input)")")
        let columns = zip(names, schema.fields).map { SwiftValue(expr: $0, type: $1.type, nullable: $1.nullable) }
        block("@inline(__always) func \(renderer.consumeName(index))(\(parameters.joined(separator: ", "))) throws {") {
            $0.consume(index, columns)
        }
        for function in pendingFunctions { line(); printer.lines(function) }
        pendingFunctions = []
    }

    /// A member's body: each operation's lives with it (Ops/).
    mutating func consume(_ index: Int, _ columns: [SwiftValue]) {
        let params = Dictionary(uniqueKeysWithValues: renderer.graph.params.map { param in
            (param.name, SwiftValue(expr: param.type == .string ? "p_\(param.name).value" : "p_\(param.name)", type: param.type, nullable: false))
        })
        let udfs = Dictionary(uniqueKeysWithValues: renderer.graph.udfs.map { ($0.name, $0) })
        let emitter = SwiftExpressionEmitter(columns: columns, params: params, udfs: udfs)
        let op = nodes[index].op
        switch op {
        case let .project(exprs): consumeProject(index, exprs, emitter)
        case let .projectUDF(name, args): consumeUDFMap(index, name, args, emitter)
        case let .filter(condition): consumeFilter(index, condition, columns, emitter)
        case let .flatMap(expr): consumeFlatMap(index, expr, emitter)
        case .union: consumeUnion(index, columns)
        case .join: consumeProbe(index, columns)
        case .aggregate, .distinct: consumeAggregate(index, emitter)
        case .count: consumeCount()
        default:
            line("fatalError(\"\(op.summary) does not run in a stage\")")
        }
    }
}
