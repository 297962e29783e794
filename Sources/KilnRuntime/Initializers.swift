import Foundation

/// SplitMix64: a small, seedable generator for weight initialisation and shuffling.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in (0, 1).
    public mutating func nextUniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }
    /// Standard normal (Box-Muller).
    public mutating func nextGaussian() -> Double {
        (-2 * log(nextUniform())).squareRoot() * cos(2 * .pi * nextUniform())
    }
    public mutating func nextInt(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

extension Initializer {
    /// Keras's Orthogonal: a normal (max, min) matrix's QR factor Q, its columns' signs those of R's
    /// diagonal, transposed when the weight is wider than tall, times gain. (Gram-Schmidt, in float64.)
    static func orthogonal(rows: Int, count: Int, gain: Float, rng: inout SplitMix64) -> [Float] {
        let cols = count / rows, tall = max(rows, cols), wide = min(rows, cols)
        // a (tall, wide), column-major: its columns orthonormalized in turn.
        var q = [Double](repeating: 0, count: tall * wide)
        for i in q.indices { q[i] = rng.nextGaussian() }
        for j in 0..<wide {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<tall { dot += q[k * tall + i] * q[j * tall + i] }
                for i in 0..<tall { q[j * tall + i] -= dot * q[k * tall + i] }
            }
            var norm = 0.0
            for i in 0..<tall { norm += q[j * tall + i] * q[j * tall + i] }
            norm = norm.squareRoot()
            // R's diagonal is the norm, positive: Q's column keeps its sign.
            for i in 0..<tall { q[j * tall + i] /= norm > 0 ? norm : 1 }
        }
        var out = [Float](repeating: 0, count: count)
        for r in 0..<rows {
            for c in 0..<cols {
                // rows >= cols: out = Q (tall = rows); else out = Q^T.
                out[r * cols + c] = Float(Double(gain) * (rows >= cols ? q[c * tall + r] : q[r * tall + c]))
            }
        }
        return out
    }

    /// Keras 3's formulas. VarianceScaling's truncated normal divides the stddev by
    /// 0.87962566103423978 (the stddev of a unit normal truncated at +-2) and redraws beyond 2 stddev.
    public func sample(count: Int, fanIn: Int, fanOut: Int, rng: inout SplitMix64) -> [Float] {
        func uniform(_ low: Double, _ high: Double) -> [Float] { (0..<count).map { _ in Float(low + (high - low) * rng.nextUniform()) } }
        func truncated(mean: Double, stddev: Double) -> [Float] {
            (0..<count).map { _ in
                var z = rng.nextGaussian()
                while abs(z) > 2 { z = rng.nextGaussian() }
                return Float(mean + stddev * z)
            }
        }
        let fanAvg = Double(fanIn + fanOut) / 2
        switch self {
        case .glorotUniform: let limit = (3 / fanAvg).squareRoot(); return uniform(-limit, limit)
        case .heUniform: let limit = (6 / Double(fanIn)).squareRoot(); return uniform(-limit, limit)
        case .lecunUniform: let limit = (3 / Double(fanIn)).squareRoot(); return uniform(-limit, limit)
        case .glorotNormal: return truncated(mean: 0, stddev: (1 / fanAvg).squareRoot() / 0.87962566103423978)
        case .heNormal: return truncated(mean: 0, stddev: (2 / Double(fanIn)).squareRoot() / 0.87962566103423978)
        case .lecunNormal: return truncated(mean: 0, stddev: (1 / Double(fanIn)).squareRoot() / 0.87962566103423978)
        case .zeros: return [Float](repeating: 0, count: count)
        case .ones: return [Float](repeating: 1, count: count)
        case let .constant(value): return [Float](repeating: value, count: count)
        case let .randomNormal(mean, stddev): return (0..<count).map { _ in mean + stddev * Float(rng.nextGaussian()) }
        case let .randomUniform(minval, maxval): return uniform(Double(minval), Double(maxval))
        case let .truncatedNormal(mean, stddev): return truncated(mean: Double(mean), stddev: Double(stddev))
        case let .orthogonal(gain): return Self.orthogonal(rows: max(fanIn, 1), count: count, gain: gain, rng: &rng)
        case let .unitForgetBias(base):
            let units = count / 4
            return base.sample(count: units, fanIn: fanIn, fanOut: fanOut, rng: &rng) + [Float](repeating: 1, count: units)
                + base.sample(count: count - 2 * units, fanIn: fanIn, fanOut: fanOut, rng: &rng)
        }
    }
}
