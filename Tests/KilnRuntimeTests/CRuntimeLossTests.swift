import CKilnRuntime
import Foundation
import XCTest

final class CRuntimeLossTests: XCTestCase {
    typealias Loss = (UnsafeMutablePointer<Float>, [Float], [Float]) -> Float

    static let rows = 4, cols = 5
    static let eps = Double(Float(1e-7)), oneMinusEps = Double(Float(1) - Float(1e-7))  // Keras clips in float32
    static func clip(_ p: Double) -> Double { min(max(p, eps), oneMinusEps) }

    static func rowsOf(_ x: [Double]) -> [[Double]] { stride(from: 0, to: x.count, by: cols).map { Array(x[$0..<$0 + cols]) } }
    static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
    static func logSoftmax(_ r: [Double]) -> [Double] {
        let m = r.max()!
        let lse = m + log(r.map { exp($0 - m) }.reduce(0, +))
        return r.map { $0 - lse }
    }

    // (name, call, Double reference of the batch loss, pred generator, y generator)
    struct Case {
        let name: String
        let call: (UnsafeMutablePointer<Float>, [Float], [Float], Int32, Int32) -> Float
        let reference: ([Double], [Double]) -> Double
        let pred: (inout TestRandom) -> [Float]
        let y: (inout TestRandom) -> [Float]
    }

    static let n = rows * cols
    static var binary: (inout TestRandom) -> [Float] { { rng in (0..<n).map { _ in Float(rng.next() & 1) } } }
    static var logits: (inout TestRandom) -> [Float] { { $0.array(n, -3, 3) } }
    static var probs: (inout TestRandom) -> [Float] { { $0.array(n, 0.05, 0.95) } }

    static var cases: [Case] { [
        Case(name: "mse", call: { kiln_mse_loss($0, $1, $2, $3, $4) },
             reference: { p, y in mean(zip(p, y).map { ($0 - $1) * ($0 - $1) }) },
             pred: { $0.array(n) }, y: { $0.array(n) }),
        Case(name: "mae", call: { kiln_mae_loss($0, $1, $2, $3, $4) },
             reference: { p, y in mean(zip(p, y).map { abs($0 - $1) }) },
             pred: { $0.array(n) }, y: { $0.array(n) }),
        Case(name: "bce probabilities", call: { kiln_binary_crossentropy_loss($0, $1, $2, $3, $4, 0) },
             reference: { p, y in mean(zip(p, y).map { p, t in -(t * log(clip(p)) + (1 - t) * log(1 - clip(p))) }) },
             pred: probs, y: binary),
        Case(name: "bce logits", call: { kiln_binary_crossentropy_loss($0, $1, $2, $3, $4, 1) },
             reference: { x, y in mean(zip(x, y).map { x, t in -(t * log(1 / (1 + exp(-x))) + (1 - t) * log(1 - 1 / (1 + exp(-x)))) }) },
             pred: logits, y: binary),
        Case(name: "cce probabilities", call: { kiln_categorical_crossentropy_loss($0, $1, $2, $3, $4, 0) },
             reference: { p, y in
                 mean(zip(rowsOf(p), rowsOf(y)).map { pr, yr in
                     let s = pr.reduce(0, +)
                     return -zip(pr, yr).map { $1 * log(clip($0 / s)) }.reduce(0, +)
                 })
             },
             pred: probs, y: { rng in rng.array(n, 0, 1) }),  // soft labels exercise the sum(y) terms
        Case(name: "cce logits", call: { kiln_categorical_crossentropy_loss($0, $1, $2, $3, $4, 1) },
             reference: { x, y in
                 mean(zip(rowsOf(x), rowsOf(y)).map { xr, yr in -zip(logSoftmax(xr), yr).map { $0 * $1 }.reduce(0, +) })
             },
             pred: logits, y: { rng in rng.array(n, 0, 1) }),
        Case(name: "sparse cce probabilities", call: { kiln_sparse_categorical_crossentropy_loss($0, $1, $2, $3, $4, 0) },
             reference: { p, y in
                 mean(rowsOf(p).enumerated().map { r, pr in
                     let c = pr.map(clip)
                     return -log(c[Int(y[r])] / c.reduce(0, +))
                 })
             },
             pred: probs, y: { rng in (0..<rows).map { _ in Float(rng.next() % UInt64(cols)) } }),
        Case(name: "sparse cce logits", call: { kiln_sparse_categorical_crossentropy_loss($0, $1, $2, $3, $4, 1) },
             reference: { x, y in mean(rowsOf(x).enumerated().map { r, xr in -logSoftmax(xr)[Int(y[r])] }) },
             pred: logits, y: { rng in (0..<rows).map { _ in Float(rng.next() % UInt64(cols)) } }),
    ] }

