import KilnSpec

/// The number of spatial axes of a convolution or pooling kind: Conv1D, Conv2D and Conv3D are
/// one generic type each, registered once per rank.
public protocol SpatialRank: Sendable {
    static var rank: Int { get }
}
public enum Spatial1D: SpatialRank { public static let rank = 1 }
public enum Spatial2D: SpatialRank { public static let rank = 2 }
public enum Spatial3D: SpatialRank { public static let rank = 3 }

/// Keras's `padding` for convolutions and pooling: "valid" (no padding), "same" (output
/// ceil(in / stride), zeros split as TF splits them: total // 2 before) and, for Conv1D only,
/// "causal" (all of it before).
enum SpatialPadding: String, Sendable {
    case valid, same, causal
}

/// A window sliding over the spatial axes (a convolution's kernel or a pooling window): sizes,
/// strides, dilations and padding, with Keras's output shape and the runtime's geometry.
struct SpatialWindow: Sendable {
    var size: [Int]
    var strides: [Int]
    var dilation: [Int]
    var padding: SpatialPadding

    /// The output's spatial sizes for `input`'s (Keras's compute_conv_output_shape).
    func outputSizes(_ input: [Int]) -> [Int] {
        input.indices.map { axis in
            switch padding {
            // Floor division, as numpy's: a window larger than the input gives 0 or less.
            case .valid: floorDivide(input[axis] - dilation[axis] * (size[axis] - 1) - 1, strides[axis]) + 1
            case .same, .causal: (input[axis] - 1) / strides[axis] + 1
            }
        }
    }

    /// Zero rows before each axis.
    func padBefore(_ input: [Int]) -> [Int] {
        let output = outputSizes(input)
        return input.indices.map { axis in
            let total = max((output[axis] - 1) * strides[axis] + dilation[axis] * (size[axis] - 1) + 1 - input[axis], 0)
            switch padding {
            case .valid: return 0
            case .same: return total / 2
            case .causal: return dilation[axis] * (size[axis] - 1)
            }
        }
    }

    /// A `kiln_conv_geometry` initializer for an input of spatial sizes `input` with `channels`
    /// channels and `filters` outputs; leading axes are padded to 3 with size 1.
    func cGeometry(input: [Int], channels: Int, filters: Int, groups: Int) -> String {
        let lead = 3 - input.count
        func three(_ values: [Int], _ fill: Int) -> String {
            "{" + ([Int](repeating: fill, count: lead) + values).map(String.init).joined(separator: ", ") + "}"
        }
        return "{.in = \(three(input, 1)), .c = \(channels), .k = \(three(size, 1)), .stride = \(three(strides, 1)), "
            + ".dilation = \(three(dilation, 1)), .pad = \(three(padBefore(input), 0)), .out = \(three(outputSizes(input), 1)), "
            + ".f = \(filters), .groups = \(groups)}"
    }

    /// For each output position along an axis, the input positions its window reads (padding
    /// excluded): the float64 references' loops.
    /// Every in-bounds tap of the window at output position `index` (one per axis) over an input
    /// of `input` sizes: the tap's flat kernel cell and the flat input position it reads.
    func windowTaps(at index: [Int], input: [Int]) -> [(kernel: Int, input: Int)] {
        let inStrides = rowMajorStrides(input), kernelStrides = rowMajorStrides(size)
        var taps: [(kernel: Int, input: Int)] = [(0, 0)]
        for axis in input.indices {
            taps = taps.flatMap { partial in
                self.taps(output: index[axis], axis: axis, input: input).map {
                    (partial.kernel + $0.tap * kernelStrides[axis], partial.input + $0.position * inStrides[axis])
                }
            }
        }
        return taps
    }

    /// `strides`, `padding` and `dilation_rate` for a Keras call, where not Keras's defaults.
    var kerasArguments: [String] {
        var args: [String] = []
        if strides.contains(where: { $0 != 1 }) { args.append("strides=\(Python.tuple(strides))") }
        if padding != .valid { args.append("padding=\(Python.string(padding.rawValue))") }
        if dilation.contains(where: { $0 != 1 }) { args.append("dilation_rate=\(Python.tuple(dilation))") }
        return args
    }

    func taps(output o: Int, axis: Int, input: [Int]) -> [(tap: Int, position: Int)] {
        let start = o * strides[axis] - padBefore(input)[axis]
        return (0..<size[axis]).compactMap { j in
            let position = start + j * dilation[axis]
            return position >= 0 && position < input[axis] ? (j, position) : nil
        }
    }
}

