import Foundation

extension History {
    /// The curves of `fit` as an SVG picture, as one plots `history.history` in Keras: one panel
    /// per quantity (loss, then each metric), its training and validation series over the
    /// epochs, with axes, ticks and a legend.
    public func svg(title: String = "") -> String {
        let quantities = history.keys.filter { !$0.hasPrefix("val_") }.sorted { ($0 == "loss" ? "" : $0) < ($1 == "loss" ? "" : $1) }
        let panelWidth = 460.0, panelHeight = 260.0, left = 64.0, top = title.isEmpty ? 16.0 : 40.0, gap = 36.0
        var svg = SVGDocument(width: left + panelWidth + 24, height: top + Double(quantities.count) * (panelHeight + gap))
        if !title.isEmpty { svg.text(title, x: svg.width / 2, y: 24, size: 15, weight: "bold") }
        let epochs = epoch.isEmpty ? Array(0..<(history.values.map(\.count).max() ?? 0)) : epoch
        for (panel, quantity) in quantities.enumerated() {
            let series = [(quantity, "#1f77b4"), ("val_\(quantity)", "#ff7f0e")].compactMap { name, colour in
                history[name].map { (name: name, values: $0, colour: colour) }
            }
            let y0 = top + Double(panel) * (panelHeight + gap)
            let values = series.flatMap(\.values).filter(\.isFinite)
            var low = values.min() ?? 0, high = values.max() ?? 1
            if high - low < 1e-12 { low -= 0.5; high += 0.5 }
            let first = Double(epochs.first ?? 0), last = Double(max(epochs.last ?? 1, (epochs.first ?? 0) + 1))
            func point(_ e: Double, _ v: Double) -> (Double, Double) {
                (left + (e - first) / (last - first) * panelWidth, y0 + panelHeight - (v - low) / (high - low) * panelHeight)
            }
            svg.rect(x: left, y: y0, width: panelWidth, height: panelHeight, fill: "white", stroke: "#999", className: "panel")
            for tick in 0...4 {
                let v = low + (high - low) * Double(tick) / 4, (_, y) = point(first, v)
                svg.line(x1: left - 4, y1: y, x2: left, y2: y, stroke: "#999")
                svg.text(String(format: "%.4g", v), x: left - 6, y: y + 4, size: 10, anchor: "end")
            }
            let step = max(1, epochs.count / 8)
            for (i, e) in epochs.enumerated() where i % step == 0 || i == epochs.count - 1 {
                let (x, _) = point(Double(e), low)
                svg.line(x1: x, y1: y0 + panelHeight, x2: x, y2: y0 + panelHeight + 4, stroke: "#999")
                svg.text("\(e + 1)", x: x, y: y0 + panelHeight + 16, size: 10)
            }
            svg.text("epoch", x: left + panelWidth / 2, y: y0 + panelHeight + 30, size: 11)
            svg.text(quantity, x: left + 8, y: y0 + 16, size: 12, anchor: "start", weight: "bold")
            for (rank, entry) in series.enumerated() {
                let points = zip(epochs, entry.values).filter { $0.1.isFinite }.map { point(Double($0.0), $0.1) }
                svg.polyline(points, stroke: entry.colour, className: "series")
                let legendY = y0 + 16 + Double(rank) * 16
                svg.line(x1: left + panelWidth - 120, y1: legendY - 4, x2: left + panelWidth - 100, y2: legendY - 4, stroke: entry.colour)
                svg.text(entry.name, x: left + panelWidth - 94, y: legendY, size: 11, anchor: "start")
            }
        }
        return svg.text
    }

    /// Writes `svg(title:)` to `url`, replacing it atomically.
    public func writeSVG(to url: URL, title: String = "") throws {
        try Data(svg(title: title).utf8).write(to: url, options: .atomic)
    }
}
