import Foundation
import KilnSpec
import KilnCore

/// A recurrent cell's own part of its layer (SimpleRNN, LSTM, GRU): its gates, its extra keys, its
/// bias and the step in float64. `Recurrent` writes the rest once: config, shapes, kernels, Keras.
protocol RecurrentCell: Sendable {
    static var kerasClass: String { get }
    static var namePrefix: String { get }
    /// Gate blocks of units in the kernels: 1, 4 (i, f, c, o) or 3 (z, r, h), Keras's order.
    static var gates: Int { get }
    /// The runtime's `enum kiln_rnn_cell` constant.
    static var cCell: String { get }
    /// Keys besides the shared ones (recurrent_activation, unit_forget_bias, reset_after).
    static var cellKeys: [String] { get }
    static func checkCell(_ config: MappingReader, diagnostics: DiagnosticEngine) -> Self?
    /// The gates' activation (none for SimpleRNN: linear, unused).
    var recurrentActivation: ActivationKind { get }
    /// The bias's shape for `units` (GRU with reset_after: (2, 3*units)) and its initializer.
    func biasShape(units: Int) -> [Int]
    func biasInitializer(_ base: Initializer) -> Initializer
    /// Keras arguments of the cell's own keys, after the activations.
    var kerasCellArguments: [String] { get }
    /// One step in float64: the state after it from x (G*U: inp . kernel + input bias), rec (G*U:
    /// h . recurrent_kernel, plus the recurrent bias for GRU) and the state before it (h; LSTM: h, c).
    func step(x: [Double], rec: [Double], state: [[Double]], units: Int, activation: ActivationKind) -> [[Double]]
}

extension RecurrentCell {
    static var stateCount: Int { gates == 4 ? 2 : 1 }
    static var cellKeys: [String] { [] }
}

/// keras.layers.SimpleRNN, LSTM and GRU over (batch, timesteps, features), as keras.layers.RNN runs
/// a cell: the state starts at zeros; `go_backwards` reads the steps last to first and returns the
/// sequence in that order; `return_sequences` returns every step's h, otherwise the last one.
/// `dropout` and `recurrent_dropout` mask the inputs and h_prev in training, one mask per sequence
/// (per gate under `recurrent_dropout` or `implementation=1`, as Keras's cells draw them).
struct Recurrent<Cell: RecurrentCell>: RecurrentKernelLayer {
    static var kerasClass: String { Cell.kerasClass }
    static var namePrefix: String { Cell.namePrefix }
    static var keys: [String] {
        ["units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
         "kernel_regularizer", "recurrent_regularizer", "dropout", "recurrent_dropout", "return_sequences", "return_state",
         "go_backwards", "stateful", "unroll", "seed"] + Cell.cellKeys
    }

    var cell: Cell
    var units: Int
    var activation: ActivationKind
    var useBias: Bool
    var kernelInitializer: Initializer
    var recurrentInitializer: Initializer
    var biasInitializer: Initializer
    var kernelL2: Float?
    var recurrentL2: Float?
    var returnSequences: Bool
    var goBackwards: Bool
    var dropout: Float = 0
    var recurrentDropout: Float = 0
    var implementation = 2
    /// Keras returns [output, h] (LSTM: [output, h, c]); the states are StateOutput nodes.
    var returnState = false
    /// Resolved by `build`.
    var steps = 0
    var features = 0

