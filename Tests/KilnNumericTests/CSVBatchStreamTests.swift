import Foundation
import XCTest
import KilnGenerated
import KilnRuntime

/// Data generators: fit, evaluate and predict on CSV files streamed through a bounded buffer, held
/// to the in-memory calls on the same batches (the seed MLP, SeedRegressor: 128 features, 1 target).
final class CSVBatchStreamTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Rows of 128 features and a target, split over files of `sizes` rows; returns the files and
    /// the same data in memory.
    func writeFiles(_ sizes: [Int], seed: UInt64 = 1, header: Bool = false) throws -> (files: [URL], x: Tensor, y: Tensor) {
        var rng = SplitMixTestRandom(state: seed)
        var xs: [Float] = [], ys: [Float] = [], files: [URL] = []
        for (index, size) in sizes.enumerated() {
            var text = header ? (0..<128).map { "f\($0)" }.joined(separator: ",") + ",target\n" : ""
            for _ in 0..<size {
                let row = (0..<128).map { _ in rng.uniform() }, target = rng.uniform()
                xs += row
                ys.append(target)
                text += row.map { "\($0)" }.joined(separator: ",") + ",\(target)\n"
            }
            let url = directory.appendingPathComponent("part\(index).csv")
            try text.write(to: url, atomically: true, encoding: .utf8)
            files.append(url)
        }
        return (files, Tensor(shape: [ys.count, 128], scalars: xs), Tensor(shape: [ys.count, 1], scalars: ys))
    }

    func testStreamingFitEqualsInMemoryFitOnTheSameBatches() throws {
        let (files, x, y) = try writeFiles([100, 70, 30], header: true)
        let inMemory = SeedRegressor(seed: 3), streamed = SeedRegressor(seed: 3)
        let expected = try inMemory.fit(x: x, y: y, epochs: 2, shuffle: false, verbose: .silent)
        let stream = try CSVBatchStream(files: files, hasHeader: true, bufferRows: 16)
        let history = try streamed.fit(stream, epochs: 2, verbose: .silent)
        XCTAssertEqual(streamed.parameters, inMemory.parameters)
        XCTAssertEqual(history.history["loss"], expected.history["loss"])
        XCTAssertEqual(streamed.iterations, 14)  // 200 rows in batches of 32, twice
        XCTAssertLessThanOrEqual(stream.peakBufferedRows, 16)

        stream.rewind()
        let evaluated = try streamed.evaluate(stream)
        XCTAssertEqual(evaluated.loss, try streamed.evaluate(x: x, y: y).loss, accuracy: 1e-6)
        stream.rewind()
        XCTAssertEqual(try streamed.predict(stream).scalars, try streamed.predict(x).scalars)
    }

    /// cacheFile (tf.data's cache): later passes read the first pass's rows, not the CSV.
    func testCacheFileServesLaterPasses() throws {
        let (files, x, y) = try writeFiles([80, 50])
        let cache = directory.appendingPathComponent("rows.cache")
        let inMemory = SeedRegressor(seed: 8), streamed = SeedRegressor(seed: 8)
        _ = try inMemory.fit(x: x, y: y, epochs: 3, shuffle: false, verbose: .silent)
        var stream: CSVBatchStream? = try CSVBatchStream(files: files, bufferRows: 20, cacheFile: cache)
        _ = try streamed.fit(stream!, epochs: 1, verbose: .silent)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache.path))
        XCTAssertEqual(try Data(contentsOf: cache).count, 130 * 129 * 4)
        for file in files { try FileManager.default.removeItem(at: file) }  // the cache alone from here on
        stream!.rewind()
        _ = try streamed.fit(stream!, epochs: 2, verbose: .silent)
        XCTAssertEqual(streamed.parameters, inMemory.parameters)
        stream = nil
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.path))
    }

    /// steps_per_epoch: an epoch is that many batches; the stream goes on across epochs and starts
    /// the files again when they run out.
    func testStepsPerEpochContinuesAcrossEpochsAndLoops() throws {
        let (files, x, y) = try writeFiles([90, 40])  // 130 rows: batches of 32, 32, 32, 32, 2
        let streamed = SeedRegressor(seed: 4), stepped = SeedRegressor(seed: 4)
        let history = try streamed.fit(try CSVBatchStream(files: files, bufferRows: 50), epochs: 3, stepsPerEpoch: 4, verbose: .silent)
        XCTAssertEqual(history.epoch, [0, 1, 2])
        XCTAssertEqual(streamed.iterations, 12)
        let starts = [0, 32, 64, 96, 128, 0, 32, 64, 96, 128, 0, 32]
        for start in starts {
            let end = min(start + 32, 130)
            _ = try stepped.trainOnBatch(x: x.rows(start..<end), y: y.rows(start..<end))
        }
        XCTAssertEqual(streamed.parameters, stepped.parameters)
    }

    /// shuffleWindow: every row once per pass, in a seeded order that is not the files' order.
    func testShuffleWindowGivesASeededPermutation() throws {
        let (files, x, _) = try writeFiles([120, 80])
        func rows(seed: UInt64) throws -> [[Float]] {
            let stream = try CSVBatchStream(files: files, bufferRows: 32, shuffleWindow: 50, seed: seed)
            var out: [[Float]] = []
            let xs = UnsafeMutablePointer<Float>.allocate(capacity: 7 * 128), ys = UnsafeMutablePointer<Float>.allocate(capacity: 7)
            defer { xs.deallocate(); ys.deallocate() }
            while case let n = try stream.next(maxRows: 7, features: 128, x: xs, y: ys), n > 0 {
                for r in 0..<n { out.append(Array(UnsafeBufferPointer(start: xs + r * 128, count: 128))) }
            }
            return out
        }
        let original = (0..<200).map { Array(x.scalars[($0 * 128)..<(($0 + 1) * 128)]) }
        let shuffled = try rows(seed: 9)
        XCTAssertEqual(shuffled.count, 200)
        XCTAssertEqual(Set(shuffled.map { $0.map(\.bitPattern) }), Set(original.map { $0.map(\.bitPattern) }))
        XCTAssertNotEqual(shuffled, original)
        XCTAssertEqual(try rows(seed: 9), shuffled)
        XCTAssertNotEqual(try rows(seed: 10), shuffled)
    }

    /// A malformed line mid-stream: `.stop` ends fit with its file, line and column; `.skip` trains
    /// on every other row and lists the line.
    func testMalformedLineStopsOrIsSkippedWithItsFileAndLine() throws {
        let (files, _, _) = try writeFiles([60, 60])
        var lines = try String(contentsOf: files[1], encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var fields = lines[4].split(separator: ",").map(String.init)
        fields[2] = "n/a"
        lines[4] = fields.joined(separator: ",")
        try lines.joined(separator: "\n").write(to: files[1], atomically: true, encoding: .utf8)
        let message = "\(files[1].path):5:3: expected a finite number, received 'n/a'"

        let stopped = SeedRegressor(seed: 5)
        XCTAssertThrowsError(try stopped.fit(try CSVBatchStream(files: files, bufferRows: 8), epochs: 1, verbose: .silent)) { error in
            XCTAssertEqual("\(error)", message)
        }
        XCTAssertEqual(stopped.iterations, 2)  // rows 0-63 trained; the bad line is row 64, in the third batch

        let skipping = SeedRegressor(seed: 5)
        let stream = try CSVBatchStream(files: files, bufferRows: 8, badLines: .skip)
        _ = try skipping.fit(stream, epochs: 1, verbose: .silent)
        XCTAssertEqual(stream.skippedLines, [message])
        XCTAssertEqual(skipping.iterations, 4)  // 119 rows
    }

    func testLinesOfTheWrongWidthAreAnError() throws {
        let url = directory.appendingPathComponent("narrow.csv")
        try "1,2,3\n4,5,6\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SeedRegressor(seed: 1).fit(try CSVBatchStream(files: [url]), verbose: .silent)) { error in
            XCTAssertEqual("\(error)", "\(url.path): lines hold 2 features before 1 label; the model takes 128")
        }
        let ragged = directory.appendingPathComponent("ragged.csv")
        try "1,2,3\n4,5\n".write(to: ragged, atomically: true, encoding: .utf8)
        let stream = try CSVBatchStream(files: [ragged])
        let xs = UnsafeMutablePointer<Float>.allocate(capacity: 4), ys = UnsafeMutablePointer<Float>.allocate(capacity: 2)
        defer { xs.deallocate(); ys.deallocate() }
        XCTAssertThrowsError(try stream.next(maxRows: 2, features: 2, x: xs, y: ys)) { error in
            XCTAssertEqual("\(error)", "\(ragged.path):2: expected 3 values as on the first data line, received 2")
        }
    }

    /// Data many times the buffer: the read-ahead never holds more than bufferRows rows.
    func testBufferStaysBoundedOverDataMuchLargerThanIt() throws {
        let (files, _, _) = try writeFiles([2000, 1000])
        let stream = try CSVBatchStream(files: files, bufferRows: 64, shuffleWindow: 100, seed: 2)
        let model = SeedRegressor(seed: 6)
        _ = try model.fit(stream, epochs: 1, verbose: .silent)
        XCTAssertEqual(model.iterations, 94)  // 3,000 rows in batches of 32
        XCTAssertGreaterThan(stream.peakBufferedRows, 0)
        XCTAssertLessThanOrEqual(stream.peakBufferedRows, 64)
    }
}

/// Deterministic floats for the test files (SplitMix64).
struct SplitMixTestRandom {
    var state: UInt64
    mutating func uniform() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 24) * 2 - 1
    }
}
