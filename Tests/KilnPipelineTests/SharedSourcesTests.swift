import XCTest
import KilnData
import KilnPipelines

/// specs/SharedSources: each source kind feeds a count and a filter, so it is loaded once and
/// read twice (a text file loaded whole used to be read as line batches and trap). The
/// PySpark lane holds every output to Spark; these are the counts that need no Spark.
final class SharedSourcesTests: XCTestCase {
    func testEverySourceKindFeedsTwoSteps() throws {
        let data = PipelineCasesTests.root.appendingPathComponent("Tests/PySpark/data")
        for threads in [1, 2] {
            let result = try SharedSources.run(textPath: data.appendingPathComponent("words.txt").path,
                                               csvPath: data.appendingPathComponent("sales.csv").path,
                                               jsonPath: data.appendingPathComponent("stores.jsonl").path,
                                               context: PipelineContext(threads: threads))
            XCTAssertEqual(result.lineCount, 5)
            XCTAssertEqual(result.longLines.rows.map(\.value), ["The cat  saw the\tdog"])
            XCTAssertEqual(result.salesCount, 10)
            XCTAssertEqual(Set(result.pricey.rows.map(\.price)), [12.5, 19.99, 1000])
            XCTAssertEqual(result.storeCount, 6)
            XCTAssertEqual(result.cityCount, 3)
            XCTAssertEqual(result.rated.rows.map(\.location), ["Mountain View", "Seattle"])
            XCTAssertEqual(result.numberCount, 5)
            XCTAssertEqual(result.odd.rows.map(\.value), [1, 3, 5])
        }
    }
}
