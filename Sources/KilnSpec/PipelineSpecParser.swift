/// YAML tree -> `PipelineSpec`: the document's structure. What each source and operation
/// accepts is checked by the compiler, which knows their arguments and the schemas.
public enum PipelineSpecParser {
    static let topLevelKeys = ["pipeline", "description", "params", "udfs", "sources", "steps", "output", "outputs"]
    public static let paramTypes = ["path", "string", "int", "long", "double", "boolean"]


    /// Parses one spec; every problem goes to `diagnostics`, nil if any was an error.
    /// `sourceKinds` and `operations` are the words that name them (the compiler's source
    /// kinds and operations own theirs), in the order messages list them.
    public static func parse(_ text: String, file: String, sourceKinds: [String], operations: [String], diagnostics: DiagnosticEngine) -> PipelineSpec? {
        let root: YAMLNode
        do { root = try YAMLParser.parse(text, file: file) } catch {
            error.diagnostics.forEach(diagnostics.emit)
            return nil
        }
        guard case .mapping = root.value else {
            diagnostics.error("expected a mapping with keys 'pipeline', 'sources' and 'steps' at the top of a pipeline spec, received \(root.kindDescription)", at: root.location)
            return nil
        }
        let errorsBefore = diagnostics.errors.count
        let top = MappingReader(root, context: "pipeline spec", diagnostics: diagnostics)
        let name = requiredString(top, "pipeline", at: root.location, diagnostics: diagnostics)
        let description = top.string("description")
        let params = parseParams(top, diagnostics: diagnostics)
        let udfs = parseUDFs(top, diagnostics: diagnostics)
        // Errors inside single sources or steps do not stop the rest from being checked.
        var unparsed: Set<String> = []
        var nodeErrors = 0
        let sources = parseNodes(top, "sources", kinds: sourceKinds, what: "source", at: root.location, diagnostics: diagnostics,
                                 unparsed: &unparsed, nodeErrors: &nodeErrors)
        let steps = parseNodes(top, "steps", kinds: operations, what: "step", at: root.location, diagnostics: diagnostics,
                               required: false, unparsed: &unparsed, nodeErrors: &nodeErrors)
        let outputs = parseOutputs(top, diagnostics: diagnostics)
        top.finish(allowed: topLevelKeys)
        // A broken source or step is reported and dropped; the rest is still checked.
        let structural = diagnostics.errors.count - errorsBefore - nodeErrors
        guard structural == 0, let name, let sources else { return nil }
        return PipelineSpec(file: file, name: name, description: description, params: params, udfs: udfs,
                            sources: sources, steps: steps ?? [], outputs: outputs, unparsed: unparsed, location: root.location)
    }