    // Saturating: a huge `units` is the size check's error, not an overflow.
    var gateUnits: Int { saturatingProduct([Cell.gates, units]) }
    /// Floats of the runtime's mid per time step (kiln_rnn_mid_floats / steps).
    var stepFloats: Int { saturatingSum([gateUnits, units, Cell.gates == 1 ? 0 : units]) }
    var buffers: LayerBuffers {
        LayerBuffers(mask: dropoutFloats > 0, intermediate: [steps, stepFloats], maskShape: dropoutFloats > 0 ? [dropoutFloats] : nil,
                     states: [[Int]](repeating: [units], count: stateCount))
    }
    var stateCount: Int { returnState ? Cell.stateCount : 0 }
    var usesTrainingFlag: Bool { dropoutFloats > 0 }
    /// Dropout masks of the inputs (0, 1, or one per gate) and of h_prev (0 or one per gate).
    var inputMasks: Int { !activeRate(dropout) ? 0 : Cell.gates > 1 && (activeRate(recurrentDropout) || implementation == 1) ? Cell.gates : 1 }
    var recurrentMasks: Int { activeRate(recurrentDropout) ? Cell.gates : 0 }
    var dropoutFloats: Int { saturatingSum([saturatingProduct([inputMasks, features]), saturatingProduct([recurrentMasks, units])]) }
    var consumesMask: Bool { true }
    var propagatesMask: Bool { returnSequences }

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Self? {
        let units = config.int("units")
        if config["units"] == nil {
            diagnostics.error("\(kerasClass).__init__() missing 1 required positional argument: 'units'", at: location)
        } else if let units, units <= 0 {
            diagnostics.error("Received an invalid value for argument `units`, expected a positive integer, got \(units).", at: config["units"]!.location)
        }
        let activation = readRecurrentActivation(config, key: "activation", default: .tanh, diagnostics: diagnostics)
        let useBias = config.bool("use_bias") ?? true
        let kernel = readInitializer(config, key: "kernel_initializer", default: .glorotUniform, diagnostics: diagnostics)
        let recurrent = readInitializer(config, key: "recurrent_initializer", default: .orthogonal(gain: 1), diagnostics: diagnostics)
        let bias = readInitializer(config, key: "bias_initializer", default: .zeros, diagnostics: diagnostics)
        let kernelL2 = readL2(config, key: "kernel_regularizer", diagnostics: diagnostics)
        let recurrentL2 = readL2(config, key: "recurrent_regularizer", diagnostics: diagnostics)
        let supported = checkSupportedRecurrentOptions(config, returnState: true, diagnostics: diagnostics)
        let dropout = readRecurrentDropout(config, key: "dropout"), recurrentDropout = readRecurrentDropout(config, key: "recurrent_dropout")
        let implementation = config.int("implementation") ?? 2
        _ = config.bool("unroll")
        let returnSequences = config.bool("return_sequences") ?? false
        let goBackwards = config.bool("go_backwards") ?? false
        let cell = Cell.checkCell(config, diagnostics: diagnostics)
        guard let units, units > 0, let activation, let kernel, let recurrent, let bias, let cell, supported,
              !kernelL2.present || kernelL2.factor != nil, !recurrentL2.present || recurrentL2.factor != nil else { return nil }
        return Self(cell: cell, units: units, activation: activation, useBias: useBias, kernelInitializer: kernel,
                    recurrentInitializer: recurrent, biasInitializer: bias, kernelL2: kernelL2.factor, recurrentL2: recurrentL2.factor,
                    returnSequences: returnSequences, goBackwards: goBackwards, dropout: dropout, recurrentDropout: recurrentDropout,
                    implementation: implementation, returnState: config.bool("return_state") ?? false)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard inputShape.count == 2 else {
            diagnostics.error(rankMismatch(name, expected: 3, inputShape: inputShape), at: location)
            return nil
        }
        var built = self
        built.steps = inputShape[0]
        built.features = inputShape[1]
        let g = gateUnits
        var weights = [
            WeightDecl(name: "kernel", shape: [inputShape[1], g], initializer: kernelInitializer, fanIn: inputShape[1], fanOut: g, l2: kernelL2),
            WeightDecl(name: "recurrent_kernel", shape: [units, g], initializer: recurrentInitializer, fanIn: units, fanOut: g, l2: recurrentL2),
        ]
        if useBias {
            let shape = cell.biasShape(units: units), fans = kerasFans(shape)
            weights.append(WeightDecl(name: "bias", shape: shape, initializer: cell.biasInitializer(biasInitializer), fanIn: fans.fanIn, fanOut: fans.fanOut, l2: nil))
        }
        return BuiltLayer(op: built, weights: weights, outputShape: returnSequences ? [inputShape[0], units] : [units])
    }

    func describe(_ node: LayerNode) -> String {
        var text = "\(Self.kerasClass)(units=\(units), activation=\(activation.kerasName)"
        if Cell.gates > 1 { text += ", recurrent_activation=\(cell.recurrentActivation.kerasName)" }
        if !useBias { text += ", use_bias=False" }
        if returnSequences { text += ", return_sequences=True" }
        if goBackwards { text += ", go_backwards=True" }
        if dropout > 0 { text += ", dropout=\(dropout)" }
        if recurrentDropout > 0 { text += ", recurrent_dropout=\(recurrentDropout)" }
        if returnState { text += ", return_state=True" }
        return text + ")"
    }

