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
}
