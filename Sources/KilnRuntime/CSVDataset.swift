import Foundation

/// A numeric CSV data set: every column but the last is a feature, the last is the label.
/// Bad rows are reported with their file and line; nothing is silently dropped.
public struct CSVDataset: Sendable {
    public var x: Tensor        // (count, features)
    public var y: Tensor        // (count) labels as Float (class ids or targets)
    public var count: Int { y.shape[0] }
    public var features: Int { x.shape.count > 1 ? x.shape[1] : 0 }

    public init(x: Tensor, y: Tensor) { self.x = x; self.y = y }

    /// `featureScale` multiplies every feature (e.g. 1/16 for the digits' grey levels).
    public static func load(from url: URL, hasHeader: Bool, featureScale: Float = 1) throws -> CSVDataset {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw KilnError("\(url.path): cannot read the file: \(error.localizedDescription)")
        }
        var features: [Float] = [], labels: [Float] = []
        var width: Int?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || (hasHeader && index == 0) { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2 else {
                throw KilnError("\(url.path):\(lineNumber): expected at least 2 comma-separated values (features, then the label), received \(fields.count)")
            }
            if let width, fields.count != width {
                throw KilnError("\(url.path):\(lineNumber): expected \(width) values as on the first data row, received \(fields.count)")
            }
            width = fields.count
            for (column, field) in fields.enumerated() {
                guard let value = Float(field.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                    throw KilnError("\(url.path):\(lineNumber):\(column + 1): expected a finite number, received '\(field)'")
                }
                if column == fields.count - 1 { labels.append(value) } else { features.append(value * featureScale) }
            }
        }
        guard let width else { throw KilnError("\(url.path): no data rows") }
        return CSVDataset(x: Tensor(shape: [labels.count, width - 1], scalars: features), y: Tensor(shape: [labels.count], scalars: labels))
    }

    /// Rows in a seeded random order (Fisher-Yates over SplitMix64).
    public func shuffled(seed: UInt64) -> CSVDataset {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, Int(next() % UInt64(i + 1))) }
        return select(order)
    }

    public func slice(_ range: Range<Int>) -> CSVDataset { select(Array(range)) }

    func select(_ rows: [Int]) -> CSVDataset {
        let f = features
        var xs: [Float] = []
        xs.reserveCapacity(rows.count * f)
        for row in rows { xs += x.scalars[(row * f)..<((row + 1) * f)] }
        return CSVDataset(x: Tensor(shape: [rows.count, f], scalars: xs), y: Tensor(shape: [rows.count], scalars: rows.map { y.scalars[$0] }))
    }
}