    func testValueMatchesReferenceAndGradientMatchesFiniteDifferences() {
        for (index, c) in Self.cases.enumerated() {
            var rng = TestRandom(seed: UInt64(index + 10))
            let pred = c.pred(&rng), y = c.y(&rng)
            var dpred = [Float](repeating: .nan, count: pred.count)
            let loss = c.call(&dpred, pred, y, Int32(Self.rows), Int32(Self.cols))
            let p = pred.map(Double.init), yd = y.map(Double.init)
            let want = c.reference(p, yd)
            XCTAssertEqual(Double(loss), want, accuracy: 1e-6 * max(1, abs(want)), c.name)
            let h = 1e-6
            for i in 0..<p.count {
                var up = p, down = p
                up[i] += h
                down[i] -= h
                let numeric = (c.reference(up, yd) - c.reference(down, yd)) / (2 * h)
                XCTAssertEqual(Double(dpred[i]), numeric, accuracy: 1e-6 + 1e-4 * abs(numeric), "\(c.name) d[\(i)]")
            }
        }
    }

    /// Numbers from the Keras 3 loss docstrings.
    func testKerasDocumentedValues() {
        var d = [Float](repeating: 0, count: 6)
        XCTAssertEqual(kiln_mse_loss(&d, [1, 1, 1, 0], [0, 1, 0, 0], 2, 2), 0.5)
        XCTAssertEqual(kiln_binary_crossentropy_loss(&d, [0.6, 0.4, 0.4, 0.6], [0, 1, 0, 0], 2, 2, 0), 0.815, accuracy: 5e-4)
        let pred: [Float] = [0.05, 0.95, 0, 0.1, 0.8, 0.1]
        XCTAssertEqual(kiln_categorical_crossentropy_loss(&d, pred, [0, 1, 0, 0, 0, 1], 2, 3, 0), 1.177, accuracy: 5e-4)
        XCTAssertEqual(kiln_sparse_categorical_crossentropy_loss(&d, pred, [1, 2], 2, 3, 0), 1.177, accuracy: 5e-4)
    }

    /// Probabilities at 0 and 1 give the clipped, finite loss and no gradient through the clip.
    func testBinaryCrossentropyClipsSaturatedProbabilities() {
        var d = [Float](repeating: .nan, count: 2)
        let loss = kiln_binary_crossentropy_loss(&d, [0, 1], [1, 0], 1, 2, 0)
        XCTAssertEqual(Double(loss), (-log(Self.eps) - log(1 - Self.oneMinusEps)) / 2, accuracy: 1e-4)
        XCTAssertEqual(d, [0, 0])
    }

    func testLogitsPathsAreStableForLargeLogits() {
        var d = [Float](repeating: .nan, count: 3)
        let bce = kiln_binary_crossentropy_loss(&d, [200, -200, 0], [1, 1, 0], 1, 3, 1)
        XCTAssertEqual(Double(bce), (0 + 200 + log(2)) / 3, accuracy: 1e-4)
        let cce = kiln_categorical_crossentropy_loss(&d, [1000, 0, -1000], [0, 1, 0], 1, 3, 1)
        XCTAssertEqual(cce, 1000, accuracy: 1e-3)
        XCTAssertEqual(d, [1, -1, 0])
    }
}
