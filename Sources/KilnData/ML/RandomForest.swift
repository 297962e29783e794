import Dispatch
import Foundation

// RandomForestClassifier (pyspark.ml.classification) and its fitted model. The forest is grown as
// ml.tree.impl.RandomForest grows it, so that a seed gives Spark's trees:
// - bootstrap counts per (row, tree) from commons-math's PoissonDistribution (Well19937c seeded
//   seed + 1, the first partition's seed), or XORShiftRandom draws without bootstrap;
// - one node stack for every tree; each group pops nodes while their statistics fit in
//   maxMemoryInMB, drawing each node's feature subset (a reservoir sample seeded by
//   java.util.Random(seed).nextLong()) as it pops;
// - a group's children are pushed tree by tree in the iteration order of the Scala Map that holds
//   the group, left child before right.
// Rows are taken as one partition, as Spark reads a small file.

public struct RandomForestClassifier: MLEstimator {
    public var labelCol = "label"
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var probabilityCol = "probability"
    public var rawPredictionCol = "rawPrediction"
    public var impurity: TreeImpurity = .gini
    public var numTrees = 20
    public var featureSubsetStrategy = "auto"
    public var subsamplingRate = 1.0
    public var bootstrap = true
    public var maxMemoryInMB = 256
    public var params = TreeParams(seed: RandomForestClassifier.defaultSeed)

    /// The Scala API's default seed: the hash of the class name (pyspark's differs per process).
    public static let defaultSeed = Int64(JavaHash.string("org.apache.spark.ml.classification.RandomForestClassifier"))

    public init(labelCol: String = "label", featuresCol: String = "features", predictionCol: String = "prediction", probabilityCol: String = "probability",
                rawPredictionCol: String = "rawPrediction", impurity: TreeImpurity = .gini, numTrees: Int = 20, featureSubsetStrategy: String = "auto",
                subsamplingRate: Double = 1, bootstrap: Bool = true, maxMemoryInMB: Int = 256, params: TreeParams = TreeParams(seed: RandomForestClassifier.defaultSeed)) {
        self.labelCol = labelCol; self.featuresCol = featuresCol; self.predictionCol = predictionCol; self.probabilityCol = probabilityCol
        self.rawPredictionCol = rawPredictionCol; self.impurity = impurity; self.numTrees = numTrees; self.featureSubsetStrategy = featureSubsetStrategy
        self.subsamplingRate = subsamplingRate; self.bootstrap = bootstrap; self.maxMemoryInMB = maxMemoryInMB; self.params = params
    }

    public func fit(_ frame: Frame) throws -> MLTransformer { try fitModel(frame) }

    public func fitModel(_ frame: Frame) throws -> RandomForestClassificationModel {
        let (features, labels, categorical, numFeatures) = try TreeData.read(frame, featuresCol: featuresCol, labelCol: labelCol)
        let numClasses = try TreeData.numClasses(frame, labelCol: labelCol, labels: labels, estimator: "RandomForestClassifier")
        let forest = ForestLearner(tree: TreeLearner(params: params, impurity: impurity, numClasses: numClasses), numTrees: numTrees,
                                   featureSubsetStrategy: featureSubsetStrategy, subsamplingRate: subsamplingRate, bootstrap: bootstrap, maxMemoryInMB: maxMemoryInMB)
        let trees = try forest.fit(features: features, labels: labels, categorical: categorical, numFeatures: numFeatures)
        return RandomForestClassificationModel(trees: trees, numFeatures: numFeatures, numClasses: numClasses, featuresCol: featuresCol,
                                               predictionCol: predictionCol, probabilityCol: probabilityCol, rawPredictionCol: rawPredictionCol)
    }
}

public struct RandomForestClassificationModel: MLTransformer, CustomStringConvertible, Codable, MLDebugDescribable {
    public var trees: [TreeNode]
    public var numFeatures: Int
    public var numClasses: Int
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var probabilityCol = "probability"
    public var rawPredictionCol = "rawPrediction"
    public var uid: String { TreeNode.uid("RandomForestClassifier", trees.map { $0.subtreeString(indent: 0) }.joined() + "\(numClasses)") }

