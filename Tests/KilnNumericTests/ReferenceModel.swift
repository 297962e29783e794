import Foundation
import KilnCompiler
import KilnRuntime

/// A naive float64 interpreter of a `ModelGraph`, written from the Keras definitions and
/// independent of the C kernels: the yardstick for forward outputs and finite-difference gradients.
struct ReferenceModel {
    let plan: KernelPlan
    init(_ graph: ModelGraph) { plan = KernelPlan(graph) }

    /// Output (rows, outputSize) for parameters `params` (flat, Keras order) and input x (rows, inputSize).
    /// `dropoutMasks[layerIndex]` supplies a mask per Dropout layer (nil = inference, identity).
    /// Returns the output and, when the loss is fused on logits, the logits too.
    func forward(params: [Double], x: [Double], rows: Int, dropoutMasks: [Int: [Double]] = [:]) -> (output: [Double], logits: [Double]?) {
        var current = x
        var logits: [Double]?
        for (index, layer) in plan.layers.enumerated() {
            let node = layer.node
            let cols = node.inputShape.last ?? 1
            let lead = rows * node.inputShape.dropLast().reduce(1, *)
            switch node.op {
            case let .dense(units, activation, alpha, useBias):
                let kernel = layer.weights[0].offset
                var z = [Double](repeating: 0, count: lead * units)
                for r in 0..<lead {
                    for j in 0..<units {
                        var sum = useBias ? params[layer.weights[1].offset + j] : 0
                        for k in 0..<cols { sum += current[r * cols + k] * params[kernel + k * units + j] }
                        z[r * units + j] = sum
                    }
                }
                logits = z
                current = Self.activate(z, cols: units, activation, alpha: Double(alpha))
            case let .activation(activation, alpha):
                logits = current
                current = Self.activate(current, cols: cols, activation, alpha: Double(alpha))
            case let .leakyReLU(slope):
                logits = current
                current = Self.activate(current, cols: cols, .leakyRelu, alpha: Double(slope))
            case .dropout:
                if let mask = dropoutMasks[index] { current = zip(current, mask).map { $0 * $1 } }
            case .flatten:
                break
            case let .normalization(features, invert, mean, variance):
                let m = mean.map { $0.map(Double.init) } ?? (0..<features).map { params[layer.weights[0].offset + $0] }
                let v = variance.map { $0.map(Double.init) } ?? (0..<features).map { params[layer.weights[1].offset + $0] }
                current = current.indices.map { i in
                    let j = i % features, sd = max(v[j].squareRoot(), 1e-7)
                    return invert ? current[i] * sd + m[j] : (current[i] - m[j]) / sd
                }
            }
        }
        return (current, plan.lossOnLogits ? logits : nil)
    }

    static func activate(_ z: [Double], cols: Int, _ activation: ActivationKind, alpha: Double) -> [Double] {
        switch activation {
        case .softmax:
            var out = z
            for r in 0..<(z.count / cols) {
                let row = z[(r * cols)..<((r + 1) * cols)]
                let m = row.max()!
                let e = row.map { exp($0 - m) }
                let s = e.reduce(0, +)
                for j in 0..<cols { out[r * cols + j] = e[j] / s }
            }
            return out
        default:
            return z.map { v in
                switch activation {
                case .linear: v
                case .relu: max(v, 0)
                case .tanh: Foundation.tanh(v)
                case .sigmoid: 1 / (1 + exp(-v))
                case .elu: v > 0 ? v : exp(v) - 1
                case .selu: 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (exp(v) - 1))
                case .gelu: 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
                case .softplus: log1p(exp(-abs(v))) + max(v, 0)
                case .leakyRelu: v >= 0 ? v : alpha * v
                case .softmax: fatalError()
                }
            }
        }
    }

    /// Keras's batch-mean loss (plus L2 terms of trainable kernels).
    func loss(params: [Double], x: [Double], y: [Double], rows: Int, dropoutMasks: [Int: [Double]] = [:]) -> Double {
        let (output, logits) = forward(params: params, x: x, rows: rows, dropoutMasks: dropoutMasks)
        let cols = plan.output.shape.last!
        let n = output.count / cols
        let eps = 1e-7
        var total = 0.0
        func logSoftmax(_ row: ArraySlice<Double>) -> [Double] {
            let m = row.max()!
            let lse = log(row.map { exp($0 - m) }.reduce(0, +)) + m
            return row.map { $0 - lse }
        }
        switch plan.graph.loss {
        case .meanSquaredError:
            total = zip(output, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(output.count)
        case .meanAbsoluteError:
            total = zip(output, y).map { abs($0 - $1) }.reduce(0, +) / Double(output.count)
        case let .binaryCrossentropy(fromLogits):
            let useLogits = fromLogits || logits != nil
            let source = logits ?? output
            for (v, t) in zip(source, y) {
                if useLogits {
                    total += max(v, 0) - v * t + log1p(exp(-abs(v)))
                } else {
                    let p = min(max(v, eps), 1 - eps)
                    total += -(t * log(p) + (1 - t) * log(1 - p))
                }
            }
            total /= Double(output.count)
        case let .categoricalCrossentropy(fromLogits), let .sparseCategoricalCrossentropy(fromLogits):
            let sparse: Bool = { if case .sparseCategoricalCrossentropy = plan.graph.loss { true } else { false } }()
            let useLogits = fromLogits || logits != nil
            let source = logits ?? output
            for r in 0..<n {
                let row = source[(r * cols)..<((r + 1) * cols)]
                let logp: [Double]
                if useLogits {
                    logp = logSoftmax(row)
                } else {
                    let s = row.reduce(0, +)
                    logp = row.map { log(min(max($0 / s, eps), 1 - eps)) }
                }
                if sparse {
                    total -= logp[Int(y[r])]
                } else {
                    for j in 0..<cols { total -= y[r * cols + j] * logp[j] }
                }
            }
            total /= Double(n)
        }
        for weight in plan.weights where weight.trainable {
            if let l2 = weight.decl.l2 {
                total += Double(l2) * params[weight.offset..<(weight.offset + weight.decl.count)].map { $0 * $0 }.reduce(0, +)
            }
        }
        return total
    }
}
