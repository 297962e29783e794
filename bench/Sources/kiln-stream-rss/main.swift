// Streaming fit's memory: writes ROWS seed-MLP samples as 4 CSV files (row by row: the process
// never holds the data set), trains one epoch from them through a 4,096-row buffer, and prints
// the files' size beside the process's peak RSS. Usage: kiln-stream-rss [ROWS, default 262144]
import Foundation
import BenchModels

/// A /proc/self/status field in kB (VmHWM: peak resident set; VmRSS: now).
func status(_ field: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return -1 }
    return Int(line.split(separator: " ").dropFirst().first { !$0.isEmpty }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "") ?? -1
}

let rows = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 262_144 : 262_144
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-stream-rss-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
var rng = SplitMix64(seed: 2026)
let w = (0..<128).map { _ in Float(rng.nextGaussian()) / Float(128).squareRoot() }
var files: [URL] = [], bytes = 0
for part in 0..<4 {
    let url = directory.appendingPathComponent("part\(part).csv")
    FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    var chunk = ""
    for _ in 0..<(rows / 4) {
        let row = (0..<128).map { _ in Float(rng.nextGaussian()) }
        let label = tanh(zip(row, w).map(*).reduce(0, +)) + 0.05 * Float(rng.nextGaussian())
        chunk += row.map { "\($0)" }.joined(separator: ",") + ",\(label)\n"
        if chunk.utf8.count > 1 << 20 { bytes += chunk.utf8.count; handle.write(Data(chunk.utf8)); chunk = "" }
    }
    bytes += chunk.utf8.count
    handle.write(Data(chunk.utf8))
    try handle.close()
    files.append(url)
}
// Reset the peak (Linux: "5" to clear_refs), so that VmHWM below is the fit's alone.
try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
let before = status("VmRSS"), peakBefore = status("VmHWM")
let model = SeedMLP32(seed: 1)
let stream = try CSVBatchStream(files: files, bufferRows: 4096)
let start = DispatchTime.now().uptimeNanoseconds
let history = try model.fit(stream, epochs: 1, batchSize: 32, verbose: .silent)
let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
print(#"{"framework": "kiln", "workload": "seed_mlp_stream_rss", "rows": \#(rows), "file_mb": \#(bytes / 1_000_000), "buffer_rows": 4096, "buffer_mb": \#(String(format: "%.1f", Double(4096 * 129 * 4) / 1e6)), "peak_buffered_rows": \#(stream.peakBufferedRows), "rss_before_fit_mb": \#(before / 1000), "peak_rss_before_fit_mb": \#(peakBefore / 1000), "peak_rss_mb": \#(status("VmHWM") / 1000), "samples_per_s": \#(Int(Double(rows) / seconds)), "loss": \#(history.history["loss"]!.last!)}"#)
