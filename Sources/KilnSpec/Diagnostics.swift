/// A place in a spec file. Lines and columns are 1-based, as compilers print them.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file; self.line = line; self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
}

public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning, note }
    public var severity: Severity
    public var message: String
    public var location: SourceLocation
    public var notes: [Diagnostic]

    /// `message` goes through `messageText`, so a spec value echoed in it cannot break the line.
    public init(_ severity: Severity, _ message: String, at location: SourceLocation, notes: [Diagnostic] = []) {
        self.severity = severity; self.message = messageText(message); self.location = location; self.notes = notes
    }

    /// `path:line:col: error: message`, then one line per note.
    public var description: String {
        ([ "\(location): \(severity.rawValue): \(message)" ] + notes.map(\.description)).joined(separator: "\n")
    }
}

/// Collects every diagnostic of one compilation, so a spec's errors are all reported at once.
public final class DiagnosticEngine: @unchecked Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    public init() {}

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    public func emit(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }
    public func error(_ message: String, at location: SourceLocation, notes: [Diagnostic] = []) {
        emit(Diagnostic(.error, message, at: location, notes: notes))
    }
    public func warning(_ message: String, at location: SourceLocation) {
        emit(Diagnostic(.warning, message, at: location))
    }

    /// Diagnostics in source order (file, line, column), one per line.
    public var rendered: String {
        diagnostics.sorted { ($0.location.file, $0.location.line, $0.location.column) < ($1.location.file, $1.location.line, $1.location.column) }
            .map(\.description).joined(separator: "\n")
    }
}

/// Thrown by a whole-spec operation that found errors; carries all of them.
public struct DiagnosticsError: Error, CustomStringConvertible, Sendable {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// How a diagnostic shows text, spec values included: on one line and as written, except that
/// line breaks, other control characters and bidirectional overrides (which reorder what a
/// terminal shows) are escaped as `\n`, `\r`, `\t` or `\u{XX}`. Every message passes through it,
/// so each diagnostic stays one `path:line:col:` line whatever the spec holds.
/// A shape as Keras's messages print a Python tuple: (12,) or (3, 4).
public func pythonTuple(_ values: [Int]) -> String {
    "(" + values.map(String.init).joined(separator: ", ") + (values.count == 1 ? ",)" : ")")
}

public func messageText(_ text: String) -> String {
    func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
    guard text.unicodeScalars.contains(where: needsEscape) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where needsEscape(scalar): out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
