import CKilnRuntime
import Foundation
import XCTest

final class CRuntimeActivationTests: XCTestCase {
    static let alpha = 0.3  // leaky_relu negative slope
    static let seluScale = 1.0507009873554805, seluAlpha = 1.6732632423543772

    // (name, kiln id, Double reference of one row: Keras 3 definitions)
    static var activations: [(String, kiln_activation, ([Double]) -> [Double])] { [
        ("linear", KILN_LINEAR, { $0 }),
        ("relu", KILN_RELU, { $0.map { max($0, 0) } }),
        ("tanh", KILN_TANH, { $0.map { tanh($0) } }),
        ("sigmoid", KILN_SIGMOID, { $0.map { 1 / (1 + exp(-$0)) } }),
        ("softmax", KILN_SOFTMAX, { row in
            let e = row.map { exp($0) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }),
        ("elu", KILN_ELU, { $0.map { $0 > 0 ? $0 : alpha * (exp($0) - 1) } }),  // alpha: keras.layers.ELU(alpha)
        ("selu", KILN_SELU, { $0.map { $0 > 0 ? seluScale * $0 : seluScale * seluAlpha * (exp($0) - 1) } }),
        ("gelu", KILN_GELU, { $0.map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) } }),
        ("softplus", KILN_SOFTPLUS, { $0.map { log(1 + exp($0)) } }),
        ("leaky_relu", KILN_LEAKY_RELU, { $0.map { $0 > 0 ? $0 : alpha * $0 } }),
    ] }

    let rows = 3, cols = 7

    /// Pre-activations in [-4, 4], kept 0.05 away from the kinks at 0; a bias row.
    func inputs(seed: UInt64) -> (z: [Float], bias: [Float]) {
        var rng = TestRandom(seed: seed)
        let z = rng.array(rows * cols, -4, 4).map { abs($0) < 0.1 ? $0 + 0.2 : $0 }
        return (z, [Float](repeating: 0.05, count: cols))
    }

    func forward(_ z: [Float], _ bias: [Float]?, _ kind: kiln_activation) -> [Float] {
        var y = [Float](repeating: .nan, count: z.count)
        var z = z  // the kernel adds the bias into z in place
        if let bias {
            kiln_bias_act_forward(&y, &z, bias, Int32(rows), Int32(cols), activationID(kind), Float(Self.alpha))
        } else {
            kiln_bias_act_forward(&y, &z, nil, Int32(rows), Int32(cols), activationID(kind), Float(Self.alpha))
        }
        return y
    }

    func rowsOf(_ x: [Double]) -> [[Double]] { stride(from: 0, to: x.count, by: cols).map { Array(x[$0..<$0 + cols]) } }

    func testForwardMatchesDoubleReference() {
        let (z, bias) = inputs(seed: 1)
        for (name, kind, ref) in Self.activations {
            let y = forward(z, bias, kind)
            let zb = z.enumerated().map { Double($0.element) + Double(bias[$0.offset % cols]) }
            let want = rowsOf(zb).flatMap(ref)
            for (got, exp) in zip(y, want) {
                XCTAssertEqual(Double(got), exp, accuracy: 2e-6 * max(1, abs(exp)), name)
            }
            // In place (y aliasing z), without bias, equals the out-of-place result on z + bias.
            var inPlace = zb.map(Float.init)
            inPlace.withUnsafeMutableBufferPointer { p in
                kiln_bias_act_forward(p.baseAddress, p.baseAddress, nil, Int32(rows), Int32(cols), activationID(kind),
                                      Float(Self.alpha))
            }
            XCTAssertEqual(inPlace, forward(zb.map(Float.init), nil, kind), name)
        }
    }

    func testSoftmaxAndSoftplusAreStableForLargeInputs() {
        let z: [Float] = [1000, 1001, 999, -1000, 0, 0, 0] + [Float](repeating: 0, count: 14)
        let y = forward(z, nil, KILN_SOFTMAX)
        XCTAssertEqual(Double(y[1]), 1 / (1 + exp(-1) + exp(-2)), accuracy: 1e-6)
        XCTAssertTrue(y.allSatisfy { $0.isFinite })
        let sp = forward(z, nil, KILN_SOFTPLUS)
        XCTAssertEqual(sp[0], 1000)
        XCTAssertEqual(sp[3], 0)
    }

    /// dz vs central differences of sum(dy * act(z)) in Double, z being the full pre-activation.
    func testBackwardMatchesFiniteDifferences() {
        let (z, _) = inputs(seed: 2)
        var rng = TestRandom(seed: 3)
        let dy = rng.array(rows * cols)
        for (name, kind, ref) in Self.activations {
            let y = forward(z, nil, kind)
            var dz = [Float](repeating: 0, count: z.count)
            kiln_act_backward(&dz, dy, z, y, Int32(rows), Int32(cols), activationID(kind), Float(Self.alpha))
            let zd = z.map(Double.init)
            func objective(_ x: [Double]) -> Double {
                zip(rowsOf(x).flatMap(ref), dy).map { $0 * Double($1) }.reduce(0, +)
            }
            let h = 1e-6
            for i in 0..<z.count {
                var up = zd, down = zd
                up[i] += h
                down[i] -= h
                let numeric = (objective(up) - objective(down)) / (2 * h)
                XCTAssertEqual(Double(dz[i]), numeric, accuracy: 1e-5 + 2e-5 * abs(numeric), "\(name) [\(i)]")
            }
        }
    }

    /// A call over 2^18 floats or more splits its rows over the pool; every element must come out
    /// as a call on each row alone gives it (forward with a bias, and the accumulating backward).
    func testLargeCallsSplitOverThreadsMatchRowByRow() {
        let bigRows = 4_099, bigCols = 67  // above the threshold, rows not a multiple of the tasks
        var rng = TestRandom(seed: 11)
        let z0 = rng.array(bigRows * bigCols, -4, 4), dy = rng.array(bigRows * bigCols, -1, 1), bias = rng.array(bigCols, -0.5, 0.5)
        for (name, kind, _) in Self.activations {
            let id = activationID(kind)
            var z = z0, y = [Float](repeating: 0, count: z0.count)
            kiln_bias_act_forward(&y, &z, bias, Int32(bigRows), Int32(bigCols), id, Float(Self.alpha))
            var dz = [Float](repeating: 0.25, count: z0.count)
            kiln_act_backward(&dz, dy, z, y, Int32(bigRows), Int32(bigCols), id, Float(Self.alpha))
            var zRow = z0, yRow = [Float](repeating: 0, count: z0.count), dzRow = [Float](repeating: 0.25, count: z0.count)
            for r in 0..<bigRows {
                let at = r * bigCols
                zRow.withUnsafeMutableBufferPointer { zp in
                    yRow.withUnsafeMutableBufferPointer { yp in
                        dzRow.withUnsafeMutableBufferPointer { dp in
                            dy.withUnsafeBufferPointer { gp in
                                kiln_bias_act_forward(yp.baseAddress! + at, zp.baseAddress! + at, bias, 1, Int32(bigCols), id, Float(Self.alpha))
                                kiln_act_backward(dp.baseAddress! + at, gp.baseAddress! + at, zp.baseAddress! + at, yp.baseAddress! + at, 1, Int32(bigCols), id, Float(Self.alpha))
                            }
                        }
                    }
                }
            }
            XCTAssertEqual(y, yRow, name)
            XCTAssertEqual(z, zRow, name)
            XCTAssertEqual(dz, dzRow, name)
            // In place with a bias (rows of 64 or more: bias and activation row by row) gives the same y.
            var inPlace = z0
            inPlace.withUnsafeMutableBufferPointer { p in
                kiln_bias_act_forward(p.baseAddress, p.baseAddress, bias, Int32(bigRows), Int32(bigCols), id, Float(Self.alpha))
            }
            XCTAssertEqual(inPlace, y, "\(name) in place")
        }
    }

    func testBackwardAccumulatesIntoDz() {
        let (z, _) = inputs(seed: 4)
        let y = forward(z, nil, KILN_TANH)
        var dz = [Float](repeating: 0.5, count: z.count)
        kiln_act_backward(&dz, [Float](repeating: 1, count: z.count), z, y, Int32(rows), Int32(cols), activationID(KILN_TANH), 0)
        for (d, t) in zip(dz, y) { XCTAssertEqual(d, 0.5 + (1 - t * t), accuracy: 1e-6) }
    }

    func testBiasIsAddedIntoThePreActivation() {
        var z: [Float] = [1, -2, 3, 0]
        var y = [Float](repeating: .nan, count: 4)
        kiln_bias_act_forward(&y, &z, [0.5, 0.5], 2, 2, activationID(KILN_RELU), 0)
        XCTAssertEqual(z, [1.5, -1.5, 3.5, 0.5])
        XCTAssertEqual(y, [1.5, 0, 3.5, 0.5])
    }

    func testBiasBackwardAddsColumnSums() {
        var dbias: [Float] = [1, 1, 1]
        kiln_bias_backward(&dbias, [1, 2, 3, 10, 20, 30], 2, 3)
        XCTAssertEqual(dbias, [12, 23, 34])
    }
}

