import KilnSpec
import KilnCore

/// How an elementwise merge combines its inputs (the runtime's KILN_MERGE_* ops).
public protocol MergeOperation: Sendable {
    static var kerasClass: String { get }
    static var namePrefix: String { get }
    static var cOp: String { get }
    /// Exactly this many inputs (Subtract: 2), or nil for any number from 1 up.
    static var arity: Int? { get }
    static func combine(_ values: [Double]) -> Double
}

public enum AddOp: MergeOperation {
    public static let kerasClass = "Add", namePrefix = "add", cOp = "KILN_MERGE_ADD"
    public static let arity: Int? = nil
    public static func combine(_ values: [Double]) -> Double { values.reduce(0, +) }
}
public enum SubtractOp: MergeOperation {
    public static let kerasClass = "Subtract", namePrefix = "subtract", cOp = "KILN_MERGE_SUBTRACT"
    public static let arity: Int? = 2
    public static func combine(_ values: [Double]) -> Double { values[0] - values[1] }
}
public enum MultiplyOp: MergeOperation {
    public static let kerasClass = "Multiply", namePrefix = "multiply", cOp = "KILN_MERGE_MULTIPLY"
    public static let arity: Int? = nil
    public static func combine(_ values: [Double]) -> Double { values.reduce(1, *) }
}
public enum AverageOp: MergeOperation {
    public static let kerasClass = "Average", namePrefix = "average", cOp = "KILN_MERGE_AVERAGE"
    public static let arity: Int? = nil
    public static func combine(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
}
public enum MaximumOp: MergeOperation {
    public static let kerasClass = "Maximum", namePrefix = "maximum", cOp = "KILN_MERGE_MAXIMUM"
    public static let arity: Int? = nil
    public static func combine(_ values: [Double]) -> Double { values.max()! }
}
public enum MinimumOp: MergeOperation {
    public static let kerasClass = "Minimum", namePrefix = "minimum", cOp = "KILN_MERGE_MINIMUM"
    public static let arity: Int? = nil
    public static func combine(_ values: [Double]) -> Double { values.min()! }
}

/// keras.layers.Add, Subtract, Multiply, Average, Maximum and Minimum: inputs of one shape
/// combined value by value (Keras's broadcasting of size-1 axes is not supported yet).
struct ElementwiseMerge<Op: MergeOperation>: MergeLayer {
    static var kerasClass: String { Op.kerasClass }
    static var namePrefix: String { Op.namePrefix }
    static var keys: [String] { [] }

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> ElementwiseMerge? {
        ElementwiseMerge()
    }

    func build(inputShapes: [[Int]], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        let received = "[" + inputShapes.map(kerasShape).joined(separator: ", ") + "]"
        if let arity = Op.arity, inputShapes.count != arity {
            diagnostics.error("A `\(Op.kerasClass)` layer should be called on exactly \(arity) inputs. Received: input_shape=\(received)", at: location)
            return nil
        }
        guard inputShapes.count >= 2 else {
            diagnostics.error("A merge layer should be called on a list of inputs. Received: input_shape=\(kerasShape(inputShapes[0])) (not a list of shapes)", at: location)
            return nil
        }
        for shape in inputShapes.dropFirst() where shape != inputShapes[0] {
            let broadcastable = shape.count == inputShapes[0].count && zip(shape, inputShapes[0]).allSatisfy { $0 == $1 || $0 == 1 || $1 == 1 }
            diagnostics.error(broadcastable
                ? "Kiln's \(Op.kerasClass) needs inputs of one shape (no broadcasting of size-1 axes yet). Received shapes \(pythonTuple(inputShapes[0])) and \(pythonTuple(shape))"
                : "Inputs have incompatible shapes. Received shapes \(pythonTuple(inputShapes[0])) and \(pythonTuple(shape))", at: location)
            return nil
        }
        return BuiltLayer(op: self, weights: [], outputShape: inputShapes[0])
    }

    func describe(_ node: LayerNode) -> String { "\(Op.kerasClass)() of \(node.inputs.count) inputs" }
    func signature(_ node: LayerNode) -> String { "\(Op.kerasClass)()" }
    func kerasArguments(_ node: LayerNode) -> [String] { [] }

    func cKernels(_ c: CLayerContext) -> String {
        let k = c.node.inputs.count, size = saturatingProduct(c.node.outputShape)
        let ins = (0..<k).map { "const float *inp\($0)" }.joined(separator: ", ")
        var out = "static void \(c.forwardName)(float *out, \(ins), int n) {\n"
        out += "    // out, inp0..inp\(k - 1) \(c.outShape)\n"
        out += "    const float *inputs[\(k)] = {\((0..<k).map { "inp\($0)" }.joined(separator: ", "))};\n"
        out += "    kiln_merge_forward(out, inputs, \(k), (int64_t)n * \(size), \(Op.cOp));\n"
        out += "}\n"
        if c.emitBackward && c.layer.inputNeedsGradient.contains(true) {
            let dins = (0..<k).map { "float *dinp\($0)" }.joined(separator: ", ")
            out += "static void \(c.backwardName)(\(dins), const float *dout, \(ins), const float *out, int n) {\n"
            out += "    // dinp0..dinp\(k - 1) \(c.inShape) +=, NULL where not needed; dout, out \(c.outShape)\n"
            out += "    float *dinputs[\(k)] = {\((0..<k).map { "dinp\($0)" }.joined(separator: ", "))};\n"
            out += "    const float *inputs[\(k)] = {\((0..<k).map { "inp\($0)" }.joined(separator: ", "))};\n"
            out += "    kiln_merge_backward(dinputs, dout, inputs, out, \(k), (int64_t)n * \(size), \(Op.cOp));\n"
            out += "}\n"
        }
        return out + "\n"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer
        guard layer.inputNeedsGradient.contains(true) else { return nil }
        let args = inputGradients(c) + [c.dact(layer.output)] + layer.inputs.map(c.act) + [c.act(layer.output), "n"]
        return "\(c.backwardName)(\(args.joined(separator: ", ")));"
    }

    func mergeReference(_ inputs: [[Double]], rows: Int, layer: PlannedLayer) -> [Double] {
        (0..<inputs[0].count).map { j in Op.combine(inputs.map { $0[j] }) }
    }
}
