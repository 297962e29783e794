/// Keras 3's `model.summary()` text for a Sequential model, as it prints to a non-terminal:
/// a 3-column box table (widths 33/24/15) and the totals with their float32 sizes.
/// `int64NonTrainable`: how many of the non-trainable values Keras keeps as int64 (8 bytes:
/// Normalization's `count`).
/// `optimizerParams`: once the optimizer is built (after the first training step), its
/// variables, which Keras lists on a line of their own and counts in the total: the slots plus
/// `iteration` (int64) and `learning_rate`.
/// `input`: a functional model's input (keras.Model): an InputLayer row first; unless the graph
/// is a chain (Keras's "sequential-like"), a fourth column, "Connected to" (widths 21/19/12/19).
/// `connected`: that column regardless (a model of several inputs, its InputLayer rows in `layers`).
public func kerasSummary(modelName: String, layers: [LayerInfo], trainableParams: Int, nonTrainableParams: Int,
                         int64NonTrainable: Int = 0, optimizerParams: Int? = nil,
                         input: (name: String, shape: [Int], chain: Bool)? = nil, connected: Bool? = nil) -> String {
    let connected = connected ?? input.map { !$0.chain } ?? false
    let widths = connected ? [21, 19, 12, 19] : [33, 24, 15]
    func rule(_ left: String, _ fill: String, _ middle: String, _ right: String) -> String {
        left + widths.map { String(repeating: fill, count: $0) }.joined(separator: middle) + right
    }
    // rich's cell layout: words wrap greedily onto as many lines as the row needs; a word
    // longer than the cell is cut with an ellipsis.
    func wrap(_ text: String, _ room: Int) -> [String] {
        var lines: [String] = [], current = ""
        for piece in text.split(separator: " ") {
            let word = piece.count > room ? String(piece.prefix(room - 1)) + "…" : String(piece)
            if current.isEmpty {
                current = word
            } else if current.count + 1 + word.count <= room {
                current += " " + word
            } else {
                lines.append(current)
                current = word
            }
        }
        return lines + [current]
    }
    func cells(_ values: [String], _ bar: String) -> String {
        let wrapped = zip(values, widths).map { wrap($0, $1 - 2) }
        let height = wrapped.map(\.count).max() ?? 1
        return (0..<height).map { row in
            let padded = wrapped.enumerated().map { index, lines -> String in
                let text = row < lines.count ? lines[row] : ""
                let fill = String(repeating: " ", count: widths[index] - 2 - text.count)
                return " " + (index == 2 ? fill + text : text + fill) + " "
            }
            return bar + padded.joined(separator: bar) + bar
        }.joined(separator: "\n")
    }
    var lines = ["Model: \"\(modelName)\""]
    lines.append(rule("┏", "━", "┳", "┓"))
    lines.append(cells(["Layer (type)", "Output Shape", "Param #"] + (connected ? ["Connected to"] : []), "┃"))
    lines.append(rule("┡", "━", "╇", "┩"))
    var rows = layers
    if let input { rows.insert(LayerInfo(name: input.name, type: "InputLayer", outputShape: input.shape, params: 0, trainable: true), at: 0) }
    for (index, layer) in rows.enumerated() {
        func text(_ dims: [Int]) -> String { "(" + (["None"] + dims.map(String.init)).joined(separator: ", ") + ")" }
        let shape = layer.stateShapes.isEmpty ? text(layer.outputShape) : "[" + ([layer.outputShape] + layer.stateShapes).map(text).joined(separator: ", ") + "]"
        var values = ["\(layer.name) (\(layer.type))", shape, groupedThousands(layer.params)]
        if connected { values.append(layer.connectedTo.isEmpty ? "-" : layer.connectedTo.joined(separator: ", ")) }
        lines.append(cells(values, "│"))
        lines.append(index == rows.count - 1 ? rule("└", "─", "┴", "┘") : rule("├", "─", "┼", "┤"))
    }
    let nonTrainableBytes = nonTrainableParams * 4 + int64NonTrainable * 4
    // iteration is int64: 4 bytes more than a float32.
    let optimizerBytes = optimizerParams.map { $0 * 4 + 4 } ?? 0
    let total = trainableParams + nonTrainableParams + (optimizerParams ?? 0)
    lines.append(" Total params: \(groupedThousands(total)) (\(readableMemorySize(trainableParams * 4 + nonTrainableBytes + optimizerBytes)))")
    lines.append(" Trainable params: \(groupedThousands(trainableParams)) (\(readableMemorySize(trainableParams * 4)))")
    lines.append(" Non-trainable params: \(groupedThousands(nonTrainableParams)) (\(readableMemorySize(nonTrainableBytes)))")
    if let optimizerParams {
        lines.append(" Optimizer params: \(groupedThousands(optimizerParams)) (\(readableMemorySize(optimizerBytes)))")
    }
    return lines.joined(separator: "\n") + "\n"
}

/// 1301 -> "1,301".
public func groupedThousands(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, char) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
        out.append(char)
    }
    return (value < 0 ? "-" : "") + out
}

/// Keras's readable_memory_size: 5204 -> "5.08 KB" (powers of 1024, two decimals).
public func readableMemorySize(_ bytes: Int) -> String {
    var size = Double(bytes)
    for unit in ["B", "KB", "MB", "GB", "TB"] {
        if size / 1024 < 1 { return formatTwoDecimals(size) + " " + unit }
        size /= 1024
    }
    return formatTwoDecimals(size) + " PB"
}

/// Python's f"{value:.2f}" for sizes: bytes / 1024^k times 100 is exact in a Double, and Python
/// rounds its exact value half to even (1152 B is "1.12 KB").
func formatTwoDecimals(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded(.toNearestOrEven))
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