    public var description: String {
        "RandomForestClassificationModel: uid=\(uid), numTrees=\(trees.count), numClasses=\(numClasses), numFeatures=\(numFeatures)"
    }

    public var toDebugString: String { TreeNode.ensembleString(description, trees) }

    /// rawPrediction: the sum over trees of each leaf's class frequencies; probability: that
    /// normalized; prediction: its first largest class.
    public func transform(_ frame: Frame) throws -> Frame {
        let vectors = frame.vectors(try frame.mlColumn(featuresCol)).values
        let k = numClasses, flats = trees.map(FlatTree.init)
        // Every tree's leaves as class frequencies, one buffer: tree t's leaf l at (first[t] + l) * k.
        var first: [Int] = [], frequencies: [Double] = []
        for tree in flats {
            first.append(frequencies.count / max(k, 1))
            for leaf in tree.leaves {
                let total = leaf.stats.reduce(0, +)
                frequencies += total == 0 ? [Double](repeating: 0, count: k) : leaf.stats.map { $0 / total }
            }
        }
        let leaves = FlatTree.leaves(of: flats, vectors)  // [rows, trees]
        let t = trees.count, starts = first, table = frequencies
        var raws = [SparkVector?](repeating: nil, count: vectors.count), probabilities = raws
        var predictions = [Double](repeating: 0, count: vectors.count)
        raws.withUnsafeMutableBufferPointer { raws in
            probabilities.withUnsafeMutableBufferPointer { probabilities in
                predictions.withUnsafeMutableBufferPointer { predictions in
                    nonisolated(unsafe) let (raw, probability, prediction) = (raws, probabilities, predictions)
                    let chunks = vectors.count < 16_384 ? 1 : ProcessInfo.processInfo.activeProcessorCount
                    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                        for row in (vectors.count * chunk / chunks)..<(vectors.count * (chunk + 1) / chunks) where t > 0 && leaves[row * t] >= 0 {
                            var votes = [Double](repeating: 0, count: k)
                            table.withUnsafeBufferPointer { f in
                                votes.withUnsafeMutableBufferPointer { v in
                                    for tree in 0..<t {
                                        let at = (starts[tree] + Int(leaves[row * t + tree])) * k
                                        for c in 0..<k { v[c] += f[at + c] }
                                    }
                                }
                            }
                            let sum = votes.reduce(0, +)
                            var p = votes
                            if sum != 0 { for c in 0..<k { p[c] = votes[c] / sum } }
                            var best = 0
                            for c in 1..<max(k, 1) where p[c] > p[best] { best = c }
                            raw[row] = SparkVector(dense: votes); probability[row] = SparkVector(dense: p); prediction[row] = Double(best)
                        }
                    }
                }
            }
        }
        let prediction = PrimitiveColumn<Double>(capacity: vectors.count)
        for row in vectors.indices { if raws[row] == nil { prediction.appendNull() } else { prediction.append(predictions[row]) } }
        let raw = VectorColumn(raws), probability = VectorColumn(probabilities)
        return frame.appending(Field(rawPredictionCol, .vector, nullable: true), .vector(raw))
            .appending(Field(probabilityCol, .vector, nullable: true), .vector(probability))
            .appending(Field(predictionCol, .double, nullable: false), .double(prediction))
    }
}

/// RandomForestRegressor (pyspark.ml.regression): the same forest of variance trees
/// (featureSubsetStrategy auto is onethird); prediction is the mean of the trees' predictions.
public struct RandomForestRegressor: MLEstimator {
    public var labelCol = "label"
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var numTrees = 20
    public var featureSubsetStrategy = "auto"
    public var subsamplingRate = 1.0
    public var bootstrap = true
    public var maxMemoryInMB = 256
    public var params = TreeParams(seed: RandomForestRegressor.defaultSeed)

    public static let defaultSeed = Int64(JavaHash.string("org.apache.spark.ml.regression.RandomForestRegressor"))

    public init(labelCol: String = "label", featuresCol: String = "features", predictionCol: String = "prediction", numTrees: Int = 20,
                featureSubsetStrategy: String = "auto", subsamplingRate: Double = 1, bootstrap: Bool = true, maxMemoryInMB: Int = 256,
                params: TreeParams = TreeParams(seed: RandomForestRegressor.defaultSeed)) {
        self.labelCol = labelCol; self.featuresCol = featuresCol; self.predictionCol = predictionCol; self.numTrees = numTrees
        self.featureSubsetStrategy = featureSubsetStrategy; self.subsamplingRate = subsamplingRate; self.bootstrap = bootstrap
        self.maxMemoryInMB = maxMemoryInMB; self.params = params
    }

