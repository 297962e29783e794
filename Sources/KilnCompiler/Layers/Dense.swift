import KilnSpec
import KilnCore

/// keras.layers.Dense: out = activation(inp . kernel + bias) on the last axis.
struct Dense: LayerBuilder {
    static let kerasClass = "Dense"
    static let namePrefix = "dense"
    static let keys = ["units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer"]

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
            diagnostics.error("Input 0 of layer \"\(name)\" is incompatible with the layer: expected min_ndim=2, found ndim=1. Full shape received: (None,)", at: location)
            return nil
        }
        var weights = [WeightDecl(name: "kernel", shape: [inputDim, units], initializer: kernelInitializer,
                                  fanIn: inputDim, fanOut: units, l2: kernelL2)]
        if useBias {
            weights.append(WeightDecl(name: "bias", shape: [units], initializer: biasInitializer, fanIn: inputDim, fanOut: units, l2: nil))
        }
        let alpha = activation == .leakyRelu ? ActivationKind.leakyReluDefaultSlope : 0
        return BuiltLayer(op: .dense(units: units, activation: activation, alpha: alpha, useBias: useBias),
                          weights: weights, outputShape: inputShape.dropLast() + [units])
    }
}
