import KilnSpec
import KilnCore

/// Keras prints shapes with the batch axis as None: (None, 2, 3).
public func kerasShapeText(_ shape: [Int]) -> String { kerasShape(shape) }

func kerasShape(_ shape: [Int]) -> String {
    "(" + (["None"] + shape.map(String.init)).joined(separator: ", ") + ")"
}

// MARK: - config values shared by several layers

/// `activation: tanh` (Keras's activations.get).
func readActivation(_ config: MappingReader, key: String = "activation", diagnostics: DiagnosticEngine) -> ActivationKind? {
    guard let node = config[key] else { return .linear }
    if case .null = node.scalarKind { return .linear }
    guard let name = config.string(key) else { return nil }
    if let kind = ActivationKind.named(name) { return kind }
    var message = "Could not interpret activation function identifier: \(name)"
    if let guess = didYouMean(name, among: ActivationKind.kerasNames) { message += "; did you mean '\(guess)'?" }
    diagnostics.error(message, at: node.location)
    return nil
}

/// `kernel_initializer: he_normal` or `{RandomNormal: {mean: 0, stddev: 0.1}}`.
func readInitializer(_ config: MappingReader, key: String, default fallback: Initializer, diagnostics: DiagnosticEngine) -> Initializer? {
    guard let node = config[key] else { return fallback }
    let simple: [String: Initializer] = [
        "glorot_uniform": .glorotUniform, "glorot_normal": .glorotNormal, "he_uniform": .heUniform,
        "he_normal": .heNormal, "lecun_uniform": .lecunUniform, "lecun_normal": .lecunNormal,
        "zeros": .zeros, "ones": .ones,
        "random_normal": .randomNormal(mean: 0, stddev: 0.05),
        "random_uniform": .randomUniform(minval: -0.05, maxval: 0.05),
        "truncated_normal": .truncatedNormal(mean: 0, stddev: 0.05),
        "orthogonal": .orthogonal(gain: 1),
    ]
    // Keras also accepts the class names (GlorotUniform, RandomNormal, ...).
    let classNames: [String: String] = [
        "GlorotUniform": "glorot_uniform", "GlorotNormal": "glorot_normal", "HeUniform": "he_uniform",
        "HeNormal": "he_normal", "LecunUniform": "lecun_uniform", "LecunNormal": "lecun_normal",
        "Zeros": "zeros", "Ones": "ones", "RandomNormal": "random_normal", "RandomUniform": "random_uniform",
        "TruncatedNormal": "truncated_normal", "Constant": "constant", "Orthogonal": "orthogonal",
    ]
    let known = Array(simple.keys) + ["constant"] + Array(classNames.keys)
    func unknown(_ name: String, at location: SourceLocation) -> Initializer? {
        var message = "Could not interpret initializer identifier: \(name)"
        if let guess = didYouMean(name, among: known.sorted()) { message += "; did you mean '\(guess)'?" }
        diagnostics.error(message, at: location)
        return nil
    }
    if case .scalar = node.value {
        guard let raw = config.string(key) else { return nil }
        let name = classNames[raw] ?? raw
        return simple[name] ?? unknown(raw, at: node.location)
    }
    guard case let .mapping(pairs) = node.value, pairs.count == 1, case let .scalar(raw, _) = pairs[0].key.value else {
        diagnostics.error("expected an initializer name or a mapping {Name: {arguments}} for '\(key)'", at: node.location)
        return nil
    }
    let name = classNames[raw] ?? raw
    let args = MappingReader(pairs[0].value, context: raw, diagnostics: diagnostics)
    var result: Initializer?
    switch name {
    case "random_normal":
        result = .randomNormal(mean: Float(args.double("mean") ?? 0), stddev: Float(args.double("stddev") ?? 0.05))
    case "truncated_normal":
        result = .truncatedNormal(mean: Float(args.double("mean") ?? 0), stddev: Float(args.double("stddev") ?? 0.05))
    case "random_uniform":
        result = .randomUniform(minval: Float(args.double("minval") ?? -0.05), maxval: Float(args.double("maxval") ?? 0.05))
    case "constant":
        result = .constant(Float(args.double("value") ?? 0))
    case "orthogonal":
        result = .orthogonal(gain: Float(args.double("gain") ?? 1))
    default:
        if let plain = simple[name] { result = plain } else { return unknown(raw, at: pairs[0].key.location) }
    }
    args.finish()
    return result
}

