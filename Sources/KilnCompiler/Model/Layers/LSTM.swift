import KilnSpec
import KilnCore

/// keras.layers.LSTM, gates i, f, c, o: c = f * c_prev + i * activation(z_c), h = o * activation(c),
/// the gates i, f, o through recurrent_activation. `unit_forget_bias` starts the forget gate's bias at ones.
struct LSTMCell: RecurrentCell {
    static let kerasClass = "LSTM"
    static let namePrefix = "lstm"
    static let gates = 4
    static let cCell = "KILN_LSTM"
    static let cellKeys = ["recurrent_activation", "unit_forget_bias", "implementation", "use_cudnn"]

    var recurrentActivation: ActivationKind
    var unitForgetBias: Bool

    static func checkCell(_ config: MappingReader, diagnostics: DiagnosticEngine) -> LSTMCell? {
        let recurrent = readRecurrentActivation(config, key: "recurrent_activation", default: .sigmoid, diagnostics: diagnostics)
        let unitForgetBias = config.bool("unit_forget_bias") ?? true
        _ = config.int("implementation")
        return recurrent.map { LSTMCell(recurrentActivation: $0, unitForgetBias: unitForgetBias) }
    }

    func biasShape(units: Int) -> [Int] { [saturatingProduct([4, units])] }
    func biasInitializer(_ base: Initializer) -> Initializer { unitForgetBias ? .unitForgetBias(base) : base }
    var kerasCellArguments: [String] {
        ["recurrent_activation=\(Python.string(recurrentActivation.kerasName))"] + (unitForgetBias ? [] : ["unit_forget_bias=False"])
    }

    func step(x: [Double], rec: [Double], state: [[Double]], units: Int, activation: ActivationKind) -> [[Double]] {
        var h = [Double](repeating: 0, count: units), c = h
        for u in 0..<units {
            let i = recurrentActivate(x[u] + rec[u], recurrentActivation)
            let f = recurrentActivate(x[units + u] + rec[units + u], recurrentActivation)
            let candidate = recurrentActivate(x[2 * units + u] + rec[2 * units + u], activation)
            let o = recurrentActivate(x[3 * units + u] + rec[3 * units + u], recurrentActivation)
            c[u] = f * state[1][u] + i * candidate
            h[u] = o * recurrentActivate(c[u], activation)
        }
        return [h, c]
    }
}
