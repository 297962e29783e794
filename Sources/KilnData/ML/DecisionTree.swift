import Foundation

// MLlib's decision trees (ml.tree.impl.RandomForest with one tree and every feature): the same
// split candidates (quantile thresholds of continuous features, zeros of sparse vectors
// counted; categorical splits ordered by centroid, or every subset for small multiclass
// arities), the same gains and tie-breaking (first best feature, first best split), the same
// stopping rules and the same pruning of sibling leaves that predict alike. Grown depth
// first: a node's split depends only on its own rows, so the order Spark grows them in
// (level by level) gives the same tree.

public enum TreeImpurity: String, Sendable {
    case gini, entropy, variance

    /// The impurity of `stats`: class counts, or (count, sum, sum of squares) for variance.
    func calculate(_ stats: UnsafeBufferPointer<Double>) -> Double {
        switch self {
        case .gini:
            let total = stats.reduce(0, +)
            if total == 0 { return 0 }
            var impurity = 1.0
            for count in stats { let freq = count / total; impurity -= freq * freq }
            return impurity
        case .entropy:
            let total = stats.reduce(0, +)
            if total == 0 { return 0 }
            var impurity = 0.0
            for count in stats where count != 0 { let freq = count / total; impurity -= freq * (log(freq) / log(2.0)) }
            return impurity
        case .variance:
            let count = stats[0]
            if count == 0 { return 0 }
            return (stats[2] - stats[1] * stats[1] / count) / count
        }
    }

    func count(_ stats: UnsafeBufferPointer<Double>) -> Double { self == .variance ? stats[0] : stats.reduce(0, +) }

    /// The first class with the largest count, or the mean.
    func predict(_ stats: [Double]) -> Double {
        if self == .variance { return stats[0] == 0 ? 0 : stats[1] / stats[0] }
        var best = 0
        for i in stats.indices where stats[i] > stats[best] { best = i }
        return Double(best)
    }
}

/// How a node sends a row left.
public enum TreeSplit: Sendable, Equatable {
    case continuous(feature: Int, threshold: Double)
    /// The categories (sorted) that go left.
    case categorical(feature: Int, left: [Double], numCategories: Int)

    public var feature: Int {
        switch self {
        case let .continuous(f, _), let .categorical(f, _, _): f
        }
    }

    func goesLeft(_ value: Double) -> Bool {
        switch self {
        case let .continuous(_, threshold): value <= threshold
        case let .categorical(_, left, _): left.contains(value)
        }
    }

    /// Node.splitToString: Spark prints the smaller side's categories as "left" only when it
    /// keeps them so; it always prints the left categories.
    func text(left: Bool) -> String {
        switch self {
        case let .continuous(f, threshold): "feature \(f) \(left ? "<=" : ">") \(JavaDoubleFormat.string(threshold))"
        case let .categorical(f, categories, _):
            "feature \(f) \(left ? "in" : "not in") {\(categories.map(JavaDoubleFormat.string).joined(separator: ","))}"
        }
    }
}

public indirect enum TreeNode: Sendable {
    case leaf(prediction: Double, impurity: Double, stats: [Double])
    case `internal`(prediction: Double, impurity: Double, gain: Double, split: TreeSplit, stats: [Double], left: TreeNode, right: TreeNode)

    public var prediction: Double {
        switch self {
        case let .leaf(p, _, _), let .internal(p, _, _, _, _, _, _): p
        }
    }

    /// Leaves are depth 0.
    public var depth: Int {
        if case let .internal(_, _, _, _, _, l, r) = self { return 1 + max(l.depth, r.depth) }
        return 0
    }

    public var numNodes: Int {
        if case let .internal(_, _, _, _, _, l, r) = self { return 1 + l.numNodes + r.numNodes }
        return 1
    }

    /// The leaf `features` reaches.
    func leaf(for features: SparkVector) -> TreeNode {
        var node = self
        while case let .internal(_, _, _, split, _, left, right) = node {
            node = split.goesLeft(features[split.feature]) ? left : right
        }
        return node
    }

    func subtreeString(indent: Int) -> String {
        let prefix = String(repeating: " ", count: indent)
        switch self {
        case let .leaf(prediction, _, _):
            return prefix + "Predict: \(JavaDoubleFormat.string(prediction))\n"
        case let .internal(_, _, _, split, _, left, right):
            return prefix + "If (\(split.text(left: true)))\n" + left.subtreeString(indent: indent + 1)
                + prefix + "Else (\(split.text(left: false)))\n" + right.subtreeString(indent: indent + 1)
        }
    }
}

