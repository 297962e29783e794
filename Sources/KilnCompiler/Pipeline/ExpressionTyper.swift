import KilnCore
import KilnSpec

/// A user-defined function as the compiler knows it (from `udfs:`).
public struct UDFSignature: Sendable {
    public var name: String
    public var args: [DataType]
    public var returns: ReturnType
    public var python: String?
    public var location: SourceLocation

    /// A UDF returns one value or, for `map`, a tuple of values.
    public enum ReturnType: Sendable, Equatable {
        case value(DataType)
        case tuple([DataType])
    }
}

/// Type checks expressions against one input schema, Spark's way: columns resolve
/// case-insensitively, numeric operands widen, `/` is double, names are Spark's.
/// Errors go to `diagnostics` at the offending sub-expression; a parent of a failed child
/// returns nil quietly, so one mistake gives one error.
public struct ExpressionTyper {
    public var schema: Schema
    public var params: [String: DataType]
    public var udfs: [String: UDFSignature]
    public var diagnostics: DiagnosticEngine
    /// Whether a name two columns share is reported as unresolved (Spark's Sort) rather than
    /// ambiguous.
    public var ambiguityIsUnresolved = false

    public init(schema: Schema, params: [String: DataType], udfs: [String: UDFSignature], diagnostics: DiagnosticEngine) {
        self.schema = schema; self.params = params; self.udfs = udfs; self.diagnostics = diagnostics
    }

    static let aggregateNames = ["sum", "avg", "mean", "min", "max", "count", "countdistinct", "count_distinct", "first"]

    func error(_ message: String, at location: SourceLocation) -> TypedExpr? {
        diagnostics.error(message, at: location)
        return nil
    }

    // MARK: scalar expressions

    public func type(_ expr: Expr) -> TypedExpr? {
        let at = expr.location
        switch expr.node {
        case let .column(name):
            return column(name, at: at)
        case let .param(name):
            guard let type = params[name] else {
                var message = "unknown parameter `$\(name)`"
                message += params.isEmpty ? "; the pipeline declares no params" : "; declared params: \(params.keys.sorted().map { "$\($0)" }.joined(separator: ", "))"
                if let guess = didYouMean(name, among: Array(params.keys)) { message += "; did you mean `$\(guess)`?" }
                return error(message, at: at)
            }
            return TypedExpr(.param(name), type, nullable: false, sparkName: name, at: at)
        case let .literal(literal):
            return Self.literal(literal, at: at)
        case .star:
            return error("'*' is only allowed in count(*)", at: at)
        case let .unary(op, operand):
            guard let typed = type(operand) else { return nil }
            switch op {
            case .negate:
                guard typed.type.isNumeric else {
                    return error("Cannot resolve \"negative(\(typed.sparkName))\" due to data type mismatch: The first parameter requires the \(Self.addInputTypes) type, however \"\(typed.sparkName)\" has the type \"\(typed.type.sqlName)\".", at: at)
                }
                return TypedExpr(.unary(.negate, typed), typed.type, nullable: typed.nullable, sparkName: "negative(\(typed.sparkName))", at: at)
            case .not:
                guard typed.type == .boolean else {
                    return error("Cannot resolve \"(NOT \(typed.sparkName))\" due to data type mismatch: The first parameter requires the \"BOOLEAN\" type, however \"\(typed.sparkName)\" has the type \"\(typed.type.sqlName)\".", at: at)
                }
                return TypedExpr(.unary(.not, typed), .boolean, nullable: typed.nullable, sparkName: "(NOT \(typed.sparkName))", at: at)
            }
        case let .binary(op, left, right):
            guard let l = type(left), let r = type(right) else { return nil }
            return binary(op, l, r, at: at)
        case let .isNull(operand, negated):
            guard let typed = type(operand) else { return nil }
            return TypedExpr(.isNull(typed, negated: negated), .boolean, nullable: false,
                             sparkName: "(\(typed.sparkName) IS \(negated ? "NOT " : "")NULL)", at: at)
        case let .call(name, args, distinct):
            if udfs[name] != nil, !distinct { return call(name, args, at: at) }
            if Self.aggregateNames.contains(name.lowercased()) {
                return error("aggregate function \(name)() is only allowed in 'agg' (after 'groupBy'), not in a row-by-row expression", at: at)
            }
            if distinct { return error("DISTINCT is only allowed in count(distinct ...) inside 'agg'", at: at) }
            return call(name, args, at: at)
        case let .cast(operand, typeName):
            guard let typed = type(operand) else { return nil }
            guard let target = DataType(name: typeName), !isArray(target) else {
                return error("unknown type '\(typeName)' in cast; expected one of string, int, long, double, boolean", at: at)
            }
            return cast(typed, to: target, at: at)
        case let .when(branches, otherwise):
            return when(branches, otherwise: otherwise, at: at)
        case .tuple:
            return error("a tuple is only allowed as the whole expression of 'map', e.g. map: \"(lower(value), 1)\"", at: at)
        case .alias:
            return error("'as' names a whole select or agg item; it cannot appear inside an expression", at: at)
        }
    }

