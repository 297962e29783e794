// Kiln's side of bench/pipelines: the generated pipelines on the benchmark data, one JSON line per
// measurement (the contract of bench/pipelines/README.md).
// Usage: kiln-pipeline-bench DIR WORKLOAD [--repeats N] [--warmup W]; WORKLOAD: wordcount | csv | csv_<op>
import Foundation
import BenchPipelines
import KilnData

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func emit(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    // One write per line: the harness reads lines as they come to measure memory per phase.
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

/// `--name N` from the arguments (removed from them), or the default.
func option(_ name: String, in arguments: inout [String], default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let parsed = Int(arguments[index + 1]) else { return value }
    arguments.removeSubrange(index...(index + 1))
    return parsed
}
var arguments = Array(CommandLine.arguments.dropFirst())
let repeats = option("--repeats", in: &arguments, default: 5), warmup = option("--warmup", in: &arguments, default: 1)
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: kiln-pipeline-bench DIR WORKLOAD [--repeats N] [--warmup W]\n".utf8))
    exit(2)
}
let directory = URL(fileURLWithPath: arguments[0]), workload = arguments[1]
let context = PipelineContext()

/// The CSV workloads from one pipeline: its steps are timed apart (load = reading both files,
/// then each operation on the loaded table).
func csv(_ workload: String) throws {
    let cities = directory.appendingPathComponent("cities.csv").path, locations = directory.appendingPathComponent("locations.csv").path
    context.recordsSteps = true
    var result: CitiesCSV.Result?
    var times: [String: [Double]] = [:]
    for run in 0..<(warmup + repeats) {
        result = nil  // the previous run's tables are freed first (the contract)
        result = try CitiesCSV.run(cities: cities, locations: locations, context: context)
        guard run >= warmup else { continue }
        for (step, seconds) in context.stepTimes { times[step, default: []].append(seconds) }
    }
    let r = result!
    // Step names -> the harness's workloads; the join is its hash table plus the probing stage.
    func steps(_ names: [String]) -> [Double] { (0..<repeats).map { i in names.reduce(0) { $0 + (times[$1]?[i] ?? 0) } } }
    let perLocation = r.perLocation.rows
    let ops: [(String, [String], [String: Any])] = [
        ("csv_load", ["table", "places"], ["rows": r.joinedCount >= 0 ? rowsRead(r) : 0, "locations_rows": 1010]),
        ("csv_filter_count", ["californiaCount"], ["count": r.californiaCount]),
        ("csv_groupby_agg", ["perLocation"], ["groups": perLocation.count,
                                             "sum_rating_total": perLocation.reduce(Int64(0)) { $0 + ($1.sum_rating ?? 0) },
                                             "count_total": perLocation.reduce(Int64(0)) { $0 + $1.count_1 },
                                             "avg_price_sum": (perLocation.reduce(0.0) { $0 + ($1.avg_price ?? 0) } * 1e6).rounded() / 1e6]),
        ("csv_sort_top10", ["top10"], ["prices": r.top10.rows.map { (($0.price ?? 0) * 100).rounded() / 100 }]),
        ("csv_right_join_count", ["joined (hash table)", "joinedCount"], ["count": r.joinedCount]),
    ]
    for (name, stepNames, check) in ops where workload == "csv" || workload == name || (name == "csv_load") {
        let runs = steps(stepNames)
        var fields: [String: Any] = ["workload": name, "seconds": median(runs), "runs": runs, "warmup_runs": warmup, "threads": context.threads, "check": check]
        // Every step ran in csv_load's runs: its memory and noise are that phase's.
        if name != "csv_load" { fields["same_runs_as"] = "csv_load" }
        emit(fields)
    }
}

/// Rows of the big table: every CA row plus the others, from the aggregate's counts.
func rowsRead(_ r: CitiesCSV.Result) -> Int64 { r.perLocation.rows.reduce(Int64(0)) { $0 + $1.count_1 } }

do {
    switch workload {
    case "wordcount":
        let path = directory.appendingPathComponent("words.txt").path
        var result: WordCount.Result?
        var runs: [Double] = []
        for run in 0..<(warmup + repeats) {
            result = nil
            let time = try seconds { result = try WordCount.run(path: path, context: context) }
            if run >= warmup { runs.append(time) }
        }
        let rows = result!.counts.rows
        let total = rows.reduce(Int64(0)) { $0 + $1._2 }
        let top = rows.sorted { $0._2 != $1._2 ? $0._2 > $1._2 : $0._1 < $1._1 }.prefix(5)
        emit(["workload": "wordcount", "seconds": median(runs), "runs": runs, "warmup_runs": warmup, "threads": context.threads,
              "check": ["distinct": rows.count, "total": total, "top5": top.map { [$0._1, $0._2] as [Any] }]])
    case "csv", "csv_load", "csv_filter_count", "csv_groupby_agg", "csv_sort_top10", "csv_right_join_count":
        try csv(workload)
    default:
        FileHandle.standardError.write(Data("kiln-pipeline-bench: unknown workload \(workload)\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("kiln-pipeline-bench: \(error)\n".utf8))
    exit(1)
}
