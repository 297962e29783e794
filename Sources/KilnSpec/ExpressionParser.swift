/// Expression text (one YAML scalar) -> `Expr`, with every node located in the spec file.
public struct ExpressionParser {
    struct Token: Equatable {
        enum Kind: Equatable { case identifier, quotedIdentifier, param, int, double, string, symbol, end }
        var kind: Kind
        var text: String
        var offset: Int
        /// An identifier in lower case, for keyword checks (which run several times per token).
        var lower = ""
    }

    let source: [Character]
    let base: SourceLocation
    /// Columns to add to `base.column` for a character offset (1 for a quoted scalar's quote).
    let columnShift: Int
    /// Offsets of the text's line breaks, so that a location costs a binary search, not a rescan.
    let lineBreaks: [Int]
    var tokens: [Token] = []
    var position = 0
    /// Sub-expressions being parsed inside each other (parentheses, arguments).
    var nesting = 0

    /// Deepest expression accepted, in nested sub-expressions and in tree levels alike
    /// (`a + a + ...` is a left-deep tree). The typer and renderers recurse on the tree, and
    /// Python's parser stops at 200 nested parentheses, which the generated PySpark approaches
    /// at one or two per level.
    public static let maxDepth = 100

    /// `node` must be a scalar; its start mark anchors the locations of the expression's parts.
    public static func parse(_ node: YAMLNode, diagnostics: DiagnosticEngine) -> Expr? {
        guard case let .scalar(text, style) = node.value else {
            diagnostics.error("expected an expression (a string such as \"state == 'CA'\"), received \(node.kindDescription)", at: node.location)
            return nil
        }
        var parser = ExpressionParser(text: text, at: node.location, quoted: style == .quoted)
        do { return try parser.parseTop() } catch {
            diagnostics.emit(error)
            return nil
        }
    }

    /// A sort key: `location`, `rating desc`, `rating desc nulls first`, `desc(rating)`.
    public static func parseSortKey(_ node: YAMLNode, diagnostics: DiagnosticEngine) -> SortKeySpec? {
        guard case let .scalar(text, style) = node.value else {
            diagnostics.error("expected a sort key (a column name, optionally followed by asc or desc), received \(node.kindDescription)", at: node.location)
            return nil
        }
        var parser = ExpressionParser(text: text, at: node.location, quoted: style == .quoted)
        do { return try parser.parseSortKeyTop() } catch {
            diagnostics.emit(error)
            return nil
        }
    }

    public init(text: String, at base: SourceLocation, quoted: Bool = false) {
        let source = Array(text)
        self.source = source
        self.base = base
        self.columnShift = quoted ? 1 : 0
        var lineBreaks: [Int] = []
        for offset in 0..<source.count where source[offset] == "\n" { lineBreaks.append(offset) }
        self.lineBreaks = lineBreaks
    }

    func location(_ offset: Int) -> SourceLocation {
        // The number of line breaks before `offset`.
        var low = 0, high = lineBreaks.count
        while low < high {
            let mid = (low + high) / 2
            if lineBreaks[mid] < offset { low = mid + 1 } else { high = mid }
        }
        let column = low == 0 ? base.column + columnShift + offset : offset - lineBreaks[low - 1]
        return SourceLocation(file: base.file, line: base.line + low, column: column)
    }

    func tooDeep(at offset: Int) -> Diagnostic { tooDeep(at: location(offset)) }

    func tooDeep(at location: SourceLocation) -> Diagnostic {
        Diagnostic(.error, "expression nests more than \(Self.maxDepth) levels deep; split it into steps or columns", at: location)
    }

    /// A node, refused once the tree would grow deeper than `maxDepth`.
    func make(_ node: ExprNode, at location: SourceLocation, depth: Int? = nil) throws(Diagnostic) -> Expr {
        let expr = depth.map { Expr(node, at: location, depth: $0) } ?? Expr(node, at: location)
        guard expr.depth <= Self.maxDepth else { throw tooDeep(at: location) }
        return expr
    }

    func make(_ node: ExprNode, at offset: Int) throws(Diagnostic) -> Expr { try make(node, at: location(offset)) }

    func error(_ message: String, at offset: Int) -> Diagnostic {
        Diagnostic(.error, message, at: location(offset))
    }

