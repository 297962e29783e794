import Foundation
import KilnSpec
import KilnCore

/// keras.layers.BatchNormalization over the last axis: weights gamma (scale), beta (center),
/// then moving_mean and moving_variance, which are non-trainable. Training normalizes with the
/// batch's statistics and moves the moving ones by `momentum` (0.99); inference uses the moving
/// ones. A frozen layer (`trainable: false`) runs in inference mode, as in Keras 3. Under a mask of
/// steps (Embedding mask_zero, Masking) the batch's statistics are the kept steps' (Keras's masked
/// moments), and the mask passes on to the next layer.
struct BatchNormalization: LayerKind {
    static let kerasClass = "BatchNormalization"
    static let namePrefix = "batch_normalization"
    static let keys = ["axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
                       "moving_mean_initializer", "moving_variance_initializer", "synchronized"]

    var axis: Int
    var momentum: Float
    var epsilon: Float
    var center: Bool
    var scale: Bool
    var betaInitializer: Initializer
    var gammaInitializer: Initializer
    var movingMeanInitializer: Initializer
    var movingVarianceInitializer: Initializer
    /// The normalized axis's size, once built.
    var channels = 0

    static func checkConfig(_ config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BatchNormalization? {
        let axis = config.int("axis") ?? -1
        let momentum = config.double("momentum") ?? 0.99
        let epsilon = config.double("epsilon") ?? 1e-3
        if let node = config["epsilon"], epsilon <= 0 {
            diagnostics.error("Kiln needs a positive `epsilon` for BatchNormalization. Received: epsilon=\(epsilon)", at: node.location)
        }
        _ = config.bool("synchronized")
        let beta = readInitializer(config, key: "beta_initializer", default: .zeros, diagnostics: diagnostics)
        let gamma = readInitializer(config, key: "gamma_initializer", default: .ones, diagnostics: diagnostics)
        let mean = readInitializer(config, key: "moving_mean_initializer", default: .zeros, diagnostics: diagnostics)
        let variance = readInitializer(config, key: "moving_variance_initializer", default: .ones, diagnostics: diagnostics)
        guard epsilon > 0, let beta, let gamma, let mean, let variance else { return nil }
        return BatchNormalization(axis: axis, momentum: Float(momentum), epsilon: Float(epsilon), center: config.bool("center") ?? true,
                                  scale: config.bool("scale") ?? true, betaInitializer: beta, gammaInitializer: gamma,
                                  movingMeanInitializer: mean, movingVarianceInitializer: variance)
    }

    func build(inputShape: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> BuiltLayer? {
        let rank = inputShape.count + 1
        guard axis < rank && axis >= -rank else {
            diagnostics.error("Axis \(axis) is out of bounds for input shape \(kerasShape(inputShape)). Received: axis=\(axis)", at: location)
            return nil
        }
        guard axis == -1 || axis == rank - 1 else {
            diagnostics.error("Kiln's BatchNormalization normalizes the last axis only (axis=-1, or \(rank - 1) for input shape \(kerasShape(inputShape))). Received: axis=\(axis)", at: location)
            return nil
        }
        let channels = inputShape.last!
        func weight(_ name: String, _ initializer: Initializer, trainable: Bool) -> WeightDecl {
            WeightDecl(name: name, shape: [channels], initializer: initializer, fanIn: channels, fanOut: channels, l2: nil,
                       trainable: trainable, updatedInForward: !trainable)
        }
        var weights: [WeightDecl] = []
        if scale { weights.append(weight("gamma", gammaInitializer, trainable: true)) }
        if center { weights.append(weight("beta", betaInitializer, trainable: true)) }
        weights += [weight("moving_mean", movingMeanInitializer, trainable: false), weight("moving_variance", movingVarianceInitializer, trainable: false)]
        var built = self
        built.channels = channels
        return BuiltLayer(op: built, weights: weights, outputShape: inputShape)
    }

    /// The batch's mean and inverse deviation per channel, for backward (unused when frozen).
    var buffers: LayerBuffers { LayerBuffers(statistics: 2 * channels) }
    var usesTrainingFlag: Bool { true }
    var consumesMask: Bool { true }
    var propagatesMask: Bool { true }

    func describe(_ node: LayerNode) -> String {
        "BatchNormalization(momentum=\(momentum), epsilon=\(epsilon)\(center ? "" : ", center=False")\(scale ? "" : ", scale=False"))\(node.trainable ? "" : ", frozen: inference mode")"
    }
    func signature(_ node: LayerNode) -> String { "BatchNormalization()" }

    func kerasArguments(_ node: LayerNode) -> [String] {
        var args: [String] = []
        if momentum != 0.99 { args.append("momentum=\(Python.float(momentum))") }
        if epsilon != 1e-3 { args.append("epsilon=\(Python.float(epsilon))") }
        if !center { args.append("center=False") }
        if !scale { args.append("scale=False") }
        for (key, value, fallback) in [("beta_initializer", betaInitializer, Initializer.zeros), ("gamma_initializer", gammaInitializer, .ones),
                                       ("moving_mean_initializer", movingMeanInitializer, .zeros),
                                       ("moving_variance_initializer", movingVarianceInitializer, .ones)] where value != fallback {
            args.append("\(key)=\(Python.initializer(value))")
        }
        return args
    }

    // MARK: C

    /// (gamma, beta, moving_mean, moving_variance) among the layer's weights; gamma, beta may be absent.
    func weightIndices() -> (gamma: Int?, beta: Int?, mean: Int, variance: Int) {
        let gamma = scale ? 0 : nil, beta = center ? (scale ? 1 : 0) : nil
        let mean = (scale ? 1 : 0) + (center ? 1 : 0)
        return (gamma, beta, mean, mean + 1)
    }

    func cKernels(_ c: CLayerContext) -> String {
        let channels = c.node.inputShape.last!, rows = c.rows(c.node.inputShape)
        let eps = CFormat.float(epsilon)
        // Under a mask (trainable only: the moving statistics need none), the statistics of the kept steps.
        let masked = c.layer.inputMask != nil && c.node.trainable
        let maskParameter = masked ? ", const float *mask" : "", mask = masked ? "mask" : "NULL"
        var out = "static void \(c.forwardName)(float *out, float *stats, const float *inp\(maskParameter), const float *gamma, const float *beta, float *moving_mean, float *moving_var, int n, int training) {\n"
        out += "    // out, inp \(c.outShape); stats (2,\(channels)): batch mean, 1/sqrt(var + eps); the rest (\(channels)), gamma or beta NULL when off\(masked ? "; mask (n,\(saturatingProduct(c.node.inputShape.dropLast()))) of the steps" : "")\n"
        if c.node.trainable {
            out += "    if (training) kiln_batchnorm_forward_train(out, stats, moving_mean, moving_var, inp, \(mask), gamma, beta, \(rows), \(channels), \(CFormat.float(momentum)), \(eps));\n"
            out += "    else kiln_batchnorm_forward_infer(out, inp, gamma, beta, moving_mean, moving_var, \(rows), \(channels), \(eps));\n"
        } else {
            out += "    (void)stats; (void)training;  // frozen: inference mode, as Keras 3\n"
            out += "    kiln_batchnorm_forward_infer(out, inp, gamma, beta, moving_mean, moving_var, \(rows), \(channels), \(eps));\n"
        }
        out += "}\n"
        guard c.emitBackward, c.layer.needsInputGradient || c.node.trainable else { return out + "\n" }
        out += "static void \(c.backwardName)(float *dinp, float *dgamma, float *dbeta, const float *dout, const float *inp\(maskParameter), const float *gamma, const float *stats, const float *moving_var, int n) {\n"
        out += "    // dinp, dout, inp \(c.outShape); dgamma, dbeta (\(channels)), NULL when not needed\n"
        if c.node.trainable {
            out += "    (void)moving_var;\n"
            out += "    kiln_batchnorm_backward_train(dinp, dgamma, dbeta, dout, inp, \(mask), gamma, stats, \(rows), \(channels));  // through the batch statistics\n"
        } else {
            out += "    (void)dgamma; (void)dbeta; (void)inp; (void)stats;\n"
            out += "    kiln_batchnorm_backward_infer(dinp, dout, gamma, moving_var, \(rows), \(channels), \(eps));  // dinp += dout * gamma / sqrt(moving_var + eps)\n"
        }
        return out + "}\n\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer, w = weightIndices()
        let args = [c.act(layer.output), layer.statistics.map(c.act) ?? "NULL", c.act(layer.input)] + maskArgument(c) +
                   [w.gamma.map { c.param(layer.weights[$0]) } ?? "NULL", w.beta.map { c.param(layer.weights[$0]) } ?? "NULL",
                    c.param(layer.weights[w.mean]), c.param(layer.weights[w.variance]), "n", "training"]
        return "\(c.forwardName)(\(args.joined(separator: ", ")));"
    }

    /// The mask of the steps, for a trainable layer that reads a masked sequence.
    func maskArgument(_ c: CLayerContext) -> [String] {
        guard let mask = c.layer.inputMask, c.node.trainable else { return [] }
        return [c.act(mask)]
    }

    /// gamma, beta, moving_mean, moving_variance and epsilon, for a conv that folds this layer in at inference.
    func foldedArguments(_ c: CLayerContext) -> [String] {
        let layer = c.layer, w = weightIndices()
        return [w.gamma.map { c.param(layer.weights[$0]) } ?? "NULL", w.beta.map { c.param(layer.weights[$0]) } ?? "NULL",
                c.param(layer.weights[w.mean]), c.param(layer.weights[w.variance]), CFormat.float(epsilon)]
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer, w = weightIndices(), trainable = layer.node.trainable
        guard layer.needsInputGradient || trainable else { return nil }
        let args = [layer.needsInputGradient ? c.dact(layer.input) : "NULL",
                    trainable ? (w.gamma.map { c.grad(layer.weights[$0]) } ?? "NULL") : "NULL",
                    trainable ? (w.beta.map { c.grad(layer.weights[$0]) } ?? "NULL") : "NULL",
                    c.dact(layer.output), c.act(layer.input)] + maskArgument(c) + [w.gamma.map { c.param(layer.weights[$0]) } ?? "NULL",
                    layer.statistics.map(c.act) ?? "NULL", c.param(layer.weights[w.variance]), "n"]
        return "\(c.backwardName)(\(args.joined(separator: ", ")));"
    }

    // MARK: reference

    func reference(_ input: [Double], rows: Int, layer: PlannedLayer, params: [Double], mask: [Double]?, training: Bool) -> (output: [Double], logits: [Double]?) {
        let channels = layer.node.inputShape.last!, count = input.count / channels
        let w = weightIndices()
        var mean = [Double](repeating: 0, count: channels), variance = [Double](repeating: 0, count: channels)
        if training && layer.node.trainable {
            // Under a mask of the steps (one per row), Keras's masked moments: the kept rows, over their count + 1e-7.
            let kept = (0..<count).filter { r in mask.map { $0[r] != 0 } ?? true }
            let weight = mask == nil ? Double(count) : Double(kept.count) + 1e-7
            for r in kept { for j in 0..<channels { mean[j] += input[r * channels + j] } }
            mean = mean.map { $0 / weight }
            for r in kept { for j in 0..<channels { variance[j] += pow(input[r * channels + j] - mean[j], 2) } }
            variance = variance.map { $0 / weight }
        } else {
            mean = (0..<channels).map { params[layer.weights[w.mean].offset + $0] }
            variance = (0..<channels).map { params[layer.weights[w.variance].offset + $0] }
        }
        var output = input
        for r in 0..<count {
            for j in 0..<channels {
                let gamma = w.gamma.map { params[layer.weights[$0].offset + j] } ?? 1
                let beta = w.beta.map { params[layer.weights[$0].offset + j] } ?? 0
                output[r * channels + j] = (input[r * channels + j] - mean[j]) / (variance[j] + Double(epsilon)).squareRoot() * gamma + beta
            }
        }
        return (output, nil)
    }
}
