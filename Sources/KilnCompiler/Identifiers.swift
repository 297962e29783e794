/// Every spec-provided name that reaches generated code goes through here, so that no
/// spec can inject C or Swift: identifiers are checked or rebuilt from a safe alphabet,
/// and text is escaped for the literal or comment it lands in.
public enum Identifiers {
    static let swiftKeywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
        "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw",
        "switch", "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws",
        "true", "try", "Type", "Protocol", "async", "some", "any", "consume", "copy", "borrowing", "consuming",
    ]
    static let cKeywords: Set<String> = [
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
        "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
        "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
        "bool", "true", "false", "alignas", "alignof", "nullptr", "static_assert", "thread_local", "typeof",
    ]
    /// Names the generated wrapper module already uses.
    static let reservedTypeNames: Set<String> = [
        "KilnModel", "KilnRuntime", "Tensor", "History", "ModelDescriptor", "ModelKernels", "LayerInfo",
        "WeightInfo", "Initializer", "String", "Int", "Float", "Double", "Array", "Bool", "Swift", "Foundation",
    ]

    /// Why `name` cannot be a model (Swift type) name, or nil if it can.
    public static func problemWithModelName(_ name: String) -> String? {
        guard let first = name.unicodeScalars.first else { return "a model name cannot be empty" }
        let isLetter: (Unicode.Scalar) -> Bool = { ("A"..."Z").contains($0) || ("a"..."z").contains($0) }
        let isDigit: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
        guard isLetter(first) else { return "a model name must start with an ASCII letter" }
        guard name.unicodeScalars.allSatisfy({ isLetter($0) || isDigit($0) || $0 == "_" }) else {
            return "a model name may contain only ASCII letters, digits and '_'"
        }
        guard name.count <= 64 else { return "a model name may be at most 64 characters long" }
        if swiftKeywords.contains(name) || cKeywords.contains(name) || reservedTypeNames.contains(name) || name.hasPrefix("kiln") {
            return "'\(name)' is reserved"
        }
        return nil
    }

    /// Lower-case ASCII letters, digits and '_', starting with a letter, at most 48 long, not a C keyword.
    public static func isPlainCIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.count <= 48 else { return false }
        return !cKeywords.contains(name)
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// A C identifier fragment built only from [a-z0-9_]; other characters become '_'.
    public static func cFragment(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z", "0"..."9": out.unicodeScalars.append(scalar)
            case "A"..."Z": out += String(scalar).lowercased()
            default: out += "_"
            }
        }
        if out.isEmpty || out.first!.isNumber { out = "l" + out }
        return out
    }

    /// A Swift string literal (with quotes) holding exactly `text`: only printable ASCII is kept
    /// as is; quotes, backslashes and everything else are escaped, so `\(` cannot interpolate.
    public static func swiftStringLiteral(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case " "..."~": out.unicodeScalars.append(scalar)
            default: out += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return out + "\""
    }

    /// Text safe inside a C `//` comment and a Swift `//` comment: one line, printable ASCII,
    /// no trailing backslash (which would continue a C comment onto the next line).
    public static func commentText(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "/"
            case " "..."~": out.unicodeScalars.append(scalar)
            default: out += "?"
            }
        }
        return out
    }
}