    // MARK: lexer

    static let symbols: Set<Character> = Set("+-*/%=<>(),.&|~!")
    static let twoCharacterSymbols: Set<String> = ["==", "!=", "<>", "<=", ">=", "&&", "||"]

    mutating func tokenize() throws(Diagnostic) {
        var i = 0
        func isIdentifierStart(_ c: Character) -> Bool { c.isLetter || c == "_" }
        func isIdentifierPart(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        while i < source.count {
            let c = source[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if isIdentifierStart(c) {
                while i < source.count, isIdentifierPart(source[i]) { i += 1 }
                let text = String(source[start..<i])
                tokens.append(Token(kind: .identifier, text: text, offset: start, lower: text.lowercased()))
            } else if c == "$" {
                i += 1
                guard i < source.count, isIdentifierStart(source[i]) else { throw error("expected a parameter name after '$'", at: start) }
                while i < source.count, isIdentifierPart(source[i]) { i += 1 }
                tokens.append(Token(kind: .param, text: String(source[(start + 1)..<i]), offset: start))
            } else if c == "`" {
                i += 1
                var name = ""
                while true {
                    guard i < source.count else { throw error("unterminated `quoted` column name", at: start) }
                    if source[i] == "`" {
                        if i + 1 < source.count, source[i + 1] == "`" { name.append("`"); i += 2; continue }
                        i += 1
                        break
                    }
                    name.append(source[i]); i += 1
                }
                tokens.append(Token(kind: .quotedIdentifier, text: name, offset: start))
            } else if c.isNumber || (c == "." && i + 1 < source.count && source[i + 1].isNumber) {
                var isDouble = false
                while i < source.count, source[i].isNumber { i += 1 }
                if i < source.count, source[i] == ".", !(i + 1 < source.count && isIdentifierStart(source[i + 1])) {
                    isDouble = true; i += 1
                    while i < source.count, source[i].isNumber { i += 1 }
                }
                if i < source.count, source[i] == "e" || source[i] == "E" {
                    var j = i + 1
                    if j < source.count, source[j] == "+" || source[j] == "-" { j += 1 }
                    if j < source.count, source[j].isNumber {
                        isDouble = true; i = j
                        while i < source.count, source[i].isNumber { i += 1 }
                    }
                }
                if i < source.count, isIdentifierStart(source[i]) {
                    throw error("invalid number '\(String(source[start...i]))'", at: start)
                }
                tokens.append(Token(kind: isDouble ? .double : .int, text: String(source[start..<i]), offset: start))
            } else if c == "'" || c == "\"" {
                i += 1
                var text = ""
                while true {
                    guard i < source.count else { throw error("unterminated string literal", at: start) }
                    let d = source[i]
                    if d == c { i += 1; break }
                    if d == "\\", i + 1 < source.count {
                        let e = source[i + 1]
                        switch e {
                        case "n": text.append("\n")
                        case "t": text.append("\t")
                        case "r": text.append("\r")
                        case "0": text.append("\0")
                        default: text.append(e)
                        }
                        i += 2
                        continue
                    }
                    text.append(d); i += 1
                }
                tokens.append(Token(kind: .string, text: text, offset: start))
            } else {
                let two = i + 1 < source.count && Self.symbols.contains(source[i + 1]) ? String(source[i...(i + 1)]) : ""
                if Self.twoCharacterSymbols.contains(two) {
                    tokens.append(Token(kind: .symbol, text: two, offset: start)); i += 2
                } else if Self.symbols.contains(c) {
                    tokens.append(Token(kind: .symbol, text: String(c), offset: start)); i += 1
                } else {
                    throw error("unexpected character '\(c)' in expression", at: start)
                }
            }
        }
        tokens.append(Token(kind: .end, text: "", offset: source.count))
    }

    // MARK: parser

    var current: Token { tokens[position] }

    func isKeyword(_ word: String) -> Bool { tokens[position].kind == .identifier && tokens[position].lower == word }

    func isSymbol(_ symbol: String) -> Bool { tokens[position].kind == .symbol && tokens[position].text == symbol }

    mutating func advance() -> Token {
        let token = current
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    mutating func expect(_ symbol: String, _ what: String) throws(Diagnostic) {
        guard isSymbol(symbol) else { throw error("expected \(what), found \(describe(current))", at: current.offset) }
        _ = advance()
    }

    func describe(_ token: Token) -> String {
        switch token.kind {
        case .end: "the end of the expression"
        case .string: "a string literal"
        default: "'\(token.text)'"
        }
    }

    mutating func parseTop() throws(Diagnostic) -> Expr {
        try tokenize()
        guard current.kind != .end else { throw error("expected an expression, found an empty string", at: 0) }
        let expr = try parseAlias()
        guard current.kind == .end else { throw error("unexpected \(describe(current)) after the expression", at: current.offset) }
        return expr
    }

    mutating func parseSortKeyTop() throws(Diagnostic) -> SortKeySpec {
        try tokenize()
        guard current.kind != .end else { throw error("expected a sort key, found an empty string", at: 0) }
        let start = current.offset
        var expr = try parseOr()
        var ascending = true
        var nullsFirst: Bool?
        // desc(x) / asc(x), as pyspark.sql.functions write them.
        if case let .call(name, args, false) = expr.node, args.count == 1, ["asc", "desc", "asc_nulls_first", "asc_nulls_last", "desc_nulls_first", "desc_nulls_last"].contains(name.lowercased()) {
            let lower = name.lowercased()
            ascending = lower.hasPrefix("asc")
            if lower.hasSuffix("nulls_first") { nullsFirst = true } else if lower.hasSuffix("nulls_last") { nullsFirst = false }
            expr = args[0]
        }
        if isKeyword("asc") { _ = advance() } else if isKeyword("desc") { _ = advance(); ascending = false }
        if isKeyword("nulls") {
            _ = advance()
            if isKeyword("first") { nullsFirst = true } else if isKeyword("last") { nullsFirst = false } else {
                throw error("expected 'first' or 'last' after 'nulls', found \(describe(current))", at: current.offset)
            }
            _ = advance()
        }
        guard current.kind == .end else {
            throw error("unexpected \(describe(current)) in a sort key; expected asc, desc, nulls first or nulls last", at: current.offset)
        }
        return SortKeySpec(expr: expr, ascending: ascending, nullsFirst: nullsFirst, location: location(start))
    }

    mutating func parseAlias() throws(Diagnostic) -> Expr {
        let expr = try parseOr()
        if isKeyword("as") {
            let at = advance().offset
            let name = advance()
            guard name.kind == .identifier || name.kind == .quotedIdentifier || name.kind == .string else {
                throw error("expected a column name after 'as', found \(describe(name))", at: name.offset)
            }
            return try make(.alias(expr, name.text), at: at)
        }
        return expr
    }

    mutating func parseOr() throws(Diagnostic) -> Expr {
        // Every nested sub-expression comes through here: the parser's own recursion is bounded.
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Self.maxDepth else { throw tooDeep(at: current.offset) }
        var left = try parseAnd()
        while isKeyword("or") || isSymbol("|") || isSymbol("||") {
            let at = advance().offset
            left = try make(.binary(.or, left, try parseAnd()), at: at)
        }
        return left
    }

    mutating func parseAnd() throws(Diagnostic) -> Expr {
        var left = try parseNot()
        while isKeyword("and") || isSymbol("&") || isSymbol("&&") {
            let at = advance().offset
            left = try make(.binary(.and, left, try parseNot()), at: at)
        }
        return left
    }

    mutating func parseNot() throws(Diagnostic) -> Expr {
        // `not not ...` in a loop rather than by recursion.
        var nots: [Int] = []
        while isKeyword("not") || isSymbol("~") || isSymbol("!") {
            if nots.count == Self.maxDepth { throw tooDeep(at: current.offset) }
            nots.append(advance().offset)
        }
        var expr = try parseComparison()
        for at in nots.reversed() { expr = try make(.unary(.not, expr), at: at) }
        return expr
    }

    static let comparisons: [String: BinaryOperator] = ["==": .equal, "=": .equal, "!=": .notEqual, "<>": .notEqual,
                                                        "<": .less, "<=": .lessEqual, ">": .greater, ">=": .greaterEqual]

    mutating func parseComparison() throws(Diagnostic) -> Expr {
        let left = try parseAdditive()
        let operators = Self.comparisons
        if current.kind == .symbol, let op = operators[current.text] {
            let at = advance().offset
            let right = try parseAdditive()
            if current.kind == .symbol, operators[current.text] != nil {
                throw error("comparisons cannot be chained; combine them with 'and'", at: current.offset)
            }
            return try make(.binary(op, left, right), at: at)
        }
        if isKeyword("is") {
            let at = advance().offset
            var negated = false
            if isKeyword("not") { _ = advance(); negated = true }
            guard isKeyword("null") else { throw error("expected 'null' after 'is\(negated ? " not" : "")', found \(describe(current))", at: current.offset) }
            _ = advance()
            return try make(.isNull(left, negated: negated), at: at)
        }
        return left
    }

    mutating func parseAdditive() throws(Diagnostic) -> Expr {
        var left = try parseMultiplicative()
        while isSymbol("+") || isSymbol("-") {
            let token = advance()
            left = try make(.binary(token.text == "+" ? .add : .subtract, left, try parseMultiplicative()), at: token.offset)
        }
        return left
    }

    mutating func parseMultiplicative() throws(Diagnostic) -> Expr {
        var left = try parseUnary()
        while isSymbol("*") || isSymbol("/") || isSymbol("%") {
            let token = advance()
            let op: BinaryOperator = token.text == "*" ? .multiply : token.text == "/" ? .divide : .remainder
            left = try make(.binary(op, left, try parseUnary()), at: token.offset)
        }
        return left
    }

    mutating func parseUnary() throws(Diagnostic) -> Expr {
        // Prefix signs in a loop rather than by recursion; a unary + is dropped.
        var minuses: [Int] = [], signs = 0
        while isSymbol("-") || isSymbol("+") {
            if signs == Self.maxDepth { throw tooDeep(at: current.offset) }
            signs += 1
            let token = advance()
            if token.text == "-" { minuses.append(token.offset) }
        }
        var expr = try parsePostfix()
        for at in minuses.reversed() {
            // Fold -literal so that the smallest Int64 parses.
            if case let .literal(.int(v)) = expr.node { expr = Expr(.literal(.int(-v)), at: location(at)) }
            else if case let .literal(.double(v)) = expr.node { expr = Expr(.literal(.double(-v)), at: location(at)) }
            else { expr = try make(.unary(.negate, expr), at: at) }
        }
        return expr
    }

    mutating func parsePostfix() throws(Diagnostic) -> Expr {
        var expr = try parsePrimary()
        while isSymbol(".") {
            _ = advance()
            let method = advance()
            guard method.kind == .identifier else { throw error("expected a method name after '.', found \(describe(method))", at: method.offset) }
            let at = location(method.offset)
            try expect("(", "'(' after '.\(method.text)'")
            switch method.text {
            case "when":
                guard case var .when(branches, nil) = expr.node else {
                    throw error(".when() follows when(...) or another .when(...)", at: method.offset)
                }
                let condition = try parseOr()
                try expect(",", "',' between the condition and the value of when()")
                let value = try parseOr()
                try expect(")", "')' to close .when(")
                // Release the old node first, so that a long chain appends in place, not by copying.
                let depth = max(expr.depth, 1 + max(condition.depth, value.depth)), start = expr.location
                expr.node = .star
                branches.append((condition, value))
                expr = try make(.when(branches, otherwise: nil), at: start, depth: depth)
            case "otherwise":
                guard case let .when(branches, nil) = expr.node else {
                    throw error(".otherwise() follows when(...)", at: method.offset)
                }
                let value = try parseOr()
                try expect(")", "')' to close .otherwise(")
                expr = try make(.when(branches, otherwise: value), at: expr.location, depth: max(expr.depth, 1 + value.depth))
            case "alias", "name":
                let name = advance()
                guard name.kind == .string else { throw error("expected a string column name in .\(method.text)()", at: name.offset) }
                try expect(")", "')' to close .\(method.text)(")
                expr = try make(.alias(expr, name.text), at: at)
            case "cast", "astype":
                let type = advance()
                guard type.kind == .string || type.kind == .identifier else { throw error("expected a type name in .cast(), such as 'int'", at: type.offset) }
                try expect(")", "')' to close .cast(")
                expr = try make(.cast(expr, typeName: type.text), at: at)
            case "isNull", "isNotNull":
                try expect(")", "')' after .\(method.text)(")
                expr = try make(.isNull(expr, negated: method.text == "isNotNull"), at: at)
            default:
                // x.lower() -> lower(x): string methods read as function calls.
                var args = [expr]
                if !isSymbol(")") {
                    args.append(try parseOr())
                    while isSymbol(",") { _ = advance(); args.append(try parseOr()) }
                }
                try expect(")", "')' to close .\(method.text)(")
                expr = try make(.call(method.text, args, distinct: false), at: at)
            }
        }
        return expr
    }

    mutating func parsePrimary() throws(Diagnostic) -> Expr {
        let token = advance()
        let at = location(token.offset)
        switch token.kind {
        case .int:
            guard let value = Int64(token.text) else { throw error("integer literal \(token.text) does not fit in 64 bits", at: token.offset) }
            return Expr(.literal(.int(value)), at: at)
        case .double:
            return Expr(.literal(.double(Double(token.text) ?? .nan)), at: at)
        case .string:
            return Expr(.literal(.string(token.text)), at: at)
        case .param:
            return Expr(.param(token.text), at: at)
        case .quotedIdentifier:
            return Expr(.column(token.text), at: at)
        case .identifier:
            let lower = token.text.lowercased()
            if !isSymbol("(") {
                switch lower {
                case "true": return Expr(.literal(.bool(true)), at: at)
                case "false": return Expr(.literal(.bool(false)), at: at)
                case "null", "none": return Expr(.literal(.null), at: at)
                case "and", "or", "not", "is", "as":
                    throw error("expected an operand, found the keyword '\(token.text)'", at: token.offset)
                default: return Expr(.column(token.text), at: at)
                }
            }
            _ = advance()  // (
            return try parseCall(token, at: at)
        case .symbol where token.text == "(":
            let first = try parseOr()
            if isSymbol(",") {
                var items = [first]
                while isSymbol(",") {
                    _ = advance()
                    if isSymbol(")") { break }
                    items.append(try parseOr())
                }
                try expect(")", "')' to close the tuple")
                return try make(.tuple(items), at: at)
            }
            try expect(")", "')'")
            return first
        case .symbol where token.text == "*":
            return Expr(.star, at: at)
        default:
            throw error("expected an operand (a column, a literal or a function call), found \(describe(token))", at: token.offset)
        }
    }

    mutating func parseCall(_ name: Token, at: SourceLocation) throws(Diagnostic) -> Expr {
        let lower = name.text.lowercased()
        if lower == "cast" {
            let operand = try parseOr()
            guard isKeyword("as") || isSymbol(",") else { throw error("expected 'as' and a type in cast(), e.g. cast(rating as double)", at: current.offset) }
            _ = advance()
            let type = advance()
            guard type.kind == .identifier || type.kind == .string else { throw error("expected a type name in cast(), found \(describe(type))", at: type.offset) }
            var typeName = type.text
            // array<string>
            if isSymbol("<") {
                _ = advance()
                let element = advance()
                try expect(">", "'>' to close array<")
                typeName += "<\(element.text)>"
            }
            try expect(")", "')' to close cast(")
            return try make(.cast(operand, typeName: typeName), at: at)
        }
        if lower == "col" || lower == "column" {
            let column = advance()
            guard column.kind == .string else { throw error("expected a string column name in \(name.text)()", at: column.offset) }
            try expect(")", "')' to close \(name.text)(")
            return Expr(.column(column.text), at: at)
        }
        if lower == "lit" {
            let value = try parseOr()
            try expect(")", "')' to close lit(")
            return value
        }
        if lower == "when" {
            let condition = try parseOr()
            try expect(",", "',' between the condition and the value of when()")
            let value = try parseOr()
            try expect(")", "')' to close when(")
            return try make(.when([(condition, value)], otherwise: nil), at: at)
        }
        var distinct = false
        if isKeyword("distinct") { _ = advance(); distinct = true }
        var args: [Expr] = []
        if !isSymbol(")") {
            args.append(try parseOr())
            while isSymbol(",") { _ = advance(); args.append(try parseOr()) }
        }
        try expect(")", "')' to close \(name.text)(")
        return try make(.call(name.text, args, distinct: distinct), at: at)
    }
}
