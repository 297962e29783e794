import KilnCore
import KilnSpec

/// `rows: [[Mountain View, CA, 8], ...]` with `schema:`: a DataFrame written in the spec, as
/// `spark.createDataFrame(rows, schema)`. Rows are lists in schema order or mappings by name.
struct RowsSource: PipelineOperation {
    static let names = ["rows"]
    static let options = ["schema"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let schemaNode = context.reader["schema"] else {
            return context.error("rows source '\(context.spec.name.value)' needs a schema, e.g. schema: {location: string, state: string, rating: int}")
        }
        guard let items = context.argument.sequence("rows", in: context.diagnostics), let schema = context.schema(schemaNode) else { return nil }
        var rows: [[Literal]] = []
        var ok = true
        for item in items {
            var cells: [YAMLNode?]
            switch item.value {
            case let .sequence(values):
                guard values.count == schema.count else {
                    context.diagnostics.error("expected \(schema.count) values (\(schema.names.joined(separator: ", "))) in this row, received \(values.count)", at: item.location)
                    ok = false
                    continue
                }
                cells = values
            case let .mapping(pairs):
                cells = [YAMLNode?](repeating: nil, count: schema.count)
                for (key, value) in pairs {
                    guard case let .scalar(name, _) = key.value, let index = schema.index(of: name) else {
                        context.diagnostics.error("unknown column \(key.kindDescription) in this row; the schema has \(schema.names.joined(separator: ", "))", at: key.location)
                        ok = false
                        continue
                    }
                    cells[index] = value
                }
            case .scalar:
                context.diagnostics.error("expected a row: a list of values such as [Mountain View, CA, 8] or a mapping by column, received \(item.kindDescription)", at: item.location)
                ok = false
                continue
            }
            var row: [Literal] = []
            for (index, cell) in cells.enumerated() {
                guard let literal = value(cell, schema.fields[index], context, at: item.location) else { ok = false; continue }
                row.append(literal)
            }
            rows.append(row)
        }
        guard ok else { return nil }
        return BuiltOp(op: .rows(rows), schema: schema, flavor: .dataFrame)
    }

    /// One cell as a literal of the column's type (absent and null cells are null).
    static func value(_ node: YAMLNode?, _ field: Field, _ context: OpContext, at rowLocation: SourceLocation) -> Literal? {
        guard let node, let kind = node.scalarKind else {
            if let node, node.scalarKind == nil {
                context.diagnostics.error("expected \(field.type.withArticle) value for column '\(field.name)', received \(node.kindDescription)", at: node.location)
                return nil
            }
            return .null
        }
        func mismatch() -> Literal? {
            context.diagnostics.error("expected \(field.type.withArticle) value for column '\(field.name)', received \(node.kindDescription)", at: node.location)
            return nil
        }
        switch (field.type, kind) {
        case (_, .null): return .null
        case (.string, .string(let s)): return .string(s)
        // A plain scalar that YAML reads as a number or boolean is still text in a string column.
        case (.string, _):
            if case let .scalar(text, _) = node.value { return .string(text) }
            return mismatch()
        case (.int, .int(let v)):
            guard Int64(Int32.min)...Int64(Int32.max) ~= Int64(v) else {
                context.diagnostics.error("value \(v) does not fit column '\(field.name)' of type int (32-bit); declare it long", at: node.location)
                return nil
            }
            return .int(Int64(v))
        case (.long, .int(let v)): return .int(Int64(v))
        case (.double, .int(let v)): return .double(Double(v))
        case (.double, .float(let v)): return .double(v)
        case (.boolean, .bool(let b)): return .bool(b)
        default: return mismatch()
        }
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .rows(rows) = node.op else { return "" }
        let tuples = rows.map { row in "(" + row.map(r.pythonLiteral).joined(separator: ", ") + (row.count == 1 ? ",)" : ")") }
        return "\(node.name) = spark.createDataFrame([\(tuples.joined(separator: ", "))], \(r.py(r.ddl(node.schema))))"
    }
}