/// A convolution's window arguments (`kernel_size`, `strides`, `dilation_rate`, `padding`), each
/// checked with Keras's message; nil after any error. `causal` only where Keras's layer takes it.
func readConvWindow(_ config: MappingReader, rank: Int, allowsCausal: Bool, diagnostics: DiagnosticEngine) -> SpatialWindow? {
    let kernelSize = readSpatialTuple(config, key: "kernel_size", rank: rank, default: nil, diagnostics: diagnostics)
    let strides = readSpatialTuple(config, key: "strides", rank: rank, default: [Int](repeating: 1, count: rank), diagnostics: diagnostics)
    let dilation = readSpatialTuple(config, key: "dilation_rate", rank: rank, default: [Int](repeating: 1, count: rank), diagnostics: diagnostics)
    var padding: SpatialPadding? = .valid
    if let node = config["padding"], let text = config.string("padding") {
        let allowed: [SpatialPadding] = allowsCausal ? [.valid, .same, .causal] : [.valid, .same]
        padding = SpatialPadding(rawValue: text.lowercased()).flatMap { allowed.contains($0) ? $0 : nil }
        if padding == nil {
            diagnostics.error("The `padding` argument must be a list/tuple or one of {\(allowed.map { "'\($0.rawValue)'" }.joined(separator: ", "))}. Received: \(text.lowercased())", at: node.location)
        }
    }
    if let strides, let dilation, strides.max()! > 1, dilation.max()! > 1 {
        diagnostics.error("`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=\(pythonTuple(strides)) and dilation_rate=\(pythonTuple(dilation))",
                          at: config["dilation_rate"]!.location)
        return nil
    }
    guard let kernelSize, let strides, let dilation, let padding else { return nil }
    return SpatialWindow(size: kernelSize, strides: strides, dilation: dilation, padding: padding)
}

/// A convolution's input: at least Keras's `min_ndim` (its message), and exactly (batch, spatial
/// axes..., channels) for Kiln's kernels.
func checkConvInput(_ inputShape: [Int], kerasClass: String, rank: Int, name: String, at location: SourceLocation,
                    diagnostics: DiagnosticEngine) -> Bool {
    guard inputShape.count >= rank + 1 else {
        diagnostics.error(rankMismatch(name, expected: rank + 2, min: true, inputShape: inputShape), at: location)
        return false
    }
    guard inputShape.count == rank + 1 else {
        diagnostics.error("Kiln's \(kerasClass) takes inputs of shape (batch, \(rank == 1 ? "steps" : "spatial axes"), channels): expected ndim=\(rank + 2), found ndim=\(inputShape.count + 1). Full shape received: \(kerasShape(inputShape))", at: location)
        return false
    }
    return true
}

/// Keras's "missing N required positional argument(s)" for a layer's required arguments.
func checkRequired(_ names: [String], of kerasClass: String, in config: MappingReader, at location: SourceLocation, diagnostics: DiagnosticEngine) {
    let missing = names.filter { config[$0] == nil }
    guard !missing.isEmpty else { return }
    let listed = missing.map { "'\($0)'" }.joined(separator: " and ")
    diagnostics.error("\(kerasClass).__init__() missing \(missing.count) required positional argument\(missing.count == 1 ? "" : "s"): \(listed)", at: location)
}

/// Keras's `standardize_tuple`: an int (repeated `rank` times) or a list of `rank` ints, each
/// > 0 (>= 0 with `allowZero`); Keras's message for anything else.
func readSpatialTuple(_ config: MappingReader, key: String, rank: Int, default fallback: [Int]?, allowZero: Bool = false,
                      diagnostics: DiagnosticEngine) -> [Int]? {
    guard let node = config[key] else { return fallback }
    if case .null = node.scalarKind, let fallback { return fallback }
    return spatialTuple(node, name: key, rank: rank, allowZero: allowZero, diagnostics: diagnostics)
}

/// `standardize_tuple` of one value; `name` is what Keras's message calls it ("1st entry of padding").
func spatialTuple(_ node: YAMLNode, name: String, rank: Int, allowZero: Bool, diagnostics: DiagnosticEngine) -> [Int]? {
    let values: [Int]
    if case .scalar = node.value {
        guard let value = node.int(name, in: diagnostics) else { return nil }
        values = [Int](repeating: value, count: rank)
    } else {
        guard let list = node.intList(name, in: diagnostics) else { return nil }
        values = list
    }
    var message = "The `\(name)` argument must be a tuple of \(rank) integers. Received \(name)=\(yamlFlowText(node))"
    guard values.count == rank else {
        diagnostics.error(message, at: node.location)
        return nil
    }
    let bad = Set(values.filter { allowZero ? $0 < 0 : $0 <= 0 }).sorted()
    guard bad.isEmpty else {
        message += ", including values {\(bad.map(String.init).joined(separator: ", "))} that do not satisfy `value \(allowZero ? ">= 0" : "> 0")`"
        diagnostics.error(message, at: node.location)
        return nil
    }
    return checkSpatialLimit(values, name: name, at: node.location, diagnostics: diagnostics)
}