    func isArray(_ type: DataType) -> Bool { if case .array = type { true } else { false } }

    func column(_ name: String, at: SourceLocation) -> TypedExpr? {
        guard let index = schema.index(of: name) else {
            var message = "A column, variable, or function parameter with name \(SparkSuggestions.quoted(name)) cannot be resolved."
            if schema.names.isEmpty {
                message += " The input has no columns."
            } else {
                let nearest = SparkSuggestions.nearest(to: name, among: schema.names)
                message += " Did you mean one of the following? [\(nearest.map(SparkSuggestions.quoted).joined(separator: ", "))]."
            }
            return error(message, at: at)
        }
        // Two columns of one name (a join's sides share it): Spark's AMBIGUOUS_REFERENCE (a
        // sort's key, as Spark's Sort resolves it, is an unresolved column instead).
        let matches = schema.fields.filter { $0.name.lowercased() == name.lowercased() }.count
        if matches > 1 {
            if ambiguityIsUnresolved {
                let nearest = SparkSuggestions.nearest(to: name, among: schema.names)
                return error("A column, variable, or function parameter with name \(SparkSuggestions.quoted(name)) cannot be resolved. Did you mean one of the following? [\(nearest.map(SparkSuggestions.quoted).joined(separator: ", "))].", at: at)
            }
            let candidates = [String](repeating: SparkSuggestions.quoted(name), count: matches).joined(separator: ", ")
            return error("Reference \(SparkSuggestions.quoted(name)) is ambiguous, could be: [\(candidates)].", at: at)
        }
        let field = schema.fields[index]
        return TypedExpr(.column(index, name: field.name), field.type, nullable: field.nullable, sparkName: field.name, at: at)
    }

    static func literal(_ literal: Literal, at: SourceLocation) -> TypedExpr {
        switch literal {
        case let .int(v):
            let type: DataType = Int64(Int32.min)...Int64(Int32.max) ~= v ? .int : .long
            return TypedExpr(.literal(literal), type, nullable: false, sparkName: "\(v)", at: at)
        case let .double(v):
            return TypedExpr(.literal(literal), .double, nullable: false, sparkName: JavaDoubleFormat.string(v), at: at)
        case let .string(s):
            return TypedExpr(.literal(literal), .string, nullable: false, sparkName: s, at: at)
        case let .bool(b):
            return TypedExpr(.literal(literal), .boolean, nullable: false, sparkName: b ? "true" : "false", at: at)
        case .null:
            // Typed by its context (see `unify`); alone it is a null string.
            return TypedExpr(.literal(.null), .string, nullable: true, sparkName: "NULL", at: at)
        }
    }

    static func isNullLiteral(_ expr: TypedExpr) -> Bool {
        if case .literal(.null) = expr.node { return true }
        return false
    }

