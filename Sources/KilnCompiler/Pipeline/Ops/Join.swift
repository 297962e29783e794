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

extension StageEmitter {
    /// The probing stage's views of the build side's columns, its matched flags (right and
    /// full joins) and its key encoder (keys other than one string).
    mutating func joinFields(_ join: Int, initLines: inout [String]) {
        let node = nodes[join]
        let build = nodes[node.inputs[1]]
        guard case let .join(how, _, rightKeys, _) = node.op else { return }
        for (column, field) in build.schema.fields.enumerated() {
            let type = field.type.isArrayType ? "ListColumn" : field.type == .string ? "StringView" : "PrimitiveView<\(SwiftTypes.stage(field.type))>"
            line("let \(node.name)Right\(column): \(type)  // \(Identifiers.commentText(build.name)).\(Identifiers.commentText(field.name))")
            initLines.append("\(node.name)Right\(column) = \(node.name)Build.\(SwiftTypes.accessor(field.type))(\(column))\(field.type.isArrayType ? "" : ".view")")
        }
        if how == .right || how == .full {
            line("let matched\(typeName(join)): Buffer<UInt8>  // build rows a probe row matched")
            initLines.append("matched\(typeName(join)) = Buffer(repeating: 0, count: \(node.name)Table.rowCount)")
        }
        if rightKeys.count > 1 || (rightKeys.count == 1 && build.schema.fields[rightKeys[0]].type != .string) {
            line("let \(node.name)Encoder = KeyEncoder()")
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

    mutating func consumeProbe(_ index: Int, _ columns: [SwiftValue]) {
        let node = nodes[index]
        guard case let .join(how, leftKeys, _, _) = node.op else { return }
        let table = "\(node.name)Table"
        let matchedRow = joinOutput(index, probe: columns, buildRow: "m")
        if how == .cross {
            block("for m in 0..<\(table).rowCount {") { $0.emit(from: index, matchedRow) }
            return
        }
        let keys = leftKeys.map { columns[$0] }
        line("var m = -1")
        if keys.count == 1 && keys[0].type == .string {
            if keys[0].nullable {
                line("if let key = \(keys[0].expr) { m = \(table).first(key) }  // a null key matches nothing")
            } else {
                line("m = \(table).first(\(keys[0].expr))")
            }
        } else {
            let encoder = "\(node.name)Encoder"
            line("\(encoder).reset()")
            for key in keys { line("\(encoder).add(\(key.expr))") }
            line("if !\(encoder).hasNull { m = \(table).first(\(encoder).key) }  // a null key matches nothing")
        }
        let probeRow = joinOutput(index, probe: columns, buildRow: nil)
        switch how {
        case .semi:
            line("guard m >= 0 else { return }")
            emit(from: index, probeRow)
        case .anti:
            line("guard m < 0 else { return }")
            emit(from: index, probeRow)
        default:
            if how == .left || how == .full {
                block("if m < 0 {") {
                    $0.emit(from: index, probeRow)
                    $0.line("return")
                }
            }
            let matched = "matched\(typeName(index))"
            block("while m >= 0 {") {
                if how == .right || how == .full { $0.line("\(matched)[m] = 1") }
                $0.emit(from: index, matchedRow)
                $0.line("m = \(table).next(m)")
            }
        }
    }

    /// Right and full joins: build rows no probe row matched, with nulls for the probe side.
    mutating func renderUnmatched(_ join: Int) {
        line("/// \(nodes[join].name): build rows that matched no probe row (right/full join).")
        let row = joinOutput(join, probe: nil, buildRow: "m")
        block("func emitUnmatched\(typeName(join))(_ rows: [Int]) throws {") {
            $0.block("for m in rows {") {
                $0.line("scratch.reset()")
                $0.emit(from: join, row)
            }
            $0.finishBatch()
        }
    }
}

extension PipelineSwiftRenderer {
    func buildJoinStep(_ index: Int) -> [String] {
        let node = nodes[index]
        return ["// \(node.name): hash table of \(nodes[node.inputs[1]].name), the join's build side",
                "let \(node.name)Table = build\(typeName(node.name))Table(\(nodes[node.inputs[1]].name))"]
    }

    func joinBuilder(_ index: Int) -> String {
        let node = nodes[index]
        guard case let .join(how, _, rightKeys, _) = node.op else { return "" }
        let build = nodes[node.inputs[1]]
        var out = CodePrinter(level: 1)
        out.line("/// The build side of `\(node.name)` (\(how.rawValue) join): rows of `\(build.name)` by key.")
        out.block("static func build\(typeName(node.name))Table(_ frame: Frame) -> JoinTable {") { out in
            out.line("let table = JoinTable(rows: frame.count)")
            // A cross join's table only counts the rows.
            if how != .cross {
                let keyFields = rightKeys.map { build.schema.fields[$0] }
                for (position, column) in rightKeys.enumerated() {
                    out.line("let key\(position) = frame.\(SwiftTypes.accessor(keyFields[position].type))(\(column)).view")
                }
                let rawKey = keyFields.count == 1 && keyFields[0].type == .string
                if !rawKey { out.line("let encoder = KeyEncoder()") }
                out.block("for row in 0..<frame.count {") { out in
                    if rawKey {
                        out.line("guard let key = key0[row] else { continue }  // a null key matches nothing")
                        out.line("table.add(row: row, key: key)")
                    } else {
                        out.line("encoder.reset()")
                        for position in rightKeys.indices { out.line("encoder.add(key\(position)[row])") }
                        out.line("if encoder.hasNull { continue }  // a null key matches nothing")
                        out.line("table.add(row: row, key: encoder.key)")
                    }
                }
            }
            out.line("return table")
        }
        return out.text
    }
}
