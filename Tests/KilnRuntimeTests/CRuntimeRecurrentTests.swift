import CKilnRuntime
import XCTest

/// kiln_rnn_forward (one GEMM for the input projection, packed recurrent products, samples split
/// over the pool) against kiln_rnn_forward_ref (loops, one sample at a time), per row: the output
/// and every slot of mid. Sizes reach the packed GEMM paths (64 units, batches split in two).
/// Dropout rows draw masks (0 or 1/(1-rate)) once per sequence: of the inputs, one or one per gate,
/// and of h_prev, one per gate, as Keras's cells.
final class CRuntimeRecurrentTests: XCTestCase {
    struct Row {
        var name: String
        var cell: kiln_rnn_cell
        var steps: Int, features: Int, units: Int, n: Int
        var activation = KILN_TANH, recurrent = KILN_SIGMOID
        var backwards = false, sequences = false, bias = true, masked = false, zeroMasked = false
        var inputMasks = 0, recurrentMasks = 0
        var initial = false
    }

    static let rows: [Row] = [
        Row(name: "SimpleRNN", cell: KILN_SIMPLE_RNN, steps: 6, features: 3, units: 5, n: 3),
        Row(name: "SimpleRNN relu backwards sequences", cell: KILN_SIMPLE_RNN, steps: 5, features: 2, units: 4, n: 4, activation: KILN_RELU, backwards: true, sequences: true),
        Row(name: "LSTM", cell: KILN_LSTM, steps: 7, features: 4, units: 3, n: 5),
        Row(name: "LSTM 64 units, batch 33", cell: KILN_LSTM, steps: 12, features: 8, units: 64, n: 33, sequences: true),
        Row(name: "LSTM no bias, tanh gates, backwards", cell: KILN_LSTM, steps: 5, features: 3, units: 6, n: 2, recurrent: KILN_TANH, backwards: true, bias: false),
        Row(name: "LSTM masked", cell: KILN_LSTM, steps: 8, features: 3, units: 4, n: 6, sequences: true, masked: true),
        Row(name: "GRU", cell: KILN_GRU, steps: 6, features: 5, units: 4, n: 3),
        Row(name: "GRU 64 units, batch 20, sequences", cell: KILN_GRU, steps: 10, features: 8, units: 64, n: 20, sequences: true),
        Row(name: "GRU masked backwards, zero outputs", cell: KILN_GRU, steps: 7, features: 2, units: 3, n: 5, backwards: true, sequences: true, masked: true, zeroMasked: true),
        Row(name: "GRU no bias, one step", cell: KILN_GRU, steps: 1, features: 3, units: 2, n: 1, bias: false),
        Row(name: "SimpleRNN dropout, recurrent dropout", cell: KILN_SIMPLE_RNN, steps: 6, features: 3, units: 5, n: 4, inputMasks: 1, recurrentMasks: 1),
        Row(name: "LSTM dropout (one mask)", cell: KILN_LSTM, steps: 5, features: 4, units: 3, n: 5, sequences: true, inputMasks: 1),
        Row(name: "LSTM 64 units, per-gate dropout masks", cell: KILN_LSTM, steps: 8, features: 8, units: 64, n: 17, inputMasks: 4, recurrentMasks: 4),
        Row(name: "GRU recurrent dropout only, masked", cell: KILN_GRU, steps: 7, features: 2, units: 6, n: 5, sequences: true, masked: true, recurrentMasks: 3),
        Row(name: "GRU per-gate dropout backwards", cell: KILN_GRU, steps: 6, features: 5, units: 4, n: 3, backwards: true, inputMasks: 3, recurrentMasks: 3),
        Row(name: "LSTM initial state, masked", cell: KILN_LSTM, steps: 6, features: 3, units: 4, n: 5, sequences: true, masked: true, initial: true),
        Row(name: "LSTM 64 units initial state, recurrent dropout", cell: KILN_LSTM, steps: 5, features: 8, units: 64, n: 9, recurrentMasks: 4, initial: true),
        Row(name: "GRU initial state backwards", cell: KILN_GRU, steps: 5, features: 2, units: 3, n: 4, backwards: true, initial: true),
        Row(name: "SimpleRNN initial state", cell: KILN_SIMPLE_RNN, steps: 4, features: 3, units: 5, n: 3, initial: true),
    ]