    /// `expr` converted to `target` (no node when it already is; a typed null stays a literal).
    func cast(_ expr: TypedExpr, to target: DataType, at: SourceLocation) -> TypedExpr? {
        if expr.type == target { return expr }
        if Self.isNullLiteral(expr) {
            var copy = expr
            copy.type = target
            return copy
        }
        let castable: Set<DataType> = [.string, .int, .long, .double, .boolean]
        guard castable.contains(expr.type), castable.contains(target) else {
            return error("Cannot resolve \"CAST(\(expr.sparkName) AS \(target.sqlName))\" due to data type mismatch: cannot cast \"\(expr.type.sqlName)\" to \"\(target.sqlName)\".", at: at)
        }
        // PySpark names Column.cast after its operand.
        return TypedExpr(.cast(expr, implicit: false), target, nullable: expr.nullable, sparkName: expr.sparkName, at: at)
    }

    /// Implicit widening of a numeric operand (no name change, as Spark's analyzer).
    func widen(_ expr: TypedExpr, to target: DataType) -> TypedExpr {
        if expr.type == target { return expr }
        if Self.isNullLiteral(expr) { var copy = expr; copy.type = target; return copy }
        return TypedExpr(.cast(expr, implicit: true), target, nullable: expr.nullable, sparkName: expr.sparkName, at: expr.location)
    }

    /// The common type of values that meet (comparison, when, coalesce): numeric widening, or equal types.
    func unify(_ a: TypedExpr, _ b: TypedExpr) -> DataType? {
        if Self.isNullLiteral(a) { return b.type }
        if Self.isNullLiteral(b) { return a.type }
        if a.type == b.type { return a.type }
        return DataType.widerNumeric(a.type, b.type)
    }

    struct TypeClash: Error { var type: DataType; var value: TypedExpr }

    /// The type values of a when()/coalesce() share: equal types or numeric widening; null
    /// literals take the others' type (a string when all are null).
    func commonType(_ values: [TypedExpr]) -> Result<DataType, TypeClash> {
        var result: DataType?
        for value in values where !Self.isNullLiteral(value) {
            guard let current = result else { result = value.type; continue }
            guard let unified = current == value.type ? current : DataType.widerNumeric(current, value.type) else {
                return .failure(TypeClash(type: current, value: value))
            }
            result = unified
        }
        return .success(result ?? .string)
    }

    func binary(_ op: BinaryOperator, _ l: TypedExpr, _ r: TypedExpr, at: SourceLocation) -> TypedExpr? {
        let symbol: String = switch op {
        case .equal: "="
        case .and: "AND"
        case .or: "OR"
        default: op.rawValue
        }
        var name = "(\(l.sparkName) \(symbol) \(r.sparkName))"
        if op == .notEqual { name = "(NOT (\(l.sparkName) = \(r.sparkName)))" }
        let nullable = l.nullable || r.nullable
        func mismatch(_ detail: String) -> TypedExpr? {
            error("Cannot resolve \"\(name)\" due to data type mismatch: \(detail)", at: at)
        }
        // Spark's BinaryOperator check: operands of different types (after widening) are
        // BINARY_OP_DIFF_TYPES; equal types the operator does not take are BINARY_OP_WRONG_TYPE.
        // ANSI coercion first casts a string operand to the other's type, so a string beside
        // a type the operator does not take is reported as that type.
        func incompatible() -> TypedExpr? {
            var detail = "the left and right operands of the binary operator have incompatible types (\"\(l.type.sqlName)\" and \"\(r.type.sqlName)\")."
            var same: DataType? = l.type == r.type ? l.type : nil
            if op.isArithmetic || op == .and || op == .or, same == nil, !isArray(l.type), !isArray(r.type) {
                let wanted: DataType? = op == .and || op == .or ? .boolean : nil
                if l.type == .string, !Self.isNullLiteral(l), !r.type.isNumeric, r.type != wanted { same = r.type }
                if r.type == .string, !Self.isNullLiteral(r), !l.type.isNumeric, l.type != wanted { same = l.type }
            }
            if let same { detail = "the binary operator requires the input type \(Self.inputTypes(of: op)), not \"\(same.sqlName)\"." }
            if op == .add, l.type == .string || r.type == .string { detail += " Use concat() to join strings." }
            return mismatch(detail)
        }
        switch op {
        case .and, .or:
            guard l.type == .boolean || Self.isNullLiteral(l), r.type == .boolean || Self.isNullLiteral(r) else {
                return incompatible()
            }
            return TypedExpr(.binary(op, widen(l, to: .boolean), widen(r, to: .boolean)), .boolean, nullable: nullable, sparkName: name, at: at)
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            guard let common = unify(l, r), !isArray(common) else { return incompatible() }
            return TypedExpr(.binary(op, widen(l, to: common), widen(r, to: common)), .boolean, nullable: nullable, sparkName: name, at: at)
        case .add, .subtract, .multiply, .remainder:
            guard let common = unify(l, r), common.isNumeric else { return incompatible() }
            return TypedExpr(.binary(op, widen(l, to: common), widen(r, to: common)), common, nullable: nullable, sparkName: name, at: at)
        case .divide:
            guard let common = unify(l, r), common.isNumeric else { return incompatible() }
            return TypedExpr(.binary(op, widen(l, to: .double), widen(r, to: .double)), .double, nullable: nullable, sparkName: name, at: at)
        }
    }

