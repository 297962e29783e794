// Pipeline data types, shared by the compiler (type checking, codegen) and the runtime
// (columns, readers, show()). Names and widths are Spark SQL's.

/// A column's type. `int` is Spark's IntegerType (32-bit), `long` its LongType (bigint).
public indirect enum DataType: Hashable, Sendable, CustomStringConvertible {
    case string, int, long, double, boolean
    case array(DataType)
    /// MLlib's VectorUDT (dense or sparse doubles); made by the libsvm reader and ML stages.
    case vector

    /// The name a spec writes and Spark's DDL accepts: `string`, `int`, `long`, `array<string>`.
    public var description: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .long: "long"
        case .double: "double"
        case .boolean: "boolean"
        case let .array(element): "array<\(element)>"
        case .vector: "vector"
        }
    }

    /// Spark's `simpleString` (`int`, `bigint`), as DDL strings write types.
    public var sparkSimpleString: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .long: "bigint"
        case .double: "double"
        case .boolean: "boolean"
        case let .array(element): "array<\(element.sparkSimpleString)>"
        case .vector: "vector"
        }
    }

    /// Upper-case SQL name, as Spark's error messages quote types ("STRING", "BIGINT").
    public var sqlName: String {
        switch self {
        case let .array(element): "ARRAY<\(element.sqlName)>"
        default: sparkSimpleString.uppercased()
        }
    }

    public var isNumeric: Bool { self == .int || self == .long || self == .double }
    public var isIntegral: Bool { self == .int || self == .long }

    /// Parses a type name as a spec writes it; Spark's aliases are accepted.
    public init?(name: String) {
        let text = name.trimmingSpaces.lowercased()
        switch text {
        case "string", "str", "varchar": self = .string
        case "int", "integer", "int32": self = .int
        case "long", "bigint", "int64": self = .long
        case "double", "float64", "float": self = .double
        case "boolean", "bool": self = .boolean
        default:
            guard text.hasPrefix("array<"), text.hasSuffix(">"),
                  let element = DataType(name: String(text.dropFirst(6).dropLast())) else { return nil }
            self = .array(element)
        }
    }

    /// The wider of two numeric types (Spark's numeric promotion); nil if either is not numeric.
    public static func widerNumeric(_ a: DataType, _ b: DataType) -> DataType? {
        guard a.isNumeric, b.isNumeric else { return nil }
        if a == .double || b == .double { return .double }
        if a == .long || b == .long { return .long }
        return .int
    }
}

/// One column of a schema.
public struct Field: Hashable, Sendable {
    public var name: String
    public var type: DataType
    public var nullable: Bool
    public init(_ name: String, _ type: DataType, nullable: Bool = true) {
        self.name = name; self.type = type; self.nullable = nullable
    }
}

/// An ordered list of named, typed columns.
public struct Schema: Hashable, Sendable, CustomStringConvertible {
    public var fields: [Field]
    public init(_ fields: [Field]) { self.fields = fields }

    public var names: [String] { fields.map(\.name) }
    public var count: Int { fields.count }

    /// Spark resolves column names case-insensitively by default (spark.sql.caseSensitive=false).
    public func index(of name: String) -> Int? {
        fields.firstIndex { $0.name == name } ?? fields.firstIndex { $0.name.lowercased() == name.lowercased() }
    }

    public subscript(name: String) -> Field? { index(of: name).map { fields[$0] } }

    /// `location: string, rating: int`.
    public var description: String { fields.map { "\($0.name): \($0.type)" }.joined(separator: ", ") }

    /// Spark's `printSchema()` text (`schema.treeString`): names with their control characters
    /// escaped, one `element` line per array level.
    public var treeString: String {
        var lines = ["root"]
        for field in fields {
            lines.append(" |-- \(Self.escapingMetaCharacters(field.name)): \(Self.typeName(field.type)) (nullable = \(field.nullable))")
            var type = field.type, prefix = " |    |"
            while case let .array(element) = type {
                // Kiln's arrays carry no containsNull flag; Spark's default for an array type is true.
                lines.append("\(prefix)-- element: \(Self.typeName(element)) (containsNull = true)")
                type = element
                prefix += "    |"
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Spark's escaping of control characters in column names and `show()` cells
    /// (`SparkSchemaUtils.escapeMetaCharacters`): \n \r \t \f \b \v \a become backslash escapes.
    public static func escapingMetaCharacters(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x0E }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0C}": out += "\\f"
            case "\u{08}": out += "\\b"
            case "\u{0B}": out += "\\v"
            case "\u{07}": out += "\\a"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func typeName(_ type: DataType) -> String {
        switch type {
        case .int: "integer"
        case .long: "long"
        case .array: "array"
        default: type.description
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
