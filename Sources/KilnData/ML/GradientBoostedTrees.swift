import Foundation

// GBTClassifier (pyspark.ml.classification) and its fitted model: Spark's gradient boosting with
// log loss. Labels 0/1 become -1/+1; tree 0 (weight 1) fits them, and each later tree (weight
// stepSize) fits the pseudo-residuals 4y / (1 + exp(2yF)) of the margin F so far. The trees are
// regression trees (variance impurity) grown by the same learner as DecisionTreeRegressor. With
// subsamplingRate 1 and every feature per node (Spark's defaults) nothing is random. Otherwise tree
// m draws its rows (XORShiftRandom, without replacement) and its nodes' feature subsets as a
// one-tree forest seeded seed + m, as Spark's boost does; the split candidates are found once.

public struct GBTClassifier: MLEstimator {
    public var labelCol = "label"
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var probabilityCol = "probability"
    public var rawPredictionCol = "rawPrediction"
    public var maxIter = 20
    public var stepSize = 0.1
    public var featureSubsetStrategy = "all"
    public var subsamplingRate = 1.0
    public var params = TreeParams(seed: GBTClassifier.defaultSeed)

    /// The Scala API's default seed: the hash of the class name (pyspark's differs per process).
    public static let defaultSeed = Int64(JavaHash.string("org.apache.spark.ml.classification.GBTClassifier"))

    public init(labelCol: String = "label", featuresCol: String = "features", predictionCol: String = "prediction", probabilityCol: String = "probability",
                rawPredictionCol: String = "rawPrediction", maxIter: Int = 20, stepSize: Double = 0.1, featureSubsetStrategy: String = "all",
                subsamplingRate: Double = 1, params: TreeParams = TreeParams(seed: GBTClassifier.defaultSeed)) {
        self.labelCol = labelCol; self.featuresCol = featuresCol; self.predictionCol = predictionCol; self.probabilityCol = probabilityCol
        self.rawPredictionCol = rawPredictionCol; self.maxIter = maxIter; self.stepSize = stepSize
        self.featureSubsetStrategy = featureSubsetStrategy; self.subsamplingRate = subsamplingRate; self.params = params
    }

    public func fit(_ frame: Frame) throws -> MLTransformer { try fitModel(frame) }

    public func fitModel(_ frame: Frame) throws -> GBTClassificationModel {
        let (features, labels, categorical, numFeatures) = try TreeData.read(frame, featuresCol: featuresCol, labelCol: labelCol)
        if case let .nominal(names)? = frame.attributes[frame.schema.fields[try frame.mlColumn(labelCol)].name], names.count > 2 {
            throw PipelineError("GBTClassifier only supports binary classification but was given numClasses = \(names.count)")
        }
        for label in labels where label != 0 && label != 1 {
            throw PipelineError("GBTClassifier was given dataset with invalid label \(JavaDoubleFormat.string(label)).  Labels must be in {0,1}; note that GBTClassifier currently only supports binary classification.")
        }
        let (trees, weights) = try Boosting.fit(features: features, labels: labels.map { $0 * 2 - 1 }, categorical: categorical, numFeatures: numFeatures,
                                                maxIter: maxIter, stepSize: stepSize, featureSubsetStrategy: featureSubsetStrategy,
                                                subsamplingRate: subsamplingRate, params: params) { y, margin in
            -(-4.0 * y / (1.0 + exp(2.0 * y * margin)))  // the negated gradient of log loss
        }
        return GBTClassificationModel(trees: trees, treeWeights: weights, numFeatures: numFeatures, featuresCol: featuresCol,
                                      predictionCol: predictionCol, probabilityCol: probabilityCol, rawPredictionCol: rawPredictionCol)
    }
}

public struct GBTClassificationModel: MLTransformer, CustomStringConvertible, Codable, MLDebugDescribable {
    public var trees: [TreeNode]
    public var treeWeights: [Double]
    public var numFeatures: Int
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var probabilityCol = "probability"
    public var rawPredictionCol = "rawPrediction"
    public var numClasses: Int { 2 }
    /// As the single trees': the class name and 12 hex digits hashing the ensemble.
    public var uid: String { TreeNode.uid("GBTClassifier", trees.map { $0.subtreeString(indent: 0) }.joined() + "\(treeWeights)") }