/// Window sizes, strides, dilations, paddings and croppings stay far below the kernels' C int
/// sizes, so shape arithmetic on them cannot overflow.
let maxSpatialArgument = 1 << 24

func checkSpatialLimit(_ values: [Int], name: String, at location: SourceLocation, diagnostics: DiagnosticEngine) -> [Int]? {
    guard let big = values.first(where: { $0 > maxSpatialArgument }) else { return values }
    diagnostics.error("Kiln takes `\(name)` values up to \(maxSpatialArgument). Received \(name) value \(big)", at: location)
    return nil
}

/// `data_format`: Kiln's kernels are channels_last, Keras's default.
func readChannelsLast(_ config: MappingReader, diagnostics: DiagnosticEngine) -> Bool {
    guard let node = config["data_format"] else { return true }
    if case .null = node.scalarKind { return true }
    guard let format = config.string("data_format")?.lowercased() else { return false }
    if format == "channels_last" { return true }
    if format == "channels_first" {
        diagnostics.error("Kiln supports data_format='channels_last' only (Keras's default). Received: data_format=channels_first", at: node.location)
    } else {
        diagnostics.error("The `data_format` argument must be one of {'channels_first', 'channels_last'}. Received: data_format=\(format)", at: node.location)
    }
    return false
}

/// numpy's repr of an int array in Keras's messages: [1 1].
func numpyIntArray(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: " ") + "]" }

/// a / b rounded down (Swift's / truncates toward zero).
func floorDivide(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// ZeroPadding's `padding` and Cropping's `cropping`: (before, after) per spatial axis. Rank 1
/// takes an int or (left, right); ranks 2 and 3 take an int, or one entry per axis, each an int
/// (both sides) or (before, after), as Keras's ZeroPadding2D/3D and Cropping2D/3D.
func readSpatialPairs(_ config: MappingReader, key: String, rank: Int, default fallback: Int, diagnostics: DiagnosticEngine) -> [(Int, Int)]? {
    guard let node = config[key] else { return [(Int, Int)](repeating: (fallback, fallback), count: rank) }
    if rank == 1 {
        return readSpatialTuple(config, key: key, rank: 2, default: nil, allowZero: true, diagnostics: diagnostics).map { [($0[0], $0[1])] }
    }
    if case .scalar = node.value {
        guard let value = node.int(key, in: diagnostics) else { return nil }
        guard value >= 0 else {
            diagnostics.error("`\(key)` cannot be negative. Received: \(key)=\(value).", at: node.location)
            return nil
        }
        guard checkSpatialLimit([value], name: key, at: node.location, diagnostics: diagnostics) != nil else { return nil }
        return [(Int, Int)](repeating: (value, value), count: rank)
    }
    guard let entries = node.sequence(key, in: diagnostics) else { return nil }
    guard entries.count == rank else {
        let received = yamlFlowText(node)
        diagnostics.error(rank == 2 ? "`\(key)` should have two elements. Received: \(key)=\(received)." : "`\(key)` should have \(rank) elements. Received: \(received).", at: node.location)
        return nil
    }
    var pairs: [(Int, Int)] = []
    for (index, entry) in entries.enumerated() {
        let name = "\(["1st", "2nd", "3rd"][index]) entry of \(key)"
        guard let pair = spatialTuple(entry, name: name, rank: 2, allowZero: true, diagnostics: diagnostics) else { return nil }
        pairs.append((pair[0], pair[1]))
    }
    return pairs
}

/// A YAML value as Python would print the list it stands for: [1, 2, 3], [[1, 2], 3].
func yamlFlowText(_ node: YAMLNode) -> String {
    switch node.value {
    case let .scalar(text, _): text
    case let .sequence(items): "[" + items.map(yamlFlowText).joined(separator: ", ") + "]"
    case .mapping: "{...}"
    }
}

/// Python's repr of per-axis pairs: ((1, 1), (2, 0)).
func pythonPairs(_ pairs: [(Int, Int)]) -> String {
    "(" + pairs.map { "(\($0.0), \($0.1))" }.joined(separator: ", ") + (pairs.count == 1 ? ",)" : ")")
}

/// A C `int[3]` initializer of spatial values padded in front to three axes.
func cThree(_ values: [Int], fill: Int) -> String {
    "{" + ([Int](repeating: fill, count: 3 - values.count) + values).map(String.init).joined(separator: ", ") + "}"
}