    static func requiredString(_ reader: MappingReader, _ key: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Located<String>? {
        guard let node = reader[key] else {
            if !reader.hasMisspelling(of: key) { diagnostics.error("missing required key '\(key)'", at: location) }
            return nil
        }
        return reader.string(key).map { Located($0, at: node.location) }
    }

    static func located(_ node: YAMLNode, _ what: String, _ diagnostics: DiagnosticEngine) -> Located<String>? {
        node.string(what, in: diagnostics).map { Located($0, at: node.location) }
    }

    static func keyName(_ key: YAMLNode, _ diagnostics: DiagnosticEngine, context: String) -> Located<String>? {
        guard case let .scalar(text, _) = key.value else {
            diagnostics.error("expected a name as the key in \(context), received \(key.kindDescription)", at: key.location)
            return nil
        }
        return Located(text, at: key.location)
    }

    static func parseParams(_ top: MappingReader, diagnostics: DiagnosticEngine) -> [ParamSpec] {
        guard let node = top["params"], let pairs = node.mapping("params", in: diagnostics) else { return [] }
        var params: [ParamSpec] = []
        for (key, value) in pairs {
            guard let name = keyName(key, diagnostics, context: "params"), let type = located(value, "params.\(name.value)", diagnostics) else { continue }
            guard paramTypes.contains(type.value) else {
                var message = "unknown parameter type '\(type.value)' for '\(name.value)'; expected one of \(paramTypes.joined(separator: ", "))"
                if let guess = didYouMean(type.value, among: paramTypes) { message += "; did you mean '\(guess)'?" }
                diagnostics.error(message, at: type.location)
                continue
            }
            params.append(ParamSpec(name: name, type: type))
        }
        return params
    }

    static func parseUDFs(_ top: MappingReader, diagnostics: DiagnosticEngine) -> [UDFSpec] {
        guard let node = top["udfs"], let pairs = node.mapping("udfs", in: diagnostics) else { return [] }
        var udfs: [UDFSpec] = []
        for (key, value) in pairs {
            guard let name = keyName(key, diagnostics, context: "udfs") else { continue }
            guard value.mapping("udfs.\(name.value)", in: diagnostics) != nil else { continue }
            let reader = MappingReader(value, context: "udf '\(name.value)'", diagnostics: diagnostics)
            defer { reader.finish(allowed: ["args", "returns", "python"]) }
            var args: [Located<String>] = []
            if let argsNode = reader["args"], let items = argsNode.sequence("args", in: diagnostics) {
                args = items.compactMap { located($0, "args", diagnostics) }
            }
            guard let returnsNode = reader["returns"] else {
                diagnostics.error("missing required key 'returns' (the Swift function's result type, e.g. string or array<string>) for udf '\(name.value)'", at: value.location)
                continue
            }
            guard let returns = located(returnsNode, "returns", diagnostics) else { continue }
            let python = reader["python"].flatMap { located($0, "python", diagnostics) }
            udfs.append(UDFSpec(name: name, args: args, returns: returns, python: python))
        }
        return udfs
    }

    static func parseOutputs(_ top: MappingReader, diagnostics: DiagnosticEngine) -> [Located<String>] {
        if let node = top["output"], top["outputs"] != nil {
            diagnostics.error("give either 'output' or 'outputs', not both", at: node.location)
        }
        guard let node = top["output"] ?? top["outputs"] else { return [] }
        if case .scalar = node.value { return located(node, "outputs", diagnostics).map { [$0] } ?? [] }
        guard let items = node.sequence("outputs", in: diagnostics) else { return [] }
        return items.compactMap { located($0, "outputs", diagnostics) }
    }

    /// `sources:` or `steps:`: a mapping of names to `{op: argument, from: ..., options}`.
    static func parseNodes(_ top: MappingReader, _ key: String, kinds: [String], what: String, at location: SourceLocation,
                           diagnostics: DiagnosticEngine, required: Bool = true, unparsed: inout Set<String>, nodeErrors: inout Int) -> [NodeSpec]? {
        guard let node = top[key] else {
            if required, !top.hasMisspelling(of: key) {
                diagnostics.error("missing required key '\(key)' (a mapping of names to \(what)s, e.g. lines: {textFile: $path})", at: location)
            }
            return required ? nil : []
        }
        guard let pairs = node.mapping(key, in: diagnostics) else { return nil }
        var nodes: [NodeSpec] = []
        var seen: [String: SourceLocation] = [:]
        for (keyNode, value) in pairs {
            guard let name = keyName(keyNode, diagnostics, context: key) else { continue }
            if let first = seen[name.value] {
                diagnostics.error("duplicate \(what) name '\(name.value)'", at: name.location,
                                  notes: [Diagnostic(.note, "'\(name.value)' first appears here", at: first)])
                continue
            }
            seen[name.value] = name.location
            let before = diagnostics.errors.count
            if let parsed = parseNode(name: name, value, kinds: kinds, what: what, diagnostics: diagnostics) {
                nodes.append(parsed)
            } else {
                unparsed.insert(name.value)
                nodeErrors += diagnostics.errors.count - before
            }
        }
        return nodes
    }

    static func parseNode(name: Located<String>, _ value: YAMLNode, kinds: [String], what: String, diagnostics: DiagnosticEngine) -> NodeSpec? {
        let example = what == "source" ? "{textFile: $path}" : "{filter: \"state == 'CA'\"}"
        // A bare operation name: `- distinct` style, as `name: distinct`.
        if case let .scalar(text, .plain) = value.value, kinds.contains(text) {
            let null = YAMLNode(.scalar("", .plain), at: value.location)
            return NodeSpec(name: name, op: Located(text, at: value.location), argument: null, from: nil, node: value, location: value.location)
        }
        guard case let .mapping(pairs) = value.value else {
            diagnostics.error("expected a mapping such as \(example) for \(what) '\(name.value)', received \(value.kindDescription)", at: value.location)
            return nil
        }
        var ops: [(key: Located<String>, value: YAMLNode)] = []
        var options: [(key: Located<String>, value: YAMLNode)] = []
        var from: Located<String>?
        var ok = true
        for (key, item) in pairs {
            guard let keyText = keyName(key, diagnostics, context: "\(what) '\(name.value)'") else { ok = false; continue }
            if kinds.contains(keyText.value) {
                ops.append((keyText, item))
            } else if keyText.value == "from" {
                guard let source = located(item, "from", diagnostics) else { ok = false; continue }
                from = source
            } else {
                options.append((keyText, item))
            }
        }
        guard ok else { return nil }
        if ops.count > 1 {
            diagnostics.error("\(what) '\(name.value)' has \(ops.count) operations (\(ops.map { "'\($0.key.value)'" }.joined(separator: ", "))); give each operation its own \(what)",
                              at: ops[1].key.location)
            return nil
        }
        guard let op = ops.first else {
            // The likeliest typo among the keys, else a list of what is possible.
            for option in options {
                if let guess = didYouMean(option.key.value, among: kinds) {
                    diagnostics.error("unknown \(what == "source" ? "source kind" : "operation") '\(option.key.value)' in \(what) '\(name.value)'; did you mean '\(guess)'?", at: option.key.location)
                    return nil
                }
            }
            diagnostics.error("\(what) '\(name.value)' names no \(what == "source" ? "source kind" : "operation"); expected one of \(kinds.joined(separator: ", "))", at: value.location)
            return nil
        }
        if what == "source", let from {
            diagnostics.error("a source reads data itself and takes no 'from'", at: from.location)
            return nil
        }
        return NodeSpec(name: name, op: op.key, argument: op.value, from: from, node: value, location: value.location)
    }
}
