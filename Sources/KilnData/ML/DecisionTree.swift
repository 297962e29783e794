import Foundation
import Dispatch

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
public enum TreeSplit: Sendable, Equatable, Codable {
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

public indirect enum TreeNode: Sendable, Codable {
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

/// A tree as arrays, for predicting many rows: node i splits on feature[i] (continuous:
/// value <= threshold[i] goes left; categorical: value in categories[i]), or is leaf leafOf[i].
struct FlatTree {
    var feature: [Int] = [], threshold: [Double] = [], categories: [[Double]?] = [], left: [Int] = [], right: [Int] = [], leafOf: [Int] = []
    /// Whether node i splits by categories: continuous nodes never touch `categories` (no retain per step).
    var isCategorical: [Bool] = []
    var leaves: [(prediction: Double, stats: [Double])] = []

    init(_ root: TreeNode) { _ = add(root) }

    mutating func add(_ node: TreeNode) -> Int {
        let index = feature.count
        feature.append(0); threshold.append(0); categories.append(nil); left.append(-1); right.append(-1); leafOf.append(-1); isCategorical.append(false)
        switch node {
        case let .leaf(prediction, _, stats):
            leafOf[index] = leaves.count
            leaves.append((prediction, stats))
        case let .internal(_, _, _, split, _, l, r):
            switch split {
            case let .continuous(f, t): feature[index] = f; threshold[index] = t
            case let .categorical(f, cats, _): feature[index] = f; categories[index] = cats; isCategorical[index] = true
            }
            let li = add(l), ri = add(r)
            left[index] = li; right[index] = ri
        }
        return index
    }

    /// The leaf of each row (-1 for a null vector), rows split over the cores.
    func leaves(_ vectors: [SparkVector?]) -> [Int32] {
        var out = [Int32](repeating: -1, count: vectors.count)
        let chunks = vectors.count < 65_536 ? 1 : ProcessInfo.processInfo.activeProcessorCount
        out.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let target = out
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let lower = vectors.count * chunk / chunks, upper = vectors.count * (chunk + 1) / chunks
                for row in lower..<upper { if let v = vectors[row] { target[row] = Int32(leaf(v)) } }
            }
        }
        return out
    }