    /// What Spark's arithmetic and logic operators take (`BinaryOperator.inputType`), as its
    /// messages write it.
    static func inputTypes(of op: BinaryOperator) -> String {
        switch op {
        case .and, .or: "\"BOOLEAN\""
        case .add, .subtract: addInputTypes
        case .divide: "(\"DOUBLE\" or \"DECIMAL\")"
        case .multiply, .remainder: "\"NUMERIC\""
        default: "\"NUMERIC\""
        }
    }

    static let addInputTypes = "(\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\" or \"INTERVAL\")"

    /// Spark's `ordinalNumber`: the position of a parameter in its messages.
    static func ordinal(_ index: Int) -> String {
        switch index {
        case 0: "first"
        case 1: "second"
        case 2: "third"
        default: "\(index + 1)th"
        }
    }

    func when(_ branches: [(condition: Expr, value: Expr)], otherwise: Expr?, at: SourceLocation) -> TypedExpr? {
        var typed: [(condition: TypedExpr, value: TypedExpr)] = []
        var failed = false
        for branch in branches {
            guard let condition = type(branch.condition), let value = type(branch.value) else { failed = true; continue }
            typed.append((condition, value))
        }
        let otherwiseTyped = otherwise.flatMap { type($0) }
        if failed || (otherwise != nil && otherwiseTyped == nil) { return nil }
        // Spark's CaseWhen check: the first condition that is not boolean, numbered among the
        // parameters (condition, value, condition, value, ...).
        if let bad = typed.firstIndex(where: { $0.condition.type != .boolean && !Self.isNullLiteral($0.condition) }) {
            var name = "CASE"
            for branch in typed { name += " WHEN \(branch.condition.sparkName) THEN \(branch.value.sparkName)" }
            if let otherwiseTyped { name += " ELSE \(otherwiseTyped.sparkName)" }
            name += " END"
            let condition = typed[bad].condition
            return error("Cannot resolve \"\(name)\" due to data type mismatch: The \(Self.ordinal(bad)) parameter requires the \"BOOLEAN\" type, however \"\(condition.sparkName)\" has the type \"\(condition.type.sqlName)\".", at: branches[bad].condition.location)
        }
        let values = typed.map(\.value) + (otherwiseTyped.map { [$0] } ?? [])
        let resultType: DataType
        switch commonType(values) {
        case let .success(type): resultType = type
        case let .failure(clash):
            return error("the values of when()/otherwise() have incompatible types (\"\(clash.type.sqlName)\" and \"\(clash.value.type.sqlName)\")", at: clash.value.location)
        }
        let branchesWidened = typed.map { (condition: $0.condition, value: widen($0.value, to: resultType)) }
        let otherwiseWidened = otherwiseTyped.map { widen($0, to: resultType) }
        let nullable = otherwiseWidened == nil || values.contains { $0.nullable }
        var name = "CASE"
        for branch in typed { name += " WHEN \(branch.condition.sparkName) THEN \(branch.value.sparkName)" }
        if let otherwiseTyped { name += " ELSE \(otherwiseTyped.sparkName)" }
        name += " END"
        return TypedExpr(.when(branchesWidened, otherwise: otherwiseWidened), resultType, nullable: nullable, sparkName: name, at: at)
    }

