import XCTest
@testable import KilnRuntime

/// Keras 3's metric definitions on hand-computed cases, and its progress-line formatting.
final class KilnModelMetricsTests: XCTestCase {
    func accumulate(_ kind: MetricKind, outputs: Int, _ batches: [(output: [Float], y: [Float])]) -> Double {
        var d = probeDescriptor(metrics: [kind])
        d.outputShape = [outputs]
        var metrics = MetricAccumulators(descriptor: d)
        for (output, y) in batches { metrics.add(output: output, y: y, rows: output.count / outputs) }
        return metrics.values[0].1
    }

    func testMetricTable() {
        let rows: [(MetricKind, Int, [(output: [Float], y: [Float])], Double, String)] = [
            (.mae, 2, [([0.9, 0.2, 0.4, 0.7], [1, 0, 1, 0])], (0.1 + 0.2 + 0.6 + 0.7) / 4, "mean |y - p|"),
            (.mse, 2, [([0.9, 0.2, 0.4, 0.7], [1, 0, 1, 0])], (0.01 + 0.04 + 0.36 + 0.49) / 4, "mean (y - p)^2"),
            (.mae, 1, [([3], [2]), ([5, 5, 5], [5, 5, 5])], 0.25, "a mean over samples, not over batches"),
            (.binaryAccuracy, 1, [([0.5, 0.51, 0.2, 0.9], [0, 1, 1, 1])], 0.75, "p > 0.5 is class 1; 0.5 itself is 0"),
            (.binaryAccuracy, 2, [([0.9, 0.2, 0.4, 0.7], [1, 0, 1, 0])], 0.5, "per element"),
            (.categoricalAccuracy, 3, [([0.4, 0.4, 0.2, 0.1, 0.2, 0.7], [0, 1, 0, 0, 0, 1])], 0.5, "a tie goes to the first index"),
            (.sparseCategoricalAccuracy, 3, [([0.1, 0.8, 0.1, 0.6, 0.3, 0.1, 0.2, 0.2, 0.6], [1, 2, 2])], 2.0 / 3, "y holds class ids"),
        ]
        for (kind, outputs, batches, expected, why) in rows {
            XCTAssertEqual(accumulate(kind, outputs: outputs, batches), expected, accuracy: 1e-7, "\(kind.rawValue): \(why)")
        }
    }

    func testProgressLinesAsKerasPrintsThem() {
        let logs: [(String, Double)] = [("loss", 0.123_44), ("mae", 0.000_05), ("val_loss", -0.5)]
        // 32 steps: the first at 0.2 s, the rest 2 ms each; the final line shows the elapsed time.
        var piped = ProgressLine(steps: 32, verbosity: .auto, isTerminal: false, now: 100)
        var verbose2 = ProgressLine(steps: 32, verbosity: .epochLines, isTerminal: true, now: 100)
        for step in 1...31 {
            piped.update(step: step, logs: logs, now: 100.2 + Double(step - 1) * 0.002)
            verbose2.update(step: step, logs: logs, now: 100.2 + Double(step - 1) * 0.002)
        }
        XCTAssertEqual(piped.finalLine(logs: logs, now: 100.262),
                       "32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - loss: 0.1234 - mae: 5.0000e-05 - val_loss: -0.5000")
        XCTAssertEqual(verbose2.finalLine(logs: logs, now: 100.262),
                       "32/32 - 0s - 2ms/step - loss: 0.1234 - mae: 5.0000e-05 - val_loss: -5.0000e-01")

        let bar = ProgressLine(steps: 100, verbosity: .auto, isTerminal: false, now: 0)
        XCTAssertEqual(bar.barLine(step: 7, timeText: "9s", perStep: 0.0031, logs: [], color: false).text,
                       "  7/100 " + String(repeating: "━", count: 20) + " 9s 3ms/step")
        XCTAssertEqual(bar.barLine(step: 50, timeText: "1s", perStep: 0.1, logs: [], color: true).text,
                       "\u{1B}[1m 50/100\u{1B}[0m \u{1B}[32m" + String(repeating: "━", count: 10) + "\u{1B}[0m\u{1B}[37m"
                       + String(repeating: "━", count: 10) + "\u{1B}[0m \u{1B}[1m1s\u{1B}[0m 100ms/step")
        let times: [(Double, String)] = [(0, "0s/step"), (1.6, "2s/step"), (0.0031, "3ms/step"), (0.000_004_2, "4us/step")]
        for (seconds, text) in times { XCTAssertEqual(ProgressLine.formatStepTime(seconds), text) }
        let etas: [(Double, String)] = [(59.9, "59s"), (61, "1:01"), (3700, "1:01:40")]
        for (seconds, text) in etas { XCTAssertEqual(ProgressLine.formatETA(seconds), text) }
    }
}

