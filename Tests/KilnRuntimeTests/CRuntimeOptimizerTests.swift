import CKilnRuntime
import Foundation
import XCTest

/// Each optimizer over a few steps vs a scalar Float re-implementation of the Keras 3 update_step.
/// n = 19 covers the 8-wide vector loop and the scalar tail.
final class CRuntimeOptimizerTests: XCTestCase {
    let n = 19, steps = 4

    func gradients(step: Int) -> [Float] {
        var rng = TestRandom(seed: UInt64(100 + step))
        return rng.array(n)
    }

    func initialParams() -> [Float] {
        var rng = TestRandom(seed: 7)
        return rng.array(n)
    }

    func assertClose(_ got: [Float], _ want: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-6 * max(1, abs(w)), message, file: file, line: line) }
    }

    // Keras computes 1 - beta in Python double, then casts to float32.
    func complement(_ beta: Double) -> Float { Float(1 - beta) }

    func testAdamMatchesKerasFormula() {
        // A large epsilon, so its place in the formula (outside the square root) shows in the result.
        let (lr, b1, b2, eps): (Float, Float, Float, Float) = (1e-2, 0.9, 0.999, 1e-2)
        var p = initialParams(), m = [Float](repeating: 0, count: n), v = m
        var rp = p, rm = m, rv = v
        for t in 1...steps {
            let g = gradients(step: t)
            kiln_adam_update(&p, &m, &v, g, Int64(n), lr, b1, b2, eps, Int64(t))
            let alpha = lr * (1 - pow(b2, Float(t))).squareRoot() / (1 - pow(b1, Float(t)))
            for i in 0..<n {
                rm[i] += (g[i] - rm[i]) * complement(0.9)
                rv[i] += (g[i] * g[i] - rv[i]) * complement(0.999)
                rp[i] -= alpha * rm[i] / (rv[i].squareRoot() + eps)
            }
            assertClose(p, rp, "adam step \(t)")
            assertClose(m, rm, "adam m step \(t)")
            assertClose(v, rv, "adam v step \(t)")
        }
    }

    func testAdamFirstStepByHand() {
        // p=1, g=0.5, lr=1e-3, defaults: m=0.05, v=2.5e-4, alpha=1e-3*sqrt(1e-3)/0.1=3.16228e-4,
        // p = 1 - alpha * 0.05 / (0.0158114 + 1e-7) = 1 - 0.00099999 = 0.99900001
        var p: [Float] = [1], m: [Float] = [0], v: [Float] = [0]
        kiln_adam_update(&p, &m, &v, [0.5], 1, 1e-3, 0.9, 0.999, 1e-7, 1)
        XCTAssertEqual(p[0], 0.99900001, accuracy: 1e-7)
        XCTAssertEqual(m[0], 0.05, accuracy: 1e-9)
        XCTAssertEqual(v[0], 2.5e-4, accuracy: 1e-11)
    }

    func testSGDMatchesKerasFormula() {
        let lr: Float = 0.1
        for (momentum, nesterov) in [(Float(0), Int32(0)), (0.9, 0), (0.9, 1)] {
            var p = initialParams(), vel = [Float](repeating: 0, count: n)
            var rp = p, rm = vel
            for t in 1...steps {
                let g = gradients(step: t)
                kiln_sgd_update(&p, &vel, g, Int64(n), lr, momentum, nesterov)
                for i in 0..<n {
                    if momentum == 0 {
                        rp[i] -= g[i] * lr
                    } else {
                        rm[i] = rm[i] * momentum - g[i] * lr
                        rp[i] += nesterov != 0 ? rm[i] * momentum - g[i] * lr : rm[i]
                    }
                }
                assertClose(p, rp, "sgd momentum=\(momentum) nesterov=\(nesterov) step \(t)")
            }
        }
    }

    func testSGDFirstStepByHand() {
        // p=1, g=0.5, lr=0.1, momentum 0.9: m = -0.05; plain p = 0.95; nesterov p = 1 + 0.9*(-0.05) - 0.05 = 0.905
        var p: [Float] = [1, 1], m: [Float] = [0, 0]
        kiln_sgd_update(&p, &m, [0.5, 0.5], 1, 0.1, 0.9, 0)
        kiln_sgd_update(p.withUnsafeMutableBufferPointer { $0.baseAddress! + 1 }, &m[1], [0.5], 1, 0.1, 0.9, 1)
        XCTAssertEqual(p[0], 0.95, accuracy: 1e-7)
        XCTAssertEqual(p[1], 0.905, accuracy: 1e-7)
        XCTAssertEqual(m, [-0.05, -0.05])
    }

    func testRMSpropMatchesKerasFormula() {
        let (lr, rho, eps): (Float, Float, Float) = (1e-2, 0.9, 1e-2)  // large: inside vs outside the sqrt shows
        var p = initialParams(), vel = [Float](repeating: 0, count: n)
        var rp = p, rv = vel
        for t in 1...steps {
            let g = gradients(step: t)
            kiln_rmsprop_update(&p, &vel, g, Int64(n), lr, rho, eps)
            for i in 0..<n {
                rv[i] = rho * rv[i] + complement(0.9) * g[i] * g[i]
                rp[i] -= lr * g[i] / (rv[i] + eps).squareRoot()  // Keras 3: epsilon inside the square root
            }
            assertClose(p, rp, "rmsprop step \(t)")
            assertClose(vel, rv, "rmsprop velocity step \(t)")
        }
    }

    func testRMSpropFirstStepByHand() {
        // p=1, g=0.5, lr=0.01, rho=0.9: v = 0.1*0.25 = 0.025; p = 1 - 0.005/sqrt(0.0250001) = 0.96837728
        var p: [Float] = [1], v: [Float] = [0]
        kiln_rmsprop_update(&p, &v, [0.5], 1, 0.01, 0.9, 1e-7)
        XCTAssertEqual(p[0], 0.96837728, accuracy: 1e-6)
    }

    func testL2AddsGradientAndReturnsPenalty() {
        let p = initialParams()
        var g = gradients(step: 0)
        let g0 = g
        let penalty = kiln_l2_backward(&g, p, Int64(n), 0.01)
        let want = 0.01 * p.map { Double($0) * Double($0) }.reduce(0, +)
        XCTAssertEqual(Double(penalty), want, accuracy: 1e-7)
        for i in 0..<n { XCTAssertEqual(g[i], g0[i] + 0.02 * p[i], accuracy: 1e-7) }
    }
}