    func signature(_ node: LayerNode) -> String {
        "\(Self.kerasClass)(\(units)\(returnSequences ? ", sequences" : "")\(goBackwards ? ", backwards" : ""))"
    }

    // MARK: C

    func geometryName(_ c: CLayerContext) -> String { "\(c.name)_geometry" }

    func cKernels(_ c: CLayerContext) -> String {
        let mid = CFormat.shape([steps, stepFloats], batch: "B")
        let kernel = CFormat.shape(c.layer.weights[0].decl.shape), recurrent = CFormat.shape(c.layer.weights[1].decl.shape)
        let drop = dropoutFloats > 0
        let states = ["state_h", "state_c"].prefix(stateCount)
        let initial = ["init_h", "init_c"].prefix(c.layer.inputs.count - 1)  // initial_state: the node's other inputs
        var out = "static const kiln_rnn_geometry \(geometryName(c)) = \(cGeometry);\n"
        out += "static void \(c.forwardName)(float *out, float *mid, \(drop ? "float *drop, " : "")\(states.map { "float *\($0), " }.joined())const float *inp, \(initial.map { "const float *\($0), " }.joined()) const float *kernel, const float *recurrent, const float *b, const float *mask, int n\(drop ? ", int training, int keep_all, uint64_t rng[2]" : "")) {\n"
        out += "    // out \(c.outShape); mid \(mid), per step the gates, h_prev\(Cell.gates == 4 ? ", c_prev" : Cell.gates == 3 ? ", candidate" : ""); inp \(c.inShape); kernel \(kernel); recurrent \(recurrent)\(useBias ? "; b \(CFormat.shape(c.layer.weights[2].decl.shape))" : "")\(c.layer.inputMask == nil ? "" : "; mask (n,\(steps)) of the steps")\n"
        if drop {
            out += "    // drop (n,\(dropoutFloats)): the inputs' dropout masks (n,\(inputMasks),\(features)), then h_prev's (n,\(recurrentMasks),\(units)), drawn per batch\n"
            out += "    if (training) kiln_rnn_draw_dropout(drop, n, &\(geometryName(c)), keep_all, rng);\n"
        }
        if !states.isEmpty { out += "    // \(states.joined(separator: ", ")) (n,\(units)): the states after the last step (return_state)\n" }
        /// The runtime's two state arguments (h, c): the names the layer has, NULL for the rest.
        func pair(_ names: ArraySlice<String>, _ prefix: String = "") -> String {
            (0..<2).map { $0 < names.count ? prefix + names[names.startIndex + $0] : "NULL" }.joined(separator: ", ")
        }
        let stateArgs = pair(states), initialArgs = pair(initial)
        if !initial.isEmpty { out += "    // \(initial.joined(separator: ", ")) (n,\(units)): the states before the first step (initial_state)\n" }
        out += "    kiln_rnn_forward(out, mid, \(stateArgs), inp, \(initialArgs), kernel, recurrent, b, mask, \(drop ? "training ? drop : NULL" : "NULL"), n, &\(geometryName(c)));\n"
        out += "}\n"
        guard c.emitBackward else { return out + "\n" }
        out += "static void \(c.backwardName)(float *dinp, \(initial.map { "float *d\($0), " }.joined())float *dkernel, float *drecurrent, float *db, float *dmid, const float *dout, \(states.map { "const float *d\($0), " }.joined())const float *mid, const float *inp, const float *kernel, const float *recurrent, const float *mask, \(drop ? "const float *drop, " : "")int n) {\n"
        out += "    // dmid \(mid): each step's pre-activation gradients, through time\n"
        let dstateArgs = pair(states, "d"), dinitialArgs = pair(initial, "d")
        out += "    kiln_rnn_backward(dinp, \(dinitialArgs), dkernel, drecurrent, db, dmid, dout, \(dstateArgs), mid, inp, kernel, recurrent, mask, \(drop ? "drop" : "NULL"), n, &\(geometryName(c)));\n"
        return out + "}\n\n"
    }

    // MARK: Keras

    func kerasArguments(_ node: LayerNode) -> [String] { kerasRecurrentArguments }

    var kerasRecurrentArguments: [String] {
        let args = ["\(units)", "activation=\(Python.string(activation.kerasName))"]
        var dropoutArgs: [String] = []
        if dropout > 0 { dropoutArgs.append("dropout=\(Python.float(dropout))") }
        if recurrentDropout > 0 { dropoutArgs.append("recurrent_dropout=\(Python.float(recurrentDropout))") }
        if implementation == 1 && Cell.gates > 1 { dropoutArgs.append("implementation=1") }
        return args + cell.kerasCellArguments + kerasRecurrentTail + dropoutArgs + (returnState ? ["return_state=True"] : [])
    }

