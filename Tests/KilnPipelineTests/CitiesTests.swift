import XCTest
import KilnData
import KilnPipelines

/// The lecture's cities DataFrame; expected values are what pyspark 4.0.1 prints for the same
/// calls (see Tests/PySpark for the automated comparison of every spec).
final class CitiesTests: XCTestCase {
    func testLectureOperations() throws {
        for threads in [1, 2] {
            let printed = Printed()
            let result = try Cities.run(context: PipelineContext(threads: threads, output: { printed.append($0) }))
            // df.show() of the lecture, as pyspark 4 prints it.
            XCTAssertTrue(printed.text.hasPrefix("""
                +-------------+-----+------+
                |     location|state|rating|
                +-------------+-----+------+
                |Mountain View|   CA|     8|
                |    San Diego|   CA|     6|

                """), printed.text)
            XCTAssertEqual(result.locations.rows.map(\.location), ["Mountain View", "San Diego", "Sacramento", "Seattle", "Los Angeles", "Miami", "Washington"])
            XCTAssertEqual(result.byLocation.rows.map(\.location), ["Los Angeles", "Miami", "Mountain View", "Sacramento", "San Diego", "Seattle", "Washington"])
            XCTAssertEqual(result.inCalifornia.rows.map(\.location), ["Mountain View", "San Diego", "Sacramento", "Los Angeles"])
            let totals = Dictionary(uniqueKeysWithValues: result.totals.rows.map { ($0.location!, $0.sum_rating!) })
            XCTAssertEqual(totals, ["Mountain View": 8, "San Diego": 6, "Sacramento": 5, "Seattle": 3, "Los Angeles": 8, "Miami": 2, "Washington": 10])
            let joined = Set(result.joined.rows.map { "\($0.location ?? "NULL") \($0.state ?? "NULL") \($0.rating.map(String.init) ?? "NULL") \($0.population.map(String.init) ?? "NULL")" })
            XCTAssertEqual(joined, ["Miami FL 2 442241", "Seattle WA 3 NULL", "Boston NULL NULL 650706"])
        }
    }
}
