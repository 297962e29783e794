import Foundation
import XCTest
import KilnData
import KilnPipelines

final class WordCountTests: XCTestCase {
    func testCountsWordsCaseInsensitively() throws {
        let path = NSTemporaryDirectory() + "kiln-wc-\(UUID().uuidString).txt"
        try Data("The cat  saw the\tdog\nthe Dog\r\nCAT!\n\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for threads in [1, 2, 3] {
            let result = try WordCount.run(path: path, context: PipelineContext(threads: threads))
            let counts = Dictionary(uniqueKeysWithValues: result.counts.rows.map { ($0._1, $0._2) })
            XCTAssertEqual(counts, ["the": 3, "cat": 1, "saw": 1, "dog": 2, "cat!": 1], "threads \(threads)")
        }
    }

    /// More distinct words than a table keeps in cache (16K groups): rows go through the
    /// staging ring, whose counts must equal a dictionary's.
    func testCountsManyDistinctWords() throws {
        var state: UInt64 = 2026
        func next() -> UInt64 {  // a linear congruential generator: reproducible, no dependency
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var text = "", expected: [String: Int64] = [:]
        for line in 0..<12_000 {
            let words = (0..<(1 + Int(next() % 12))).map { _ -> String in
                // Half the words from a small set (repeated), half nearly unique; some over 48 bytes.
                let id = next() % 2 == 0 ? next() % 300 : next() % 200_000
                let word = "W\(id)" + (id % 97 == 0 ? String(repeating: "Long", count: 14) : "")
                expected[word.lowercased(), default: 0] += 1
                return word
            }
            text += words.joined(separator: line % 3 == 0 ? "\t" : " ") + "\n"
        }
        XCTAssertGreaterThan(expected.count, 20_000, "the table must outgrow the staging threshold")
        let path = NSTemporaryDirectory() + "kiln-wc-many-\(UUID().uuidString).txt"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for threads in [1, 2] {
            let result = try WordCount.run(path: path, context: PipelineContext(threads: threads))
            let counts = Dictionary(uniqueKeysWithValues: result.counts.rows.map { ($0._1, $0._2) })
            XCTAssertEqual(counts.count, expected.count, "threads \(threads)")
            XCTAssertTrue(counts == expected, "threads \(threads): counts differ")
        }
    }
}
