/// Doubles as Java's `Double.toString` writes them, which is how Spark casts a double to a
/// string, names a literal column and prints a cell in `show()`: `1.0`, `1.0E7`, `1.0E-4`,
/// `NaN`, `Infinity`. Digits are the shortest that round-trip (Java 19+'s rule; Swift's too).
public enum JavaDoubleFormat {
    public static func string(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, exponent) = decompose(value)
        var out = negative ? "-" : ""
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e7 {
            // exponent: value = 0.d1d2d3... x 10^exponent
            if exponent <= 0 {
                out += "0." + String(repeating: "0", count: -exponent) + digits
            } else if exponent >= digits.count {
                out += digits + String(repeating: "0", count: exponent - digits.count) + ".0"
            } else {
                let split = digits.index(digits.startIndex, offsetBy: exponent)
                out += digits[..<split] + "." + digits[split...]
            }
        } else {
            let first = digits.prefix(1), rest = digits.dropFirst()
            out += first + "." + (rest.isEmpty ? "0" : rest) + "E" + String(exponent - 1)
        }
        return out
    }

    public static func string(_ value: Float) -> String {
        // Spark widens floats through their shortest decimal form.
        string(Double("\(value)") ?? Double(value))
    }

    /// Shortest round-trip digits (no leading or trailing zeros) and the decimal exponent
    /// such that |value| = 0.digits x 10^exponent.
    static func decompose(_ value: Double) -> (negative: Bool, digits: String, exponent: Int) {
        var text = abs(value).description  // "12.5", "1e-05", "1.2345e+20"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var integer = text, fraction = ""
        if let dot = text.firstIndex(of: ".") {
            integer = String(text[..<dot])
            fraction = String(text[text.index(after: dot)...])
        }
        var digits = integer + fraction
        var pointPosition = integer.count + exponent
        while digits.first == "0" { digits.removeFirst(); pointPosition -= 1 }
        while digits.last == "0" { digits.removeLast() }
        if digits.isEmpty { digits = "0" }
        return (value < 0, digits, pointPosition)
    }
}