/// `kernel_regularizer: l2` (factor 0.01) or `{l2: 0.001}` or `{L2: {l2: 0.001}}`.
func readL2(_ config: MappingReader, key: String, diagnostics: DiagnosticEngine) -> (present: Bool, factor: Float?) {
    guard let node = config[key] else { return (false, nil) }
    if case .null = node.scalarKind { return (false, nil) }
    let defaultFactor = 0.01
    func check(_ value: Double, at location: SourceLocation) -> Float? {
        guard value >= 0, value.isFinite else {
            diagnostics.error("Value for argument l2 must be a non-negative float. Received: l2=\(value)", at: location)
            return nil
        }
        return Float(value)
    }
    switch node.value {
    case let .scalar(name, _) where name == "l2" || name == "L2":
        return (true, Float(defaultFactor))
    case let .mapping(pairs) where pairs.count == 1:
        guard case let .scalar(name, _) = pairs[0].key.value, name == "l2" || name == "L2" else { break }
        let valueNode = pairs[0].value
        if case .mapping = valueNode.value {
            let args = MappingReader(valueNode, context: name, diagnostics: diagnostics)
            let factor = args.double("l2") ?? defaultFactor
            args.finish()
            return (true, check(factor, at: valueNode.location))
        }
        guard let factor = valueNode.double("l2", in: diagnostics) else { return (true, nil) }
        return (true, check(factor, at: valueNode.location))
    default: break
    }
    diagnostics.error("Could not interpret regularizer identifier for '\(key)': expected l2, {l2: factor} or {L2: {l2: factor}}", at: node.location)
    return (true, nil)
}

/// A list of integers under `key` (`[3, 4]`; a single `3` too when `allowsScalar`).
func readIntList(_ config: MappingReader, key: String, allowsScalar: Bool = false, diagnostics: DiagnosticEngine) -> [Int]? {
    guard let node = config[key] else { return nil }
    if allowsScalar, case .scalar = node.value { return node.int(key, in: diagnostics).map { [$0] } }
    return node.intList(key, in: diagnostics)
}

/// Row-major strides of `shape` (the last axis 1).
func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
    return strides
}

/// The offset that row-major position `index` of `shape` reads through `strides` (one per axis
/// of `shape`): the float64 references' form of the runtime's odometer.
func offset(ofRowMajor index: Int, in shape: [Int], strides: [Int]) -> Int {
    var rest = index, offset = 0
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        offset += (rest % shape[axis]) * strides[axis]
        rest /= shape[axis]
    }
    return offset
}

/// Keras's fan-in and fan-out of a weight shape (initializers' compute_fans).
func kerasFans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
    switch shape.count {
    case 0: return (1, 1)
    case 1: return (shape[0], shape[0])
    case 2: return (shape[0], shape[1])
    default:
        // Saturating: the size check reports an oversized kernel after this.
        let receptive = saturatingProduct(shape.dropLast(2))
        return (saturatingProduct([shape[shape.count - 2], receptive]), saturatingProduct([shape[shape.count - 1], receptive]))
    }
}

/// Keras 3's InputSpec message for a layer that takes inputs of one rank (`min` for a lowest
/// rank); a Sequential model's input has no name.
func rankMismatch(_ name: String, expected: Int, min: Bool = false, inputShape: [Int]) -> String {
    "Input 0 with name 'None' of layer '\(Identifiers.commentText(name))' is incompatible with the layer: expected \(min ? "min_ndim" : "ndim")=\(expected), found ndim=\(inputShape.count + 1). Full shape received: \(kerasShape(inputShape))"
}

/// Keras's error for a layer class it does not have, with Kiln's guess among the ones it has.
func unknownLayerMessage(_ kind: String) -> String {
    var message = "Unknown layer: '\(Identifiers.commentText(kind))'. Please ensure you are using a `keras.Layer` and that its name is spelled correctly"
    if let guess = didYouMean(kind, among: layerKinds.keys.sorted()) { message += "; did you mean '\(guess)'?" }
    return message
}

/// A wrapper's `layer: {Class: {arguments}}` (Bidirectional, TimeDistributed): the class, its checked
/// config (nil after its own errors), its explicit name and the reader of its arguments. nil after
/// reporting why `layer` is missing or malformed, or (`rejection`) why the class cannot be wrapped.
func readWrappedLayer(_ config: MappingReader, wrapper: String, example: String, at location: SourceLocation, diagnostics: DiagnosticEngine,
                      rejection: (String, (any LayerKind.Type)?) -> String?)
    -> (builder: any LayerKind.Type, checked: (any LayerKind)?, explicitName: String?, reader: MappingReader, location: SourceLocation)? {
    guard let node = config["layer"] else {
        diagnostics.error("\(wrapper).__init__() missing 1 required positional argument: 'layer'", at: location)
        return nil
    }
    guard case let .mapping(pairs) = node.value, pairs.count == 1, case let .scalar(raw, _) = pairs[0].key.value else {
        diagnostics.error("expected the wrapped layer as a mapping \(example) for 'layer'", at: node.location)
        return nil
    }
    let kind = layerAliases[raw] ?? raw, at = pairs[0].key.location
    if let problem = rejection(kind, layerKinds[kind]) {
        diagnostics.error(problem, at: at)
        return nil
    }
    guard let builder = layerKinds[kind] else {
        diagnostics.error(unknownLayerMessage(raw), at: at)
        return nil
    }
    let reader = MappingReader(pairs[0].value, context: kind, diagnostics: diagnostics)
    let explicitName = reader.string("name")
    _ = reader.bool("trainable")
    _ = reader.string("dtype")
    let checked = builder.checkConfig(reader, at: at, diagnostics: diagnostics)
    reader.finish(allowed: ["name", "trainable", "dtype"] + builder.keys)
    return (builder, checked, explicitName, reader, at)
}