    // MARK: functions

    static let maxVariadicArguments = 64
    static let functionArity: [String: ClosedRange<Int>] = [
        "lower": 1...1, "upper": 1...1, "trim": 1...1, "ltrim": 1...1, "rtrim": 1...1, "length": 1...1,
        "concat": 1...maxVariadicArguments, "substring": 2...3, "split": 1...2, "coalesce": 1...maxVariadicArguments, "abs": 1...1,
        "contains": 2...2, "startswith": 2...2, "endswith": 2...2,
    ]

    func call(_ name: String, _ args: [Expr], at: SourceLocation) -> TypedExpr? {
        let lower = name.lowercased()
        if let udf = udfs[name] { return callUDF(udf, args, at: at) }
        guard let arity = Self.functionArity[lower] else {
            // Spark's UNRESOLVED_ROUTINE, then Kiln's suggestion.
            var message = "Cannot resolve routine \(SparkSuggestions.quoted(name)) on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]."
            let known = Array(Self.functionArity.keys) + Array(udfs.keys)
            if let guess = didYouMean(name, among: known) { message += " Did you mean `\(guess)`?" } else {
                message += " The built-in functions are \(Self.functionArity.keys.sorted().joined(separator: ", "))" + (udfs.isEmpty ? "" : ", and the udfs \(udfs.keys.sorted().joined(separator: ", "))") + "."
            }
            return error(message, at: at)
        }
        guard arity.contains(args.count) else {
            // Spark's variadic functions have no upper bound; Kiln's (the generated code's) is 64.
            if arity.upperBound == Self.maxVariadicArguments, args.count > arity.upperBound {
                return error("The `\(lower)` takes at most \(arity.upperBound) parameters in Kiln but the actual number is \(args.count); nest the calls, e.g. \(lower)(\(lower)(a, b), c).", at: at)
            }
            let expected = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : arity.upperBound == Self.maxVariadicArguments ? "at least \(arity.lowerBound)" : "[\(arity.lowerBound), \(arity.upperBound)]"
            return error("The `\(lower)` requires \(expected) parameters but the actual number is \(args.count). Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.", at: at)
        }
        var typed: [TypedExpr] = []
        for arg in args {
            guard let t = type(arg) else { return nil }
            typed.append(t)
        }
        let names = typed.map(\.sparkName).joined(separator: ", ")
        let anyNullable = typed.contains { $0.nullable }
        func requireString(_ index: Int, _ ordinal: String) -> Bool {
            let arg = typed[index]
            if arg.type == .string { return true }
            _ = error("Cannot resolve \"\(lower)(\(names))\" due to data type mismatch: the \(ordinal) parameter requires the \"STRING\" type, however \"\(arg.sparkName)\" has the type \"\(arg.type.sqlName)\". Use cast(\(arg.sparkName) as string).", at: args[index].location)
            return false
        }
        func requireInt(_ index: Int, _ ordinal: String) -> TypedExpr? {
            let arg = typed[index]
            guard arg.type == .int || (arg.type == .long && Self.fitsInt32(arg)) else {
                // Spark names substring(s, pos) with its default length.
                let shown = lower == "substring" && typed.count == 2 ? "\(names), 2147483647" : names
                return error("Cannot resolve \"\(lower)(\(shown))\" due to data type mismatch: The \(ordinal) parameter requires the \"INT\" type, however \"\(arg.sparkName)\" has the type \"\(arg.type.sqlName)\".", at: args[index].location)
            }
            return widen(arg, to: .int)
        }
        let ordinals = ["first", "second", "third"]
        switch lower {
        case "lower", "upper", "trim", "ltrim", "rtrim":
            guard requireString(0, "first") else { return nil }
            return TypedExpr(.function(ScalarFunction(rawValue: lower)!, typed), .string, nullable: anyNullable, sparkName: "\(lower)(\(names))", at: at)
        case "length":
            guard requireString(0, "first") else { return nil }
            return TypedExpr(.function(.length, typed), .int, nullable: anyNullable, sparkName: "length(\(names))", at: at)
        case "concat":
            for index in typed.indices where !requireString(index, index < 3 ? ordinals[index] : "\(index + 1)th") { return nil }
            return TypedExpr(.function(.concat, typed), .string, nullable: anyNullable, sparkName: "concat(\(names))", at: at)
        case "substring":
            guard requireString(0, "first"), let pos = requireInt(1, "second") else { return nil }
            var operands = [typed[0], pos]
            var lengthName = "2147483647"
            if typed.count == 3 {
                guard let length = requireInt(2, "third") else { return nil }
                operands.append(length)
                lengthName = length.sparkName
            } else {
                operands.append(TypedExpr(.literal(.int(Int64(Int32.max))), .int, nullable: false, sparkName: lengthName, at: at))
            }
            return TypedExpr(.function(.substring, operands), .string, nullable: operands.contains { $0.nullable },
                             sparkName: "substring(\(typed[0].sparkName), \(pos.sparkName), \(lengthName))", at: at)
        case "split":
            guard requireString(0, "first") else { return nil }
            if typed.count == 1 {
                return TypedExpr(.function(.splitWhitespace, typed), .array(.string), nullable: anyNullable, sparkName: "split(\(names))", at: at)
            }
            guard case let .literal(.string(separator)) = typed[1].node, !separator.isEmpty else {
                return error("the separator of split(s, sep) must be a non-empty string literal, such as ','; split(s) alone splits on whitespace", at: args[1].location)
            }
            return TypedExpr(.function(.split, typed), .array(.string), nullable: anyNullable,
                             sparkName: "split(\(typed[0].sparkName), \(separator), -1)", at: at)
        case "contains", "startswith", "endswith":
            guard requireString(0, "first"), requireString(1, "second") else { return nil }
            return TypedExpr(.function(ScalarFunction(rawValue: lower)!, typed), .boolean, nullable: anyNullable, sparkName: "\(lower)(\(names))", at: at)
        case "abs":
            guard typed[0].type.isNumeric else {
                return error("Cannot resolve \"abs(\(names))\" due to data type mismatch: The first parameter requires the (\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\") type, however \"\(typed[0].sparkName)\" has the type \"\(typed[0].type.sqlName)\".", at: args[0].location)
            }
            return TypedExpr(.function(.abs, typed), typed[0].type, nullable: anyNullable, sparkName: "abs(\(names))", at: at)
        case "coalesce":
            switch commonType(typed) {
            case let .success(type):
                return TypedExpr(.function(.coalesce, typed.map { widen($0, to: type) }), type, nullable: typed.allSatisfy { $0.nullable },
                                 sparkName: "coalesce(\(names))", at: at)
            case let .failure(clash):
                let types = typed.map { "\"\($0.type.sqlName)\"" }.joined(separator: " or ")
                return error("Cannot resolve \"coalesce(\(names))\" due to data type mismatch: Input to `coalesce` should all be the same type, but it's (\(types)).", at: clash.value.location)
            }
        default:
            return error("Cannot resolve routine \(SparkSuggestions.quoted(name)) on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`].", at: at)
        }
    }