/// `parallelize: [...]` (Spark's `sc.parallelize`): an RDD written in the spec. Scalars give
/// one column `value`; lists give tuples `_1, _2, ...`. Integers are longs, as Python's.
struct ParallelizeSource: PipelineOperation {
    static let names = ["parallelize"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let items = context.argument.sequence("parallelize", in: context.diagnostics) else { return nil }
        var rows: [[YAMLNode]] = []
        var width: Int?
        for item in items {
            let cells: [YAMLNode]
            if case let .sequence(values) = item.value { cells = values } else { cells = [item] }
            if let width, width != cells.count {
                return context.error("every element of parallelize must have the same shape: this one has \(cells.count) values, the first had \(width)", at: item.location)
            }
            width = cells.count
            rows.append(cells)
        }
        let columns = width ?? 1
        var types = [DataType?](repeating: nil, count: columns)
        var nullable = [Bool](repeating: false, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() {
                let type: DataType?
                switch cell.scalarKind {
                case .int?: type = .long
                case .float?: type = .double
                case .bool?: type = .boolean
                case .string?: type = .string
                case .null?: type = nil; nullable[index] = true
                case nil: return context.error("expected a value or a list of values in parallelize, received \(cell.kindDescription)", at: cell.location)
                }
                guard let type else { continue }
                guard let merged = types[index].map({ $0 == type ? $0 : DataType.widerNumeric($0, type) }) ?? type else {
                    return context.error("element \(index + 1) of the tuples mixes \(types[index]!) and \(type) values", at: cell.location)
                }
                types[index] = merged
            }
        }
        let names = columns == 1 && !(items.first.map { if case .sequence = $0.value { true } else { false } } ?? false)
            ? ["value"] : (1...columns).map { "_\($0)" }
        let schema = Schema(zip(names, types).enumerated().map { Field($0.element.0, $0.element.1 ?? .string, nullable: nullable[$0.offset]) })
        var literals: [[Literal]] = []
        for row in rows {
            var out: [Literal] = []
            for (index, cell) in row.enumerated() {
                guard let literal = RowsSource.value(cell, schema.fields[index], context, at: cell.location) else { return nil }
                out.append(literal)
            }
            literals.append(out)
        }
        return BuiltOp(op: .rows(literals), schema: schema, flavor: .rdd)
    }

    /// One-value elements are bare values, as the RDD holds them; others tuples.
    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .rows(rows) = node.op else { return "" }
        let elements = rows.map { row in row.count == 1 ? r.pythonLiteral(row[0]) : "(" + row.map(r.pythonLiteral).joined(separator: ", ") + ")" }
        return "\(node.name) = sc.parallelize([\(elements.joined(separator: ", "))])"
    }
}

extension PipelineSwiftRenderer {
    /// `rows:` and `parallelize:`: a frame of the spec's cells.
    func rowsStep(_ index: Int) -> [String] {
        let node = nodes[index]
        guard case let .rows(rows) = node.op else { return [] }
        var out = CodePrinter()
        out.line("// \(node.name): \(rows.count) row\(rows.count == 1 ? "" : "s") written in the spec")
        let cells = rows.map { row in "[" + zip(row, node.schema.fields).map { cellLiteral($0, $1.type) }.joined(separator: ", ") + "]" }
        if cells.isEmpty {
            out.line("let \(node.name) = Frame(schema: \(schemaRef(index)), cells: [])")
        } else {
            out.block("let \(node.name) = Frame(schema: \(schemaRef(index)), cells: [", closer: "])") { out in
                for cell in cells { out.line("\(cell),") }
            }
        }
        return out.lines
    }

    func cellLiteral(_ literal: Literal, _ type: DataType) -> String {
        switch literal {
        case .null: "nil"
        case let .string(s): ".string(\(Identifiers.swiftStringLiteral(s)))"
        case let .int(v): type == .double ? ".double(\(SwiftTypes.double(Double(v))))" : ".long(\(v))"
        case let .double(v): ".double(\(SwiftTypes.double(v)))"
        case let .bool(b): ".boolean(\(b))"
        }
    }
}
