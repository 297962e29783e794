import Foundation

/// How much fit() prints, as Keras's `verbose`. Every mode but `.silent` prints `Epoch i/n`
/// before each epoch when there is more than one.
public enum Verbosity: Sendable {
    /// Keras's "auto" (= 1): a live progress bar when stdout is a terminal; otherwise the bar's
    /// final line, once per epoch, so logs and pipes get one line an epoch.
    case auto
    /// Keras's 0: nothing.
    case silent
    /// Keras's 1 on a terminal: a live bar redrawn with `\r`, whatever stdout is.
    case progressBar
    /// Keras's 2: `32/32 - 0s - 2ms/step - loss: 0.1234`, once per epoch.
    case epochLines
}

/// Keras 3's Progbar for one epoch: `32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - loss: 0.1234 - mae: 0.2345`.
/// Live lines show the ETA where the final line shows the elapsed time; time per step leaves out
/// the first step (it includes warm-up) once there are more.
struct ProgressLine {
    enum Style { case live, finalLine, epochLine }
    let steps: Int
    let style: Style
    let width = 20
    /// Keras redraws at most every 0.05 s.
    let interval = 0.05
    let start: Double
    var timeAfterFirstStep: Double?
    var lastDraw = -Double.infinity
    var previousWidth = 0

    init(steps: Int, verbosity: Verbosity, isTerminal: Bool = isatty(1) == 1, now: Double = ProgressLine.now()) {
        self.steps = steps
        switch verbosity {
        case .auto: style = isTerminal ? .live : .finalLine
        case .progressBar: style = .live
        case .silent, .epochLines: style = .epochLine
        }
        start = now
    }

    static func now() -> Double { Date().timeIntervalSinceReferenceDate }

    /// Keras prints |values| above 1e-3 with 4 decimals, smaller ones in scientific notation.
    /// (Its verbose-2 line tests the signed value, so negatives go scientific there.)
    static func format(_ logs: [(String, Double)], signedThreshold: Bool = false) -> String {
        logs.map { name, value in
            let plain = signedThreshold ? value > 1e-3 : abs(value) > 1e-3
            return " - \(name): " + String(format: plain ? "%.4f" : "%.4e", value)
        }.joined()
    }

    static func formatStepTime(_ seconds: Double) -> String {
        if seconds >= 1 || seconds == 0 { return String(format: "%.0fs/step", seconds) }
        if seconds >= 1e-3 { return String(format: "%.0fms/step", seconds * 1e3) }
        return String(format: "%.0fus/step", seconds * 1e6)
    }

    static func formatETA(_ seconds: Double) -> String {
        let s = Int(seconds)
        if seconds > 3600 { return String(format: "%d:%02d:%02d", s / 3600, s % 3600 / 60, s % 60) }
        if seconds > 60 { return String(format: "%d:%02d", s / 60, s % 60) }
        return "\(s)s"
    }

    /// Seconds per step; records the time of step 1 so later estimates leave it out.
    mutating func stepTime(step: Int, now: Double) -> Double {
        guard step > 0 else { return 0 }
        let perStep: Double
        if let first = timeAfterFirstStep, step > 1 {
            perStep = (now - first) / Double(step - 1)
        } else {
            perStep = (now - start) / Double(step)
        }
        if step == 1 { timeAfterFirstStep = now }
        return perStep
    }

    func counter(_ step: Int) -> String {
        let digits = String(steps).count
        return String(repeating: " ", count: max(0, digits - String(step).count)) + "\(step)/\(steps)"
    }

    /// The bar line; ANSI bold/green/grey as Keras when `color`, which terminals get.
    func barLine(step: Int, timeText: String, perStep: Double, logs: [(String, Double)], color: Bool) -> (text: String, visibleWidth: Int) {
        let filled = steps == 0 ? width : width * min(step, steps) / steps
        let done = String(repeating: "━", count: filled), rest = String(repeating: "━", count: width - filled)
        let tail = " " + Self.formatStepTime(perStep) + Self.format(logs)
        let plain = counter(step) + " " + done + rest + " " + timeText + tail
        guard color else { return (plain, plain.count) }
        let styled = "\u{1B}[1m\(counter(step))\u{1B}[0m " + (filled > 0 ? "\u{1B}[32m\(done)\u{1B}[0m" : "")
            + "\u{1B}[37m\(rest)\u{1B}[0m \u{1B}[1m\(timeText)\u{1B}[0m" + tail
        return (styled, plain.count)
    }

    /// Called after every step; redraws a live bar in place (with ETA) when the interval has passed.
    mutating func update(step: Int, logs: @autoclosure () -> [(String, Double)], now: Double = ProgressLine.now()) {
        let perStep = stepTime(step: step, now: now)
        guard style == .live, step < steps, now - lastDraw >= interval else { return }
        lastDraw = now
        let line = barLine(step: step, timeText: Self.formatETA(perStep * Double(steps - step)), perStep: perStep, logs: logs(), color: true)
        emit("\r" + line.text + String(repeating: " ", count: max(0, previousWidth - line.visibleWidth)), terminator: "")
        previousWidth = line.visibleWidth
    }

    /// The epoch's last line, with the epoch's logs (validation included).
    mutating func finish(logs: [(String, Double)], now: Double = ProgressLine.now()) {
        emit(finalLine(logs: logs, now: now))
    }

    mutating func finalLine(logs: [(String, Double)], now: Double) -> String {
        let perStep = stepTime(step: steps, now: now)
        let elapsed = String(format: "%.0fs", now - start)
        switch style {
        case .epochLine:
            return counter(steps) + " - " + elapsed + " - " + Self.formatStepTime(perStep) + Self.format(logs, signedThreshold: true)
        case .finalLine:
            return barLine(step: steps, timeText: elapsed, perStep: perStep, logs: logs, color: false).text
        case .live:
            let line = barLine(step: steps, timeText: elapsed, perStep: perStep, logs: logs, color: true)
            return "\r" + line.text + String(repeating: " ", count: max(0, previousWidth - line.visibleWidth))
        }
    }

    func emit(_ text: String, terminator: String = "\n") {
        print(text, terminator: terminator)
        fflush(nil)  // all streams; avoids touching the global stdout from Swift 6
    }
}
