import CYaml

/// YAML text -> `YAMLNode` tree through libyaml's event parser, keeping each node's start mark.
public enum YAMLParser {
    public static func parse(_ text: String, file: String) throws(DiagnosticsError) -> YAMLNode {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw DiagnosticsError([Diagnostic(.error, "cannot initialise the YAML parser", at: SourceLocation(file: file, line: 1, column: 1))])
        }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(DiagnosticsError) -> YAMLNode in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = TreeBuilder(file: file)
            return try builder.run(&parser)
        }
    }
}

private struct TreeBuilder {
    let file: String
    var anchors: [String: YAMLNode] = [:]

    init(file: String) { self.file = file }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    func fail(_ message: String, at location: SourceLocation, notes: [Diagnostic] = []) -> DiagnosticsError {
        DiagnosticsError([Diagnostic(.error, message, at: location, notes: notes)])
    }

    /// One event, copied out of libyaml's storage.
    enum Event {
        case streamStart, streamEnd, documentStart, documentEnd
        case alias(String)
        case scalar(String, YAMLNode.ScalarStyle, anchor: String?, tag: String?)
        case sequenceStart(anchor: String?, tag: String?), sequenceEnd
        case mappingStart(anchor: String?, tag: String?), mappingEnd
    }

    func next(_ parser: inout yaml_parser_t) throws(DiagnosticsError) -> (Event, SourceLocation) {
        var event = yaml_event_t()
        guard yaml_parser_parse(&parser, &event) == 1 else {
            var message = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
            if let context = parser.context.map({ String(cString: $0) }) { message += " (\(context))" }
            throw fail(message, at: location(parser.problem_mark))
        }
        defer { yaml_event_delete(&event) }
        let at = location(event.start_mark)
        func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        }
        switch event.type {
        case YAML_STREAM_START_EVENT: return (.streamStart, at)
        case YAML_STREAM_END_EVENT: return (.streamEnd, at)
        case YAML_DOCUMENT_START_EVENT: return (.documentStart, at)
        case YAML_DOCUMENT_END_EVENT: return (.documentEnd, at)
        case YAML_ALIAS_EVENT: return (.alias(string(event.data.alias.anchor) ?? ""), at)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let value = data.value.map { pointer in
                String(decoding: UnsafeBufferPointer(start: pointer, count: data.length), as: UTF8.self)
            } ?? ""
            let style: YAMLNode.ScalarStyle
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .quoted
            case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: style = .block
            default: style = .plain
            }
            return (.scalar(value, style, anchor: string(data.anchor), tag: string(data.tag)), at)
        case YAML_SEQUENCE_START_EVENT:
            return (.sequenceStart(anchor: string(event.data.sequence_start.anchor), tag: string(event.data.sequence_start.tag)), at)
        case YAML_SEQUENCE_END_EVENT: return (.sequenceEnd, at)
        case YAML_MAPPING_START_EVENT:
            return (.mappingStart(anchor: string(event.data.mapping_start.anchor), tag: string(event.data.mapping_start.tag)), at)
        case YAML_MAPPING_END_EVENT: return (.mappingEnd, at)
        default: throw fail("unexpected YAML event", at: at)
        }
    }

    mutating func run(_ parser: inout yaml_parser_t) throws(DiagnosticsError) -> YAMLNode {
        var documents: [YAMLNode] = []
        var empty = YAMLNode(.scalar("", .plain), at: SourceLocation(file: file, line: 1, column: 1))
        while true {
            let (event, at) = try next(&parser)
            switch event {
            case .streamStart, .documentEnd: continue
            case .streamEnd:
                if documents.count > 1 { throw fail("expected a single YAML document, found \(documents.count)", at: documents[1].location) }
                return documents.first ?? empty
            case .documentStart:
                if documents.count == 1 { throw fail("expected a single YAML document, found a second one", at: at) }
                let (first, firstAt) = try next(&parser)
                if case .documentEnd = first { empty.location = firstAt; documents.append(empty); continue }
                documents.append(try node(first, at: firstAt, &parser))
            default:
                throw fail("unexpected YAML structure", at: at)
            }
        }
    }

    mutating func remember(_ node: YAMLNode, anchor: String?) {
        if let anchor { anchors[anchor] = node }
    }

    mutating func node(_ event: Event, at: SourceLocation, _ parser: inout yaml_parser_t) throws(DiagnosticsError) -> YAMLNode {
        switch event {
        case let .alias(name):
            guard var target = anchors[name] else { throw fail("unknown alias '*\(name)'", at: at) }
            target.location = at
            return target
        case let .scalar(value, style, anchor, tag):
            let result = YAMLNode(.scalar(value, style), at: at, tag: tag)
            remember(result, anchor: anchor)
            return result
        case let .sequenceStart(anchor, tag):
            var items: [YAMLNode] = []
            while true {
                let (item, itemAt) = try next(&parser)
                if case .sequenceEnd = item { break }
                items.append(try node(item, at: itemAt, &parser))
            }
            let result = YAMLNode(.sequence(items), at: at, tag: tag)
            remember(result, anchor: anchor)
            return result
        case let .mappingStart(anchor, tag):
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            while true {
                let (keyEvent, keyAt) = try next(&parser)
                if case .mappingEnd = keyEvent { break }
                let key = try node(keyEvent, at: keyAt, &parser)
                let (valueEvent, valueAt) = try next(&parser)
                let value = try node(valueEvent, at: valueAt, &parser)
                if case let .scalar(name, _) = key.value,
                   let first = pairs.first(where: { if case .scalar(name, _) = $0.key.value { true } else { false } }) {
                    throw fail("duplicate key '\(name)'", at: key.location,
                               notes: [Diagnostic(.note, "'\(name)' first appears here", at: first.key.location)])
                }
                pairs.append((key, value))
            }
            let result = YAMLNode(.mapping(pairs), at: at, tag: tag)
            remember(result, anchor: anchor)
            return result
        default:
            throw fail("unexpected YAML structure", at: at)
        }
    }
}
