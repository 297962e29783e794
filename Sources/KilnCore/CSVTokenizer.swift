/// Splits one CSV line into fields exactly as Spark's CSV reader does (univocity's CsvParser
/// with Spark's read settings: no whitespace trimming, `unescapedQuoteHandling` =
/// STOP_AT_DELIMITER, quotes and escapes kept out of values, the line fed on its own).
///
/// Lines in which no field starts with the quote character split plainly at every separator;
/// the source does that itself. This type handles the rest, where univocity's quote rules
/// produce surprises that Spark users see, e.g. (quote `"`, escape `\`):
///
///     "a,b",x        -> [a,b] [x]
///     "a\"b",x       -> [a"b] [x]
///     "say ""hi""",x -> ["say ""hi"""] [x]      (a doubled quote ends the quoting: kept raw)
///     "ab"cd,x       -> ["ab"cd] [x]
///     "ab" ,x        -> [ab] [x]                (spaces after the closing quote dropped)
///     "open,x        -> [open,x]                (an unclosed quote runs to the line's end)
///     "",x           -> [""] [x]                (empty, not null, unless nullValue is "")
///     x,"\           -> [x] [""]                (an open quote holding only an escape: empty)
///
/// One tokenizer serves the runtime's reader and the compiler's schema inference, so the types
/// Kiln infers at build time are those of the fields it reads at run time.
public struct CSVLineTokenizer: Sendable {
    /// How a field ended up.
    public enum Token: Sendable {
        /// univocity's null: an empty unquoted field (between separators, or after a last one).
        case null
        /// Bytes `start..<end` of `values` (empty for univocity's "empty value", `""`).
        case value(start: Int, end: Int)
    }

    let separator: UInt8
    let quote: UInt8
    let escape: UInt8
    /// The character that escapes the escape inside quotes: the escape itself, unless quote
    /// and escape are one character (then none: 0).
    let escapeEscape: UInt8

    public private(set) var tokens: [Token] = []
    /// Bytes of all values of the line.
    public private(set) var values: [UInt8] = []

    public init(separator: UInt8, quote: UInt8, escape: UInt8) {
        self.separator = separator; self.quote = quote; self.escape = escape
        self.escapeEscape = quote == escape ? 0 : escape
    }

    /// Splits `line` (not blank, without its terminator) into `tokens`.
    public mutating func tokenize(_ line: UnsafePointer<UInt8>, _ count: Int) {
        tokens.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        var state = LineState(separator: separator, quote: quote, escape: escape, escapeEscape: escapeEscape,
                              input: LineInput(base: line, length: count))
        state.run(&tokens, &values)
    }

    /// The line's fields as text (a null field is ""): a header's names, the inference's samples.
    public mutating func fields(_ line: UnsafePointer<UInt8>, _ count: Int) -> [String] {
        tokenize(line, count)
        return tokens.map { token in
            switch token {
            case .null: ""
            case let .value(start, end): String(decoding: values[start..<end], as: UTF8.self)
            }
        }
    }
}

/// The end of the line, raised as univocity raises EOF: wherever parsing stands.
struct EndOfLine: Error {}

/// Characters of one line, consumed as univocity's input reader hands them out: reading the
/// last character already exhausts the input (univocity reloads its buffer at once, which
/// disables its scanning shortcuts for that last character).
struct LineInput {
    let base: UnsafePointer<UInt8>
    let length: Int
    /// Index of the next character.
    var next = 0
    var exhausted = false

    init(base: UnsafePointer<UInt8>, length: Int) {
        self.base = base; self.length = length
        if length == 0 { exhausted = true }
    }

    mutating func read() throws(EndOfLine) -> UInt8 {
        if exhausted { throw EndOfLine() }
        let c = base[next]
        next += 1
        if next >= length { exhausted = true }
        return c
    }
}

/// The parser's state for one line (univocity's `ch`, `prev`, `unescaped` and value appender).
private struct LineState {
    let separator: UInt8, quote: UInt8, escape: UInt8, escapeEscape: UInt8
    var input: LineInput
    var ch: UInt8 = 0
    var prev: UInt8 = 0
    var unescaped = false
    /// The value being built.
    var value: [UInt8] = []

    init(separator: UInt8, quote: UInt8, escape: UInt8, escapeEscape: UInt8, input: LineInput) {
        self.separator = separator; self.quote = quote; self.escape = escape; self.escapeEscape = escapeEscape
        self.input = input
    }

    @inline(__always) static func isWhitespace(_ c: UInt8) -> Bool { c <= 32 }
    /// univocity's default comment character; Spark turns comment processing off but the
    /// character still takes part in the end-of-line rule.
    static let commentCharacter = UInt8(ascii: "#")

