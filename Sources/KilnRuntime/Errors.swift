/// Every error the runtime throws: one sentence that names the offending value and what was
/// expected, worded like Keras's own message where Keras has one.
public struct KilnError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Keras's shape text: `(128, 10)`, `(None, 128)` with `batch`, and `(3,)` for one axis.
func shapeText(_ shape: [Int], batch: Bool = false) -> String {
    let dims = (batch ? ["None"] : []) + shape.map(String.init)
    return "(" + dims.joined(separator: ", ") + (dims.count == 1 ? ",)" : ")")
}
