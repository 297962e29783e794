/// A small SVG writer shared by `kiln graph --format svg` and `History.svg()`: elements in
/// order, every text and attribute value escaped, so a spec or metric name renders as text.
public struct SVGDocument: Sendable {
    public var width: Double
    public var height: Double
    public private(set) var elements: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// `&`, `<`, `>`, quotes, and control characters (which XML 1.0 cannot hold) as `?`.
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "?" : scalar)
            }
        }
        return out
    }

    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    mutating func add(_ tag: String, _ attributes: [(String, String)], text: String? = nil) {
        let attrs = attributes.map { " \($0.0)=\"\(Self.escape($0.1))\"" }.joined()
        elements.append(text.map { "<\(tag)\(attrs)>\(Self.escape($0))</\(tag)>" } ?? "<\(tag)\(attrs)/>")
    }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String = "#333", className: String? = nil) {
        add("rect", [("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(width)), ("height", Self.number(height)),
                     ("rx", "4"), ("fill", fill), ("stroke", stroke)] + (className.map { [("class", $0)] } ?? []))
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String = "#333", arrow: Bool = false, className: String? = nil) {
        add("line", [("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)), ("y2", Self.number(y2)), ("stroke", stroke)]
            + (arrow ? [("marker-end", "url(#arrow)")] : []) + (className.map { [("class", $0)] } ?? []))
    }

    public mutating func text(_ content: String, x: Double, y: Double, size: Double = 12, anchor: String = "middle", weight: String? = nil, className: String? = nil) {
        add("text", [("x", Self.number(x)), ("y", Self.number(y)), ("font-size", Self.number(size)), ("text-anchor", anchor),
                     ("font-family", "Helvetica, Arial, sans-serif")] + (weight.map { [("font-weight", $0)] } ?? [])
            + (className.map { [("class", $0)] } ?? []), text: content)
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, className: String? = nil) {
        add("polyline", [("points", points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")),
                         ("fill", "none"), ("stroke", stroke), ("stroke-width", "2")] + (className.map { [("class", $0)] } ?? []))
    }

    public var text: String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\">\n"
        out += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#333\"/></marker></defs>\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        return out + elements.joined(separator: "\n") + "\n</svg>\n"
    }
}