    // MARK: reference

    /// In float64 from keras.layers.RNN's loop: per sample, the state from zeros through the steps
    /// in processing order, each step x = inp_t . kernel + b and rec = h . recurrent_kernel (+ GRU's
    /// recurrent bias) into the cell. `mask` is the input's mask of its steps, if it has one: a
    /// masked step keeps the state, and its output is the state kept (zeros with `zeroMaskedOutput`).
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        reference(input, rows: rows, layer: layer, params: params, dropoutMask: nil, stepMask: mask, training: training)
    }

    /// `dropoutMask`: the kernel's drawn masks (rows, dropoutFloats) in its layout, when training.
    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], dropoutMask: [Double]?, stepMask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        reference(input, initialStates: [], rows: rows, layer: layer, params: params, dropoutMask: dropoutMask, stepMask: stepMask, training: training)
    }

    /// `initialStates`: the node's other inputs, the states before the first step (h; LSTM: h, c).
    func reference(_ input: [Double], initialStates: [[Double]], rows: Int, layer: PlannedLayer, params: [Double], dropoutMask: [Double]?, stepMask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        var states: [[Double]] = []
        return (run(input, rows: rows, params: params, weights: layer.weights.map(\.offset), stepMask: stepMask, zeroMaskedOutput: false,
                    dropoutMask: training ? dropoutMask : nil, initialStates: initialStates, finalStates: &states), nil)
    }

    /// The states after the last step (h; LSTM: h, c), each (rows, units), for return_state.
    func referenceStates(_ input: [Double], initialStates: [[Double]], rows: Int, layer: PlannedLayer, params: [Double], dropoutMask: [Double]?, stepMask: [Double]?, training: Bool) -> [[Double]] {
        var states: [[Double]] = []
        _ = run(input, rows: rows, params: params, weights: layer.weights.map(\.offset), stepMask: stepMask, zeroMaskedOutput: false,
                dropoutMask: training ? dropoutMask : nil, initialStates: initialStates, finalStates: &states)
        return Array(states.prefix(stateCount))
    }

    /// The float64 pass with the weights at `weights` (kernel, recurrent_kernel, then bias if used).
    /// `dropoutMask` (rows, dropoutFloats): rows * inputMasks masks of the inputs, then rows *
    /// recurrentMasks of h_prev; gate block q reads mask q * masks / G of each.
    func run(_ input: [Double], rows: Int, params: [Double], weights: [Int], stepMask: [Double]?, zeroMaskedOutput: Bool,
             dropoutMask: [Double]? = nil) -> [Double] {
        var states: [[Double]] = []
        return run(input, rows: rows, params: params, weights: weights, stepMask: stepMask, zeroMaskedOutput: zeroMaskedOutput,
                   dropoutMask: dropoutMask, initialStates: [], finalStates: &states)
    }

    /// `initialStates`: each state before the first step, (rows, units) each, or none (zeros);
    /// `finalStates`: each after the last step.
    func run(_ input: [Double], rows: Int, params: [Double], weights: [Int], stepMask: [Double]?, zeroMaskedOutput: Bool,
             dropoutMask: [Double]?, initialStates: [[Double]], finalStates: inout [[Double]]) -> [Double] {
        finalStates = [[Double]](repeating: [], count: Cell.stateCount)
        let g = gateUnits, kernel = weights[0], recurrent = weights[1]
        let bias = useBias ? weights[2] : nil
        let ig = dropoutMask == nil ? 0 : inputMasks, rg = dropoutMask == nil ? 0 : recurrentMasks
        let recurrentRegion = rows * ig * features
        var output: [Double] = []
        output.reserveCapacity(rows * (returnSequences ? steps : 1) * units)
        for sample in 0..<rows {
            var state = [[Double]](repeating: [Double](repeating: 0, count: units), count: Cell.stateCount)
            for (k, initial) in initialStates.enumerated() { state[k] = Array(initial[(sample * units)..<((sample + 1) * units)]) }
            for k in 0..<steps {
                let p = goBackwards ? steps - 1 - k : k
                if let stepMask, stepMask[sample * steps + p] == 0 {
                    if returnSequences { output += zeroMaskedOutput ? [Double](repeating: 0, count: units) : state[0] }
                    continue
                }
                let xt = input[((sample * steps + p) * features)...].prefix(features)
                var x = [Double](repeating: 0, count: g), rec = [Double](repeating: 0, count: g)
                for q in 0..<g {
                    let mi = ig == 0 ? nil : (sample * ig + q / (g / ig)) * features
                    let mr = rg == 0 ? nil : recurrentRegion + (sample * rg + q / (g / rg)) * units
                    var sx = bias.map { params[$0 + q] } ?? 0
                    for (f, v) in xt.enumerated() { sx += v * (mi.map { dropoutMask![$0 + f] } ?? 1) * params[kernel + f * g + q] }
                    var sr = Cell.gates == 3 ? (bias.map { params[$0 + g + q] } ?? 0) : 0
                    for u in 0..<units { sr += state[0][u] * (mr.map { dropoutMask![$0 + u] } ?? 1) * params[recurrent + u * g + q] }
                    x[q] = sx
                    rec[q] = sr
                }
                state = cell.step(x: x, rec: rec, state: state, units: units, activation: activation)
                if returnSequences { output += state[0] }
            }
            if !returnSequences { output += state[0] }
            for k in state.indices { finalStates[k] += state[k] }
        }
        return output
    }

    /// The runtime's geometry, a C initializer.
    var cGeometry: String { cGeometry(zeroMaskedOutput: false) }
    func cGeometry(zeroMaskedOutput: Bool) -> String {
        let drop = dropoutFloats > 0 ? ", \(inputMasks), \(recurrentMasks), \(CFormat.float(dropout)), \(CFormat.float(recurrentDropout))" : ""
        return "{\(Cell.cCell), \(steps), \(features), \(units), \(activation.cName), \(cell.recurrentActivation.cName), \(goBackwards ? 1 : 0), \(returnSequences ? 1 : 0), \(useBias ? 1 : 0), \(zeroMaskedOutput ? 1 : 0)\(drop)}"
    }
    var midFloats: Int { saturatingProduct([steps, stepFloats]) }
    /// Its Keras constructor, for a wrapper (Bidirectional): `layers.LSTM(3, ..., name="lstm")`.
    func kerasConstructor(name: String) -> String {
        "layers.\(Self.kerasClass)(\((kerasRecurrentArguments + ["name=\(Python.string(name))"]).joined(separator: ", ")))"
    }
}

