import KilnCore
import KilnSpec

/// A value in generated stage code: a Swift expression (usually a local), its type and
/// whether it may be null (then its Swift type is optional).
struct SwiftValue {
    var expr: String
    var type: DataType
    var nullable: Bool
}

/// Swift spellings of pipeline types inside stages: strings are `KStr` views, arrays are
/// arrays of optional elements.
enum SwiftTypes {
    static func stage(_ type: DataType) -> String {
        switch type {
        case .string: "KStr"
        case .int: "Int32"
        case .long: "Int64"
        case .double: "Double"
        case .boolean: "Bool"
        case let .array(element): "[\(stage(element))?]"
        case .vector: "SparkVector"
        }
    }

    static func stage(_ type: DataType, nullable: Bool) -> String { stage(type) + (nullable ? "?" : "") }

    /// The type a udf takes and returns: `String`, `[String]`, numbers.
    static func udf(_ type: DataType) -> String {
        switch type {
        case .string: "String"
        case let .array(element): "[\(udf(element))]"
        default: stage(type)
        }
    }

    /// The type a user sees in row structs (`String` for strings, arrays of optionals).
    static func user(_ type: DataType) -> String {
        switch type {
        case .string: "String"
        case let .array(element): "[\(user(element))?]"
        default: stage(type)
        }
    }

    /// The view accessor of a frame column (`strings`, `ints`, ...).
    static func accessor(_ type: DataType) -> String {
        switch type {
        case .string: "strings"
        case .int: "ints"
        case .long: "longs"
        case .double: "doubles"
        case .boolean: "booleans"
        case .array: "lists"
        case .vector: "vectors"
        }
    }

    /// The column class a sink appends to.
    static func column(_ type: DataType) -> String {
        switch type {
        case .string: "StringColumn"
        case .array: "ListColumn"
        case .vector: "VectorColumn"
        default: "PrimitiveColumn<\(stage(type))>"
        }
    }

    /// The ListColumn reader for arrays of `element`.
    static func listReader(_ element: DataType) -> String {
        switch element {
        case .string: "kstrs"
        case .int: "int32s"
        case .long: "int64s"
        case .double: "doubleValues"
        case .boolean: "boolValues"
        case .array, .vector: "kstrs"
        }
    }

    /// A Swift literal of a double that reads back exactly.
    static func double(_ value: Double) -> String {
        if value.isNaN { return "Double.nan" }
        if value.isInfinite { return value < 0 ? "-Double.infinity" : "Double.infinity" }
        return "Double(\(value))"
    }
}

/// Emits the statements that compute typed expressions, one `let` per operation (SSA), with
/// Spark's null propagation written as `if let` expressions and lazy `when` branches.
/// Its statements start at level 0; `take` hands them to the caller, which adds them at its own.
final class SwiftExpressionEmitter {
    private var printer = CodePrinter()
    var counter: Int
    /// The input row's columns.
    let columns: [SwiftValue]
    let params: [String: SwiftValue]
    let udfs: [String: UDFSignature]

    init(columns: [SwiftValue], params: [String: SwiftValue], udfs: [String: UDFSignature], counter: Int = 0) {
        self.columns = columns; self.params = params; self.udfs = udfs; self.counter = counter
    }

    func add(_ line: String) { printer.line(line) }

    /// The statements written since the last take.
    func take() -> [String] {
        defer { printer = CodePrinter() }
        return printer.lines
    }

    func fresh() -> String { counter += 1; return "v\(counter)" }

    /// `body` one level deeper. It writes through `self` (`emit` recurses), which can't run
    /// inside `CodePrinter.indented`'s closure while that holds the printer: it gets a printer
    /// of its own, whose lines are then indented into this one.
    func indented(_ body: () -> Void) {
        let outer = printer
        printer = CodePrinter()
        body()
        let inner = printer.lines
        printer = outer
        printer.indented { $0.lines(inner) }
    }

    /// `let vN = body(operands)`, unwrapping the nullable operands first (null in, null out).
    func apply(_ operands: [SwiftValue], type: DataType, throwing: Bool, comment: String? = nil, _ body: ([String]) -> String) -> SwiftValue {
        let name = fresh()
        let tryPrefix = throwing ? "try " : ""
        let suffix = comment.map { "  // \(Identifiers.commentText($0))" } ?? ""
        let nullable = operands.contains { $0.nullable }
        if !nullable {
            add("let \(name) = \(tryPrefix)\(body(operands.map(\.expr)))\(suffix)")
            return SwiftValue(expr: name, type: type, nullable: false)
        }
        // A null literal operand makes the result null outright.
        if operands.contains(where: { $0.expr.hasPrefix("(nil as") }) {
            add("let \(name): \(SwiftTypes.stage(type))? = nil\(suffix)")
            return SwiftValue(expr: name, type: type, nullable: true)
        }
        var bindings: [String] = []
        for operand in operands where operand.nullable && !bindings.contains("let \(operand.expr)") {
            bindings.append("let \(operand.expr)")
        }
        let names = operands.map(\.expr)
        add("let \(name): \(SwiftTypes.stage(type))? = if \(bindings.joined(separator: ", ")) { \(tryPrefix)\(body(names)) } else { nil }\(suffix)")
        return SwiftValue(expr: name, type: type, nullable: true)
    }

