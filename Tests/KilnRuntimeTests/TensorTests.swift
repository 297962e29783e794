import XCTest
@testable import KilnRuntime

final class TensorTests: XCTestCase {
    func testInitialisersShapes() {
        let rows: [(Tensor, [Int], [Float])] = [
            (Tensor([[1, 2, 3], [4, 5, 6]]), [2, 3], [1, 2, 3, 4, 5, 6]),
            (Tensor([7, 8]), [2], [7, 8]),
            (Tensor(column: [7, 8]), [2, 1], [7, 8]),
            (Tensor(repeating: 0.5, shape: [2, 2]), [2, 2], [0.5, 0.5, 0.5, 0.5]),
            (Tensor([[Float]]()), [0, 0], []),
            (Tensor(shape: [], scalars: [3]), [], [3]),
        ]
        for (tensor, shape, scalars) in rows {
            XCTAssertEqual(tensor.shape, shape)
            XCTAssertEqual(tensor.scalars, scalars)
        }
    }

    func testRowsAndElements() {
        var t = Tensor(shape: [3, 2, 2], scalars: (0..<12).map(Float.init))
        XCTAssertEqual(t.rows, 3)
        XCTAssertEqual(t.count, 3)
        XCTAssertEqual(t.sampleSize, 4)
        XCTAssertEqual(t.row(1), [4, 5, 6, 7])
        XCTAssertEqual(t.rows(1..<3), Tensor(shape: [2, 2, 2], scalars: (4..<12).map(Float.init)))
        XCTAssertEqual(t[2, 1, 0], 10)
        t[0, 0, 1] = -1
        XCTAssertEqual(t.scalars[1], -1)
        XCTAssertEqual(t.reshaped([3, 4]).row(2), [8, 9, 10, 11])
        XCTAssertEqual(Tensor(column: [1, 2, 3]).sampleSize, 1)
        XCTAssertEqual(Tensor([1, 2, 3]).sampleSize, 1)
    }
}
