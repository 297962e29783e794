import KilnSpec
import KilnCore

/// keras.layers.SimpleRNN: h = activation(x . kernel + h_prev . recurrent_kernel + bias).
struct SimpleRNNCell: RecurrentCell {
    static let kerasClass = "SimpleRNN"
    static let namePrefix = "simple_rnn"
    static let gates = 1
    static let cCell = "KILN_SIMPLE_RNN"

    static func checkCell(_ config: MappingReader, diagnostics: DiagnosticEngine) -> SimpleRNNCell? { SimpleRNNCell() }

    var recurrentActivation: ActivationKind { .linear }
    func biasShape(units: Int) -> [Int] { [units] }
    func biasInitializer(_ base: Initializer) -> Initializer { base }
    var kerasCellArguments: [String] { [] }

    func step(x: [Double], rec: [Double], state: [[Double]], units: Int, activation: ActivationKind) -> [[Double]] {
        [(0..<units).map { recurrentActivate(x[$0] + rec[$0], activation) }]
    }
}
