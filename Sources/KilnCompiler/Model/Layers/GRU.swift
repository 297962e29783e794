import KilnSpec
import KilnCore

/// keras.layers.GRU with `reset_after` (Keras 3's default), gates z, r, h: the reset gate scales the
/// recurrent candidate after its product, hh = activation(x_h + r * (h_prev . R_h + b_h)), and
/// h = z * h_prev + (1 - z) * hh. The bias is (2, 3*units): the input bias, then the recurrent one.
struct GRUCell: RecurrentCell {
    static let kerasClass = "GRU"
    static let namePrefix = "gru"
    static let gates = 3
    static let cCell = "KILN_GRU"
    static let cellKeys = ["recurrent_activation", "reset_after", "implementation", "use_cudnn"]

    var recurrentActivation: ActivationKind

    static func checkCell(_ config: MappingReader, diagnostics: DiagnosticEngine) -> GRUCell? {
        let recurrent = readRecurrentActivation(config, key: "recurrent_activation", default: .sigmoid, diagnostics: diagnostics)
        if config.bool("reset_after") == false {
            diagnostics.error("`reset_after=False` is not supported by Kiln's GRU: it runs Keras 3's default, reset_after=True", at: config["reset_after"]!.location)
            return nil
        }
        _ = config.int("implementation")
        return recurrent.map { GRUCell(recurrentActivation: $0) }
    }

    func biasShape(units: Int) -> [Int] { [2, saturatingProduct([3, units])] }
    func biasInitializer(_ base: Initializer) -> Initializer { base }
    var kerasCellArguments: [String] { ["recurrent_activation=\(Python.string(recurrentActivation.kerasName))"] }

    func step(x: [Double], rec: [Double], state: [[Double]], units: Int, activation: ActivationKind) -> [[Double]] {
        var h = [Double](repeating: 0, count: units)
        for u in 0..<units {
            let z = recurrentActivate(x[u] + rec[u], recurrentActivation)
            let r = recurrentActivate(x[units + u] + rec[units + u], recurrentActivation)
            let hh = recurrentActivate(x[2 * units + u] + r * rec[2 * units + u], activation)
            h[u] = z * state[0][u] + (1 - z) * hh
        }
        return [h]
    }
}