    public func fit(_ frame: Frame) throws -> MLTransformer { try fitModel(frame) }

    public func fitModel(_ frame: Frame) throws -> RandomForestRegressionModel {
        let (features, labels, categorical, numFeatures) = try TreeData.read(frame, featuresCol: featuresCol, labelCol: labelCol)
        let forest = ForestLearner(tree: TreeLearner(params: params, impurity: .variance, numClasses: 0), numTrees: numTrees,
                                   featureSubsetStrategy: featureSubsetStrategy, subsamplingRate: subsamplingRate, bootstrap: bootstrap, maxMemoryInMB: maxMemoryInMB)
        let trees = try forest.fit(features: features, labels: labels, categorical: categorical, numFeatures: numFeatures)
        return RandomForestRegressionModel(trees: trees, numFeatures: numFeatures, featuresCol: featuresCol, predictionCol: predictionCol)
    }
}

public struct RandomForestRegressionModel: MLTransformer, CustomStringConvertible, Codable, MLDebugDescribable {
    public var trees: [TreeNode]
    public var numFeatures: Int
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var uid: String { TreeNode.uid("RandomForestRegressor", trees.map { $0.subtreeString(indent: 0) }.joined()) }

    public var description: String { "RandomForestRegressionModel: uid=\(uid), numTrees=\(trees.count), numFeatures=\(numFeatures)" }

    public var toDebugString: String { TreeNode.ensembleString(description, trees) }

    /// prediction: the sum of the trees' predictions, in tree order, over their count.
    public func transform(_ frame: Frame) throws -> Frame {
        let vectors = frame.vectors(try frame.mlColumn(featuresCol)).values
        let prediction = PrimitiveColumn<Double>(capacity: vectors.count)
        for sum in FlatTree.weightedSums(trees, [Double](repeating: 1, count: trees.count), vectors) {
            if let sum { prediction.append(sum / Double(trees.count)) } else { prediction.appendNull() }
        }
        return frame.appending(Field(predictionCol, .double, nullable: false), .double(prediction))
    }
}

/// Grows every tree of a forest at once, in Spark's order.
struct ForestLearner {
    let tree: TreeLearner
    let numTrees: Int
    let featureSubsetStrategy: String
    let subsamplingRate: Double
    let bootstrap: Bool
    let maxMemoryInMB: Int

    /// featuresPerNode, or Spark's error for a strategy it refuses.
    static func checkedFeaturesPerNode(_ strategy: String, numFeatures: Int, numTrees: Int, classification: Bool) throws -> Int {
        guard let count = featuresPerNode(strategy, numFeatures: numFeatures, numTrees: numTrees, classification: classification) else {
            throw PipelineError("Supported values: auto, all, onethird, sqrt, log2, (0.0-1.0], [1-n].")
        }
        return count
    }

    /// DecisionTreeMetadata's numFeaturesPerNode; nil for a strategy Spark refuses.
    static func featuresPerNode(_ strategy: String, numFeatures: Int, numTrees: Int, classification: Bool) -> Int? {
        var name = strategy.lowercased()
        if name == "auto" { name = numTrees == 1 ? "all" : (classification ? "sqrt" : "onethird") }
        switch name {
        case "all": return numFeatures
        case "sqrt": return Int(Double(numFeatures).squareRoot().rounded(.up))
        case "log2": return max(1, Int((log(Double(numFeatures)) / log(2.0)).rounded(.up)))
        case "onethird": return Int((Double(numFeatures) / 3.0).rounded(.up))
        default:
            if let count = Int(name), count > 0 { return min(count, numFeatures) }
            if let fraction = Double(name), fraction > 0, fraction <= 1 { return Int((fraction * Double(numFeatures)).rounded(.up)) }
            return nil
        }
    }

