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

    /// Why `name` cannot be a model (Swift type) name, or nil if it can; `kind` names what it
    /// names in the reason ("pipeline" for a pipeline's type).
    public static func problemWithModelName(_ name: String, kind: String = "model") -> String? {
        guard let first = name.unicodeScalars.first else { return "a \(kind) name cannot be empty" }
        let isLetter: (Unicode.Scalar) -> Bool = { ("A"..."Z").contains($0) || ("a"..."z").contains($0) }
        let isDigit: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
        guard isLetter(first) else { return "a \(kind) name must start with an ASCII letter" }
        guard name.unicodeScalars.allSatisfy({ isLetter($0) || isDigit($0) || $0 == "_" }) else {
            return "a \(kind) name may contain only ASCII letters, digits and '_'"
        }
        guard name.count <= 64 else { return "a \(kind) name may be at most 64 characters long" }
        if swiftKeywords.contains(name) || cKeywords.contains(name) || reservedTypeNames.contains(name) || name.hasPrefix("kiln") {
            return "'\(name)' is reserved"
        }
        return nil
    }

    static let pythonKeywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
        "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "match", "case", "print", "len",
    ]
    /// Names the generated pipeline code (Swift `run`, the PySpark script) uses for itself.
    static let reservedPipelineNames: Set<String> = [
        "context", "worker", "batch", "result", "spark", "sc", "args", "main", "run", "math", "add", "mul", "argparse", "parser", "outputs",
    ]

    /// Python names the generated PySpark program's `run` relies on (a local of that name would
    /// shadow them in its lambdas).
    static let pythonBuiltins: Set<String> = [
        "abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "int", "isinstance", "iter", "list", "map",
        "max", "min", "next", "object", "range", "round", "set", "sorted", "str", "sum", "tuple", "type", "zip",
        "F", "T", "Row", "SparkSession", "operator",
    ]

    /// Why `name` cannot name a pipeline source or step (it must be a plain identifier), or nil
    /// if it can. Names that clash with keywords or the generated code are not refused: they
    /// are mangled (see `datasetIdentifiers`).
    public static func problemWithDatasetName(_ name: String) -> String? {
        guard let first = name.unicodeScalars.first else { return "a name cannot be empty" }
        let isLetter: (Unicode.Scalar) -> Bool = { ("A"..."Z").contains($0) || ("a"..."z").contains($0) }
        guard ("a"..."z").contains(first) else { return "a name must start with a lower-case ASCII letter (it names a variable in the generated code)" }
        guard name.unicodeScalars.allSatisfy({ isLetter($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
            return "a name may contain only ASCII letters, digits and '_'"
        }
        guard name.count <= 64 else { return "a name may be at most 64 characters long" }
        return nil
    }

    /// Whether a dataset's variable of this name would clash with a keyword of Swift or Python,
    /// or with a name the generated code uses for itself.
    static func clashesWithGeneratedCode(_ name: String) -> Bool {
        let isStageName = name.hasPrefix("stage") && name.count > 5 && name.dropFirst(5).allSatisfy(\.isNumber)
        return swiftKeywords.contains(name) || pythonKeywords.contains(name) || pythonBuiltins.contains(name)
            || reservedPipelineNames.contains(name) || isStageName || name.hasPrefix("kiln") || name.hasPrefix("p_")
    }

    /// The variable names of a pipeline's datasets in the generated Swift and Python: each
    /// spec name as written where it is free, else with '_' appended (and `ds_` before a
    /// reserved prefix) until it clashes with
    /// nothing (keywords, the generated code's own names, `reserved` such as udfs and params,
    /// other datasets' names, and the `<join>Table`/`<join>Build` locals of joins).
    public static func datasetIdentifiers(_ names: [String], joins: Set<Int>, reserved: Set<String>) -> [String] {
        let specNames = Set(names)
        var assigned: Set<String> = [], derived: Set<String> = []
        var identifiers: [String] = []
        for (index, name) in names.enumerated() {
            func free(_ candidate: String) -> Bool {
                !clashesWithGeneratedCode(candidate) && !reserved.contains(candidate) && !assigned.contains(candidate)
                    && !derived.contains(candidate) && (candidate == name || !specNames.contains(candidate))
            }
            func fits(_ candidate: String) -> Bool {
                guard free(candidate) else { return false }
                guard joins.contains(index) else { return true }
                return [candidate + "Table", candidate + "Build"].allSatisfy { !specNames.contains($0) && !assigned.contains($0) && !reserved.contains($0) }
            }
            // A reserved prefix cannot be mangled away by a suffix.
            var identifier = name.hasPrefix("kiln") || name.hasPrefix("p_") ? "ds_" + name : name
            while !fits(identifier) { identifier += "_" }
            assigned.insert(identifier)
            if joins.contains(index) { derived.formUnion([identifier + "Table", identifier + "Build"]) }
            identifiers.append(identifier)
        }
        return identifiers
    }

    /// Why `name` cannot name a parameter (an argument label of `run` and a Python variable).
    public static func problemWithParameterName(_ name: String) -> String? {
        if let problem = problemWithDatasetName(name) { return problem }
        return clashesWithGeneratedCode(name) ? "'\(name)' is reserved" : nil
    }

    /// Names generated stage code uses for its own members, which a udf (a free function the
    /// stage calls) must not shadow.
    static let stageMembers: Set<String> = ["scratch", "out", "agg", "rowCount", "encoder", "consume", "emit"]

    /// Why `name` cannot name a udf (a Swift and Python function), or nil if it can. Unlike
    /// datasets, a udf may take a built-in's name (the lecture's `split` and `count`).
    public static func problemWithUDFName(_ name: String) -> String? {
        if stageMembers.contains(name) || name.hasPrefix("consume") || name.hasPrefix("out") { return "'\(name)' is reserved" }
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) || first == "_" else {
            return "a udf name must start with an ASCII letter"
        }
        guard name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
            return "a udf name may contain only ASCII letters, digits and '_'"
        }
        if swiftKeywords.contains(name) || pythonKeywords.contains(name) || name.lowercased().hasPrefix("kiln") { return "'\(name)' is reserved" }
        return nil
    }

    /// A Swift property name for a column, whatever the column is called: `sum(rating)` ->
    /// `sum_rating`, `Mountain View` -> `Mountain_View`, `_1` -> `_1`, `1st` -> `c1st`, `class` -> `class_`.
    public static func swiftPropertyName(_ column: String) -> String {
        var out = ""
        for scalar in column.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9": out.unicodeScalars.append(scalar)
            case "_": out += "_"
            default: if !out.isEmpty, out.last != "_" { out += "_" }
            }
        }
        // `sum(rating)` -> `sum_rating`, but `_1` stays `_1`.
        while out.count > 1, out.hasSuffix("_"), !column.hasSuffix("_") { out.removeLast() }
        if out.isEmpty || out.allSatisfy({ $0 == "_" }) { out = "column" }
        if out.first!.isNumber { out = "c" + out }
        if swiftKeywords.contains(out) || out == "schema" || out == "init" { out += "_" }
        return out
    }

    /// Unique property names for a schema's columns (a suffix where two would collide).
    public static func swiftPropertyNames(_ columns: [String]) -> [String] {
        var used: Set<String> = []
        return columns.map { column in
            let base = swiftPropertyName(column)
            var name = base, counter = 2
            while used.contains(name) { name = "\(base)_\(counter)"; counter += 1 }
            used.insert(name)
            return name
        }
    }

    /// A Python string literal holding exactly `text` (printable ASCII kept, the rest escaped).
    public static func pythonStringLiteral(_ text: String) -> String {
        var out = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "'": out += "\\'"
            case "\\": out += "\\\\"
            case " "..."~": out.unicodeScalars.append(scalar)
            default:
                let hex = String(scalar.value, radix: 16)
                out += scalar.value <= 0xFFFF ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    : "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
            }
        }
        return out + "'"
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

    /// Text safe inside a Python triple-quoted docstring: one line, printable ASCII, with quotes
    /// and backslashes escaped so that nothing can close the string.
    public static func pythonDocstringText(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case " "..."~": out.unicodeScalars.append(scalar)
            default: out += "?"
            }
        }
        return out
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