/// The parameters both trees share (Spark's defaults).
public struct TreeParams: Sendable {
    public var maxDepth = 5
    public var maxBins = 32
    public var minInstancesPerNode = 1
    public var minInfoGain = 0.0
    /// Spark's default is the hash of the class name; it only picks the rows thresholds are
    /// drawn from when there are more than max(maxBins², 10000).
    public var seed: Int64 = 0
    public init(maxDepth: Int = 5, maxBins: Int = 32, minInstancesPerNode: Int = 1, minInfoGain: Double = 0, seed: Int64 = 0) {
        self.maxDepth = maxDepth; self.maxBins = maxBins; self.minInstancesPerNode = minInstancesPerNode; self.minInfoGain = minInfoGain; self.seed = seed
    }
}

/// Fits one tree on binned features.
struct TreeLearner {
    let params: TreeParams
    let impurity: TreeImpurity
    let numClasses: Int  // 0 for regression
    var statsSize: Int { impurity == .variance ? 3 : numClasses }

    enum FeatureKind { case continuous([Double]), ordered(Int), unordered(Int) }

    /// Spark's Utils.EPSILON.
    static let epsilon: Double = { var eps = 1.0; while 1.0 + eps / 2.0 != 1.0 { eps /= 2.0 }; return eps }()