    final class Node {
        let level: Int
        let rows: [Int]
        var stats: [Double]
        var impurity = 0.0
        var gain = 0.0
        var split: TreeSplit?
        var left: Node?, right: Node?
        init(level: Int, rows: [Int], stats: [Double]) { self.level = level; self.rows = rows; self.stats = stats }
    }

    func fit(features: [SparkVector], labels: [Double], categorical: [Int: Int], numFeatures: Int) throws -> [TreeNode] {
        try fit(try tree.bin(features: features, categorical: categorical, numFeatures: numFeatures), labels: labels, numFeatures: numFeatures, seed: tree.params.seed)
    }

    /// The trees on rows already binned; `seed` seeds the bagging and the feature subsets (boosting
    /// passes seed + iteration, its bins found once with the base seed).
    func fit(_ data: TreeLearner.Binned, labels: [Double], numFeatures: Int, seed: Int64) throws -> [TreeNode] {
        let n = labels.count
        let perNode = try Self.checkedFeaturesPerNode(featureSubsetStrategy, numFeatures: numFeatures, numTrees: numTrees, classification: tree.numClasses > 0)
        // Bootstrap counts, row by row and within a row tree by tree, as BaggedPoint draws them.
        var weights = [[Double]](repeating: [Double](repeating: 1, count: n), count: numTrees)  // [numTrees][rows]
        if bootstrap {
            var poisson = PoissonSampler(mean: subsamplingRate, seed: seed &+ 1)
            for row in 0..<n { for t in 0..<numTrees { weights[t][row] = Double(poisson.sample()) } }
        } else if subsamplingRate != 1 {
            var random = XORShiftRandom(seed: seed &+ 1)
            for row in 0..<n { for t in 0..<numTrees { weights[t][row] = random.nextDouble() < subsamplingRate ? 1 : 0 } }
        }
        let base = Grower(learner: tree, kinds: data.kinds, bins: data.bins, n: n, labels: labels)
        let numBins: [Int64] = data.kinds.map { kind in
            switch kind {
            case let .continuous(t): Int64(t.count + 1)
            case let .ordered(a): Int64(a)
            case let .unordered(a): Int64((1 << (a - 1)) - 1)
            }
        }
        let statsPerBin = Int64(tree.numClasses > 0 ? tree.numClasses : 3)
        let subsampling = perNode < numFeatures
        var rng = JavaRandom(seed: seed)
        let maxMemory = Int64(maxMemoryInMB) * 1024 * 1024

        var roots: [Node] = []
        var stack: [(tree: Int, node: Node)] = []  // the head is the last element
        for t in 0..<numTrees {
            var grower = base
            grower.weights = weights[t]
            let rows = (0..<n).filter { weights[t][$0] > 0 }
            var stats = [Double](repeating: 0, count: tree.statsSize)
            for row in rows { grower.add(&stats, at: 0, row: row) }
            let root = Node(level: 0, rows: rows, stats: stats)
            roots.append(root)
            stack.append((t, root))
        }
        while !stack.isEmpty {
            // selectNodesToSplit: pop while the statistics fit (always at least one node).
            var group: [(tree: Int, node: Node, features: [Int]?)] = []
            var memory: Int64 = 0
            while let (t, node) = stack.last {
                let subset = subsampling ? Self.reservoirSample(numFeatures, count: perNode, seed: rng.nextLong()) : nil
                let nodeMemory = statsPerBin * (subset.map { $0.reduce(0) { $0 + numBins[$1] } } ?? numBins.reduce(0, +)) * 8
                guard memory + nodeMemory <= maxMemory || memory == 0 else { break }
                stack.removeLast()
                group.append((t, node, subset))
                memory += nodeMemory
            }
            // Each node's best split, the nodes spread over the cores.
            let tasks = group.map { (weights: weights[$0.tree], features: $0.features, rows: $0.node.rows, stats: $0.node.level == 0 ? nil : $0.node.stats) }
            let work = tasks.reduce(0) { $0 + $1.rows.count }
            var found = [(Grower.Candidate?, [Double]?)](repeating: (nil, nil), count: group.count)
            found.withUnsafeMutableBufferPointer { out in
                nonisolated(unsafe) let target = out
                nonisolated(unsafe) let tasks = tasks
                DispatchQueue.concurrentPerform(iterations: work < 4096 ? 1 : tasks.count) { index in
                    for i in work < 4096 ? 0..<tasks.count : index..<(index + 1) {
                        var grower = base
                        grower.weights = tasks[i].weights
                        grower.featureOrder = tasks[i].features
                        target[i] = grower.bestSplit(tasks[i].rows, parentImpurity: tasks[i].stats.map { grower.calc($0) })
                    }
                }
            }
            // Split, and push children, tree by tree in the Scala Map's order.
            var byTree: [Int: [Int]] = [:]
            for (i, entry) in group.enumerated() { byTree[entry.tree, default: []].append(i) }
            var treeOrder: [Int] = []
            for entry in group where !treeOrder.contains(entry.tree) { treeOrder.append(entry.tree) }
            for t in ScalaMapOrder.intKeys(treeOrder) {
                var grower = base
                grower.weights = weights[t]
                for i in byTree[t]! {
                    let node = group[i].node
                    let (best, rootStats) = found[i]
                    if let rootStats { node.stats = rootStats }
                    node.impurity = grower.calc(node.stats)
                    guard let best, best.gain > 0, node.level < tree.params.maxDepth else { continue }
                    node.split = best.split
                    node.gain = best.gain
                    let (leftRows, rightRows) = grower.partition(node.rows, by: best.split)
                    let left = Node(level: node.level + 1, rows: leftRows, stats: best.left)
                    let right = Node(level: node.level + 1, rows: rightRows, stats: best.right)
                    node.left = left; node.right = right
                    let childIsLeaf = node.level + 1 == tree.params.maxDepth
                    if !(childIsLeaf || abs(grower.calc(best.left)) < TreeLearner.epsilon) { stack.append((t, left)) }
                    if !(childIsLeaf || abs(grower.calc(best.right)) < TreeLearner.epsilon) { stack.append((t, right)) }
                }
            }
        }
        return roots.map { treeNode($0, base) }
    }