    func emit(_ expr: TypedExpr) -> SwiftValue {
        switch expr.node {
        case let .column(index, _):
            return columns[index]
        case let .param(name):
            return params[name]!
        case let .literal(literal):
            return self.literal(literal, type: expr.type)
        case let .unary(op, operand):
            let value = emit(operand)
            switch op {
            case .negate:
                let throwing = value.type != .double
                return apply([value], type: expr.type, throwing: throwing) { "KilnSQL.negate(\($0[0]))" }
            case .not:
                return apply([value], type: .boolean, throwing: false) { "!\($0[0])" }
            }
        case let .binary(op, left, right):
            return binary(op, emit(left), emit(right), type: expr.type, sparkName: expr.sparkName)
        case let .isNull(operand, negated):
            let value = emit(operand)
            if !value.nullable { return SwiftValue(expr: negated ? "true" : "false", type: .boolean, nullable: false) }
            let name = fresh()
            add("let \(name) = \(value.expr) \(negated ? "!=" : "==") nil")
            return SwiftValue(expr: name, type: .boolean, nullable: false)
        case let .function(function, args):
            return call(function, args, type: expr.type, sparkName: expr.sparkName)
        case let .udf(name, args):
            return callUDF(name, args.map(emit), type: expr.type)
        case let .cast(operand, _):
            return cast(emit(operand), to: expr.type)
        case let .when(branches, otherwise):
            return when(branches, otherwise: otherwise, type: expr.type, nullable: expr.nullable)
        }
    }

    func literal(_ literal: Literal, type: DataType) -> SwiftValue {
        switch literal {
        case let .int(v):
            return SwiftValue(expr: type == .long ? "Int64(\(v))" : type == .double ? SwiftTypes.double(Double(v)) : "Int32(\(v))", type: type, nullable: false)
        case let .double(v):
            return SwiftValue(expr: SwiftTypes.double(v), type: .double, nullable: false)
        case let .string(s):
            return SwiftValue(expr: "KStr(\(Identifiers.swiftStringLiteral(s)))", type: .string, nullable: false)
        case let .bool(b):
            return SwiftValue(expr: b ? "true" : "false", type: .boolean, nullable: false)
        case .null:
            return SwiftValue(expr: "(nil as \(SwiftTypes.stage(type))?)", type: type, nullable: true)
        }
    }

    func binary(_ op: BinaryOperator, _ l: SwiftValue, _ r: SwiftValue, type: DataType, sparkName: String) -> SwiftValue {
        let comment = sparkName
        switch op {
        case .add, .subtract, .multiply:
            let function = op == .add ? "add" : op == .subtract ? "subtract" : "multiply"
            return apply([l, r], type: type, throwing: type != .double, comment: comment) { "KilnSQL.\(function)(\($0[0]), \($0[1]))" }
        case .divide:
            return apply([l, r], type: .double, throwing: true, comment: comment) { "KilnSQL.divide(\($0[0]), \($0[1]))" }
        case .remainder:
            return apply([l, r], type: type, throwing: true, comment: comment) { "KilnSQL.remainder(\($0[0]), \($0[1]))" }
        case .equal:
            return apply([l, r], type: .boolean, throwing: false, comment: comment) { "KilnSQL.equal(\($0[0]), \($0[1]))" }
        case .notEqual:
            return apply([l, r], type: .boolean, throwing: false, comment: comment) { "!KilnSQL.equal(\($0[0]), \($0[1]))" }
        case .less, .lessEqual, .greater, .greaterEqual:
            let symbol = op == .less ? "<" : op == .lessEqual ? "<=" : op == .greater ? ">" : ">="
            return apply([l, r], type: .boolean, throwing: false, comment: comment) { "KilnSQL.compare(\($0[0]), \($0[1])) \(symbol) 0" }
        case .and, .or:
            let name = fresh()
            if !l.nullable && !r.nullable {
                add("let \(name) = \(l.expr) \(op == .and ? "&&" : "||") \(r.expr)  // \(Identifiers.commentText(comment))")
                return SwiftValue(expr: name, type: .boolean, nullable: false)
            }
            add("let \(name) = KilnSQL.\(op == .and ? "and" : "or")(\(l.expr), \(r.expr))  // \(Identifiers.commentText(comment))")
            return SwiftValue(expr: name, type: .boolean, nullable: true)
        }
    }