    func fit(features: [SparkVector], labels: [Double], categorical: [Int: Int], numFeatures: Int) throws -> TreeNode {
        let n = features.count
        guard n > 0 else { throw PipelineError("requirement failed: DecisionTree requires size of input RDD > 0, but was given by empty one.") }
        let maxPossibleBins = min(params.maxBins, n)
        if let (feature, arity) = categorical.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }), arity > maxPossibleBins {
            throw PipelineError("requirement failed: DecisionTree requires maxBins (= \(maxPossibleBins)) to be at least as large as the number of values in each categorical feature, but categorical feature \(feature) has \(arity) values. Consider removing this and other categorical features with a large number of values, or add more training examples.")
        }
        let maxUnordered = Int((log(Double(maxPossibleBins / 2 + 1)) / log(2.0) + 1).rounded(.down))
        // Continuous features' thresholds from (a sample of) the rows.
        let fraction = Double(max(params.maxBins * params.maxBins, 10000)) < Double(n) ? Double(max(params.maxBins * params.maxBins, 10000)) / Double(n) : 1.0
        var sample: [Int] = Array(0..<n)
        if fraction < 1 {
            var random = XORShiftRandom(seed: params.seed)
            sample = (0..<n).filter { _ in random.nextDouble() < fraction }
        }
        var kinds: [FeatureKind] = []
        for f in 0..<numFeatures {
            if let arity = categorical[f], arity > 1 {
                kinds.append(numClasses > 2 && arity <= maxUnordered ? .unordered(arity) : .ordered(arity))
            } else {
                kinds.append(.continuous(Self.thresholds(f, features, sample, numSplits: maxPossibleBins - 1, weightedSamples: fraction * Double(n))))
            }
        }
        // Bins, feature-major.
        var bins = [UInt16](repeating: 0, count: n * numFeatures)
        for (row, vector) in features.enumerated() {
            let dense = vector.dense
            for f in 0..<numFeatures {
                let value = dense[f]
                switch kinds[f] {
                case let .continuous(thresholds):
                    var low = 0, high = thresholds.count
                    while low < high { let mid = (low + high) / 2; if thresholds[mid] < value { low = mid + 1 } else { high = mid } }
                    bins[f * n + row] = UInt16(low)
                case let .ordered(arity), let .unordered(arity):
                    guard value >= 0, value < Double(arity), value == value.rounded(.down) else {
                        throw PipelineError("DecisionTree given invalid data: Feature \(f) is categorical with values in {0,...,\(arity - 1)}, but a data point gives it value \(JavaDoubleFormat.string(value)).")
                    }
                    bins[f * n + row] = UInt16(value)
                }
            }
        }
        var grower = Grower(learner: self, kinds: kinds, bins: bins, n: n, labels: labels)
        return grower.grow(rows: Array(0..<n), level: 0)
    }

    /// findSplitsForContinuousFeature: every midpoint when there are few distinct values, else
    /// the midpoints nearest each multiple of count / (numSplits + 1).
    static func thresholds(_ feature: Int, _ features: [SparkVector], _ sample: [Int], numSplits: Int, weightedSamples: Double) -> [Double] {
        var counts: [Double: Double] = [:]
        for row in sample {
            let value = features[row][feature]
            if value != 0 { counts[value, default: 0] += 1 }
        }
        if counts.isEmpty { return [] }
        let partSamples = counts.values.reduce(0, +)
        let tolerance = epsilon * Double(sample.count) * 100
        if weightedSamples - partSamples > tolerance { counts[0.0, default: 0] += weightedSamples - partSamples }
        let valueCounts = counts.sorted { $0.key < $1.key }
        let possible = valueCounts.count - 1
        if possible == 0 { return [] }
        if possible <= numSplits {
            return (1...possible).map { (valueCounts[$0 - 1].key + valueCounts[$0].key) / 2.0 }
        }
        let stride = weightedSamples / Double(numSplits + 1)
        var splits: [Double] = []
        var current = valueCounts[0].value
        var target = stride
        for index in 1..<valueCounts.count {
            let previous = current
            current += valueCounts[index].value
            if abs(previous - target) < abs(current - target) {
                splits.append((valueCounts[index - 1].key + valueCounts[index].key) / 2.0)
                target += stride
            }
        }
        return splits
    }
}

/// The recursive part of fitting: best split per node, children, pruning.
struct Grower {
    let learner: TreeLearner
    let kinds: [TreeLearner.FeatureKind]
    let bins: [UInt16]
    let n: Int
    let labels: [Double]

    var impurity: TreeImpurity { learner.impurity }
    var statsSize: Int { learner.statsSize }

    func add(_ stats: inout [Double], at offset: Int, row: Int) {
        if impurity == .variance {
            let y = labels[row]
            stats[offset] += 1; stats[offset + 1] += y; stats[offset + 2] += y * y
        } else {
            stats[offset + Int(labels[row])] += 1
        }
    }

    func calc(_ stats: [Double], _ offset: Int = 0) -> Double {
        stats.withUnsafeBufferPointer { impurity.calculate(UnsafeBufferPointer(rebasing: $0[offset..<offset + statsSize])) }
    }

    func count(_ stats: [Double], _ offset: Int = 0) -> Double {
        stats.withUnsafeBufferPointer { impurity.count(UnsafeBufferPointer(rebasing: $0[offset..<offset + statsSize])) }
    }

    struct Candidate { var gain: Double; var split: TreeSplit; var left: [Double]; var right: [Double] }

    /// calculateImpurityStats: nil when a child is too small or the gain below minInfoGain.
    func gain(parentImpurity: Double, left: [Double], right: [Double]) -> Double? {
        let leftCount = count(left), rightCount = count(right)
        let minimum = Double(learner.params.minInstancesPerNode)
        if leftCount < minimum || rightCount < minimum { return nil }
        let total = leftCount + rightCount
        let g = parentImpurity - leftCount / total * calc(left) - rightCount / total * calc(right)
        return g < learner.params.minInfoGain ? nil : g
    }

