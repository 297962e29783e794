import Foundation
import KilnCompiler
import KilnRuntime

/// A naive float64 interpreter of a `ModelGraph`, written from the Keras definitions and
/// independent of the C kernels: the yardstick for forward outputs and finite-difference gradients.
struct ReferenceModel {
    let plan: KernelPlan
    init(_ graph: ModelGraph) { plan = KernelPlan(graph) }

    /// Output (rows, outputSize) for parameters `params` (flat, Keras order) and input x (rows, inputSize).
    /// `dropoutMasks[layerIndex]` supplies a mask per Dropout layer (nil = identity); `training`
    /// selects BatchNormalization's batch statistics. Returns the output and, when the loss is
    /// fused on logits, the logits too.
    func forward(params: [Double], x: [Double], rows: Int, dropoutMasks: [Int: [Double]] = [:], training: Bool = false) -> (output: [Double], logits: [Double]?) {
        // Each node's output, in order; node -1 is x. A merge reads every input.
        var outputs: [[Double]] = []
        var logits: [Double]?
        let maskOrigins = plan.graph.maskOrigins()
        // A layer that applies its input's mask of steps gets it as `mask`, from the layer that made it.
        func stepsMask(_ layer: PlannedLayer) -> [Double]? {
            guard layer.node.op.consumesMask, let source = layer.node.inputs.first, source >= 0, let origin = maskOrigins[source] else { return nil }
            let producer = plan.layers[origin], read = producer.node.inputs[0]
            return producer.node.op.referenceStepMask(read < 0 ? x : outputs[read], rows: rows, layer: producer)
        }
        for (index, layer) in plan.layers.enumerated() {
            let inputs = layer.node.inputs.map { $0 < 0 ? x : outputs[$0] }
            let step: (output: [Double], logits: [Double]?)
            let stepMask = stepsMask(layer)
            if let state = layer.node.op as? StateOutput {
                // A return_state layer's state: from the layer, on what it read.
                let source = layer.node.inputs[0], producer = plan.layers[source], read = producer.node.inputs[0]
                let states = (producer.node.op as! any StateProducingLayer).referenceStates(
                    read < 0 ? x : outputs[read], initialStates: producer.node.inputs.dropFirst().map { $0 < 0 ? x : outputs[$0] },
                    rows: rows, layer: producer, params: params, dropoutMask: dropoutMasks[source], stepMask: stepsMask(producer), training: training)
                step = (states[state.index - 1], nil)
            } else if let recurrent = layer.node.op as? any InitialStateLayer, inputs.count > 1 {
                step = recurrent.reference(inputs[0], initialStates: Array(inputs.dropFirst()), rows: rows, layer: layer, params: params,
                                           dropoutMask: dropoutMasks[index], stepMask: stepMask, training: training)
            } else if let merge = layer.node.op as? any MergeLayer {
                step = (merge.mergeReference(inputs, rows: rows, layer: layer), nil)
            } else {
                step = layer.node.op.reference(inputs[0], rows: rows, layer: layer, params: params, dropoutMask: dropoutMasks[index],
                                               stepMask: stepMask, training: training)
            }
            outputs.append(step.output)
            if let stepLogits = step.logits { logits = stepLogits }
        }
        return (outputs.last ?? x, plan.outputs[0].lossOnLogits ? logits : nil)
    }

    /// Keras's batch-mean loss (plus L2 terms of trainable kernels) of a training forward pass.
    func loss(params: [Double], x: [Double], y: [Double], rows: Int, dropoutMasks: [Int: [Double]] = [:]) -> Double {
        let (output, logits) = forward(params: params, x: x, rows: rows, dropoutMasks: dropoutMasks, training: true)
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