    /// Each row's leaf in every tree, [rows, trees] (-1 for a null vector): one pass over the rows,
    /// split over the cores, each row walking every tree while its features are in cache.
    static func leaves(of trees: [FlatTree], _ vectors: [SparkVector?]) -> [Int32] {
        let t = trees.count
        var out = [Int32](repeating: -1, count: vectors.count * t)
        let chunks = vectors.count * t < 65_536 ? 1 : ProcessInfo.processInfo.activeProcessorCount
        out.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let target = out
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let lower = vectors.count * chunk / chunks, upper = vectors.count * (chunk + 1) / chunks
                for row in lower..<upper {
                    guard let v = vectors[row] else { continue }
                    for (k, tree) in trees.enumerated() { target[row * t + k] = Int32(tree.leaf(v)) }
                }
            }
        }
        return out
    }

    /// Each row's sum + tree(x) * weight, tree by tree in order (nil where the features are null):
    /// boosting's margin, and a regression forest's total.
    static func weightedSums(_ trees: [TreeNode], _ weights: [Double], _ vectors: [SparkVector?]) -> [Double?] {
        let flats = trees.map(FlatTree.init), t = trees.count
        let leaves = leaves(of: flats, vectors)  // [rows, trees]
        return vectors.indices.map { row in
            guard t == 0 || leaves[row * t] >= 0 else { return nil }
            var sum = 0.0
            for k in 0..<t { sum = sum + flats[k].leaves[Int(leaves[row * t + k])].prediction * weights[k] }
            return sum
        }
    }

    /// The leaf `features` reaches.
    func leaf(_ features: SparkVector) -> Int {
        var i = 0
        if features.indices == nil {
            return features.values.withUnsafeBufferPointer { values in
                while leafOf[i] < 0 {
                    let value = values[feature[i]]
                    let goesLeft = isCategorical[i] ? categories[i]!.contains(value) : value <= threshold[i]
                    i = goesLeft ? left[i] : right[i]
                }
                return leafOf[i]
            }
        }
        while leafOf[i] < 0 {
            let value = features[feature[i]]
            let goesLeft = isCategorical[i] ? categories[i]!.contains(value) : value <= threshold[i]
            i = goesLeft ? left[i] : right[i]
        }
        return leafOf[i]
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
        fit(try bin(features: features, categorical: categorical, numFeatures: numFeatures), labels: labels)
    }

    /// A tree on rows already binned (boosting fits every tree on the same bins).
    func fit(_ data: Binned, labels: [Double]) -> TreeNode {
        var grower = Grower(learner: self, kinds: data.kinds, bins: data.bins, n: labels.count, labels: labels)
        return grower.grow(rows: Array(0..<labels.count), level: 0)
    }

    /// Every feature's kind (a continuous one's thresholds) and every row's bins, feature-major.
    struct Binned { var kinds: [FeatureKind]; var bins: [UInt16] }

    func bin(features: [SparkVector], categorical: [Int: Int], numFeatures: Int) throws -> Binned {
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
        // Continuous features' non-zero sample values, gathered from the stored entries only.
        let isCategorical = (0..<numFeatures).map { (categorical[$0] ?? 0) > 1 }
        var nonZero = [[Double]](repeating: [], count: numFeatures)
        for row in sample { features[row].forEachActive { i, v in if v != 0 && !isCategorical[i] { nonZero[i].append(v) } } }
        var kinds: [FeatureKind] = []
        for f in 0..<numFeatures {
            if isCategorical[f], let arity = categorical[f] {
                kinds.append(numClasses > 2 && arity <= maxUnordered ? .unordered(arity) : .ordered(arity))
            } else {
                nonZero[f].sort()
                kinds.append(.continuous(Self.thresholds(nonZero[f], sampleCount: sample.count, numSplits: maxPossibleBins - 1, weightedSamples: fraction * Double(n))))
            }
        }
        // Bins, feature-major: every row starts in its feature's bin of 0, then stored entries move.
        func continuousBin(_ thresholds: [Double], _ value: Double) -> UInt16 {
            var low = 0, high = thresholds.count
            while low < high { let mid = (low + high) / 2; if thresholds[mid] < value { low = mid + 1 } else { high = mid } }
            return UInt16(low)
        }
        var bins = [UInt16](repeating: 0, count: n * numFeatures)
        for (f, kind) in kinds.enumerated() {
            if case let .continuous(thresholds) = kind, !thresholds.isEmpty {
                let zero = continuousBin(thresholds, 0)
                for row in 0..<n { bins[f * n + row] = zero }
            }
        }
        // Thresholds of every feature in one buffer (a feature's slice: start[f]..<start[f + 1]),
        // arity 0 for continuous features: no enum payload is copied per value.
        var flat: [Double] = [], start = [0], arity = [Int](repeating: 0, count: numFeatures)
        for (f, kind) in kinds.enumerated() {
            switch kind {
            case let .continuous(thresholds): flat += thresholds
            case let .ordered(a), let .unordered(a): arity[f] = a
            }
            start.append(flat.count)
        }
        // Rows in chunks over the cores; each chunk keeps its first invalid value, the first chunk's wins.
        let chunks = n * numFeatures < 1_000_000 ? 1 : ProcessInfo.processInfo.activeProcessorCount
        var invalids = [(Int, Int, Double)?](repeating: nil, count: chunks)
        flat.withUnsafeBufferPointer { flat in
            bins.withUnsafeMutableBufferPointer { bins in
                invalids.withUnsafeMutableBufferPointer { invalids in
                    nonisolated(unsafe) let (flat, bins, invalids) = (flat, bins, invalids)
                    let (start, arity) = (start, arity)
                    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                        for row in (n * chunk / chunks)..<(n * (chunk + 1) / chunks) {
                            features[row].forEachActive { f, value in
                                let k = arity[f]
                                if k == 0 {
                                    var low = start[f], high = start[f + 1]
                                    guard low < high else { return }
                                    let first = low
                                    while low < high { let mid = (low + high) / 2; if flat[mid] < value { low = mid + 1 } else { high = mid } }
                                    bins[f * n + row] = UInt16(low - first)
                                } else if value >= 0, value < Double(k), value == value.rounded(.down) {
                                    bins[f * n + row] = UInt16(value)
                                } else if invalids[chunk] == nil {
                                    invalids[chunk] = (f, k, value)
                                }
                            }
                        }
                    }
                }
            }
        }
        let invalid = invalids.compactMap { $0 }.first
        if let (f, arity, value) = invalid {
            throw PipelineError("DecisionTree given invalid data: Feature \(f) is categorical with values in {0,...,\(arity - 1)}, but a data point gives it value \(JavaDoubleFormat.string(value)).")
        }
        return Binned(kinds: kinds, bins: bins)
    }

    /// findSplitsForContinuousFeature: every midpoint when there are few distinct values, else
    /// the midpoints nearest each multiple of count / (numSplits + 1).
    static func thresholds(_ sortedNonZero: [Double], sampleCount: Int, numSplits: Int, weightedSamples: Double) -> [Double] {
        if sortedNonZero.isEmpty { return [] }
        // (value, count) of each distinct value, ascending, the zeros' count added as Spark adds it.
        var valueCounts: [(key: Double, value: Double)] = []
        for v in sortedNonZero {
            if let last = valueCounts.last, last.key == v { valueCounts[valueCounts.count - 1].value += 1 } else { valueCounts.append((v, 1)) }
        }
        let partSamples = Double(sortedNonZero.count)
        let tolerance = epsilon * Double(sampleCount) * 100
        if weightedSamples - partSamples > tolerance {
            let position = valueCounts.firstIndex { $0.key > 0 } ?? valueCounts.count
            valueCounts.insert((0.0, weightedSamples - partSamples), at: position)
        }
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
    /// Each row's weight (a forest's bootstrap counts); nil: every row once.
    var weights: [Double]? = nil
    /// The features a node may split on, in the order they are scored (a forest's subset); nil: all.
    var featureOrder: [Int]? = nil

    var impurity: TreeImpurity { learner.impurity }
    var statsSize: Int { learner.statsSize }

    func add(_ stats: inout [Double], at offset: Int, row: Int) {
        let w = weights?[row] ?? 1
        if impurity == .variance {
            let y = labels[row]
            stats[offset] += w; stats[offset + 1] += w * y; stats[offset + 2] += w * y * y
        } else {
            stats[offset + Int(labels[row])] += w
        }
    }

    func calc(_ stats: [Double], _ offset: Int = 0) -> Double {
        stats.withUnsafeBufferPointer { impurity.calculate(UnsafeBufferPointer(rebasing: $0[offset..<offset + statsSize])) }
    }

    func count(_ stats: [Double], _ offset: Int = 0) -> Double {
        stats.withUnsafeBufferPointer { impurity.count(UnsafeBufferPointer(rebasing: $0[offset..<offset + statsSize])) }
    }

    struct Candidate { var gain: Double; var split: TreeSplit; var left: [Double]; var right: [Double] }

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
        let (leftRows, rightRows) = partition(rows, by: best.split)
        let childLevel = level + 1
        let childIsLeaf = childLevel == learner.params.maxDepth
        let left = grow(rows: leftRows, level: childLevel, total: best.left, isLeaf: childIsLeaf || abs(calc(best.left)) < TreeLearner.epsilon)
        let right = grow(rows: rightRows, level: childLevel, total: best.right, isLeaf: childIsLeaf || abs(calc(best.right)) < TreeLearner.epsilon)
        if case let .leaf(lp, _, _) = left, case let .leaf(rp, _, _) = right, lp == rp {
            return .leaf(prediction: lp, impurity: nodeImpurity, stats: total)
        }
        return .internal(prediction: impurity.predict(total), impurity: nodeImpurity, gain: best.gain, split: best.split, stats: total, left: left, right: right)
    }

    /// The rows that go left and right of `split`. Which bins of the split's feature go left is
    /// decided once: a continuous bin b when its upper threshold is at most the split's (the last
    /// bin never), a category when it is one of the left ones.
    func partition(_ rows: [Int], by split: TreeSplit) -> ([Int], [Int]) {
        let f = split.feature
        let leftBins: [Bool]
        switch (split, kinds[f]) {
        case let (.continuous(_, threshold), .continuous(thresholds)): leftBins = thresholds.map { $0 <= threshold } + [false]
        case let (.categorical(_, left, arity), _): leftBins = (0..<arity).map { left.contains(Double($0)) }
        default: leftBins = []
        }
        var leftRows: [Int] = [], rightRows: [Int] = []
        for row in rows {
            if leftBins[Int(bins[f * n + row])] { leftRows.append(row) } else { rightRows.append(row) }
        }
        return (leftRows, rightRows)
    }

    /// Scratch buffers for scoring one feature's candidates: bin statistics and a left and right side.
    final class Scratch {
        let hist: UnsafeMutableBufferPointer<Double>, left: UnsafeMutableBufferPointer<Double>, right: UnsafeMutableBufferPointer<Double>
        init(bins: Int, stats: Int) {
            hist = .allocate(capacity: bins * stats); left = .allocate(capacity: stats); right = .allocate(capacity: stats)
        }
        deinit { hist.deallocate(); left.deallocate(); right.deallocate() }
    }

    /// The rows times features from which a node scores its features on the cores (a test
    /// sets it past any node to compare with the serial order).
    nonisolated(unsafe) static var parallelWork = 100_000

    /// The parent's statistics a node's candidates are scored against. At the root Spark takes
    /// them from the first candidate it scores; below, from the split that made the node.
    struct Parent { var stats: [Double]?; var impurity: Double; let fromFirstCandidate: Bool }

    /// The best split of a node; `parentImpurity` nil at the root, where Spark takes the
    /// parent's statistics from the first split it evaluates. Features are scored in order, as
    /// Spark's maxBy keeps the first best; a large node scores every feature after the first on
    /// the cores (each feature's sums are the same either way), then takes the first best.
    func bestSplit(_ rows: [Int], parentImpurity given: Double?) -> (Candidate?, [Double]?) {
        let s = statsSize
        var rowTotal = [Double](repeating: 0, count: s)
        for row in rows { add(&rowTotal, at: 0, row: row) }
        let maxBins = kinds.reduce(1) { m, kind in
            switch kind {
            case let .continuous(t): max(m, t.count + 1)
            case let .ordered(a), let .unordered(a): max(m, a)
            }
        }
        let features = (featureOrder ?? Array(kinds.indices)).filter {
            if case let .continuous(t) = kinds[$0] { return !t.isEmpty }
            return true
        }
        var parent = Parent(stats: nil, impurity: given ?? 0, fromFirstCandidate: given == nil)
        guard let first = features.first else { return (nil, nil) }
        let scratch = Scratch(bins: maxBins, stats: s)
        var best = bestOfFeature(first, rows, rowTotal, scratch, &parent)
        let rest = Array(features.dropFirst())
        let threads = ProcessInfo.processInfo.activeProcessorCount
        if threads > 1 && rest.count > 1 && rows.count * rest.count >= Self.parallelWork {
            var found = [Candidate?](repeating: nil, count: rest.count)
            let fixed = parent, totals = rowTotal
            found.withUnsafeMutableBufferPointer { out in
                nonisolated(unsafe) let target = out
                DispatchQueue.concurrentPerform(iterations: threads) { chunk in
                    let own = Scratch(bins: maxBins, stats: s)
                    var parent = fixed
                    for i in stride(from: chunk, to: rest.count, by: threads) { target[i] = bestOfFeature(rest[i], rows, totals, own, &parent) }
                }
            }
            for candidate in found { if let candidate, best == nil || candidate.gain > best!.gain { best = candidate } }
        } else {
            for f in rest {
                if let candidate = bestOfFeature(f, rows, rowTotal, scratch, &parent), best == nil || candidate.gain > best!.gain { best = candidate }
            }
        }
        return (best, parent.fromFirstCandidate ? parent.stats : nil)
    }

    /// Feature `f`'s first best valid split of `rows`, or nil.
    func bestOfFeature(_ f: Int, _ rows: [Int], _ rowTotal: [Double], _ scratch: Scratch, _ parent: inout Parent) -> Candidate? {
        let s = statsSize
        let hist = scratch.hist, left = scratch.left, right = scratch.right
        let minimum = Double(learner.params.minInstancesPerNode), minInfoGain = learner.params.minInfoGain
        let impurity = self.impurity
        /// calculateImpurityStats on (leftStats, whole - leftStats): nil when invalid.
        func score(_ leftStats: UnsafeBufferPointer<Double>, _ whole: UnsafeBufferPointer<Double>) -> Double? {
            for k in 0..<s { right[k] = whole[k] - leftStats[k] }
            let r = UnsafeBufferPointer(right)
            if parent.fromFirstCandidate && parent.stats == nil {
                let stats = (0..<s).map { leftStats[$0] + r[$0] }
                parent.stats = stats
                parent.impurity = stats.withUnsafeBufferPointer { impurity.calculate($0) }
            }
            let leftCount = impurity.count(leftStats), rightCount = impurity.count(r)
            if leftCount < minimum || rightCount < minimum { return nil }
            let total = leftCount + rightCount
            let g = parent.impurity - leftCount / total * impurity.calculate(leftStats) - rightCount / total * impurity.calculate(r)
            return g < minInfoGain ? nil : g
        }
        func bin(_ b: Int) -> UnsafeBufferPointer<Double> { UnsafeBufferPointer(rebasing: hist[(b * s)..<(b * s + s)]) }
        func fill(binCount: Int) {
            hist.baseAddress!.update(repeating: 0, count: binCount * s)
            let base = f * n
            bins.withUnsafeBufferPointer { all in
                if let weights {
                    if impurity == .variance {
                        for row in rows { let o = Int(all[base + row]) * s, w = weights[row], y = labels[row]; hist[o] += w; hist[o + 1] += w * y; hist[o + 2] += w * y * y }
                    } else {
                        for row in rows { hist[Int(all[base + row]) * s + Int(labels[row])] += weights[row] }
                    }
                } else if impurity == .variance {
                    for row in rows { let o = Int(all[base + row]) * s, y = labels[row]; hist[o] += 1; hist[o + 1] += y; hist[o + 2] += y * y }
                } else {
                    for row in rows { hist[Int(all[base + row]) * s + Int(labels[row])] += 1 }
                }
            }
        }
        switch kinds[f] {
        case let .continuous(thresholds):
            let splits = thresholds.count
            fill(binCount: splits + 1)
            // Cumulative bins, as Spark merges them: the last holds the node's total.
            for b in 1...splits { for k in 0..<s { hist[b * s + k] += hist[(b - 1) * s + k] } }
            var featureBest: (Double, Int)?
            for split in 0..<splits {
                if let g = score(bin(split), bin(splits)), featureBest == nil || g > featureBest!.0 { featureBest = (g, split) }
            }
            guard let (g, split) = featureBest else { return nil }
            let l = Array(bin(split)), w = Array(bin(splits))
            return Candidate(gain: g, split: .continuous(feature: f, threshold: thresholds[split]), left: l, right: (0..<s).map { w[$0] - l[$0] })
        case let .ordered(arity):
            fill(binCount: arity)
            var centroids = [(Int, Double)]()
            centroids.reserveCapacity(arity)
            for category in 0..<arity {
                let stats = bin(category)
                if impurity.count(stats) == 0 { centroids.append((category, Double.greatestFiniteMagnitude)); continue }
                if impurity == .variance { centroids.append((category, stats[1] / stats[0])) }
                else if learner.numClasses > 2 { centroids.append((category, impurity.calculate(stats))) }
                else { centroids.append((category, s > 1 ? stats[1] : 0)) }
            }
            // A stable sort (insertion: arities are small), as Scala's List.sortBy.
            var order = [Int](0..<arity)
            for i in 1..<max(arity, 1) {
                let item = order[i]
                var j = i
                while j > 0 && centroids[order[j - 1]].1 > centroids[item].1 { order[j] = order[j - 1]; j -= 1 }
                order[j] = item
            }
            for split in 0..<(arity - 1) { for k in 0..<s { hist[order[split + 1] * s + k] += hist[order[split] * s + k] } }
            var featureBest: (Double, Int)?
            for split in 0..<(arity - 1) {
                if let g = score(bin(order[split]), bin(order[arity - 1])), featureBest == nil || g > featureBest!.0 { featureBest = (g, split) }
            }
            guard let (g, split) = featureBest else { return nil }
            let l = Array(bin(order[split])), w = Array(bin(order[arity - 1]))
            return Candidate(gain: g, split: .categorical(feature: f, left: order[0...split].map(Double.init).sorted(), numCategories: arity),
                             left: l, right: (0..<s).map { w[$0] - l[$0] })
        case let .unordered(arity):
            fill(binCount: arity)
            var featureBest: (Double, Int)?
            rowTotal.withUnsafeBufferPointer { rowTotal in
                for split in 0..<((1 << (arity - 1)) - 1) {
                    let mask = split + 1
                    for k in 0..<s { left[k] = 0 }
                    for c in 0..<arity where mask >> c & 1 == 1 { for k in 0..<s { left[k] += hist[c * s + k] } }
                    if let g = score(UnsafeBufferPointer(left), rowTotal), featureBest == nil || g > featureBest!.0 { featureBest = (g, mask) }
                }
            }
            guard let (g, mask) = featureBest else { return nil }
            let categories = (0..<arity).filter { mask >> $0 & 1 == 1 }
            var l = [Double](repeating: 0, count: s)
            for c in categories { for k in 0..<s { l[k] += hist[c * s + k] } }
            return Candidate(gain: g, split: .categorical(feature: f, left: categories.map(Double.init), numCategories: arity),
                             left: l, right: (0..<s).map { rowTotal[$0] - l[$0] })
        }
    }
}
