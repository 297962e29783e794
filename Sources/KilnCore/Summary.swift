/// Keras 3's `model.summary()` text for a Sequential model, as it prints to a non-terminal:
/// a 3-column box table (widths 33/24/15) and the totals with their float32 sizes.
/// `int64NonTrainable`: how many of the non-trainable values Keras keeps as int64 (8 bytes:
/// Normalization's `count`).
/// `optimizerParams`: once the optimizer is built (after the first training step), its
/// variables, which Keras lists on a line of their own and counts in the total: the slots plus
/// `iteration` (int64) and `learning_rate`.
public func kerasSummary(modelName: String, layers: [LayerInfo], trainableParams: Int, nonTrainableParams: Int,
                         int64NonTrainable: Int = 0, optimizerParams: Int? = nil) -> String {
    let widths = [33, 24, 15]
    func rule(_ left: String, _ fill: String, _ middle: String, _ right: String) -> String {
        left + widths.map { String(repeating: fill, count: $0) }.joined(separator: middle) + right
    }
    func cells(_ values: [String], _ bar: String) -> String {
        let padded = zip(values, widths).enumerated().map { index, pair -> String in
            let (text, width) = pair
            let room = width - 2
            let clipped = text.count > room ? String(text.prefix(room - 1)) + "…" : text
            let fill = String(repeating: " ", count: room - clipped.count)
            return " " + (index == 2 ? fill + clipped : clipped + fill) + " "
        }
        return bar + padded.joined(separator: bar) + bar
    }
    var lines = ["Model: \"\(modelName)\""]
    lines.append(rule("┏", "━", "┳", "┓"))
    lines.append(cells(["Layer (type)", "Output Shape", "Param #"], "┃"))
    lines.append(rule("┡", "━", "╇", "┩"))
    for (index, layer) in layers.enumerated() {
        let shape = "(" + (["None"] + layer.outputShape.map(String.init)).joined(separator: ", ") + ")"
        lines.append(cells(["\(layer.name) (\(layer.type))", shape, groupedThousands(layer.params)], "│"))
        lines.append(index == layers.count - 1 ? rule("└", "─", "┴", "┘") : rule("├", "─", "┼", "┤"))
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

func formatTwoDecimals(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