/// tanh and sigmoid use Kiln's own vectorizable expf (not libm): hold them to float precision
/// over the whole range, including tiny and saturated inputs.
final class CRuntimeFastMathTests: XCTestCase {
    func testTanhAndSigmoidAreAccurateEverywhere() {
        var z: [Float] = []
        for e in stride(from: -30.0, through: 5.0, by: 0.05) { z += [Float(exp(e)), -Float(exp(e))] }
        z += [0, 0.625, -0.625, 88, -88, 100, -100, 1e-30, -1e-30]
        for (kind, reference) in [(KILN_TANH, { (x: Double) in Foundation.tanh(x) }), (KILN_SIGMOID, { (x: Double) in 1 / (1 + Foundation.exp(-x)) })] {
            var input = z
            var y = [Float](repeating: .nan, count: z.count)
            kiln_bias_act_forward(&y, &input, nil, 1, Int32(z.count), Int32(kind.rawValue), 0)
            for (x, got) in zip(z, y) {
                let want = reference(Double(x))
                XCTAssertEqual(Double(got), want, accuracy: 4e-7 * abs(want) + 1e-37, "\(kind) at \(x)")
            }
        }
    }

    /// A diverged step gives NaN pre-activations: they come out as NaN (the sanitizer lane checks
    /// that the fast expf has no undefined behaviour on them); infinities saturate (but gelu(-inf) is
    /// -inf * 0, NaN, as in Keras).
    func testNonFiniteInputs() {
        for kind in [KILN_TANH, KILN_SIGMOID, KILN_ELU, KILN_SELU, KILN_GELU, KILN_SOFTPLUS] {
            var input: [Float] = [.nan, .infinity, -.infinity]
            var y = [Float](repeating: 0, count: 3)
            kiln_bias_act_forward(&y, &input, nil, 1, 3, Int32(kind.rawValue), 0)
            XCTAssertTrue(y[0].isNaN, "\(kind) of NaN is \(y[0])")
            XCTAssertFalse(y[1].isNaN || (y[2].isNaN && kind != KILN_GELU), "\(kind) of +-inf is \(y[1]), \(y[2])")
        }
    }
}
