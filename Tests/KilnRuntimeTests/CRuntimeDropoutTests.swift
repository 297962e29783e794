import CKilnRuntime
import XCTest

final class CRuntimeDropoutTests: XCTestCase {
    func testSplitMixSeedingAndXoroshiroSequence() {
        var s: [UInt64] = [0, 0]
        kiln_rng_seed(&s, 0)
        XCTAssertEqual(s, [0xe220_a839_7b1d_cdaf, 0x6e78_9e6a_a1b9_65f4])  // splitmix64(0), published first outputs
        // xoroshiro128+ from that state (computed independently in Python from the reference algorithm).
        XCTAssertEqual(kiln_rng_next(&s), 0x5099_46a4_1cd7_33a3)
        XCTAssertEqual(kiln_rng_next(&s), 0xd805_fcac_6824_536e)
        XCTAssertEqual(kiln_rng_next(&s), 0xdadc_02f3_e3cf_7be3)
    }

    func testUniformIsInUnitIntervalWithMeanHalf() {
        var s: [UInt64] = [0, 0]
        kiln_rng_seed(&s, 42)
        let u = (0..<100_000).map { _ in kiln_rng_uniform(&s) }
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(u.reduce(0, +) / Float(u.count), 0.5, accuracy: 0.005)
    }

    func dropout(rate: Float, seed: UInt64, input: [Float]) -> (out: [Float], mask: [Float]) {
        var s: [UInt64] = [0, 0]
        kiln_rng_seed(&s, seed)
        var out = [Float](repeating: .nan, count: input.count), mask = out
        kiln_dropout_forward(&out, &mask, input, Int64(input.count), rate, &s)
        return (out, mask)
    }

    func testInvertedDropoutDropsRateAndScalesTheRest() {
        var rng = TestRandom(seed: 5)
        let input = rng.array(100_000, 0.5, 2)
        for rate: Float in [0.1, 0.3, 0.5] {
            let (out, mask) = dropout(rate: rate, seed: 9, input: input)
            let dropped = mask.filter { $0 == 0 }.count
            XCTAssertEqual(Double(dropped) / Double(input.count), Double(rate), accuracy: 0.01, "rate \(rate)")
            XCTAssertTrue(mask.allSatisfy { $0 == 0 || $0 == 1 / (1 - rate) })
            for i in 0..<input.count { XCTAssertEqual(out[i], input[i] * mask[i]) }
        }
    }

    func testSameSeedSameMaskOtherSeedOtherMask() {
        let input = [Float](repeating: 1, count: 1000)
        XCTAssertEqual(dropout(rate: 0.5, seed: 1, input: input).mask, dropout(rate: 0.5, seed: 1, input: input).mask)
        XCTAssertNotEqual(dropout(rate: 0.5, seed: 1, input: input).mask, dropout(rate: 0.5, seed: 2, input: input).mask)
    }

    func testRateZeroIsIdentity() {
        let input: [Float] = [1, -2, 3]
        XCTAssertEqual(dropout(rate: 0, seed: 3, input: input).out, input)
    }

    func testBackwardAccumulatesMaskedGradient() {
        var dinp: [Float] = [1, 1, 1]
        kiln_dropout_backward(&dinp, [2, 3, 4], [0, 2, 2], 3)
        XCTAssertEqual(dinp, [1, 7, 9])
    }
}