/// A layer that runs one recurrent kernel pair (Recurrent, ConvLSTM): `<name>_forward(out, mid,
/// inp, kernel, recurrent, bias, mask, n)` and its backward, and shares Keras's recurrent arguments.
protocol RecurrentKernelLayer: LayerKind {
    /// Floats of dropout masks per sample (0: no dropout; the masks are the layer's mask buffer).
    var dropoutFloats: Int { get }
    var useBias: Bool { get }
    var kernelInitializer: Initializer { get }
    var recurrentInitializer: Initializer { get }
    var biasInitializer: Initializer { get }
    var kernelL2: Float? { get }
    var recurrentL2: Float? { get }
    var returnSequences: Bool { get }
    var goBackwards: Bool { get }
}

extension RecurrentKernelLayer {
    func forwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer
        let drop = dropoutFloats > 0
        let args = [c.act(layer.output), c.act(layer.intermediate!)] + (drop ? [c.act(layer.mask!)] : []) + layer.states.map(c.act)
            + [c.act(layer.input)] + layer.inputs.dropFirst().map(c.act) + [c.param(layer.weights[0]), c.param(layer.weights[1]),
               useBias ? c.param(layer.weights[2]) : "NULL", layer.inputMask.map(c.act) ?? "NULL", "n"]
            + (drop ? ["training", "s->dropout_off", "s->rng"] : [])
        return "\(c.forwardName)(\(args.joined(separator: ", ")));"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer, trainable = layer.node.trainable
        let initialGradients = zip(layer.inputs, layer.inputNeedsGradient).dropFirst().map { $1 ? c.dact($0) : "NULL" }
        let args = [layer.needsInputGradient ? c.dact(layer.input) : "NULL"] + initialGradients + [
                    trainable ? c.grad(layer.weights[0]) : "NULL", trainable ? c.grad(layer.weights[1]) : "NULL",
                    trainable && useBias ? c.grad(layer.weights[2]) : "NULL", c.dact(layer.intermediate!), c.dact(layer.output)]
                    + layer.states.map(c.dact) + [c.act(layer.intermediate!), c.act(layer.input), c.param(layer.weights[0]), c.param(layer.weights[1]),
                    layer.inputMask.map(c.act) ?? "NULL"] + (dropoutFloats > 0 ? [c.act(layer.mask!)] : []) + ["n"]
        return "\(c.backwardName)(\(args.joined(separator: ", ")));"
    }

    /// The Keras arguments after the layer's own: bias, initializers, regularizers, the sequence options.
    var kerasRecurrentTail: [String] {
        var args: [String] = []
        if !useBias { args.append("use_bias=False") }
        args.append("kernel_initializer=\(Python.initializer(kernelInitializer))")
        args.append("recurrent_initializer=\(Python.initializer(recurrentInitializer))")
        if useBias { args.append("bias_initializer=\(Python.initializer(biasInitializer))") }
        if let kernelL2 { args.append("kernel_regularizer=\(Python.l2(kernelL2))") }
        if let recurrentL2 { args.append("recurrent_regularizer=\(Python.l2(recurrentL2))") }
        if returnSequences { args.append("return_sequences=True") }
        if goBackwards { args.append("go_backwards=True") }
        return args
    }
}