    mutating func run(_ tokens: inout [CSVLineTokenizer.Token], _ values: inout [UInt8]) {
        func emit(_ bytes: ArraySlice<UInt8>) {
            let start = values.count
            values.append(contentsOf: bytes)
            tokens.append(.value(start: start, end: values.count))
        }
        func emitValue() {
            // An empty value here is univocity's "empty value", "" (Spark's emptyValue), not null.
            emit(value[...])
            value.removeAll(keepingCapacity: true)
        }
        func emitRange(_ from: Int, _ to: Int) {
            let start = values.count
            values.append(contentsOf: UnsafeBufferPointer(start: input.base + from, count: to - from))
            tokens.append(.value(start: start, end: values.count))
        }
        do {
            ch = try input.read()
            while true {
                if ch == separator {
                    tokens.append(.null)
                } else {
                    unescaped = false
                    prev = 0
                    if ch == quote {
                        if let (from, to) = quotedShortcut() {
                            emitRange(from, to)
                            // The shortcut stops only before a separator.
                            do { ch = try input.read() } catch { return }
                            if ch == separator {
                                do { ch = try input.read() } catch { tokens.append(.null); return }
                            }
                            continue
                        }
                        try parseQuotedValue()
                        emitValue()
                    } else if let (from, to) = unquotedShortcut() {
                        emitRange(from, to)
                        ch = separator
                    } else {
                        var c = ch
                        while c != separator { value.append(c); c = try input.read() }
                        ch = c
                        emitValue()
                    }
                }
                ch = try input.read()
            }
        } catch {
            // univocity's end-of-input handling: the value being built becomes the last field;
            // with nothing built it is null, unless the parser stood inside a value.
            var inValue: Bool
            if ch == quote && prev == quote {
                inValue = true
            } else {
                if ch == quote && !unescaped { value.append(quote) }
                inValue = prev != 0 && ch != separator && ch != Self.commentCharacter
            }
            if value.isEmpty && !inValue { tokens.append(.null) } else { emitValue() }
        }
    }

    /// univocity's fast scan of an unquoted value: the bytes up to the next separator, or nil
    /// when the line ends first (or the input is exhausted).
    mutating func unquotedShortcut() -> (Int, Int)? {
        if input.exhausted { return nil }
        var j = input.next
        while j < input.length && input.base[j] != separator { j += 1 }
        if j >= input.length { return nil }
        let from = input.next - 1
        input.next = j + 1  // the separator is consumed
        if input.next >= input.length { input.exhausted = true }
        return (from, j)
    }

    /// univocity's fast scan of a quoted value: the bytes to a closing quote that a separator
    /// follows, or nil when anything needs the careful path (escapes, quotes, the line's end).
    mutating func quotedShortcut() -> (Int, Int)? {
        if input.exhausted { return nil }
        let base = input.base, length = input.length
        var j = input.next
        while true {
            if j >= length { return nil }
            let c = base[j]
            if c == quote {
                if base[j - 1] == escape { return nil }
                if j + 1 < length && base[j + 1] == separator { break }
                return nil
            } else if c == escape {
                if j + 1 < length && (base[j + 1] == quote || base[j + 1] == escapeEscape) { return nil }
            }
            j += 1
        }
        let from = input.next
        input.next = j + 1  // after the closing quote (a separator follows, so not exhausted)
        return (from, j)
    }

    mutating func appendUntilSeparator() throws(EndOfLine) {
        var c = ch
        while c != separator { value.append(c); c = try input.read() }
        ch = c
    }

    mutating func parseQuotedValue() throws(EndOfLine) {
        if prev != 0 {
            // An unescaped quote was met: the rest up to the separator is taken as it is.
            value.insert(quote, at: 0)
            ch = try input.read()
            try appendUntilSeparator()
            return
        }
        ch = try input.read()
        while true {
            if prev == quote && (Self.isWhitespace(ch) || ch == separator) { break }
            if ch != quote && ch != escape {
                if prev == quote {
                    // A quote inside the value, not closing it.
                    unescaped = true
                    value.append(quote)
                    value.append(ch)
                    prev = ch
                    try parseQuotedValue()
                    return
                }
                if prev == escape && escape != 0 { value.append(escape) }
                var c = ch
                while c != quote && c != escape && c != escapeEscape { value.append(c); c = try input.read() }
                ch = c
                prev = ch
                ch = try input.read()
            } else {
                try processQuoteEscape()
                prev = ch
                ch = try input.read()
                if unescaped && ch == separator { return }
            }
        }
        // After the closing quote: whitespace is dropped; anything else before the separator
        // turns the value back into unquoted text, quote and whitespace included.
        if ch != separator && Self.isWhitespace(ch) {
            var whitespace: [UInt8] = []
            repeat {
                whitespace.append(ch)
                ch = try input.read()
            } while Self.isWhitespace(ch) && ch != separator
            if ch != separator {
                value.append(quote)
                value.append(contentsOf: whitespace)
                value.append(ch)
                prev = ch
                try parseQuotedValue()
            }
        }
    }

    mutating func processQuoteEscape() throws(EndOfLine) {
        if ch == escape && prev == escapeEscape && escapeEscape != 0 {
            value.append(escape)
            ch = 0
        } else if prev == escape {
            if ch == quote {
                value.append(quote)
                ch = 0
            } else {
                value.append(prev)
            }
        } else if ch == quote && prev == quote {
            value.append(quote)
        } else if prev == quote {
            try handleUnescapedQuoteInValue()
        }
    }

    mutating func handleUnescapedQuoteInValue() throws(EndOfLine) {
        value.append(quote)
        prev = ch
        try parseValueProcessingEscape()
    }

    mutating func parseValueProcessingEscape() throws(EndOfLine) {
        while ch != separator {
            if ch != quote && ch != escape {
                if prev == quote {
                    try handleUnescapedQuoteInValue()
                    return
                }
                value.append(ch)
            } else {
                try processQuoteEscape()
            }
            prev = ch
            ch = try input.read()
        }
    }
}