    static func fitsInt32(_ expr: TypedExpr) -> Bool {
        if case let .literal(.int(v)) = expr.node { return Int64(Int32.min)...Int64(Int32.max) ~= v }
        return false
    }

    func callUDF(_ udf: UDFSignature, _ args: [Expr], at: SourceLocation) -> TypedExpr? {
        guard args.count == udf.args.count else {
            return error("udf `\(udf.name)` takes \(udf.args.count) argument\(udf.args.count == 1 ? "" : "s") (\(udf.args.map(\.description).joined(separator: ", "))) but was given \(args.count)", at: at)
        }
        var typed: [TypedExpr] = []
        for (index, arg) in args.enumerated() {
            guard let t = type(arg) else { return nil }
            let want = udf.args[index]
            if t.type == want || Self.isNullLiteral(t) { typed.append(widen(t, to: want)); continue }
            if let wider = DataType.widerNumeric(t.type, want), wider == want { typed.append(widen(t, to: want)); continue }
            return error("argument \(index + 1) of udf `\(udf.name)` must be \(want), however \"\(t.sparkName)\" has the type \(t.type)", at: arg.location)
        }
        guard case let .value(type) = udf.returns else {
            return error("udf `\(udf.name)` returns a tuple; call it as the whole expression of 'map'", at: at)
        }
        return TypedExpr(.udf(udf.name, typed), type, nullable: typed.contains { $0.nullable },
                         sparkName: "\(udf.name)(\(typed.map(\.sparkName).joined(separator: ", ")))", at: at)
    }

