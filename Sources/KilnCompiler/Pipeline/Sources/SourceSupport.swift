import Foundation
import KilnCore
import KilnSpec

extension OpContext {
    /// `textFile: data/*.txt`, `textFile: $path` or a list of them.
    func paths(_ node: YAMLNode) -> [PathArgument]? {
        func one(_ item: YAMLNode) -> PathArgument? {
            guard let text = item.string("\(op) path", in: diagnostics) else { return nil }
            if text.hasPrefix("$") {
                let name = String(text.dropFirst())
                guard let type = validator.paramTypes[name] else {
                    var message = "unknown parameter '\(text)'"
                    if let guess = didYouMean(name, among: Array(validator.paramTypes.keys)) { message += "; did you mean '$\(guess)'?" }
                    else { message += "; declare it under params:, e.g. params: {\(name): path}" }
                    diagnostics.error(message, at: item.location)
                    return nil
                }
                guard type == .string else {
                    diagnostics.error("parameter '\(text)' is \(type.withArticle), but \(op) needs a path (declare it as `\(name): path`)", at: item.location)
                    return nil
                }
                return .param(name)
            }
            guard !text.isEmpty else {
                diagnostics.error("expected a file path or a $param for \(op), received an empty string", at: item.location)
                return nil
            }
            return .literal(text)
        }
        if case let .sequence(items) = node.value {
            guard !items.isEmpty else { diagnostics.error("expected at least one path for \(op)", at: node.location); return nil }
            let paths = items.compactMap(one)
            return paths.count == items.count ? paths : nil
        }
        return one(node).map { [$0] }
    }

    /// A schema as a mapping (`{location: string, rating: int}`) or a DDL string
    /// (`"location string, rating int"`), Spark's `schema=` argument.
    func schema(_ node: YAMLNode, nullable: Bool = true) -> Schema? {
        var fields: [Field] = []
        func add(_ name: String, _ typeName: String, at location: SourceLocation) -> Bool {
            guard !name.isEmpty else {
                diagnostics.error("expected a column name in the schema", at: location)
                return false
            }
            guard let type = DataType(name: typeName) else {
                var message = "unknown type '\(typeName)' for column '\(name)'; expected string, int, long, double, boolean or array<...>"
                if let guess = didYouMean(typeName, among: ["string", "int", "long", "double", "boolean", "bigint", "integer"]) { message += "; did you mean '\(guess)'?" }
                diagnostics.error(message, at: location)
                return false
            }
            if fields.contains(where: { $0.name.lowercased() == name.lowercased() }) {
                diagnostics.error("duplicate column '\(name)' in the schema", at: location)
                return false
            }
            fields.append(Field(name, type, nullable: nullable))
            return true
        }
        switch node.value {
        case let .mapping(pairs):
            var ok = true
            for (key, value) in pairs {
                guard case let .scalar(name, _) = key.value, let typeName = value.string("schema.\(key)", in: diagnostics) else { ok = false; continue }
                ok = add(name, typeName, at: value.location) && ok
            }
            return ok && !fields.isEmpty ? Schema(fields) : nil
        case let .scalar(text, _):
            var ok = true
            for part in splitDDL(text) {
                let trimmed = part.trimmingCharacters(in: .whitespaces)
                var name = "", typeName = ""
                if trimmed.hasPrefix("`"), let close = trimmed.dropFirst().firstIndex(of: "`") {
                    name = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
                    typeName = String(trimmed[trimmed.index(after: close)...]).trimmingCharacters(in: .whitespaces)
                } else {
                    let pieces = trimmed.split(separator: " ", maxSplits: 1)
                    guard pieces.count == 2 else {
                        diagnostics.error("expected 'name type' in the schema string, received '\(trimmed)'", at: node.location)
                        ok = false
                        continue
                    }
                    name = String(pieces[0]); typeName = pieces[1].trimmingCharacters(in: .whitespaces)
                }
                if typeName.hasPrefix(":") { typeName = String(typeName.dropFirst()).trimmingCharacters(in: .whitespaces) }
                ok = add(name, typeName, at: node.location) && ok
            }
            return ok && !fields.isEmpty ? Schema(fields) : nil
        case .sequence:
            diagnostics.error("expected a schema: a mapping such as {location: string, rating: int} or a string such as \"location string, rating int\", received a list", at: node.location)
            return nil
        }
    }

    func splitDDL(_ text: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0
        for c in text {
            if c == "<" { depth += 1 } else if c == ">" { depth -= 1 }
            if c == ",", depth == 0 { parts.append(current); current = "" } else { current.append(c) }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(current) }
        return parts
    }

    /// Spark's `mode` option.
    func parseMode() -> ParseMode? {
        guard let node = reader["mode"] else { return .permissive }
        guard let text = node.string("mode", in: diagnostics) else { return nil }
        guard let mode = ParseMode(rawValue: text.uppercased()) else {
            diagnostics.error("unknown mode '\(text)'; expected PERMISSIVE, DROPMALFORMED or FAILFAST", at: node.location)
            return nil
        }
        return mode
    }

    /// A literal path the compiler can read at build time (relative to the spec's directory,
    /// then to the current directory), for schema inference.
    func buildTimeFile(_ paths: [PathArgument]) -> URL? {
        guard case let .literal(path)? = paths.first, !path.contains("*"), !path.contains("?") else { return nil }
        var candidates: [URL] = []
        if path.hasPrefix("/") { candidates.append(URL(fileURLWithPath: path)) } else {
            if let directory = validator.specDirectory { candidates.append(directory.appendingPathComponent(path)) }
            candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path))
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }
}

extension PipelineSwiftRenderer {
    func modeCase(_ mode: ParseMode) -> String {
        switch mode {
        case .permissive: "permissive"
        case .dropMalformed: "dropMalformed"
        case .failFast: "failFast"
        }
    }

    func pathList(_ paths: [PathArgument]) -> String {
        "[" + paths.map { path in
            switch path {
            case let .literal(text): Identifiers.swiftStringLiteral(text)
            case let .param(name): name
            }
        }.joined(separator: ", ") + "]"
    }
}