/// A recurrent layer as a wrapper sees it (Bidirectional runs one each way).
protocol RecurrentLayerKind: LayerKind {
    var units: Int { get }
    var returnSequences: Bool { get }
    var goBackwards: Bool { get set }
    var useBias: Bool { get }
    var steps: Int { get }
    var midFloats: Int { get }
    var dropoutFloats: Int { get }
    /// States it returns besides its output (return_state), 0 without.
    var stateCount: Int { get }
    func cGeometry(zeroMaskedOutput: Bool) -> String
    func run(_ input: [Double], rows: Int, params: [Double], weights: [Int], stepMask: [Double]?, zeroMaskedOutput: Bool, dropoutMask: [Double]?) -> [Double]
    func kerasConstructor(name: String) -> String
}

extension Recurrent: RecurrentLayerKind, StateProducingLayer, InitialStateLayer {
    var initialStateShapes: [[Int]] { [[Int]](repeating: [units], count: Cell.stateCount) }
}

/// The recurrent options Kiln does not run yet, each an error at its value: return_state (unless
/// the layer runs it) and stateful. False when any is set. (Reads `seed` too, which only dropout uses: masks come from
/// the model's seed.)
func checkSupportedRecurrentOptions(_ config: MappingReader, returnState: Bool = false, diagnostics: DiagnosticEngine) -> Bool {
    var supported = true
    if config.bool("return_state") == true && !returnState {
        diagnostics.error("`return_state=True` is not supported by Kiln yet: the layer returns its output only", at: config["return_state"]!.location)
        supported = false
    }
    if config.bool("stateful") == true {
        diagnostics.error("`stateful=True` is not supported by Kiln: each batch starts from zero states", at: config["stateful"]!.location)
        supported = false
    }
    _ = config.int("seed")
    return supported
}

/// A dropout rate as Keras's cells keep it: clipped to [0, 1].
func readRecurrentDropout(_ config: MappingReader, key: String) -> Float {
    Float(min(1, max(0, config.double(key) ?? 0)))
}

/// Whether a cell's rate drops anything (Keras's `0.0 < rate < 1.0`).
func activeRate(_ rate: Float) -> Bool { rate > 0 && rate < 1 }

/// An activation a recurrent kernel applies per gate: any elementwise one but gelu (whose
/// derivative the runtime would need z for) and softmax (not elementwise).
func readRecurrentActivation(_ config: MappingReader, key: String, default fallback: ActivationKind, diagnostics: DiagnosticEngine) -> ActivationKind? {
    guard config[key] != nil else { return fallback }
    guard let kind = readActivation(config, key: key, diagnostics: diagnostics) else { return nil }
    if kind == .gelu || kind == .softmax {
        diagnostics.error("`\(key)=\(kind.kerasName)` is not supported in Kiln's recurrent layers: use tanh, sigmoid, relu or another elementwise activation", at: config[key]!.location)
        return nil
    }
    return kind
}

/// The float64 activation of one value (recurrent references).
func recurrentActivate(_ value: Double, _ kind: ActivationKind) -> Double {
    ReferenceMath.activate([value], cols: 1, kind, alpha: Double(kind.defaultAlpha))[0]
}
