/// Running means of the compiled metrics over the samples seen, per Keras's definitions:
/// each metric is a per-sample value (a mean over the output's last axis) averaged over samples.
struct MetricAccumulators {
    let kinds: [MetricKind]
    let names: [String]
    let outputSize: Int
    var sums: [Double]
    var count = 0

    init(descriptor: ModelDescriptor) {
        kinds = descriptor.metrics
        names = descriptor.metricNames
        outputSize = descriptor.outputSize
        sums = [Double](repeating: 0, count: kinds.count)
    }

    /// output (rows, outputSize); y (rows, outputSize), or (rows) class ids for sparse accuracy.
    mutating func add(output: UnsafePointer<Float>, y: UnsafePointer<Float>, rows: Int) {
        guard !kinds.isEmpty else { return }
        let width = outputSize
        for (index, kind) in kinds.enumerated() {
            var total = 0.0
            for r in 0..<rows {
                let p = output + r * width
                switch kind {
                case .mae, .mse, .binaryAccuracy:
                    let t = y + r * width
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
                    total += argmax(p, width) == argmax(y + r * width, width) ? 1 : 0
                case .sparseCategoricalAccuracy:
                    total += argmax(p, width) == Int(y[r]) ? 1 : 0
                }
            }
            sums[index] += total
        }
        count += rows
    }

    /// First index of the largest value, as numpy/TF argmax.
    func argmax(_ values: UnsafePointer<Float>, _ width: Int) -> Int {
        var best = 0
        for j in 1..<max(width, 1) where values[j] > values[best] { best = j }
        return best
    }

    var values: [(String, Double)] {
        zip(names, sums).map { ($0, $1 / Double(max(count, 1))) }
    }
}
