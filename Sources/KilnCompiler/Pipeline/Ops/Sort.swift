import KilnCore
import KilnSpec

/// `sort: [location, "rating desc nulls last"]` (also `orderBy`; `ascending: false` flips
/// every key, as `sort(..., ascending=False)`). Nulls sort first ascending, last descending.
struct SortOp: PipelineOperation {
    static let names = ["sort", "orderBy"]
    static let options = ["ascending"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input else { return nil }
        let items: [YAMLNode]
        if case let .sequence(list) = context.argument.value { items = list } else { items = [context.argument] }
        guard !items.isEmpty else { return context.error("\(context.op) needs at least one column") }
        var ascendingFlags: [Bool]?
        if let node = context.reader["ascending"] {
            if case let .sequence(flags) = node.value {
                let values = flags.compactMap { $0.bool("ascending", in: context.diagnostics) }
                guard values.count == items.count else {
                    return context.error("ascending has \(flags.count) values for \(items.count) sort keys", at: node.location)
                }
                ascendingFlags = values
            } else {
                guard let flag = node.bool("ascending", in: context.diagnostics) else { return nil }
                ascendingFlags = [Bool](repeating: flag, count: items.count)
            }
        }
        var keys: [SortKey] = []
        for (index, item) in items.enumerated() {
            var typer = context.typer(input.schema)
            typer.ambiguityIsUnresolved = true
            guard let spec = ExpressionParser.parseSortKey(item, diagnostics: context.diagnostics),
                  let typed = typer.type(spec.expr) else { return nil }
            if case .array = typed.type { return context.error("cannot sort by an array column (\(typed.sparkName))", at: item.location) }
            let ascending = ascendingFlags.map { $0[index] && spec.ascending } ?? spec.ascending
            keys.append(SortKey(expr: typed, ascending: ascending, nullsFirst: spec.nullsFirst ?? ascending, explicitNulls: spec.nullsFirst != nil))
        }
        return BuiltOp(op: .sort(keys), schema: input.schema, flavor: .dataFrame)
    }

    /// Spark's default nulls order is left out.
    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .sort(keys) = node.op else { return "" }
        let columns = keys.map { key -> String in
            let direction = key.ascending ? "asc" : "desc"
            let defaultNulls = key.nullsFirst == key.ascending
            return r.dataFrame.render(key.expr) + "." + (defaultNulls ? "\(direction)()" : "\(direction)_nulls_\(key.nullsFirst ? "first" : "last")()")
        }
        return "\(node.name) = \(r.input(node, as: .dataFrame)).sort(\(columns.joined(separator: ", ")))"
    }
}

/// `sortBy: "_2"` with `ascending: false` (RDD.sortBy), or a tuple key `sortBy: "(-_2, _1)"`
/// (ties on the first item broken by the next, as Python orders tuples), and `sortByKey`
/// (RDD.sortByKey).
struct SortByOp: PipelineOperation {
    static let names = ["sortBy", "sortByKey"]
    static let options = ["ascending"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input else { return nil }
        let ascending = context.reader.bool("ascending") ?? true
        var keys: [TypedExpr] = []
        if context.op == "sortByKey" {
            guard context.isBare || context.argument.scalarKind == .bool(true) || context.argument.scalarKind == .bool(false) else {
                return context.error("sortByKey takes no expression; it sorts by the key (_1). Use sortBy to sort by an expression")
            }
            guard let (pairKey, _) = context.pairColumns(input) else { return nil }
            keys = [pairKey]
        } else {
            guard let parsed = ExpressionParser.parse(context.argument, diagnostics: context.diagnostics) else { return nil }
            // A tuple `(-_2, _1)` sorts as Python compares tuples: by each item in turn.
            let items: [Expr] = if case let .tuple(items) = parsed.node { items } else { [parsed] }
            let typer = context.typer(input.schema)
            for item in items {
                guard let typed = typer.type(item) else { return nil }
                if case .array = typed.type { return context.error("cannot sort by an array (\(typed.sparkName))", at: item.location) }
                keys.append(typed)
            }
        }
        if let key = keys.first, case .array = key.type { return context.error("cannot sort by an array (\(key.sparkName))") }
        let sortKeys = keys.map { SortKey(expr: $0, ascending: ascending, nullsFirst: ascending, explicitNulls: false) }
        return BuiltOp(op: .sort(sortKeys), schema: input.schema, flavor: .rdd)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .sort(keys) = node.op else { return "" }
        let ascending = keys[0].ascending ? "True" : "False"
        if node.specOp == "sortByKey" { return "\(node.name) = \(r.input(node, as: .rdd)).sortByKey(ascending=\(ascending))" }
        // A tuple key `(-_2, _1)` is a Python tuple: compared item by item.
        let rdd = r.rdd(node)
        let rendered = keys.count == 1 ? rdd.render(keys[0].expr) : "(\(keys.map { rdd.render($0.expr) }.joined(separator: ", ")))"
        return "\(node.name) = \(r.input(node, as: .rdd)).sortBy(lambda \(rdd.parameter): \(rendered), ascending=\(ascending))"
    }
}

extension PipelineSwiftRenderer {
    /// A sorted frame; with `limit`, a top-k, which reads the sort's own input.
    func sortStep(_ index: Int, _ keys: [SortKey], limit: Int?) -> [String] {
        let node = nodes[index]
        let sortNode = limit == nil ? index : node.inputs[0]
        let input = nodes[nodes[sortNode].inputs[0]].name
        let orders = keys.map { "SortOrder(column: \($0.expr.columnIndex!), ascending: \($0.ascending), nullsFirst: \($0.nullsFirst))" }
        let what = keys.map { "\(Identifiers.commentText($0.expr.sparkName)) \($0.ascending ? "asc" : "desc")" }.joined(separator: ", ")
        return ["// \(node.name): \(input) sorted by \(what)\(limit.map { ", first \($0) rows" } ?? "")",
                "let \(node.name) = \(input).sorted(by: [\(orders.joined(separator: ", "))]\(limit.map { ", limit: \($0)" } ?? ""))"]
    }

    /// The projection that drops the key columns a sort by expressions added.
    func dropColumnsStep(_ index: Int, _ keep: [Int]) -> [String] {
        ["let \(nodes[index].name) = \(nodes[nodes[index].inputs[0]].name).selecting([\(keep.map(String.init).joined(separator: ", "))])"]
    }
}