    mutating func grow(rows: [Int], level: Int) -> TreeNode {
        var total = [Double](repeating: 0, count: statsSize)
        for row in rows { add(&total, at: 0, row: row) }
        return grow(rows: rows, level: level, total: total, isLeaf: level == learner.params.maxDepth, isRoot: true)
    }

    /// `total`: the node's statistics as its parent's split computed them.
    mutating func grow(rows: [Int], level: Int, total given: [Double], isLeaf: Bool, isRoot: Bool = false) -> TreeNode {
        if isLeaf { return .leaf(prediction: impurity.predict(given), impurity: calc(given), stats: given) }
        let (found, rootStats) = bestSplit(rows, parentImpurity: isRoot ? nil : calc(given))
        let total = rootStats ?? given
        let nodeImpurity = calc(total)
        guard let best = found, best.gain > 0 else {
            return .leaf(prediction: impurity.predict(total), impurity: nodeImpurity, stats: total)
        }
        var leftRows: [Int] = [], rightRows: [Int] = []
        let f = best.split.feature
        for row in rows {
            let bin = Int(bins[f * n + row])
            let goesLeft: Bool
            switch best.split {
            case let .continuous(feature, _):
                if case let .continuous(thresholds) = kinds[feature] { goesLeft = bin < thresholds.count && Self.binGoesLeft(bin, thresholds, best.split) } else { goesLeft = false }
            case .categorical: goesLeft = best.split.goesLeft(Double(bin))
            }
            if goesLeft { leftRows.append(row) } else { rightRows.append(row) }
        }
        let childLevel = level + 1
        let childIsLeaf = childLevel == learner.params.maxDepth
        let left = grow(rows: leftRows, level: childLevel, total: best.left, isLeaf: childIsLeaf || abs(calc(best.left)) < TreeLearner.epsilon)
        let right = grow(rows: rightRows, level: childLevel, total: best.right, isLeaf: childIsLeaf || abs(calc(best.right)) < TreeLearner.epsilon)
        if case let .leaf(lp, _, _) = left, case let .leaf(rp, _, _) = right, lp == rp {
            return .leaf(prediction: lp, impurity: nodeImpurity, stats: total)
        }
        return .internal(prediction: impurity.predict(total), impurity: nodeImpurity, gain: best.gain, split: best.split, stats: total, left: left, right: right)
    }

    static func binGoesLeft(_ bin: Int, _ thresholds: [Double], _ split: TreeSplit) -> Bool {
        guard case let .continuous(_, threshold) = split else { return false }
        return thresholds[bin] <= threshold
    }

