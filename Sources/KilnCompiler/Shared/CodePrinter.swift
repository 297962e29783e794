/// Lines of generated source at the current indentation. Every renderer (C, Swift, Keras,
/// pipeline Swift, PySpark) writes through one, so nesting is a scope, not a string passed along.
struct CodePrinter {
    private(set) var lines: [String] = []
    private(set) var level = 0
    let unit: String

    init(indentUnit: String = "    ", level: Int = 0) {
        self.unit = indentUnit
        self.level = level
    }

    /// The current indentation.
    var indentation: String { String(repeating: unit, count: level) }

    /// One line at the current level; an empty line stays empty (no trailing blanks).
    mutating func line(_ text: String = "") {
        lines.append(text.isEmpty ? "" : indentation + text)
    }

    mutating func lines(_ texts: [String]) {
        for text in texts { line(text) }
    }

    /// `body` one level deeper.
    mutating func indented(_ body: (inout CodePrinter) -> Void) {
        level += 1
        body(&self)
        level -= 1
    }

    /// `opener`, `body` one level deeper, then `closer` (a C or Swift brace block by default).
    mutating func block(_ opener: String, closer: String? = "}", _ body: (inout CodePrinter) -> Void) {
        line(opener)
        indented(body)
        if let closer { line(closer) }
    }

    /// The lines, each ending in a newline.
    var text: String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }
}