    func call(_ function: ScalarFunction, _ args: [TypedExpr], type: DataType, sparkName: String) -> SwiftValue {
        if function == .coalesce {
            let values = args.map(emit)
            var chosen: [SwiftValue] = []
            for value in values {
                chosen.append(value)
                if !value.nullable { break }
            }
            let name = fresh()
            add("let \(name) = \(chosen.map(\.expr).joined(separator: " ?? "))  // \(Identifiers.commentText(sparkName))")
            return SwiftValue(expr: name, type: type, nullable: chosen.last!.nullable)
        }
        let values = args.map(emit)
        let comment = sparkName
        switch function {
        case .lower, .upper:
            return apply(values, type: .string, throwing: false, comment: comment) { "KilnSQL.\(function.rawValue)(\($0[0]), scratch)" }
        case .trim, .ltrim, .rtrim, .length:
            return apply(values, type: type, throwing: false, comment: comment) { "KilnSQL.\(function.rawValue)(\($0[0]))" }
        case .concat:
            return apply(values, type: .string, throwing: false, comment: comment) { "KilnSQL.concat([\($0.joined(separator: ", "))], scratch)" }
        case .substring:
            return apply(values, type: .string, throwing: false, comment: comment) { "KilnSQL.substring(\($0[0]), \($0[1]), \($0[2]))" }
        case .split:
            return apply([values[0]], type: type, throwing: false, comment: comment) { "KilnSQL.split(\($0[0]), \(values[1].expr)).map(Optional.some)" }
        case .splitWhitespace:
            return apply(values, type: type, throwing: false, comment: comment) { "KilnSQL.splitWhitespace(\($0[0])).map(Optional.some)" }
        case .contains, .startswith, .endswith:
            return apply(values, type: .boolean, throwing: false, comment: comment) { "KilnSQL.\(function.rawValue)(\($0[0]), \($0[1]))" }
        case .abs:
            return apply(values, type: type, throwing: type != .double, comment: comment) { "KilnSQL.abs(\($0[0]))" }
        case .coalesce:
            fatalError("handled above")
        }
    }

    /// A Swift value of a stage value, as a udf takes it (arrays without their nulls).
    func toUser(_ expr: String, _ type: DataType) -> String { Self.toUser(expr, type) }

    static func toUser(_ expr: String, _ type: DataType) -> String {
        switch type {
        case .string: "\(expr).string"
        case .array(.string): "\(expr).compactMap { $0?.string }"
        case .array: "\(expr).compactMap { $0 }"
        default: expr
        }
    }

    /// A stage value of a udf's Swift result.
    func fromUser(_ expr: String, _ type: DataType) -> String {
        switch type {
        case .string: "scratch.copy(\(expr))"
        case .array(.string): "\(expr).map { Optional(scratch.copy($0)) }"
        case .array: "\(expr).map(Optional.some)"
        default: expr
        }
    }

    func callUDF(_ name: String, _ args: [SwiftValue], type: DataType) -> SwiftValue {
        let signature = udfs[name]!
        return apply(args, type: type, throwing: false, comment: "udf \(name)") { operands in
            let converted = zip(operands, signature.args).map { toUser($0, $1) }
            return fromUser("\(name)(\(converted.joined(separator: ", ")))", type)
        }
    }

    func cast(_ value: SwiftValue, to target: DataType) -> SwiftValue {
        let from = value.type
        if from == target { return value }
        var throwing = false
        let body: (String) -> String
        switch (from, target) {
        case (.int, .long): body = { "Int64(\($0))" }
        case (.int, .double), (.long, .double): body = { "Double(\($0))" }
        case (.long, .int), (.double, .int): throwing = true; body = { "KilnSQL.castToInt(\($0))" }
        case (.double, .long): throwing = true; body = { "KilnSQL.castToLong(\($0))" }
        case (.string, .int): throwing = true; body = { "KilnSQL.castToInt(\($0))" }
        case (.string, .long): throwing = true; body = { "KilnSQL.castToLong(\($0))" }
        case (.string, .double): throwing = true; body = { "KilnSQL.castToDouble(\($0))" }
        case (.string, .boolean): throwing = true; body = { "KilnSQL.castToBoolean(\($0))" }
        case (_, .string): body = { "KilnSQL.string(\($0), scratch)" }
        case (.boolean, .int): body = { "Int32(\($0) ? 1 : 0)" }
        case (.boolean, .long): body = { "Int64(\($0) ? 1 : 0)" }
        case (.boolean, .double): body = { "(\($0) ? 1.0 : 0.0)" }
        case (_, .boolean): body = { "\($0) != 0" }
        default: body = { $0 }
        }
        return apply([value], type: target, throwing: throwing) { body($0[0]) }
    }

    /// Lazy CASE WHEN: a branch's value is computed only when its condition holds.
    func when(_ branches: [(condition: TypedExpr, value: TypedExpr)], otherwise: TypedExpr?, type: DataType, nullable: Bool) -> SwiftValue {
        let name = fresh()
        add("let \(name): \(SwiftTypes.stage(type, nullable: nullable))")
        func branch(_ index: Int) {
            guard index < branches.count else {
                if let otherwise {
                    let value = emit(otherwise)
                    add("\(name) = \(value.expr)")
                } else {
                    add("\(name) = nil")
                }
                return
            }
            let condition = emit(branches[index].condition)
            add("if \(condition.expr)\(condition.nullable ? " == true" : "") {")
            indented {
                let value = emit(branches[index].value)
                add("\(name) = \(value.expr)")
            }
            add("} else {")
            indented { branch(index + 1) }
            add("}")
        }
        branch(0)
        return SwiftValue(expr: name, type: type, nullable: nullable)
    }
}
