// The recurrent workloads of bench/rnn: LSTM(64) and GRU(64) on 50 steps of 8 features -> Dense(1)
// (BenchKernels/LSTM64Bench, BenchKernels/GRU64Bench, Adam, mse, compiled for batches of 64):
// lstm_train and gru_train (one trainOnBatch at batch 64), lstm_predict_64 and lstm_predict_1
// (predict at batch 64 and 1). Two threads, as the anchors. Per workload: warm-up calls, then
// `repeats` timings of `steps` back-to-back calls each; one JSON line with the median seconds per
// call over the repeats, samples/s, GFLOP/s and peak RSS.
// Usage: kiln-rnn-bench [repeats, default 5] [workload ...]; RNN_BENCH_STEPS overrides the calls
// per repeat (train and predict_64: 50, predict_1: 200).
import Foundation
import BenchModels

let timesteps = 50, features = 8, units = 64

/// GEMM flops per sample of the forward pass, 2*M*N*K: the input projection (steps x features x
/// gates*units), the recurrent product (steps x units x gates*units, the first step's included though
/// its h is zero) and Dense(1). A train step counts 3x (forward, input and weight gradients).
func forwardFlops(gates: Int) -> Double {
    2.0 * Double(timesteps * (features * gates * units + units * gates * units) + units)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func peakRSSMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func random(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = SplitMix64(seed: seed)
    return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextGaussian()) })
}

let arguments = Array(CommandLine.arguments.dropFirst())
let repeats = arguments.first.flatMap(Int.init) ?? 5
let chosen = Set(arguments.dropFirst())
func wanted(_ name: String) -> Bool { chosen.isEmpty || chosen.contains(name) }
let stepsOverride = ProcessInfo.processInfo.environment["RNN_BENCH_STEPS"].flatMap(Int.init)

kiln_set_num_threads(2)

func emit(_ workload: String, batch: Int, steps: Int, times: [Double], flopsPerStep: Double) {
    let t = median(times)
    let line: [String: Any] = ["framework": "kiln", "workload": workload, "batch": batch, "seconds": t, "runs": times, "steps": steps,
                               "samples_per_s": Double(batch) / t, "gflops": flopsPerStep / t / 1e9, "peak_rss_mb": peakRSSMB(),
                               "threads": Int(kiln_get_num_threads())]
    let data = try! JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
    FileHandle.standardOutput.write(data + Data("\n".utf8))  // one write per line, as it comes
}

/// Seconds per call of each repeat: 5 warm-up calls, then `repeats` x `steps` timed calls.
func measure(steps defaultSteps: Int, _ body: () throws -> Void) rethrows -> (steps: Int, times: [Double]) {
    let steps = max(stepsOverride ?? defaultSteps, 1)
    for _ in 0..<5 { try body() }
    let times = try (0..<repeats).map { _ in try seconds { for _ in 0..<steps { try body() } } / Double(steps) }
    return (steps, times)
}

do {
    let x64 = random([64, timesteps, features], seed: 2), y64 = random([64, 1], seed: 3)
    if wanted("lstm_train") || wanted("lstm_predict_64") || wanted("lstm_predict_1") {
        let flops = forwardFlops(gates: 4)
        if wanted("lstm_train") {
            let model = LSTM64Bench(seed: 1)
            let m = try measure(steps: 50) { _ = try model.trainOnBatch(x: x64, y: y64) }
            emit("lstm_train", batch: 64, steps: m.steps, times: m.times, flopsPerStep: 3 * 64 * flops)
        }
        let model = LSTM64Bench(seed: 1)
        if wanted("lstm_predict_64") {
            let m = try measure(steps: 50) { _ = try model.predict(x64) }
            emit("lstm_predict_64", batch: 64, steps: m.steps, times: m.times, flopsPerStep: 64 * flops)
        }
        if wanted("lstm_predict_1") {
            let x1 = random([1, timesteps, features], seed: 4)
            let m = try measure(steps: 200) { _ = try model.predict(x1) }
            emit("lstm_predict_1", batch: 1, steps: m.steps, times: m.times, flopsPerStep: flops)
        }
    }
    if wanted("gru_train") {
        let model = GRU64Bench(seed: 1)
        let m = try measure(steps: 50) { _ = try model.trainOnBatch(x: x64, y: y64) }
        emit("gru_train", batch: 64, steps: m.steps, times: m.times, flopsPerStep: 3 * 64 * forwardFlops(gates: 3))
    }
} catch {
    FileHandle.standardError.write(Data("kiln-rnn-bench: \(error)\n".utf8))
    exit(1)
}
