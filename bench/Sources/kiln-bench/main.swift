// Trains the seed MLP on 65,536 synthetic samples at batch 32 and 256 and prints JSON lines:
// median samples/s over the timed epochs (after one warm-up epoch), and the GFLOP/s that implies.
// Usage: kiln-bench [timed epochs, default 7]
import Foundation
import BenchModels

/// Training flops per sample: forward 2*(128*10 + 10*1) multiply-adds counted as 2 flops each,
/// backward twice the forward (input and weight gradients): 3 * 2 * 1290 = 7,740.
let flopsPerSample = 3.0 * 2.0 * Double(128 * 10 + 10 * 1)
let samples = 65_536
let timedEpochs = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 7 : 7

var rng = SplitMix64(seed: 2026)
let w = (0..<128).map { _ in Float(rng.nextGaussian()) / Float(128).squareRoot() }
var xs = [Float](), ys = [Float]()
xs.reserveCapacity(samples * 128)
for _ in 0..<samples {
    let row = (0..<128).map { _ in Float(rng.nextGaussian()) }
    xs += row
    ys.append(tanh(zip(row, w).map(*).reduce(0, +)) + 0.05 * Float(rng.nextGaussian()))
}
let x = Tensor(shape: [samples, 128], scalars: xs), y = Tensor(shape: [samples, 1], scalars: ys)

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func run(_ model: KilnModel, batch: Int) throws {
    _ = try model.fit(x: x, y: y, epochs: 1, batchSize: batch, verbose: .silent)  // warm-up
    var rates: [Double] = []
    for _ in 0..<timedEpochs {
        let t = try seconds { _ = try model.fit(x: x, y: y, epochs: 1, batchSize: batch, verbose: .silent) }
        rates.append(Double(samples) / t)
    }
    let rate = median(rates)
    print(#"{"framework": "kiln", "workload": "seed_mlp_train", "batch": \#(batch), "samples_per_s": \#(Int(rate)), "gflops": \#(String(format: "%.2f", rate * flopsPerSample / 1e9)), "epochs_timed": \#(timedEpochs), "min": \#(Int(rates.min()!)), "max": \#(Int(rates.max()!))}"#)
}

// The runtime's own packed sgemm at 1024^3, for scale (the peak reference is OpenBLAS, in anchors.py).
func sgemmGflops() -> Double {
    let n = 1024
    var a = [Float](repeating: 0, count: n * n), b = a, c = a
    for i in 0..<(n * n) { a[i] = Float(i % 17) * 0.01; b[i] = Float(i % 13) * 0.01 }
    kiln_sgemm_nn(&c, a, b, Int32(n), Int32(n), Int32(n), 0)
    let times = (0..<5).map { _ in seconds { kiln_sgemm_nn(&c, a, b, Int32(n), Int32(n), Int32(n), 0) } }
    return 2 * pow(Double(n), 3) / median(times) / 1e9
}

/// Data generators: the same samples as 4 CSV files, streamed through a 4,096-row buffer; from the
/// CSV each epoch (text parsing on the reader thread), and from the cache file after the first.
@MainActor func runStream() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-stream-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var files: [URL] = []
    for part in 0..<4 {
        var text = ""
        text.reserveCapacity(samples / 4 * 1400)
        for row in (part * samples / 4)..<((part + 1) * samples / 4) {
            text += xs[(row * 128)..<((row + 1) * 128)].map { "\($0)" }.joined(separator: ",") + ",\(ys[row])\n"
        }
        let url = directory.appendingPathComponent("part\(part).csv")
        try text.write(to: url, atomically: false, encoding: .utf8)
        files.append(url)
    }
    let model = SeedMLP32(seed: 1)
    _ = try model.fit(x: x, y: y, epochs: 1, batchSize: 32, shuffle: false, verbose: .silent)  // warm-up
    let parsed = try CSVBatchStream(files: files, bufferRows: 4096)
    let cached = try CSVBatchStream(files: files, bufferRows: 4096, cacheFile: directory.appendingPathComponent("rows.cache"))
    _ = try model.fit(cached, epochs: 1, batchSize: 32, verbose: .silent)  // the first pass writes the cache
    // Epochs interleaved (in memory, from the CSV, from the cache) so that drift hits all three.
    var memory: [Double] = [], fromCSV: [Double] = [], fromCache: [Double] = []
    for _ in 0..<timedEpochs {
        memory.append(try seconds { _ = try model.fit(x: x, y: y, epochs: 1, batchSize: 32, shuffle: false, verbose: .silent) })
        fromCSV.append(try seconds { parsed.rewind(); _ = try model.fit(parsed, epochs: 1, batchSize: 32, verbose: .silent) })
        fromCache.append(try seconds { cached.rewind(); _ = try model.fit(cached, epochs: 1, batchSize: 32, verbose: .silent) })
    }
    let inMemory = Double(samples) / median(memory)
    for (name, times, stream) in [("seed_mlp_stream", fromCSV, parsed), ("seed_mlp_stream_cached", fromCache, cached)] {
        let rate = Double(samples) / median(times)
        print(#"{"framework": "kiln", "workload": "\#(name)", "batch": 32, "samples_per_s": \#(Int(rate)), "in_memory_samples_per_s": \#(Int(inMemory)), "ratio_to_in_memory": \#(String(format: "%.3f", rate / inMemory)), "buffer_rows": 4096, "peak_buffered_rows": \#(stream.peakBufferedRows), "epochs_timed": \#(timedEpochs)}"#)
    }
}

do {
    try run(SeedMLP32(seed: 1), batch: 32)
    try run(SeedMLP256(seed: 1), batch: 256)
    try runStream()
    print(#"{"framework": "kiln", "workload": "sgemm_1024", "gflops": \#(String(format: "%.1f", sgemmGflops())), "threads": \#(kiln_get_num_threads())}"#)
} catch {
    FileHandle.standardError.write(Data("kiln-bench: \(error)\n".utf8))
    exit(1)
}