    // MARK: aggregates

    /// One `agg` item: an aggregate call, optionally `as name`.
    public func aggregate(_ expr: Expr) -> AggregateCall? {
        var inner = expr
        var alias: String?
        if case let .alias(operand, name) = expr.node { inner = operand; alias = name }
        guard case let .call(name, args, distinct) = inner.node, Self.aggregateNames.contains(name.lowercased()) else {
            diagnostics.error("expected an aggregate such as sum(rating), avg(rating), min, max, count(*), count(distinct x) or first(x) in 'agg', received \"\(inner)\"", at: inner.location)
            return nil
        }
        var function = name.lowercased()
        var isDistinct = distinct
        if function == "mean" { function = "avg" }
        if function == "countdistinct" || function == "count_distinct" { function = "count"; isDistinct = true }
        let at = inner.location
        if distinct, function != "count" {
            diagnostics.error("DISTINCT is supported in count(distinct x) only, not in \(name)()", at: at)
            return nil
        }
        if function == "count", !isDistinct, args.count == 1 {
            let isStar: Bool = if case .star = args[0].node { true } else if case .literal(.int(1)) = args[0].node { true } else { false }
            if isStar {
                return AggregateCall(function: .countStar, argument: nil, name: alias ?? "count(1)", type: .long, nullable: false, location: at)
            }
        }
        guard args.count == 1 else {
            diagnostics.error("\(name)() takes one column, received \(args.count) arguments", at: at)
            return nil
        }
        if containsAggregate(args[0]) {
            diagnostics.error("an aggregate function cannot be nested inside \(name)()", at: args[0].location)
            return nil
        }
        guard let argument = type(args[0]) else { return nil }
        func typeMismatch(_ requirement: String) -> AggregateCall? {
            diagnostics.error("Cannot resolve \"\(function)(\(argument.sparkName))\" due to data type mismatch: The first parameter requires \(requirement), however \"\(argument.sparkName)\" has the type \"\(argument.type.sqlName)\".", at: args[0].location)
            return nil
        }
        if isArray(argument.type), function != "count", function != "first" { return typeMismatch("a type that can be compared") }
        switch function {
        case "sum":
            guard argument.type.isNumeric else { return typeMismatch("the \"NUMERIC\" or \"ANSI INTERVAL\" type") }
            let type: DataType = argument.type == .double ? .double : .long
            return AggregateCall(function: .sum, argument: widen(argument, to: type), name: alias ?? "sum(\(argument.sparkName))", type: type, nullable: true, location: at)
        case "avg":
            guard argument.type.isNumeric else { return typeMismatch("the \"NUMERIC\" or \"ANSI INTERVAL\" type") }
            return AggregateCall(function: .avg, argument: widen(argument, to: .double), name: alias ?? "avg(\(argument.sparkName))", type: .double, nullable: true, location: at)
        case "min", "max":
            return AggregateCall(function: function == "min" ? .min : .max, argument: argument, name: alias ?? "\(function)(\(argument.sparkName))",
                                 type: argument.type, nullable: true, location: at)
        case "count":
            if isDistinct {
                return AggregateCall(function: .countDistinct, argument: argument, name: alias ?? "count(DISTINCT \(argument.sparkName))", type: .long, nullable: false, location: at)
            }
            return AggregateCall(function: .count, argument: argument, name: alias ?? "count(\(argument.sparkName))", type: .long, nullable: false, location: at)
        case "first":
            return AggregateCall(function: .first, argument: argument, name: alias ?? "first(\(argument.sparkName))", type: argument.type, nullable: true, location: at)
        default:
            diagnostics.error("unknown aggregate \(name)()", at: at)
            return nil
        }
    }

