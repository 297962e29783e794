import CKilnRuntime
import XCTest

final class CRuntimeGemmTests: XCTestCase {
    typealias Gemm = (UnsafeMutablePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?, Int32, Int32, Int32, Int32) -> Void

    // (name, fast, reference); operand shapes: nn A (M,K) B (K,N); tn A (K,M) B (K,N); nt A (M,K) B (N,K).
    static var variants: [(String, Gemm, Gemm)] { [
        ("nn", kiln_sgemm_nn, kiln_sgemm_nn_ref),
        ("tn", kiln_sgemm_tn, kiln_sgemm_tn_ref),
        ("nt", kiln_sgemm_nt, kiln_sgemm_nt_ref),
    ] }

    // (M, N, K): tiny, the seed MLP's layers (forward and both backward products), ragged tails, multi-block.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (32, 10, 128), (32, 1, 10), (128, 10, 32), (32, 128, 10), (7, 33, 65),
        (17, 100, 300), (200, 300, 150), (3, 513, 2),
    ]

    override func tearDown() {
        kiln_gemm_set_isa(99)  // back to the best level
        kiln_set_num_threads(2)
    }

    /// Runs fast and reference on the same inputs (C pre-filled so accumulate matters); returns max |diff| / tol.
    func compare(_ fast: Gemm, _ ref: Gemm, m: Int, n: Int, k: Int, accumulate: Int32, seed: UInt64) -> Float {
        var rng = TestRandom(seed: seed)
        let a = rng.array(m * k), b = rng.array(k * n), c0 = rng.array(m * n)
        var got = c0, want = c0
        fast(&got, a, b, Int32(m), Int32(n), Int32(k), accumulate)
        ref(&want, a, b, Int32(m), Int32(n), Int32(k), accumulate)
        let tol = 1e-5 + 2e-6 * Float(k)  // float accumulation of k products of |x| < 1
        return zip(got, want).map { abs($0 - $1) / tol }.max() ?? 0
    }

    func testEveryISAMatchesReferenceOnShapeTable() {
        let best = kiln_gemm_set_isa(99)
        for level in 0...best {
            XCTAssertEqual(kiln_gemm_set_isa(level), level)
            let isa = String(cString: kiln_gemm_isa_name())
            for (mi, (m, n, k)) in Self.shapes.enumerated() {
                for (name, fast, ref) in Self.variants {
                    for accumulate: Int32 in [0, 1] {
                        let worst = compare(fast, ref, m: m, n: n, k: k, accumulate: accumulate, seed: UInt64(mi * 7 + 1))
                        XCTAssertLessThanOrEqual(worst, 1, "\(isa) \(name) \(m)x\(n)x\(k) accumulate=\(accumulate)")
                    }
                }
            }
        }
    }

    func testLargeMultiThreadedMatchesReference() {
        for threads: Int32 in [1, 2, 3] {
            kiln_set_num_threads(threads)
            XCTAssertEqual(kiln_get_num_threads(), threads)
            for (name, fast, ref) in Self.variants {
                let accumulate = Int32(threads % 2)
                let (m, n, k) = threads == 2 ? (512, 512, 512) : (300, 130, 260)
                let worst = compare(fast, ref, m: m, n: n, k: k, accumulate: accumulate, seed: 99)
                XCTAssertLessThanOrEqual(worst, 1, "\(name) \(m)x\(n)x\(k) threads=\(threads)")
            }
        }
    }

    func testZeroDepthClearsOrKeepsC() {
        var c: [Float] = [1, 2, 3, 4]
        let dummy: [Float] = [0]
        kiln_sgemm_nn(&c, dummy, dummy, 2, 2, 0, 1)
        XCTAssertEqual(c, [1, 2, 3, 4])
        kiln_sgemm_nn(&c, dummy, dummy, 2, 2, 0, 0)
        XCTAssertEqual(c, [0, 0, 0, 0])
    }

    func testHandComputedProduct() {
        // [[1,2],[3,4]] . [[5,6],[7,8]] = [[19,22],[43,50]]
        var c = [Float](repeating: 0, count: 4)
        kiln_sgemm_nn(&c, [1, 2, 3, 4], [5, 6, 7, 8], 2, 2, 2, 0)
        XCTAssertEqual(c, [19, 22, 43, 50])
        kiln_sgemm_tn(&c, [1, 3, 2, 4], [5, 6, 7, 8], 2, 2, 2, 1)  // A^T = [[1,2],[3,4]]; adds the same product
        XCTAssertEqual(c, [38, 44, 86, 100])
    }

    func testThreadCountClampsToAtLeastOne() {
        kiln_set_num_threads(0)
        XCTAssertEqual(kiln_get_num_threads(), 1)
        kiln_set_num_threads(5)
        XCTAssertEqual(kiln_get_num_threads(), 5)
    }
}
