import CKilnRuntime
import XCTest

/// kiln_conv_lstm_forward (the input convolution of all frames at once, the state's once per step,
/// per-gate convolutions under dropout) against kiln_conv_lstm_forward_ref (loops over samples,
/// steps, positions and taps), per row: the output and the gates, h_prev and c_prev of every
/// unmasked frame in mid.
final class CRuntimeConvLSTMTests: XCTestCase {
    struct Row {
        var name: String
        var steps: Int, spatial: [Int], channels: Int, filters: Int, n: Int
        var k: [Int], stride = [1, 1, 1], dilation = [1, 1, 1], same = false
        var backwards = false, sequences = false, bias = true, masked = false, zeroMasked = false
        var inputMasks = 0, recurrentMasks = 0
    }

    static let rows: [Row] = [
        Row(name: "2D same, sequences", steps: 3, spatial: [1, 5, 4], channels: 2, filters: 3, n: 2, k: [1, 3, 3], same: true, sequences: true),
        Row(name: "2D valid strided, backwards, no bias", steps: 4, spatial: [1, 6, 5], channels: 1, filters: 2, n: 3, k: [1, 2, 2],
            stride: [1, 2, 1], backwards: true, bias: false),
        Row(name: "1D dilated, masked, zero outputs", steps: 5, spatial: [1, 1, 9], channels: 3, filters: 2, n: 4, k: [1, 1, 3],
            dilation: [1, 1, 2], sequences: true, masked: true, zeroMasked: true),
        Row(name: "2D dropout and recurrent dropout", steps: 3, spatial: [1, 4, 4], channels: 2, filters: 2, n: 3, k: [1, 3, 3], same: true,
            sequences: true, inputMasks: 4, recurrentMasks: 4),
        Row(name: "1D recurrent dropout only, masked", steps: 4, spatial: [1, 1, 7], channels: 2, filters: 3, n: 2, k: [1, 1, 2], same: true,
            masked: true, recurrentMasks: 4),
    ]

    func testFastForwardMatchesNaiveReference() {
        for row in Self.rows {
            var input = convGeometry(row.spatial, c: row.channels, k: row.k, stride: row.stride, dilation: row.dilation, same: row.same, f: 4 * row.filters)
            let outSpatial = [Int(input.out.0), Int(input.out.1), Int(input.out.2)]
            var recurrent = convGeometry(outSpatial, c: row.filters, k: row.k, same: true, f: 4 * row.filters)
            var g = kiln_rnn_geometry(cell: Int32(KILN_LSTM.rawValue), steps: Int32(row.steps), features: Int32(row.channels), units: Int32(row.filters),
                                      activation: Int32(KILN_TANH.rawValue), recurrent_activation: Int32(KILN_SIGMOID.rawValue),
                                      go_backwards: row.backwards ? 1 : 0, return_sequences: row.sequences ? 1 : 0,
                                      use_bias: row.bias ? 1 : 0, zero_masked_output: row.zeroMasked ? 1 : 0,
                                      input_masks: Int32(row.inputMasks), recurrent_masks: Int32(row.recurrentMasks), dropout: 0.3, recurrent_dropout: 0.4)
            var rng = TestRandom(seed: UInt64(row.steps * 97 + row.filters))
            let frame = input.inSize, state = input.outPositions * row.filters
            let inp = rng.array(row.n * row.steps * frame)
            let kernel = rng.array(input.kernelSize, -0.5, 0.5), recurrentKernel = rng.array(recurrent.kernelSize, -0.5, 0.5)
            let bias = rng.array(4 * row.filters, -0.2, 0.2)
            let mask: [Float]? = row.masked ? (0..<(row.n * row.steps)).map { i in
                let t = i % row.steps, sample = i / row.steps
                return t >= row.steps - sample % 3 || t == 1 ? 0 : 1
            } : nil
            var drop = [Float](repeating: 0, count: row.n * Int(kiln_conv_lstm_dropout_floats(&g, &input)))
            var seed: [UInt64] = [0, 0]
            kiln_rng_seed(&seed, 5)
            kiln_conv_lstm_draw_dropout(&drop, Int32(row.n), &g, &input, 0, &seed)
            if !drop.isEmpty {
                XCTAssertEqual(Set(drop.map { $0 == 0 ? 0 : 1 }), [0, 1], "\(row.name): some values dropped, some kept")
            }
            let midCount = row.n * Int(kiln_conv_lstm_mid_floats(&g, &input))
            let outCount = row.n * (row.sequences ? row.steps : 1) * state
            var fastOut = [Float](repeating: .nan, count: outCount), refOut = fastOut
            var fastMid = [Float](repeating: 0, count: midCount), refMid = fastMid
            (mask ?? []).withUnsafeBufferPointer { m in
                drop.withUnsafeBufferPointer { d in
                    let maskArg = mask == nil ? nil : m.baseAddress, dropArg = drop.isEmpty ? nil : d.baseAddress
                    kiln_conv_lstm_forward(&fastOut, &fastMid, inp, kernel, recurrentKernel, row.bias ? bias : nil, maskArg, dropArg,
                                           Int32(row.n), &g, &input, &recurrent)
                    kiln_conv_lstm_forward_ref(&refOut, &refMid, inp, kernel, recurrentKernel, row.bias ? bias : nil, maskArg, dropArg,
                                               Int32(row.n), &g, &input, &recurrent)
                }
            }
            let worst = zip(fastOut, refOut).map { abs($0 - $1) }.max() ?? .nan
            XCTAssertLessThan(worst, 1e-5, "\(row.name): output")
            // mid: gates (n*T, P, 4F), then h_prev and c_prev (n*T, P, F); a masked frame's gates are read by neither side.
            let frames = row.n * row.steps, gates = input.outPositions * 4 * row.filters
            var worstMid: Float = 0
            for i in 0..<frames where mask?[i] ?? 1 == 1 {
                for j in 0..<gates { worstMid = max(worstMid, abs(fastMid[i * gates + j] - refMid[i * gates + j])) }
            }
            for j in (frames * gates)..<midCount { worstMid = max(worstMid, abs(fastMid[j] - refMid[j])) }
            XCTAssertLessThan(worstMid, 1e-5, "\(row.name): mid")
        }
    }
}