    /// LearningNode.toNode with pruning: sibling leaves that predict alike merge into their parent.
    func treeNode(_ node: Node, _ grower: Grower) -> TreeNode {
        let impurity = tree.impurity
        if let split = node.split, let l = node.left, let r = node.right {
            let left = treeNode(l, grower), right = treeNode(r, grower)
            if case let .leaf(lp, _, _) = left, case let .leaf(rp, _, _) = right, lp == rp {
                return .leaf(prediction: lp, impurity: node.impurity, stats: node.stats)
            }
            return .internal(prediction: impurity.predict(node.stats), impurity: node.impurity, gain: node.gain, split: split, stats: node.stats, left: left, right: right)
        }
        return .leaf(prediction: impurity.predict(node.stats), impurity: grower.calc(node.stats), stats: node.stats)
    }

    /// SamplingUtils.reservoirSampleAndCount over 0..<total: the first `count`, then each later
    /// index replaces a random slot with probability count / seen.
    static func reservoirSample(_ total: Int, count: Int, seed: Int64) -> [Int] {
        var reservoir = Array(0..<min(count, total))
        guard total > count else { return reservoir }
        var random = XORShiftRandom(seed: seed)
        var seen = Int64(count)
        for item in count..<total {
            seen += 1
            let slot = Int64(random.nextDouble() * Double(seen))
            if slot < Int64(count) { reservoir[Int(slot)] = item }
        }
        return reservoir
    }
}

/// java.util.Random (scala.util.Random wraps it): a 48-bit linear congruential generator.
struct JavaRandom {
    var state: Int64

    init(seed: Int64) { state = (seed ^ 0x5_DEEC_E66D) & ((1 << 48) - 1) }

    mutating func next(_ bits: Int) -> Int32 {
        state = (state &* 0x5_DEEC_E66D &+ 0xB) & ((1 << 48) - 1)
        return Int32(truncatingIfNeeded: state >> Int64(48 - bits))
    }

    mutating func nextLong() -> Int64 { (Int64(next(32)) << 32) &+ Int64(next(32)) }
}

/// commons-math3's Well19937c, seeded with a long as AbstractWell.setSeed(long) seeds it.
struct Well19937c {
    static let r = 624, m1 = 70, m2 = 179, m3 = 449
    var v = [UInt32](repeating: 0, count: 624)
    var index = 0

