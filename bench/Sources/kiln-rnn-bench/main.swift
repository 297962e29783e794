// The recurrent workloads of bench/rnn: LSTM(64) and GRU(64) on 50 steps of 8 features -> Dense(1)
// (BenchKernels/LSTM64Bench, BenchKernels/GRU64Bench, Adam, mse, compiled for batches of 64):
// lstm_train and gru_train (one trainOnBatch at batch 64), lstm_predict_64 and lstm_predict_1
// (predict at batch 64 and 1), gru_predict_1 (predict at batch 1); and ConvLSTM2D(16, 3x3, same,
// return_sequences) -> Conv3D(1, 3x3x3, same, sigmoid) on 10 frames of 32x32x1
// (BenchKernels/ConvLSTMBench, Adam, mse, compiled for batches of 8): convlstm_train (one
// trainOnBatch at batch 8) and convlstm_predict_8 (predict at batch 8). Two threads, as the anchors.
// Per workload: warm-up calls, then `repeats` timings of `steps` back-to-back calls each; one JSON
// line with the median seconds per call over the repeats, samples/s, GFLOP/s and peak RSS.
// Usage: kiln-rnn-bench [repeats, default 5] [workload ...]; RNN_BENCH_STEPS overrides the calls
// per repeat (train and predict_64: 50, predict_1: 200, convlstm_train: 10, convlstm_predict_8: 20).
import Foundation
import BenchModels

let timesteps = 50, features = 8, units = 64
let frames = 10, height = 32, width = 32, channels = 1, filters = 16

/// GEMM flops per sample of the forward pass, 2*M*N*K: the input projection (steps x features x
/// gates*units), the recurrent product (steps x units x gates*units, the first step's included though
/// its h is zero) and Dense(1). A train step counts 3x (forward, input and weight gradients).
func forwardFlops(gates: Int) -> Double {
    2.0 * Double(timesteps * (features * gates * units + units * gates * units) + units)
}

/// GEMM flops per sample of ConvLSTMBench's forward pass, 2*M*N*K: per frame the input convolution
/// (H*W x 9*channels x 4*filters) and the recurrent one (H*W x 9*filters x 4*filters, the first
/// frame's included though its h is zero), then the Conv3D (frames*H*W x 27*filters x 1). A train
/// step counts 3x.
func convLSTMForwardFlops() -> Double {
    let pixels: Int = frames * height * width
    let convLSTM: Int = pixels * (9 * channels * 4 * filters + 9 * filters * 4 * filters)
    let conv3D: Int = pixels * 27 * filters * 1
    return 2.0 * Double(convLSTM + conv3D)
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
    if wanted("gru_predict_1") {
        let model = GRU64Bench(seed: 1)
        let x1 = random([1, timesteps, features], seed: 4)
        let m = try measure(steps: 200) { _ = try model.predict(x1) }
        emit("gru_predict_1", batch: 1, steps: m.steps, times: m.times, flopsPerStep: forwardFlops(gates: 3))
    }
    if wanted("convlstm_train") || wanted("convlstm_predict_8") {
        let x8 = random([8, frames, height, width, channels], seed: 5), y8 = random([8, frames, height, width, 1], seed: 6)
        let flops = convLSTMForwardFlops()
        if wanted("convlstm_train") {
            let model = ConvLSTMBench(seed: 1)
            let m = try measure(steps: 10) { _ = try model.trainOnBatch(x: x8, y: y8) }
            emit("convlstm_train", batch: 8, steps: m.steps, times: m.times, flopsPerStep: 3 * 8 * flops)
        }
        if wanted("convlstm_predict_8") {
            let model = ConvLSTMBench(seed: 1)
            let m = try measure(steps: 20) { _ = try model.predict(x8) }
            emit("convlstm_predict_8", batch: 8, steps: m.steps, times: m.times, flopsPerStep: 8 * flops)
        }
    }
} catch {
    FileHandle.standardError.write(Data("kiln-rnn-bench: \(error)\n".utf8))
    exit(1)
}