    func testFastForwardMatchesNaiveReference() {
        for row in Self.rows {
            var g = kiln_rnn_geometry(cell: Int32(row.cell.rawValue), steps: Int32(row.steps), features: Int32(row.features), units: Int32(row.units),
                                      activation: Int32(row.activation.rawValue), recurrent_activation: Int32(row.recurrent.rawValue),
                                      go_backwards: row.backwards ? 1 : 0, return_sequences: row.sequences ? 1 : 0,
                                      use_bias: row.bias ? 1 : 0, zero_masked_output: row.zeroMasked ? 1 : 0,
                                      input_masks: Int32(row.inputMasks), recurrent_masks: Int32(row.recurrentMasks), dropout: 0.3, recurrent_dropout: 0.4)
            let gates = row.cell == KILN_LSTM ? 4 : row.cell == KILN_GRU ? 3 : 1, gu = gates * row.units
            var rng = TestRandom(seed: UInt64(row.steps * 131 + row.units))
            let inp = rng.array(row.n * row.steps * row.features)
            let kernel = rng.array(row.features * gu, -0.5, 0.5), recurrent = rng.array(row.units * gu, -0.5, 0.5)
            let bias = rng.array(row.cell == KILN_GRU ? 2 * gu : gu, -0.2, 0.2)
            // A padded tail per sample and a hole in the middle.
            let mask: [Float]? = row.masked ? (0..<(row.n * row.steps)).map { i in
                let t = i % row.steps, sample = i / row.steps
                return t >= row.steps - sample % 3 || t == 2 ? 0 : 1
            } : nil
            var drop = [Float](repeating: 0, count: row.n * Int(kiln_rnn_dropout_floats(&g)))
            var seed: [UInt64] = [0, 0]
            kiln_rng_seed(&seed, 11)
            kiln_rnn_draw_dropout(&drop, Int32(row.n), &g, 0, &seed)
            if !drop.isEmpty {
                XCTAssertEqual(Set(drop.map { $0 == 0 ? 0 : 1 }), [0, 1], "\(row.name): some values dropped, some kept")
            }
            let dropArg: [Float]? = drop.isEmpty ? nil : drop
            let midCount = row.n * Int(kiln_rnn_mid_floats(&g))
            let outCount = row.n * (row.sequences ? row.steps : 1) * row.units
            var fastOut = [Float](repeating: .nan, count: outCount), refOut = fastOut
            var fastMid = [Float](repeating: 0, count: midCount), refMid = fastMid
            // The final states (return_state): h, and c for LSTM; the initial ones (initial_state), if the row has them.
            var fastStates = [Float](repeating: .nan, count: 2 * row.n * row.units), refStates = fastStates
            let initial = rng.array(2 * row.n * row.units, -0.8, 0.8)
            func run(_ f: (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?,
                           UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?,
                           UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?, Int32, UnsafePointer<kiln_rnn_geometry>?) -> Void,
                     _ out: inout [Float], _ mid: inout [Float], _ states: inout [Float]) {
                (mask ?? []).withUnsafeBufferPointer { m in
                    (dropArg ?? []).withUnsafeBufferPointer { d in
                        states.withUnsafeMutableBufferPointer { st in
                            initial.withUnsafeBufferPointer { i in
                                f(&out, &mid, st.baseAddress, st.baseAddress! + row.n * row.units, inp,
                                  row.initial ? i.baseAddress : nil, row.initial ? i.baseAddress! + row.n * row.units : nil, kernel, recurrent, bias,
                                  mask == nil ? nil : m.baseAddress, dropArg == nil ? nil : d.baseAddress, Int32(row.n), &g)
                            }
                        }
                    }
                }
            }
            run(kiln_rnn_forward, &fastOut, &fastMid, &fastStates)
            run(kiln_rnn_forward_ref, &refOut, &refMid, &refStates)
            let worst = zip(fastOut, refOut).map { abs($0 - $1) }.max() ?? .nan
            XCTAssertLessThan(worst, 1e-5, "\(row.name): output")
            let stateCount = (g.cell == Int32(KILN_LSTM.rawValue) ? 2 : 1) * row.n * row.units
            let worstState = zip(fastStates[..<stateCount], refStates[..<stateCount]).map { abs($0 - $1) }.max() ?? .nan
            XCTAssertLessThan(worstState, 1e-5, "\(row.name): final states")
            // mid's slots of masked steps are not compared: neither side reads them.
            let perStep = Int(kiln_rnn_mid_floats(&g)) / row.steps
            var worstMid: Float = 0
            for i in 0..<(row.n * row.steps) where mask?[i] ?? 1 == 1 {
                for j in 0..<perStep { worstMid = max(worstMid, abs(fastMid[i * perStep + j] - refMid[i * perStep + j])) }
            }
            XCTAssertLessThan(worstMid, 1e-5, "\(row.name): mid")
        }
    }
}