    func containsAggregate(_ expr: Expr) -> Bool {
        switch expr.node {
        case let .call(name, args, _): Self.aggregateNames.contains(name.lowercased()) || args.contains(where: containsAggregate)
        case let .unary(_, operand), let .isNull(operand, _), let .cast(operand, _), let .alias(operand, _): containsAggregate(operand)
        case let .binary(_, l, r): containsAggregate(l) || containsAggregate(r)
        case let .when(branches, otherwise): branches.contains { containsAggregate($0.condition) || containsAggregate($0.value) } || otherwise.map(containsAggregate) == true
        case let .tuple(items): items.contains(where: containsAggregate)
        default: false
        }
    }
}

/// Spark's "Did you mean one of the following?" for an unresolved column
/// (`StringUtils.orderSuggestedIdentifiersBySimilarity`, as pyspark 4.0.1 gives it): each
/// candidate quoted as an identifier (`` `name` ``) is ranked by its Levenshtein distance, in
/// UTF-16 units, to the missing name as Spark writes it in SQL (bare when it is a plain
/// identifier, quoted otherwise); ties go by name (Java's String order); the first 5 are shown.
/// Tests/KilnCompilerTests/Fixtures/spark_messages.json holds Spark's own lists.
enum SparkSuggestions {
    static let limit = 5

    static func nearest(to missing: String, among candidates: [String]) -> [String] {
        let base = Array(sql(missing).utf16)
        let ranked = candidates.map { (name: $0, units: Array($0.utf16), distance: levenshtein(Array(quoted($0).utf16), base)) }
            .sorted { a, b in a.distance != b.distance ? a.distance < b.distance : a.units.lexicographicallyPrecedes(b.units) }
        return ranked.prefix(limit).map(\.name)
    }

    /// `` `name` `` with inner backticks doubled (Spark's `quoteIdentifier`/`toSQLId`).
    static func quoted(_ name: String) -> String { "`" + String(name.flatMap { $0 == "`" ? ["`", "`"] : [$0] }) + "`" }

    /// An attribute's `sql`: bare when it is letters, digits and underscores (not all digits).
    static func sql(_ name: String) -> String {
        let plain = !name.isEmpty && name.utf8.allSatisfy { ($0 | 0x20) &- 97 < 26 || $0 &- 48 < 10 || $0 == 95 }
            && !name.utf8.allSatisfy { $0 &- 48 < 10 }
        return plain ? name : quoted(name)
    }

    /// Edit distance with unit costs (commons-text `LevenshteinDistance`), in two rows. Pairs
    /// of names too long to compare in a few milliseconds rank by their longer length (an upper
    /// bound), so that a hostile 200,000-character name stays linear.
    static func levenshtein(_ a: [UInt16], _ b: [UInt16]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        if a.count.multipliedReportingOverflow(by: b.count).partialValue > 1 << 22 || a.count > 1 << 16 || b.count > 1 << 16 {
            return max(a.count, b.count)
        }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