/// Keras 3's initializer formulas, checked by the statistics of 20,000 draws made through a model.
final class KilnModelInitializerTests: XCTestCase {
    func testInitializerStatistics() {
        let n = 20_000
        // (initializer, fan in, fan out, mean, std, bound on |x - mean| or nil)
        let truncation = 2 / 0.879_625_661_034_239_78  // a corrected truncated normal's bound in stds
        let rows: [(Initializer, Int, Int, Double, Double, Double?)] = [
            (.glorotUniform, 30, 20, 0, (6.0 / 50).squareRoot() / 3.0.squareRoot(), (6.0 / 50).squareRoot()),
            (.heUniform, 50, 7, 0, (6.0 / 50).squareRoot() / 3.0.squareRoot(), (6.0 / 50).squareRoot()),
            (.lecunUniform, 75, 7, 0, 0.2 / 3.0.squareRoot(), 0.2),
            (.glorotNormal, 30, 20, 0, 0.2, 0.2 * truncation),
            (.heNormal, 50, 7, 0, 0.2, 0.2 * truncation),
            (.lecunNormal, 25, 7, 0, 0.2, 0.2 * truncation),
            (.randomNormal(mean: 0.5, stddev: 0.05), 1, 1, 0.5, 0.05, nil),
            (.randomUniform(minval: -0.05, maxval: 0.1), 1, 1, 0.025, 0.15 / 12.0.squareRoot(), 0.075),
            (.truncatedNormal(mean: 1, stddev: 0.05), 1, 1, 1, 0.05 * 0.879_625_661_034_239_78, 0.1),
        ]
        let weights = rows.enumerated().map { i, row in
            WeightInfo(name: "w\(i)", shape: [n], offset: i * n, initializer: row.0, fanIn: row.1, fanOut: row.2, trainable: true)
        }
        let model = KilnModel(descriptor: probeDescriptor(weights: weights), kernels: probeKernels, seed: 11)
        for (i, row) in rows.enumerated() {
            let values = model.weights[i].value.scalars.map(Double.init)
            let mean = values.reduce(0, +) / Double(n)
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
            XCTAssertEqual(mean, row.3, accuracy: 4 * row.4 / Double(n).squareRoot(), "\(row.0) mean")
            XCTAssertEqual(std, row.4, accuracy: 0.03 * row.4, "\(row.0) std")
            if let bound = row.5 {
                let reach = values.map { abs($0 - row.3) }.max()!
                XCTAssertLessThanOrEqual(reach, bound * (1 + 1e-6), "\(row.0) bound")
                XCTAssertGreaterThan(reach, 0.95 * bound, "\(row.0) reaches its bound")
            }
        }
        let constants: [(Initializer, Float)] = [(.zeros, 0), (.ones, 1), (.constant(3.5), 3.5)]
        let fixed = KilnModel(descriptor: probeDescriptor(weights: constants.enumerated().map { i, c in
            WeightInfo(name: "c\(i)", shape: [2, 2], offset: 4 * i, initializer: c.0, fanIn: 2, fanOut: 2, trainable: true)
        }), kernels: probeKernels)
        XCTAssertEqual(fixed.parameters, constants.flatMap { [Float](repeating: $0.1, count: 4) })
    }

    func testASeedGivesTheSameWeightsEveryRun() {
        XCTAssertEqual(probeModel(seed: 5).parameters, probeModel(seed: 5).parameters)
        XCTAssertNotEqual(probeModel(seed: 5).parameters, probeModel(seed: 6).parameters)
        // SplitMix64 is fixed, so seed 5's first kernel value is fixed across runs and machines.
        var rng = SplitMix64(seed: 5)
        let limit = (6.0 / 4).squareRoot()
        XCTAssertEqual(probeModel(seed: 5).parameters[0], Float(-limit + 2 * limit * rng.nextUniform()))
    }
}
