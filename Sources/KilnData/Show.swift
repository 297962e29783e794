// Spark 4's `Dataset.showString(n, truncate, vertical = false)` and `show()`, byte for byte.
//
// Spark measures and cuts cells in UTF-16 code units (Java string lengths), so this file works
// on UTF-16 arrays: a cut may split a surrogate pair, and the lone high surrogate then prints as
// `?` (what Java's encoder writes for it). A cell's display width is its UTF-16 length plus one
// per code unit in the east-asian wide ranges of `Utils.stringHalfWidth`; combining marks count
// one each and an emoji outside the BMP counts two (its two surrogates).

extension Frame {
    /// Exactly what Spark's `df.show(n, truncate)` prints: the text of `showString` plus the
    /// newline `show` adds.
    ///
    ///     +---+-----+
    ///     |  k|    v|      right-aligned when truncate > 0, left-aligned otherwise
    ///     +---+-----+
    ///     |  1|ab...|      cells longer than truncate keep truncate - 3 units and "..."
    ///     +---+-----+
    ///     only showing top 1 row
    public func showString(rows: Int = 20, truncate: Int = 20) -> String {
        let limit = Swift.max(0, Swift.min(rows, ShowTable.maxRows))
        let shown = Swift.min(limit, count)
        var table = ShowTable(header: schema.names.map { Array(Schema.escapingMetaCharacters($0).utf16) })
        for row in 0..<shown {
            table.append(columns.indices.map { column in
                let text = value(row: row, column: column)?.description ?? "NULL"
                return ShowTable.cut(Array(Schema.escapingMetaCharacters(text).utf16), truncate: truncate)
            })
        }
        var out = table.render(alignRight: truncate > 0)
        if count > limit {
            out += "only showing top \(limit) \(limit == 1 ? "row" : "rows")\n"
        } else {
            out += "\n"
        }
        return out
    }
}

/// Header and cells as UTF-16, with Spark's column widths.
struct ShowTable {
    /// Spark clamps n to `ByteArrayMethods.MAX_ROUNDED_ARRAY_LENGTH - 1`.
    static let maxRows = Int(Int32.max) - 16

    var rows: [[[UInt16]]]
    var widths: [Int]

    init(header: [[UInt16]]) {
        rows = [header]
        widths = header.map { Swift.max(3, Self.width($0)) }
    }

    mutating func append(_ cells: [[UInt16]]) {
        for (i, cell) in cells.enumerated() { widths[i] = Swift.max(widths[i], Self.width(cell)) }
        rows.append(cells)
    }

    /// Spark's cut: a cell longer than `truncate` (> 0) units keeps `truncate - 3` of them and
    /// `...`, or just `truncate` of them when truncate < 4. Header cells are never cut.
    static func cut(_ cell: [UInt16], truncate: Int) -> [UInt16] {
        guard truncate > 0, cell.count > truncate else { return cell }
        let dots: [UInt16] = [46, 46, 46]
        var kept = Array(cell[..<(truncate < 4 ? truncate : truncate - 3)])
        if let last = kept.last, UTF16.isLeadSurrogate(last) { kept[kept.count - 1] = 63 }  // "?"
        return truncate < 4 ? kept : kept + dots
    }

    /// `Utils.stringHalfWidth`: UTF-16 length plus one per unit in the wide ranges.
    static func width(_ cell: [UInt16]) -> Int {
        var width = cell.count
        for unit in cell where unit >= 0x1100 && isWide(unit) { width += 1 }
        return width
    }

    static func isWide(_ unit: UInt16) -> Bool {
        switch unit {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF,
             0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6: true
        default: false
        }
    }

    func render(alignRight: Bool) -> String {
        var out: [UInt16] = []
        let separator: [UInt16] = Array(("+" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "+") + "+\n").utf16)
        out += separator
        for (index, row) in rows.enumerated() {
            // "|" + cells joined by "|" + "|\n" (so "||" for no columns)
            out.append(124)
            for (i, cell) in row.enumerated() {
                if i > 0 { out.append(124) }
                let padding = [UInt16](repeating: 32, count: widths[i] - Self.width(cell))
                out += alignRight ? padding + cell : cell + padding
            }
            out += [124, 10]
            if index == 0 { out += separator }
        }
        out += separator
        return String(decoding: out, as: UTF16.self)
    }
}
