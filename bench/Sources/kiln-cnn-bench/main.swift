// The convolutional workloads of bench/cnn (the contract of bench/cnn/README.md): the seed CNN's
// train step and inference at batch 32 (128x128x3), ResNet50's inference at batch 1 and 32 and its
// train step at batch 16 (224x224x3). One JSON line per workload: the median seconds per step over
// the timed repeats (after one warm-up), images/s, GFLOP/s and peak RSS.
// Usage: kiln-cnn-bench [repeats, default 5] [workload ...]
import Foundation
import BenchModels

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

/// Forward multiply-adds per image x 2; a train step counts 3x (forward, input and weight gradients).
let seedCNNForwardFlops = 2.0 * (128.0 * 128 * 64 * 27 + 64 * 64 * 128 * 576 + 32 * 32 * 128)
let resnet50ForwardFlops = 2.0 * 3.86e9  // keras.applications.ResNet50 at 224x224: 3.86 G multiply-adds

let arguments = Array(CommandLine.arguments.dropFirst())
let repeats = arguments.first.flatMap(Int.init) ?? 5
let chosen = Set(arguments.dropFirst())
func wanted(_ name: String) -> Bool { chosen.isEmpty || chosen.contains(name) }

func emit(_ workload: String, batch: Int, times: [Double], flopsPerStep: Double) {
    let t = median(times)
    let line: [String: Any] = ["framework": "kiln", "workload": workload, "batch": batch, "seconds": t, "runs": times,
                               "images_per_s": Double(batch) / t, "gflops": flopsPerStep / t / 1e9, "peak_rss_mb": peakRSSMB()]
    let data = try! JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
    FileHandle.standardOutput.write(data + Data("\n".utf8))  // one write per line, as it comes
}

func measure(_ body: () throws -> Void) rethrows -> [Double] {
    try body()  // warm-up
    return try (0..<repeats).map { _ in try seconds(body) }
}

if wanted("seedcnn_train") || wanted("seedcnn_predict") {
    let model = SeedCNN(seed: 1)
    let x = random([32, 128, 128, 3], seed: 2), y = random([32, 1], seed: 3)
    if wanted("seedcnn_train") {
        emit("seedcnn_train", batch: 32, times: try measure { _ = try model.trainOnBatch(x: x, y: y) }, flopsPerStep: 3 * 32 * seedCNNForwardFlops)
    }
    if wanted("seedcnn_predict") {
        emit("seedcnn_predict", batch: 32, times: try measure { _ = try model.predict(x) }, flopsPerStep: 32 * seedCNNForwardFlops)
    }
}
if wanted("resnet50_predict_1") || wanted("resnet50_predict_32") || wanted("resnet50_train") {
    let model = ResNet50B16(seed: 1)
    if wanted("resnet50_predict_1") {
        let x = random([1, 224, 224, 3], seed: 4)
        emit("resnet50_predict_1", batch: 1, times: try measure { _ = try model.predict(x) }, flopsPerStep: resnet50ForwardFlops)
    }
    if wanted("resnet50_predict_32") {
        let x = random([32, 224, 224, 3], seed: 5)
        emit("resnet50_predict_32", batch: 32, times: try measure { _ = try model.predict(x) }, flopsPerStep: 32 * resnet50ForwardFlops)
    }
    if wanted("resnet50_train") {
        let x = random([16, 224, 224, 3], seed: 6)
        var y = [Float](repeating: 0, count: 16 * 1000)
        for i in 0..<16 { y[i * 1000 + (i * 37) % 1000] = 1 }
        let labels = Tensor(shape: [16, 1000], scalars: y)
        emit("resnet50_train", batch: 16, times: try measure { _ = try model.trainOnBatch(x: x, y: labels) }, flopsPerStep: 3 * 16 * resnet50ForwardFlops)
    }
}