    /// The best split of a node; `parentImpurity` nil at the root, where Spark takes the
    /// parent's statistics from the first split it evaluates.
    func bestSplit(_ rows: [Int], parentImpurity given: Double?) -> (Candidate?, [Double]?) {
        var best: Candidate?
        let s = statsSize
        var rowTotal = [Double](repeating: 0, count: s)
        for row in rows { add(&rowTotal, at: 0, row: row) }
        var rootStats: [Double]?
        var parentImpurityValue = given
        func gain(parentImpurity _: Double, left: [Double], right: [Double]) -> Double? {
            if parentImpurityValue == nil {
                rootStats = (0..<s).map { left[$0] + right[$0] }
                parentImpurityValue = calc(rootStats!)
            }
            return self.gain(parentImpurity: parentImpurityValue!, left: left, right: right)
        }
        let parentImpurity = 0.0
        func consider(_ g: Double?, _ split: @autoclosure () -> TreeSplit, _ left: [Double], _ right: [Double]) {
            guard let g else { return }
            if best == nil || g > best!.gain { best = Candidate(gain: g, split: split(), left: left, right: right) }
        }
        for (f, kind) in kinds.enumerated() {
            let featureBins = bins.withUnsafeBufferPointer { UnsafeBufferPointer(rebasing: $0[(f * n)..<(f * n + n)]) }
            switch kind {
            case let .continuous(thresholds):
                let splits = thresholds.count
                if splits == 0 { continue }
                var hist = [Double](repeating: 0, count: (splits + 1) * s)
                for row in rows { add(&hist, at: Int(featureBins[row]) * s, row: row) }
                // Cumulative bins, as Spark merges them: the last holds the node's total.
                for bin in 1...splits { for k in 0..<s { hist[bin * s + k] += hist[(bin - 1) * s + k] } }
                let last = Array(hist[splits * s..<(splits + 1) * s])
                var featureBest: (Double, Int, [Double], [Double])?
                for split in 0..<splits {
                    let left = Array(hist[split * s..<(split + 1) * s])
                    let right = (0..<s).map { last[$0] - left[$0] }
                    if let g = gain(parentImpurity: parentImpurity, left: left, right: right), featureBest == nil || g > featureBest!.0 {
                        featureBest = (g, split, left, right)
                    }
                }
                if let (g, split, l, r) = featureBest { consider(g, .continuous(feature: f, threshold: thresholds[split]), l, r) }
            case let .ordered(arity):
                var hist = [Double](repeating: 0, count: arity * s)
                for row in rows { add(&hist, at: Int(featureBins[row]) * s, row: row) }
                let centroids: [(Int, Double)] = (0..<arity).map { category in
                    let stats = Array(hist[category * s..<(category + 1) * s])
                    guard count(stats) != 0 else { return (category, Double.greatestFiniteMagnitude) }
                    if impurity == .variance { return (category, impurity.predict(stats)) }
                    if learner.numClasses > 2 { return (category, calc(stats)) }
                    return (category, stats.count > 1 ? stats[1] : 0)
                }
                // A stable sort, as Scala's List.sortBy.
                let order = centroids.enumerated().sorted { $0.element.1 != $1.element.1 ? $0.element.1 < $1.element.1 : $0.offset < $1.offset }.map(\.element.0)
                for split in 0..<(arity - 1) { for k in 0..<s { hist[order[split + 1] * s + k] += hist[order[split] * s + k] } }
                let last = Array(hist[order[arity - 1] * s..<(order[arity - 1] + 1) * s])
                var featureBest: (Double, Int, [Double], [Double])?
                for split in 0..<(arity - 1) {
                    let left = Array(hist[order[split] * s..<(order[split] + 1) * s])
                    let right = (0..<s).map { last[$0] - left[$0] }
                    if let g = gain(parentImpurity: parentImpurity, left: left, right: right), featureBest == nil || g > featureBest!.0 {
                        featureBest = (g, split, left, right)
                    }
                }
                if let (g, split, l, r) = featureBest {
                    consider(g, .categorical(feature: f, left: order[0...split].map(Double.init).sorted(), numCategories: arity), l, r)
                }
            case let .unordered(arity):
                var hist = [Double](repeating: 0, count: arity * s)
                for row in rows { add(&hist, at: Int(featureBins[row]) * s, row: row) }
                var featureBest: (Double, [Double], [Double], [Double])?
                for split in 0..<((1 << (arity - 1)) - 1) {
                    let mask = split + 1
                    let categories = (0..<arity).filter { mask >> $0 & 1 == 1 }
                    var left = [Double](repeating: 0, count: s)
                    for c in categories { for k in 0..<s { left[k] += hist[c * s + k] } }
                    let right = (0..<s).map { rowTotal[$0] - left[$0] }
                    if let g = gain(parentImpurity: parentImpurity, left: left, right: right), featureBest == nil || g > featureBest!.0 {
                        featureBest = (g, categories.map(Double.init), left, right)
                    }
                }
                if let (g, categories, l, r) = featureBest { consider(g, .categorical(feature: f, left: categories, numCategories: arity), l, r) }
            }
        }
        return (best, rootStats)
    }
}