    public var description: String {
        "GBTClassificationModel: uid = \(uid), numTrees=\(trees.count), numClasses=\(numClasses), numFeatures=\(numFeatures)"
    }

    public var toDebugString: String { TreeNode.ensembleString(description, trees, weights: treeWeights) }

    /// The margin F = sum of weight * tree(x) per row (nil where the features are null).
    public func margins(_ vectors: [SparkVector?]) -> [Double?] { FlatTree.weightedSums(trees, treeWeights, vectors) }

    /// One tree's term of each row's margin, in Spark's order: margin + leaf * weight (fit's
    /// pseudo-residuals and transform's margins both take it so).
    static func add(_ root: TreeNode, weight: Double, for vectors: [SparkVector?], to margins: inout [Double?]) {
        let tree = FlatTree(root)
        for (row, leaf) in tree.leaves(vectors).enumerated() {
            guard leaf >= 0, let sum = margins[row] else { margins[row] = nil; continue }
            margins[row] = sum + tree.leaves[Int(leaf)].prediction * weight
        }
    }

    /// Adds rawPrediction [-F, F], probability [1 - p, p] with p = 1 / (1 + exp(-2F)), and prediction.
    public func transform(_ frame: Frame) throws -> Frame {
        let vectors = frame.vectors(try frame.mlColumn(featuresCol)).values
        let raw = VectorColumn(), probability = VectorColumn()
        let prediction = PrimitiveColumn<Double>(capacity: vectors.count)
        for margin in margins(vectors) {
            guard let margin else { raw.append(nil); probability.append(nil); prediction.appendNull(); continue }
            let p = 1.0 / (1.0 + exp(-2.0 * margin))
            raw.append(SparkVector(dense: [-margin, margin]))
            probability.append(SparkVector(dense: [1.0 - p, p]))
            prediction.append(1.0 - p >= p ? 0 : 1)
        }
        return frame.appending(Field(rawPredictionCol, .vector, nullable: true), .vector(raw))
            .appending(Field(probabilityCol, .vector, nullable: true), .vector(probability))
            .appending(Field(predictionCol, .double, nullable: false), .double(prediction))
    }
}

/// Spark's boost loop, shared by the classifier and the regressor.
enum Boosting {
    /// Tree 0 (weight 1) fits `labels`; tree m (weight stepSize) fits `residual(label, margin)`, the
    /// margin being the weighted sum of the trees so far, added in Spark's order.
    static func fit(features: [SparkVector], labels: [Double], categorical: [Int: Int], numFeatures: Int, maxIter: Int, stepSize: Double,
                    featureSubsetStrategy: String, subsamplingRate: Double, params: TreeParams,
                    residual: (Double, Double) -> Double) throws -> ([TreeNode], [Double]) {
        let learner = TreeLearner(params: params, impurity: .variance, numClasses: 0)
        var trees: [TreeNode] = [], weights: [Double] = []
        let rows = features.map { Optional($0) }
        var margins = [Double?](repeating: 0, count: labels.count)
        var targets = labels
        // Spark finds the split candidates once, from the features; every tree reuses them.
        let binned = maxIter > 0 ? try learner.bin(features: features, categorical: categorical, numFeatures: numFeatures) : nil
        let perNode = try ForestLearner.checkedFeaturesPerNode(featureSubsetStrategy, numFeatures: numFeatures, numTrees: 1, classification: false)
        let sampled = subsamplingRate < 1 || perNode < numFeatures
        let forest = ForestLearner(tree: learner, numTrees: 1, featureSubsetStrategy: featureSubsetStrategy, subsamplingRate: subsamplingRate,
                                   bootstrap: false, maxMemoryInMB: 256)
        for iteration in 0..<max(maxIter, 0) {
            let weight = iteration == 0 ? 1.0 : stepSize
            let root = sampled ? try forest.fit(binned!, labels: targets, numFeatures: numFeatures, seed: params.seed &+ Int64(iteration))[0]
                               : learner.fit(binned!, labels: targets)
            GBTClassificationModel.add(root, weight: weight, for: rows, to: &margins)
            trees.append(root)
            weights.append(weight)
            for row in targets.indices { targets[row] = residual(labels[row], margins[row]!) }
        }
        return (trees, weights)
    }
}

