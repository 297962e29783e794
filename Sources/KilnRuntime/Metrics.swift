/// Running means of the compiled metrics over the samples seen, per Keras's definitions:
/// each metric is a per-sample value (a mean over the output's last axis) averaged over samples.
/// A model of several outputs has one head per output, its metrics named `<output>_<metric>`,
/// and each output's loss (`<output>_loss`, before its loss weight, as Keras logs it). Keras's
/// TF backend tracks those losses with the batch's static size, unknown in its graph, so each
/// batch counts once: a partial last batch weighs as much as a full one (the total loss and the
/// metrics weigh samples).
struct MetricAccumulators {
    struct Head {
        let kinds: [MetricKind]
        let names: [String]
        let offset: Int                  // the output (rows, width) at acts + offset
        let width: Int
        let yOffset: Int                 // its targets in each packed sample of y
    }
    let heads: [Head]
    /// Floats per sample of packed y (several outputs); nil: y holds one output's targets, a
    /// class id per sample for sparse accuracy, else the output's values.
    let yStride: Int?
    /// acts + lossesOffset holds each output's loss (several outputs), else nil.
    let lossesOffset: Int?
    let lossNames: [String]
    var sums: [[Double]]
    var lossSums: [Double]
    var count = 0
    var batches = 0

    init(descriptor: ModelDescriptor) {
        if let io = descriptor.io {
            var yOffset = 0
            heads = io.outputs.map { output in
                defer { yOffset += output.targetSize }
                let names = io.outputs.count > 1 ? output.metricNames.map { "\(output.name)_\($0)" } : output.metricNames
                return Head(kinds: output.metrics, names: names, offset: output.offset, width: output.size, yOffset: yOffset)
            }
            yStride = io.outputs.count > 1 ? yOffset : nil
            lossesOffset = io.outputs.count > 1 ? io.lossesOffset : nil
            lossNames = io.outputs.count > 1 ? io.outputs.map { "\($0.name)_loss" } : []
        } else {
            heads = [Head(kinds: descriptor.metrics, names: descriptor.metricNames, offset: descriptor.outputOffset,
                          width: descriptor.outputSize, yOffset: 0)]
            yStride = nil
            lossesOffset = nil
            lossNames = []
        }
        sums = heads.map { [Double](repeating: 0, count: $0.kinds.count) }
        lossSums = [Double](repeating: 0, count: lossNames.count)
    }

    /// The logs' names after "loss", in order: each output's loss, then the metrics.
    var names: [String] { lossNames + heads.flatMap(\.names) }

    /// acts after a forward pass and loss of `rows` samples; y their targets.
    mutating func add(acts: UnsafePointer<Float>, y: UnsafePointer<Float>, rows: Int) {
        if let lossesOffset {
            for k in lossSums.indices { lossSums[k] += Double(acts[lossesOffset + k]) }
        }
        batches += 1
        for h in heads.indices { addHead(h, output: acts + heads[h].offset, y: y, rows: rows) }
        count += rows
    }

    /// A model of one output: its values (rows, width) and targets.
    mutating func add(output: UnsafePointer<Float>, y: UnsafePointer<Float>, rows: Int) {
        addHead(0, output: output, y: y, rows: rows)
        count += rows
    }

    mutating func addHead(_ h: Int, output: UnsafePointer<Float>, y: UnsafePointer<Float>, rows: Int) {
        let head = heads[h], width = head.width
        for (index, kind) in head.kinds.enumerated() {
            let stride = yStride ?? (kind == .sparseCategoricalAccuracy ? 1 : width)
            var total = 0.0
            for r in 0..<rows {
                let p = output + r * width
                let t = y + r * stride + head.yOffset
                switch kind {
                case .mae, .mse, .binaryAccuracy:
                    var s = 0.0
                    for j in 0..<width {
                        let d = Double(p[j]) - Double(t[j])
                        switch kind {
                        case .mae: s += abs(d)
                        case .mse: s += d * d
                        default: s += (p[j] > 0.5 ? 1 : 0) == t[j] ? 1 : 0
                        }
                    }
                    total += s / Double(width)
                case .categoricalAccuracy:
                    total += argmax(p, width) == argmax(t, width) ? 1 : 0
                case .sparseCategoricalAccuracy:
                    total += argmax(p, width) == Int(t[0]) ? 1 : 0
                }
            }
            sums[h][index] += total
        }
    }

    /// First index of the largest value, as numpy/TF argmax.
    func argmax(_ values: UnsafePointer<Float>, _ width: Int) -> Int {
        var best = 0
        for j in 1..<max(width, 1) where values[j] > values[best] { best = j }
        return best
    }

    var values: [(String, Double)] {
        let n = Double(max(count, 1))
        return zip(lossNames, lossSums).map { ($0, $1 / Double(max(batches, 1))) }
            + zip(heads.flatMap(\.names), sums.flatMap { $0 }).map { ($0, $1 / n) }
    }
}
