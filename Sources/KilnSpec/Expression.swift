/// The expression language of pipeline specs: what `map`, `filter`, `select`, `withColumn`
/// and `agg` take. Spark SQL's operators and functions, written as PySpark code reads:
/// `state == 'CA' and rating >= 5`, `(lower(value), 1)`, `when(x > 1, 'big').otherwise('small')`.
public struct Expr: Sendable, CustomStringConvertible {
    public var node: ExprNode
    public var location: SourceLocation
    /// Levels from this node down to its deepest leaf (a leaf is 1). The parser bounds it,
    /// because everything after it (typer, renderers, generated Python) recurses on the tree.
    public let depth: Int
    public init(_ node: ExprNode, at location: SourceLocation) { self.init(node, at: location, depth: 1 + node.childDepth) }
    init(_ node: ExprNode, at location: SourceLocation, depth: Int) { self.node = node; self.location = location; self.depth = depth }

    /// The expression written back in the language's own syntax (for messages).
    public var description: String { node.text }
}

public indirect enum ExprNode: Sendable {
    case column(String)
    case param(String)
    case literal(Literal)
    /// `*`, only as `count(*)`.
    case star
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    case isNull(Expr, negated: Bool)
    case call(String, [Expr], distinct: Bool)
    case cast(Expr, typeName: String)
    case when([(condition: Expr, value: Expr)], otherwise: Expr?)
    case tuple([Expr])
    case alias(Expr, String)

    /// The depth of the deepest child, 0 for a leaf.
    var childDepth: Int {
        switch self {
        case .column, .param, .literal, .star: 0
        case let .unary(_, operand), let .isNull(operand, _), let .cast(operand, _), let .alias(operand, _): operand.depth
        case let .binary(_, left, right): max(left.depth, right.depth)
        case let .call(_, args, _), let .tuple(args): args.reduce(0) { max($0, $1.depth) }
        case let .when(branches, otherwise):
            branches.reduce(otherwise?.depth ?? 0) { max($0, $1.condition.depth, $1.value.depth) }
        }
    }

    var text: String {
        switch self {
        case let .column(name): name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) ? name : "`\(name)`"
        case let .param(name): "$\(name)"
        case let .literal(literal): literal.text
        case .star: "*"
        case let .unary(op, operand): op == .not ? "not \(operand)" : "\(op.rawValue)\(operand)"
        case let .binary(op, left, right): "(\(left) \(op.rawValue) \(right))"
        case let .isNull(operand, negated): "\(operand) is \(negated ? "not " : "")null"
        case let .call(name, args, distinct): "\(name)(\(distinct ? "distinct " : "")\(args.map(\.description).joined(separator: ", ")))"
        case let .cast(operand, type): "cast(\(operand) as \(type))"
        case let .when(branches, otherwise):
            branches.enumerated().map { "\($0.offset == 0 ? "" : ".")when(\($0.element.condition), \($0.element.value))" }.joined()
                + (otherwise.map { ".otherwise(\($0))" } ?? "")
        case let .tuple(items): "(\(items.map(\.description).joined(separator: ", "))\(items.count == 1 ? "," : ""))"
        case let .alias(operand, name): "\(operand) as \(name)"
        }
    }
}

public enum Literal: Sendable, Equatable {
    case int(Int64), double(Double), string(String), bool(Bool), null

    var text: String {
        switch self {
        case let .int(v): "\(v)"
        case let .double(v): "\(v)"
        case let .string(s): "'" + s.flatMap { $0 == "\\" || $0 == "'" ? ["\\", $0] : [$0] } + "'"
        case let .bool(b): b ? "true" : "false"
        case .null: "null"
        }
    }
}

public enum UnaryOperator: String, Sendable { case negate = "-", not = "not" }

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case and, or

    public var isComparison: Bool { [.equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual].contains(self) }
    public var isArithmetic: Bool { [.add, .subtract, .multiply, .divide, .remainder].contains(self) }
}

/// One key of `sort`/`orderBy`: an expression, then optional `asc`/`desc` and `nulls first`/`nulls last`.
public struct SortKeySpec: Sendable {
    public var expr: Expr
    public var ascending: Bool
    /// nil: Spark's default (nulls first ascending, nulls last descending).
    public var nullsFirst: Bool?
    public var location: SourceLocation
}
