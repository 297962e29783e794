/// Doubles as Java 17's `Double.toString` writes them, which is how Spark casts a double to a
/// string, names a literal column and prints a cell in `show()`: `1.0`, `1.0E7`, `1.0E-4`,
/// `NaN`, `Infinity`.
///
/// Java 17 does not always give the shortest round-trip digits (JDK 19 does): integers in
/// [2^54, 2^63) keep all digits above the ulp (`2^60` -> `1.15292150460684698E18`), the digit
/// loop's stopping test is symmetric (`1e23` -> `9.999999999999999E22`, `Double.MIN_VALUE` ->
/// `4.9E-324`). So the digits here come from the same digit-generation procedure as JDK 17's
/// `FloatingDecimal`, overflow quirks of its 32- and 64-bit paths included (checked against
/// Java 17 on 10 million doubles; `JavaDoubleFormatTests` checks Spark's casts).
public enum JavaDoubleFormat {
    public static func string(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (digits, exponent) = Digits.generate(value)
        return layout(negative: value.sign == .minus, digits: digits, exponent: exponent)
    }

    public static func string(_ value: Float) -> String {
        // Spark widens floats through their shortest decimal form.
        string(Double("\(value)") ?? Double(value))
    }

    /// Java's layout of value = 0.d1d2d3... x 10^exponent: plain between 10^-3 and 10^7,
    /// otherwise `d1.d2d3...E<exponent - 1>`; always at least one digit after the point.
    static func layout(negative: Bool, digits: [UInt8], exponent: Int) -> String {
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        let zero = UInt8(ascii: "0"), point = UInt8(ascii: ".")
        if exponent > 0 && exponent < 8 {
            let integerCount = min(digits.count, exponent)
            out += digits[..<integerCount]
            if integerCount < exponent {
                out += repeatElement(zero, count: exponent - integerCount)
                out += [point, zero]
            } else {
                out.append(point)
                if integerCount < digits.count { out += digits[integerCount...] } else { out.append(zero) }
            }
        } else if exponent <= 0 && exponent > -3 {
            out += [zero, point]
            out += repeatElement(zero, count: -exponent)
            out += digits
        } else {
            out += [digits.first ?? zero, point]
            if digits.count > 1 { out += digits[1...] } else { out.append(zero) }
            out.append(UInt8(ascii: "E"))
            out += Array(String(exponent - 1).utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// JDK 17's binary-to-decimal digit generation (a Steele & White style loop with a
    /// symmetric half-ulp margin, exact integer arithmetic in three widths).
    enum Digits {
        /// ASCII digits (no leading zero; a round-up may leave trailing zeros) and the
        /// exponent such that |value| = 0.digits x 10^exponent.
        static func generate(_ value: Double) -> (digits: [UInt8], exponent: Int) {
            let bits = value.bitPattern
            var fraction = Int64(bitPattern: bits & 0x000F_FFFF_FFFF_FFFF)
            var binaryExponent = Int((bits >> 52) & 0x7FF)
            let significantBits: Int
            if binaryExponent != 0 {
                fraction |= 1 << 52
                significantBits = 53
            } else {
                // Subnormal: normalize so that bit 52 is the leading one.
                let leadingZeros = fraction.leadingZeroBitCount
                let shift = leadingZeros - 11
                fraction <<= shift
                binaryExponent = 1 - shift
                significantBits = 64 - leadingZeros
            }
            return generate(binaryExponent: binaryExponent - 1023, fraction: fraction, significantBits: significantBits)
        }

        /// value = fraction x 2^(binaryExponent - 52), bit 52 of `fraction` set.
        static func generate(binaryExponent: Int, fraction: Int64, significantBits: Int) -> ([UInt8], Int) {
            let tailZeros = fraction.trailingZeroBitCount
            let fractionBits = 53 - tailZeros  // bits from the leading one to the last one
            let tinyBits = max(0, fractionBits - binaryExponent - 1)  // bits below the binary point

            // Integers below 2^63: the integer itself, less the digits below the ulp.
            if binaryExponent <= 62 && binaryExponent >= -21 && tinyBits == 0 && fractionBits < 64 {
                let dropped = binaryExponent > significantBits ? decimalDigits(ofPowerOfTwo: binaryExponent - significantBits - 1) - 1 : 0
                let integer = binaryExponent >= 52 ? fraction << (binaryExponent - 52) : fraction >> (52 - binaryExponent)
                return integerDigits(integer, dropping: dropped)
            }

            // value = B / S x 10^decimalExponent with B, S and the half-ulp margin M kept as
            // powers of 2 and 5 times the fraction bits.
            var decimalExponent = estimateDecimalExponent(fraction: fraction, binaryExponent: binaryExponent)
            let b5 = max(0, -decimalExponent), s5 = max(0, decimalExponent), m5 = b5
            var b2 = b5 + tinyBits + binaryExponent
            var s2 = s5 + tinyBits
            var m2 = b2 - significantBits
            let mantissa = fraction >> tailZeros
            b2 -= fractionBits - 1
            let common = min(b2, s2)
            b2 -= common; s2 -= common; m2 -= common
            if fractionBits == 1 { m2 -= 1 }  // a power of two: the gap below is half as wide
            if m2 < 0 { b2 -= m2; s2 -= m2; m2 = 0 }

            let bBits = fractionBits + b2 + (b5 < fiveBits.count ? fiveBits[b5] : b5 * 3)
            let tenSBits = s2 + 1 + (s5 + 1 < fiveBits.count ? fiveBits[s5 + 1] : (s5 + 1) * 3)
            // The plain format needs no second digit; the E format always shows one.
            let scientific = { decimalExponent < -3 || decimalExponent >= 8 }

            var digits: [UInt8] = []
            var low = false, high = false, roundingTie = 0
            if bBits < 64 && tenSBits < 64 {
                // Fixed-width loops, with Java's wrapping arithmetic (32-bit when everything fits).
                func run<I: FixedWidthInteger & SignedInteger>(_: I.Type) {
                    var b = (I(truncatingIfNeeded: mantissa) &* I(truncatingIfNeeded: power5(b5))) &<< I(b2)
                    let s = I(truncatingIfNeeded: power5(s5)) &<< I(s2)
                    var m = I(truncatingIfNeeded: power5(m5)) &<< I(m2)
                    let tens = s &* 10
                    var q = b / s
                    b = 10 &* (b % s)
                    m = m &* 10
                    low = b < m
                    high = b &+ m > tens
                    if q == 0 && !high { decimalExponent -= 1 } else { digits.append(UInt8(truncatingIfNeeded: 48 + Int(q))) }
                    if scientific() { low = false; high = false }
                    while !low && !high {
                        q = b / s
                        b = 10 &* (b % s)
                        m = m &* 10
                        if m > 0 {
                            low = b < m
                            high = b &+ m > tens
                        } else {
                            low = true; high = true  // m overflowed
                        }
                        digits.append(UInt8(truncatingIfNeeded: 48 + Int(q)))
                    }
                    let difference = (b &<< 1) &- tens
                    roundingTie = difference == 0 ? 0 : (difference > 0 ? 1 : -1)
                }
                if bBits < 32 && tenSBits < 32 { run(Int32.self) } else { run(Int64.self) }
            } else {
                // Exact arithmetic; note `>=` in the high test where the fast paths use `>`.
                var b = Big(UInt64(mantissa)), s = Big(1), m = Big(1)
                b.multiply(powerOfFive: b5, powerOfTwo: b2)
                s.multiply(powerOfFive: s5, powerOfTwo: s2)
                m.multiply(powerOfFive: m5 + 1, powerOfTwo: m2 + 1)  // 10 x M, as after one step
                var tenS = s
                tenS.multiply(by: 10)
                var sum = Big(0)
                func isHigh() -> Bool { sum.setSum(b, m); return !(sum < tenS) }
                var q = b.divideStep(by: s)
                low = b < m
                high = isHigh()
                if q == 0 && !high { decimalExponent -= 1 } else { digits.append(UInt8(48 + q)) }
                if scientific() { low = false; high = false }
                while !low && !high {
                    q = b.divideStep(by: s)
                    m.multiply(by: 10)
                    low = b < m
                    high = isHigh()
                    digits.append(UInt8(truncatingIfNeeded: 48 + q))
                }
                if high && low {
                    sum.setSum(b, b)
                    roundingTie = sum < tenS ? -1 : (sum == tenS ? 0 : 1)
                }
            }

            var exponent = decimalExponent + 1
            if high {
                let last = digits[digits.count - 1]
                if !low || roundingTie > 0 || (roundingTie == 0 && last & 1 != 0) {
                    roundUp(&digits, &exponent)
                }
            }
            return (digits, exponent)
        }

        /// Adds one to the last digit; a carry out of all nines gives `1` followed by the zeros
        /// (the digit count stays) and a larger exponent.
        static func roundUp(_ digits: inout [UInt8], _ exponent: inout Int) {
            var i = digits.count - 1
            while digits[i] == UInt8(ascii: "9") && i > 0 {
                digits[i] = UInt8(ascii: "0")
                i -= 1
            }
            if digits[i] == UInt8(ascii: "9") {
                exponent += 1
                digits[0] = UInt8(ascii: "1")
            } else {
                digits[i] += 1
            }
        }

        /// Digits of `integer` after rounding off its `dropped` low decimal digits (half up),
        /// trailing zeros removed.
        static func integerDigits(_ integer: Int64, dropping dropped: Int) -> ([UInt8], Int) {
            var value = integer
            if dropped > 0 {
                var scale: Int64 = 1
                for _ in 0..<dropped { scale *= 10 }
                let residue = value % scale
                value /= scale
                if residue >= scale / 2 { value += 1 }
            }
            var text = Array(String(value).utf8)
            let exponent = dropped + text.count
            while text.count > 1 && text.last == UInt8(ascii: "0") { text.removeLast() }
            return (text, exponent)
        }

        /// Number of decimal digits of 2^p (p < 63).
        static func decimalDigits(ofPowerOfTwo p: Int) -> Int {
            String(UInt64(1) << UInt64(p)).count
        }

        /// floor(log10(value)) estimated from a linear fit of log10 on the mantissa in [1, 2);
        /// may be one too high, which the first digit corrects.
        static func estimateDecimalExponent(fraction: Int64, binaryExponent: Int) -> Int {
            let mantissa = Double(bitPattern: 0x3FF0_0000_0000_0000 | (UInt64(fraction) & 0x000F_FFFF_FFFF_FFFF))
            let estimate = (mantissa - 1.5) * 0.289529654 + 0.176091259 + Double(binaryExponent) * 0.301029995663981
            return Int(estimate.rounded(.down))
        }

        /// Bit lengths of 5^i for i in 0...26 (0 for 5^0), as the width checks use them.
        static let fiveBits: [Int] = (0...26).map { $0 == 0 ? 0 : 64 - power5($0).leadingZeroBitCount }

        static func power5(_ n: Int) -> Int64 {
            var result: Int64 = 1
            for _ in 0..<n { result = result &* 5 }
            return result
        }
    }

    /// A small unsigned big integer (32-bit limbs, least significant first, no high zero limbs
    /// but one) for the wide case; operations work in place.
    struct Big: Comparable {
        var limbs: [UInt32]

        init(_ value: UInt64) {
            limbs = [UInt32(truncatingIfNeeded: value)]
            if value >> 32 != 0 { limbs.append(UInt32(value >> 32)) }
        }

        mutating func multiply(by factor: UInt32) {
            var carry: UInt64 = 0
            for i in limbs.indices {
                let product = UInt64(limbs[i]) * UInt64(factor) + carry
                limbs[i] = UInt32(truncatingIfNeeded: product)
                carry = product >> 32
            }
            if carry != 0 { limbs.append(UInt32(carry)) }
        }

        mutating func multiply(powerOfFive five: Int, powerOfTwo two: Int) {
            var remaining = five
            while remaining >= 13 { multiply(by: 1_220_703_125); remaining -= 13 }  // 5^13
            if remaining > 0 { multiply(by: UInt32(Digits.power5(remaining))) }
            guard two > 0, limbs != [0] else { return }
            let words = two / 32, bits = UInt32(two % 32)
            if bits != 0 {
                var carry: UInt32 = 0
                for i in limbs.indices {
                    let limb = limbs[i]
                    limbs[i] = (limb << bits) | carry
                    carry = limb >> (32 - bits)
                }
                if carry != 0 { limbs.append(carry) }
            }
            if words > 0 { limbs.insert(contentsOf: repeatElement(0, count: words), at: 0) }
        }

        /// self = a + b, reusing self's storage.
        mutating func setSum(_ a: Big, _ b: Big) {
            limbs.removeAll(keepingCapacity: true)
            var carry: UInt64 = 0
            for i in 0..<max(a.limbs.count, b.limbs.count) {
                let total = UInt64(i < a.limbs.count ? a.limbs[i] : 0) + UInt64(i < b.limbs.count ? b.limbs[i] : 0) + carry
                limbs.append(UInt32(truncatingIfNeeded: total))
                carry = total >> 32
            }
            if carry != 0 { limbs.append(UInt32(carry)) }
        }

        /// self -= other, for self >= other.
        mutating func subtract(_ other: Big) {
            var borrow: UInt64 = 0
            for i in limbs.indices {
                let subtrahend = UInt64(i < other.limbs.count ? other.limbs[i] : 0) + borrow
                let limb = UInt64(limbs[i])
                limbs[i] = UInt32(truncatingIfNeeded: limb &- subtrahend)
                borrow = limb < subtrahend ? 1 : 0
            }
            while limbs.count > 1 && limbs[limbs.count - 1] == 0 { limbs.removeLast() }
        }

        /// q = self / divisor (a single digit), then self = 10 x (self mod divisor).
        mutating func divideStep(by divisor: Big) -> Int {
            var q = 0
            while !(self < divisor) { subtract(divisor); q += 1 }
            multiply(by: 10)
            return q
        }

        static func < (a: Big, b: Big) -> Bool {
            if a.limbs.count != b.limbs.count { return a.limbs.count < b.limbs.count }
            for i in stride(from: a.limbs.count - 1, through: 0, by: -1) where a.limbs[i] != b.limbs[i] {
                return a.limbs[i] < b.limbs[i]
            }
            return false
        }
    }
}
