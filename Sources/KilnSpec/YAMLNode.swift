/// A YAML document as a tree; every node keeps where it started in the file.
public struct YAMLNode: Sendable, Equatable {
    public enum ScalarStyle: Sendable, Equatable { case plain, quoted, block }
    public indirect enum Value: Sendable, Equatable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        /// Keys in document order. Duplicate keys are rejected by the parser.
        case mapping([(key: YAMLNode, value: YAMLNode)])

        public static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case let (.scalar(x, s), .scalar(y, t)): return x == y && s == t
            case let (.sequence(x), .sequence(y)): return x == y
            case let (.mapping(x), .mapping(y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }
    }
    public var value: Value
    public var location: SourceLocation
    /// An explicit tag such as `!!str`, if the document gave one.
    public var tag: String?

    public init(_ value: Value, at location: SourceLocation, tag: String? = nil) {
        self.value = value; self.location = location; self.tag = tag
    }
}