    init(seed: Int64) {
        v[0] = UInt32(truncatingIfNeeded: seed >> 32)
        v[1] = UInt32(truncatingIfNeeded: seed)
        for i in 2..<Self.r {
            let l = Int64(Int32(bitPattern: v[i - 2]))
            v[i] = UInt32(truncatingIfNeeded: (1_812_433_253 &* (l ^ (l >> 30)) &+ Int64(i)) & 0xffff_ffff)
        }
    }

    mutating func next(_ bits: Int) -> UInt32 {
        let r = Self.r
        let indexRm1 = (index + r - 1) % r, indexRm2 = (index + r - 2) % r
        let v0 = v[index], vM1 = v[(index + Self.m1) % r], vM2 = v[(index + Self.m2) % r], vM3 = v[(index + Self.m3) % r]
        let z0 = (0x8000_0000 & v[indexRm1]) ^ (0x7FFF_FFFF & v[indexRm2])
        let z1 = (v0 ^ (v0 << 25)) ^ (vM1 ^ (vM1 >> 27))
        let z2 = (vM2 >> 9) ^ (vM3 ^ (vM3 >> 1))
        let z3 = z1 ^ z2
        var z4 = z0 ^ (z1 ^ (z1 << 9)) ^ (z2 ^ (z2 << 21)) ^ (z3 ^ (z3 >> 21))
        v[index] = z3
        v[indexRm1] = z4
        v[indexRm2] &= 0x8000_0000
        index = indexRm1
        z4 ^= (z4 << 7) & 0xe46e_1700
        z4 ^= (z4 << 15) & 0x9b86_8000
        return z4 >> UInt32(32 - bits)
    }

    /// BitsStreamGenerator.nextDouble: 52 random bits in [0, 1).
    mutating func nextDouble() -> Double {
        let high = UInt64(next(26)) << 26
        let low = UInt64(next(26))
        return Double(high | low) * 0x1.0p-52
    }
}

/// commons-math3's PoissonDistribution.sample for a mean below 40: uniforms multiplied until the
/// product falls below exp(-mean).
struct PoissonSampler {
    var random: Well19937c
    let mean: Double
    let limit: Double

    init(mean: Double, seed: Int64) { random = Well19937c(seed: seed); self.mean = mean; limit = exp(-mean) }

    mutating func sample() -> Int {
        var n = 0
        var product = 1.0
        while Double(n) < 1000 * mean {
            product *= random.nextDouble()
            if product >= limit { n += 1 } else { return n }
        }
        return n
    }
}

/// The iteration order of Scala 2.13's immutable Map (built from a mutable.HashMap) over Int keys:
/// up to 4 keys keep the mutable map's bucket order; more are a CHAMP trie, walked by 5-bit
/// fragments of the improved hash, each node's own entries before its sub-nodes.
enum ScalaMapOrder {
    static func intKeys(_ keys: [Int]) -> [Int] {
        if keys.count <= 4 { return keys.sorted { ($0 & 15, $0) < ($1 & 15, $1) } }
        return champ(keys.map { ($0, improve(Int32(truncatingIfNeeded: $0))) }, shift: 0)
    }

    static func improve(_ code: Int32) -> UInt32 {
        var h = UInt32(bitPattern: code)
        h = h &+ ~(h << 9)
        h ^= h >> 14
        h = h &+ (h << 4)
        return h ^ (h >> 10)
    }

    static func champ(_ entries: [(key: Int, hash: UInt32)], shift: UInt32) -> [Int] {
        guard shift < 32 else { return entries.map(\.key) }
        var fragments: [UInt32: [(key: Int, hash: UInt32)]] = [:]
        for entry in entries { fragments[(entry.hash >> shift) & 31, default: []].append(entry) }
        let ordered = fragments.keys.sorted()
        return ordered.compactMap { fragments[$0]!.count == 1 ? fragments[$0]![0].key : nil }
            + ordered.filter { fragments[$0]!.count > 1 }.flatMap { champ(fragments[$0]!, shift: shift + 5) }
    }
}

/// java.lang.String.hashCode.
enum JavaHash {
    static func string(_ text: String) -> Int32 {
        var h: Int32 = 0
        for unit in text.utf16 { h = h &* 31 &+ Int32(unit) }
        return h
    }
}
