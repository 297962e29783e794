import KilnSpec
import KilnCore

/// Extra output `index` (1, 2, ...) of the layer it reads: a recurrent layer's final state under
/// `return_state` (h, then LSTM's c), which Keras returns as `[output, h, c]` and a functional spec
/// reads as `from: lstm[1]`. It has no kernel: its buffer is the one the layer writes
/// (`PlannedLayer.states`), and its gradient is what the layer's backward starts from. The
/// validator adds these nodes; a spec never names the kind.
public struct StateOutput: LayerKind {
    public static let kerasClass = "StateOutput"
    public static let namePrefix = "state"
    public static let keys: [String] = []

    /// Keras's output index: `lstm[0][index]`.
    public var index: Int
    /// The layer whose output it is, by name (for summary's "Connected to").
    public var producer: String

    public static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> StateOutput? { nil }

    public func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? { nil }

    public func describe(_ node: LayerNode) -> String { "output \(index) of \(Identifiers.commentText(producer))" }

    public func signature(_ node: LayerNode) -> String { "\(Identifiers.commentText(producer))[\(index)]" }

    public func cKernels(_ c: CLayerContext) -> String { "// (the buffer its layer writes; no kernel)\n\n" }

    public func forwardCall(_ c: CLayerContext) -> String? { nil }

    public func backwardCall(_ c: CLayerContext) -> String? { nil }

    public func kerasArguments(_ node: LayerNode) -> [String] { [] }

    /// The reference reads the state from its layer's `referenceStates` (ReferenceModel does).
    public func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        preconditionFailure("a StateOutput's value comes from its layer's referenceStates")
    }
}

/// A layer with extra outputs (StateOutput nodes read them): their float64 values, from the same
/// arguments as its `reference`.
public protocol StateProducingLayer: LayerKind {
    var stateCount: Int { get }
    func referenceStates(_ input: [Double], initialStates: [[Double]], rows: Int, layer: PlannedLayer, params: [Double], dropoutMask: [Double]?, stepMask: [Double]?, training: Bool) -> [[Double]]
}

/// A recurrent layer read with `initial_state` (Keras's `LSTM(8)(x, initial_state=[h, c])`): the
/// node's inputs after the first are its states before the first step.
public protocol InitialStateLayer: LayerKind {
    /// How many states it starts from (h; LSTM: h, c) and their per-sample shape.
    var initialStateShapes: [[Int]] { get }
    func reference(_ input: [Double], initialStates: [[Double]], rows: Int, layer: PlannedLayer, params: [Double], dropoutMask: [Double]?, stepMask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?)
}
