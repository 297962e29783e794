import Foundation

/// How much fit() prints, as Keras's `verbose`.
public enum Verbosity: Sendable {
    /// A live progress bar on a terminal, one line per epoch otherwise (Keras's "auto").
    case auto
    case silent
    case progressBar
    case epochLines
}

/// Keras 3's progress line: `32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - loss: 0.1234 - mae: 0.2345`.
struct ProgressLine {
    let steps: Int
    let live: Bool
    let start = Date()
    var lastDraw = Date.distantPast

    init(steps: Int, verbosity: Verbosity) {
        self.steps = steps
        switch verbosity {
        case .auto: live = isatty(1) == 1
        case .progressBar: live = true
        default: live = false
        }
    }

    static func format(_ logs: [(String, Double)]) -> String {
        logs.map { " - \($0.0): \(String(format: "%.4f", $0.1))" }.joined()
    }

    func line(step: Int, logs: [(String, Double)]) -> String {
        let width = 20
        let filled = steps == 0 ? width : width * step / steps
        let bar = String(repeating: "━", count: filled) + String(repeating: "─", count: width - filled)
        let elapsed = Date().timeIntervalSince(start)
        let perStep = elapsed / Double(max(step, 1))
        let perStepText = perStep >= 1 ? "\(Int(perStep))s/step" : perStep >= 1e-3 ? "\(Int(perStep * 1e3))ms/step" : "\(Int(perStep * 1e6))us/step"
        let pad = String(repeating: " ", count: max(0, String(steps).count - String(step).count))
        return "\(pad)\(step)/\(steps) \(bar) \(Int(elapsed))s \(perStepText)" + Self.format(logs)
    }

    /// Redraws in place on a terminal, at most 10 times a second.
    mutating func update(step: Int, logs: @autoclosure () -> [(String, Double)]) {
        guard live, step == steps || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        print("\r" + line(step: step, logs: logs()), terminator: "")
        fflush(nil)  // all streams; avoids touching the global stdout from Swift 6
    }

    func finish(logs: [(String, Double)]) {
        print((live ? "\r" : "") + line(step: steps, logs: logs))
    }
}
