import XCTest
import KilnData
import KilnPipelines

/// specs/SparkParity.pipeline.yaml: where Kiln once differed from Spark (issue 7). Expected
/// values are pyspark 4.0.1's; the PySpark lane (case spark-parity) compares every output.
final class SparkParityTests: XCTestCase {
    func testWhatSparkGives() throws {
        for threads in [1, 2] {
            let printed = Printed()
            let malformed = PipelineCasesTests.root.appendingPathComponent("Tests/PySpark/data/malformed.csv").path
            let malformedJSON = PipelineCasesTests.root.appendingPathComponent("Tests/PySpark/data/malformed.jsonl").path
            let result = try SparkParity.run(malformedPath: malformed, malformedJSONPath: malformedJSON, context: PipelineContext(threads: threads, output: { printed.append($0) }, warning: { _ in }))
            // count() of a DROPMALFORMED CSV source counts every record, as Spark's (which
            // parses no field for it); the rows are only the well-formed ones.
            XCTAssertEqual(result.malformedCount, 8)
            XCTAssertEqual(result.wellFormed.rows.map { $0.name ?? "" }.sorted(), ["t", "v", "x"])
            // JSON: the records that are JSON objects count (x, y, z, a, b, w), type errors or not.
            XCTAssertEqual(result.malformedJSONCount, 6)
            XCTAssertEqual(result.wellFormedJSON.rows.map { $0.name ?? "" }.sorted(), ["a", "b", "x", "z"])
            // agg({'qty': 'sum', 'price': 'max'}): max(price), sum(qty), either way round.
            XCTAssertEqual(result.totals.frame.schema.names, ["region", "max(price)", "sum(qty)"])
            XCTAssertEqual(result.totalsReversed.frame.schema.names, ["region", "max(price)", "sum(qty)"])
            XCTAssertEqual(result.everyNumber.frame.schema.names, ["count(1)", "sum(qty2)", "avg(price)", "max(qty)", "count(region)"])
            // Spark's (ICU's) lowercase: the final sigma.
            let lowered = Dictionary(uniqueKeysWithValues: result.cased.rows.map { ($0.text!, $0.lowered!) })
            XCTAssertEqual(lowered["ΟΔΟΣ"], "οδος")
            XCTAssertEqual(lowered["ΌΣΟΣ-ΣΑΣ"], "όσος-σας")
            XCTAssertEqual(lowered["Σ"], "σ")
            XCTAssertEqual(result.cased.rows.first { $0.text == "straße" }?.uppered, "STRASSE")
            // -0.0 groups as 0.0 (and is shown so), all NaNs as one group.
            let groups = result.byReading.rows.sorted { ($0.x ?? 0) < ($1.x ?? 0) || ($1.x?.isNaN ?? false) }
            XCTAssertEqual(groups.count, 3)
            XCTAssertEqual(groups.map(\.count_1).sorted(), [1, 2, 3])
            for row in result.byReading.rows where row.x == 0 { XCTAssertEqual(row.x?.sign, .plus); XCTAssertEqual(row.count_1, 3) }
            XCTAssertEqual(result.uniqueReadings.rows.count, 3)
            XCTAssertFalse(printed.text.contains("-0.0"), printed.text)
            // A join whose sides share `name` keeps both columns (the row's second is name_2).
            XCTAssertEqual(result.paired.frame.schema.names, ["region", "name", "size", "name"])
            XCTAssertEqual(Set(result.paired.rows.map { "\($0.region ?? "-") \($0.name ?? "-") \($0.name_2 ?? "-")" }),
                           ["east Ann Dee", "west Bob Eve", "south Cy -", "north - Fay"])
            XCTAssertTrue(printed.text.contains("|region|name|size|name|"), printed.text)
            XCTAssertEqual(result.pairedSizes.frame.schema.names, ["region", "size"])
            XCTAssertEqual(result.bigStores.rows.count, 2)
            // sortBy "(-_2, _1)": counts descending, ties by word.
            XCTAssertEqual(result.ranked.rows.map { "\($0._1)\($0._2)" }, ["a3", "b2", "c2", "d2", "e1"])
        }
    }
}