/// GBTRegressor (pyspark.ml.regression): the same boosting on squared or absolute error;
/// prediction is the margin.
public struct GBTRegressor: MLEstimator {
    public enum Loss: String, Sendable { case squared, absolute }
    public var labelCol = "label"
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var lossType: Loss = .squared
    public var maxIter = 20
    public var stepSize = 0.1
    public var featureSubsetStrategy = "all"
    public var subsamplingRate = 1.0
    public var params = TreeParams(seed: GBTRegressor.defaultSeed)

    public static let defaultSeed = Int64(JavaHash.string("org.apache.spark.ml.regression.GBTRegressor"))

    public init(labelCol: String = "label", featuresCol: String = "features", predictionCol: String = "prediction", lossType: Loss = .squared,
                maxIter: Int = 20, stepSize: Double = 0.1, featureSubsetStrategy: String = "all", subsamplingRate: Double = 1,
                params: TreeParams = TreeParams(seed: GBTRegressor.defaultSeed)) {
        self.labelCol = labelCol; self.featuresCol = featuresCol; self.predictionCol = predictionCol; self.lossType = lossType
        self.maxIter = maxIter; self.stepSize = stepSize; self.featureSubsetStrategy = featureSubsetStrategy
        self.subsamplingRate = subsamplingRate; self.params = params
    }

    public func fit(_ frame: Frame) throws -> MLTransformer { try fitModel(frame) }

    public func fitModel(_ frame: Frame) throws -> GBTRegressionModel {
        let (features, labels, categorical, numFeatures) = try TreeData.read(frame, featuresCol: featuresCol, labelCol: labelCol)
        let loss = lossType
        let (trees, weights) = try Boosting.fit(features: features, labels: labels, categorical: categorical, numFeatures: numFeatures,
                                                maxIter: maxIter, stepSize: stepSize, featureSubsetStrategy: featureSubsetStrategy,
                                                subsamplingRate: subsamplingRate, params: params) { y, margin in
            // The negated gradients: SquaredError's -2(y - F), AbsoluteError's sign.
            switch loss {
            case .squared: -(-2.0 * (y - margin))
            case .absolute: -(y - margin < 0 ? 1.0 : -1.0)
            }
        }
        return GBTRegressionModel(trees: trees, treeWeights: weights, numFeatures: numFeatures, featuresCol: featuresCol, predictionCol: predictionCol)
    }
}

public struct GBTRegressionModel: MLTransformer, CustomStringConvertible, Codable, MLDebugDescribable {
    public var trees: [TreeNode]
    public var treeWeights: [Double]
    public var numFeatures: Int
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var uid: String { TreeNode.uid("GBTRegressor", trees.map { $0.subtreeString(indent: 0) }.joined() + "\(treeWeights)") }

    public var description: String { "GBTRegressionModel: uid=\(uid), numTrees=\(trees.count), numFeatures=\(numFeatures)" }

    public var toDebugString: String { TreeNode.ensembleString(description, trees, weights: treeWeights) }

    /// prediction: the margin, the trees' weighted sum.
    public func transform(_ frame: Frame) throws -> Frame {
        let vectors = frame.vectors(try frame.mlColumn(featuresCol)).values
        let margins = FlatTree.weightedSums(trees, treeWeights, vectors)
        let prediction = PrimitiveColumn<Double>(capacity: vectors.count)
        for margin in margins { if let margin { prediction.append(margin) } else { prediction.appendNull() } }
        return frame.appending(Field(predictionCol, .double, nullable: false), .double(prediction))
    }
}
