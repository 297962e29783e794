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

    /// Deepest nesting of lists and mappings accepted. The builder itself keeps no recursion,
    /// but the tree is walked and freed recursively, also on small secondary-thread stacks.
    static let maxDepth = 200
    /// Most nodes a document may hold once its aliases are expanded: aliases share storage,
    /// but whatever walks the tree sees every copy (an alias bomb reaches 10^9 in a few lines).
    static let maxExpandedNodes = 1_000_000

    /// A list or mapping whose items are still being read.
    struct Open {
        var isMapping: Bool
        var items: [YAMLNode] = []
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var pendingKey: YAMLNode?
        /// Where each scalar key is in `pairs`, so duplicate checks stay linear in the keys.
        var keyIndex: [String: Int] = [:]
        var at: SourceLocation
        var anchor: String?
        var tag: String?
        /// Nodes in this subtree with aliases expanded, itself included.
        var size = 1
    }

    /// The document's root node, from its first event; lists and mappings are read with an
    /// explicit stack, so that no input nests the native stack.
    func node(_ first: Event, at firstAt: SourceLocation, _ parser: inout yaml_parser_t) throws(DiagnosticsError) -> YAMLNode {
        var stack: [Open] = []
        var anchors: [String: (node: YAMLNode, size: Int)] = [:]
        var expanded = 0
        var event = first, at = firstAt
        while true {
            var done: (node: YAMLNode, size: Int)?
            switch event {
            case let .alias(name):
                guard let (target, size) = anchors[name] else { throw fail("unknown alias '*\(name)'", at: at) }
                expanded += size
                if expanded > Self.maxExpandedNodes {
                    throw fail("YAML aliases expand to more than \(Self.maxExpandedNodes) nodes; write the values out instead of aliasing them", at: at)
                }
                var copy = target
                copy.location = at
                done = (copy, size)
            case let .scalar(value, style, anchor, tag):
                let result = YAMLNode(.scalar(value, style), at: at, tag: tag)
                expanded += 1
                if let anchor { anchors[anchor] = (result, 1) }
                done = (result, 1)
            case let .sequenceStart(anchor, tag), let .mappingStart(anchor, tag):
                guard stack.count < Self.maxDepth else {
                    throw fail("YAML lists and mappings nest more than \(Self.maxDepth) levels deep", at: at)
                }
                var isMapping = false
                if case .mappingStart = event { isMapping = true }
                expanded += 1
                stack.append(Open(isMapping: isMapping, at: at, anchor: anchor, tag: tag))
            case .sequenceEnd, .mappingEnd:
                guard let open = stack.popLast() else { throw fail("unexpected YAML structure", at: at) }
                let result = YAMLNode(open.isMapping ? .mapping(open.pairs) : .sequence(open.items), at: open.at, tag: open.tag)
                if let anchor = open.anchor { anchors[anchor] = (result, open.size) }
                done = (result, open.size)
            default:
                throw fail("unexpected YAML structure", at: at)
            }
            if let (node, size) = done {
                guard !stack.isEmpty else { return node }
                let top = stack.count - 1
                stack[top].size += size
                if !stack[top].isMapping {
                    stack[top].items.append(node)
                } else if let key = stack[top].pendingKey {
                    stack[top].pendingKey = nil
                    if case let .scalar(name, _) = key.value {
                        if let first = stack[top].keyIndex[name] {
                            throw fail("duplicate key '\(name)'", at: key.location,
                                       notes: [Diagnostic(.note, "'\(name)' first appears here", at: stack[top].pairs[first].key.location)])
                        }
                        stack[top].keyIndex[name] = stack[top].pairs.count
                    }
                    stack[top].pairs.append((key, node))
                } else {
                    stack[top].pendingKey = node
                }
            }
            (event, at) = try next(&parser)
        }
    }
}
