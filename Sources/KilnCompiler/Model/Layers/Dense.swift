import KilnSpec
import KilnCore

/// keras.layers.Dense: out = activation(inp . kernel + bias) on the last axis.
struct Dense: AffineLayer {
    static let kerasClass = "Dense"
    static let namePrefix = "dense"
    static let keys = ["units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer"]
    /// Keras's supports_masking: a mask of steps passes through to the layers after it.
    var propagatesMask: Bool { true }

    var units: Int
    var activation: ActivationKind
    var useBias: Bool
    var kernelInitializer: Initializer
    var biasInitializer: Initializer
    var kernelL2: Float?

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> Dense? {
        let units = config.int("units")
        if config["units"] == nil {
            diagnostics.error("Dense.__init__() missing 1 required positional argument: 'units'", at: location)
        } else if let units, units <= 0 {
            diagnostics.error("Received an invalid value for `units`, expected a positive integer. Received: units=\(units)",
                              at: config["units"]!.location)
        }
        let activation = readActivation(config, diagnostics: diagnostics)
        let useBias = config.bool("use_bias") ?? true
        let kernelInitializer = readInitializer(config, key: "kernel_initializer", default: .glorotUniform, diagnostics: diagnostics)
        let biasInitializer = readInitializer(config, key: "bias_initializer", default: .zeros, diagnostics: diagnostics)
        let l2 = readL2(config, key: "kernel_regularizer", diagnostics: diagnostics)
        guard let units, units > 0, let activation, let kernelInitializer, let biasInitializer,
              !l2.present || l2.factor != nil else { return nil }
        return Dense(units: units, activation: activation, useBias: useBias, kernelInitializer: kernelInitializer,
                     biasInitializer: biasInitializer, kernelL2: l2.factor)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        guard let inputDim = inputShape.last else {
            diagnostics.error(rankMismatch(name, expected: 2, min: true, inputShape: inputShape), at: location)
            return nil
        }
        var weights = [WeightDecl(name: "kernel", shape: [inputDim, units], initializer: kernelInitializer,
                                  fanIn: inputDim, fanOut: units, l2: kernelL2)]
        if useBias {
            weights.append(WeightDecl(name: "bias", shape: [units], initializer: biasInitializer, fanIn: inputDim, fanOut: units, l2: nil))
        }
        return BuiltLayer(op: self, weights: weights, outputShape: inputShape.dropLast() + [units])
    }

    func describe(_ node: LayerNode) -> String {
        "Dense(units=\(units), activation=\(activation.kerasName)\(useBias ? "" : ", use_bias=False"))"
    }

    func signature(_ node: LayerNode) -> String { "Dense(\(units), \(activation.kerasName))" }

    func kernelShape(_ c: CLayerContext) -> [Int] { [c.node.inputShape.last!, units] }

    func forwardProduct(_ c: CLayerContext, into z: String) -> String {
        "kiln_sgemm_nn(\(z), inp, w, \(c.rows(c.node.inputShape)), \(units), \(c.node.inputShape.last!), 0);"
    }

    func kernelGradient(_ c: CLayerContext) -> String {
        let k = c.node.inputShape.last!
        return "kiln_sgemm_tn(dw, inp, dz, \(k), \(units), \(c.rows(c.node.inputShape)), 1);  // dw (\(k),\(units)) += inp^T . dz"
    }

    func inputGradient(_ c: CLayerContext) -> String {
        "kiln_sgemm_nt(dinp, dz, w, \(c.rows(c.node.inputShape)), \(c.node.inputShape.last!), \(units), 1);  // dinp \(c.inShape) += dz . w^T"
    }

    func kerasArguments(_ node: LayerNode) -> [String] {
        ["\(units)"] + kerasAffineArguments
    }

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let cols = layer.node.inputShape.last!, lead = rows * saturatingProduct(layer.node.inputShape.dropLast())
        let kernel = layer.weights[0].offset
        var z = [Double](repeating: 0, count: lead * units)
        for r in 0..<lead {
            for j in 0..<units {
                var sum = useBias ? params[layer.weights[1].offset + j] : 0
                for k in 0..<cols { sum += input[r * cols + k] * params[kernel + k * units + j] }
                z[r * units + j] = sum
            }
        }
        return (ReferenceMath.activate(z, cols: units, activation, alpha: Double(alpha)), z)
    }
}
