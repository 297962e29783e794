/// Keras activation functions. Raw values are the C runtime's `enum kiln_activation`.
public enum ActivationKind: Int, CaseIterable, Sendable {
    case linear = 0, relu, tanh, sigmoid, softmax, elu, selu, gelu, softplus, leakyRelu

    public var kerasName: String {
        switch self {
        case .leakyRelu: "leaky_relu"
        default: "\(self)"
        }
    }
    public var cName: String {
        switch self {
        case .leakyRelu: "KILN_LEAKY_RELU"
        default: "KILN_" + "\(self)".uppercased()
        }
    }

    public static func named(_ name: String) -> ActivationKind? {
        if name == "None" { return .linear }
        return allCases.first { $0.kerasName == name }
    }
    public static var kerasNames: [String] { allCases.map(\.kerasName) }

    /// Whether the runtime's backward reads the pre-activation z; the others read y only, so that
    /// their forward can run in place (y written over z).
    public var backwardReadsPreActivation: Bool { self == .gelu }

    /// keras.activations.leaky_relu's default negative_slope (the LeakyReLU layer's is 0.3).
    public static let leakyReluDefaultSlope: Float = 0.2

    /// The runtime's `alpha` argument for this function as keras.activations applies it:
    /// leaky_relu's negative slope, elu's alpha (1.0), unused by the others.
    public var defaultAlpha: Float {
        switch self {
        case .leakyRelu: Self.leakyReluDefaultSlope
        case .elu: 1
        default: 0
        }
    }
}
