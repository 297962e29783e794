import KilnCore
import KilnSpec

/// An expression after type checking: columns resolved to input positions, operands promoted
/// to a common type with explicit casts, every node typed and named as Spark would name it.
public struct TypedExpr: Sendable {
    public var node: TypedNode
    public var type: DataType
    public var nullable: Bool
    /// Spark's auto-generated column name for this expression: `(x + 1)`, `lower(s)`, `count(1)`.
    public var sparkName: String
    public var location: SourceLocation

    public init(_ node: TypedNode, _ type: DataType, nullable: Bool, sparkName: String, at location: SourceLocation) {
        self.node = node; self.type = type; self.nullable = nullable; self.sparkName = sparkName; self.location = location
    }

    /// The input column this expression reads as is, if it is a bare column reference.
    public var columnIndex: Int? {
        if case let .column(index, _) = node { return index }
        return nil
    }

    /// Every input column the expression reads.
    public var columnsRead: Set<Int> {
        var result: Set<Int> = []
        visit { if case let .column(index, _) = $0.node { result.insert(index) } }
        return result
    }

    /// Whether any node (this one included) satisfies `predicate`.
    public func contains(where predicate: (TypedExpr) -> Bool) -> Bool {
        var found = false
        visit { if predicate($0) { found = true } }
        return found
    }

    public func visit(_ body: (TypedExpr) -> Void) {
        body(self)
        for child in node.children { child.visit(body) }
    }
}

public indirect enum TypedNode: Sendable {
    case column(Int, name: String)
    case param(String)
    case literal(Literal)
    case unary(UnaryOperator, TypedExpr)
    case binary(BinaryOperator, TypedExpr, TypedExpr)
    case isNull(TypedExpr, negated: Bool)
    case function(ScalarFunction, [TypedExpr])
    case udf(String, [TypedExpr])
    /// `implicit`: a widening the analyzer added (Spark adds it too), not one the spec wrote.
    case cast(TypedExpr, implicit: Bool)
    case when([(condition: TypedExpr, value: TypedExpr)], otherwise: TypedExpr?)

    public var children: [TypedExpr] {
        switch self {
        case .column, .param, .literal: []
        case let .unary(_, operand), let .isNull(operand, _), let .cast(operand, _): [operand]
        case let .binary(_, left, right): [left, right]
        case let .function(_, args), let .udf(_, args): args
        case let .when(branches, otherwise): branches.flatMap { [$0.condition, $0.value] } + (otherwise.map { [$0] } ?? [])
        }
    }
}

/// Built-in scalar functions: Spark SQL's, with Spark's semantics (Python's where noted).
public enum ScalarFunction: String, Sendable, CaseIterable {
    case lower, upper, trim, ltrim, rtrim, length, concat, substring
    /// `split(s)`: Python's `str.split()` (runs of whitespace, no empty strings), as the lecture's
    /// `line.split()`. `split(s, sep)`: Spark's split on a literal separator, empty strings kept.
    case splitWhitespace, split
    case coalesce, abs, contains, startswith, endswith
}

/// An aggregate in `agg` (or made by `reduceByKey`, `groupByKey`, `count`).
public struct AggregateCall: Sendable {
    public enum Function: String, Sendable {
        case sum, avg, min, max, count, countStar, countDistinct, first
        /// `reduceByKey('*')`.
        case product
        /// `groupByKey`: the values of each key, in input order.
        case collectList
        /// `reduceByKey: someUdf`: a user's (T, T) -> T, folded in input order.
        case reduceUDF
    }
    public var function: Function
    public var argument: TypedExpr?
    public var udf: String?
    public var name: String
    public var type: DataType
    public var nullable: Bool
    public var location: SourceLocation
    /// For `agg: {column: function}`: the mapping's entry and its place in the spec, so that
    /// PySpark gets the same dict (`agg({...})`), whose columns come in Spark's map order.
    public var dictEntry: DictEntry? = nil

    public struct DictEntry: Sendable {
        public var column: String
        public var function: String
        public var position: Int
    }
}

extension DataType {
    /// "an int", "a string": for messages.
    var withArticle: String { ("aeiou".contains(description.first!) ? "an " : "a ") + description }
}
