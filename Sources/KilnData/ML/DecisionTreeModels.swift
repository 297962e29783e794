// DecisionTreeClassifier / DecisionTreeRegressor (pyspark.ml.classification / .regression)
// and their fitted models: transform's columns and toDebugString as Spark prints them.

public struct DecisionTreeClassifier: MLEstimator {
    public var labelCol = "label"
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var probabilityCol = "probability"
    public var rawPredictionCol = "rawPrediction"
    public var impurity: TreeImpurity = .gini
    public var params = TreeParams()

    public init(labelCol: String = "label", featuresCol: String = "features", predictionCol: String = "prediction", probabilityCol: String = "probability",
                rawPredictionCol: String = "rawPrediction", impurity: TreeImpurity = .gini, params: TreeParams = TreeParams()) {
        self.labelCol = labelCol; self.featuresCol = featuresCol; self.predictionCol = predictionCol; self.probabilityCol = probabilityCol
        self.rawPredictionCol = rawPredictionCol; self.impurity = impurity; self.params = params
    }

    public func fit(_ frame: Frame) throws -> MLTransformer { try fitModel(frame) }

    public func fitModel(_ frame: Frame) throws -> DecisionTreeClassificationModel {
        let (features, labels, categorical, numFeatures) = try TreeData.read(frame, featuresCol: featuresCol, labelCol: labelCol)
        let numClasses = try TreeData.numClasses(frame, labelCol: labelCol, labels: labels, estimator: "\(type(of: self))")
        let learner = TreeLearner(params: params, impurity: impurity, numClasses: numClasses)
        let root = try learner.fit(features: features, labels: labels, categorical: categorical, numFeatures: numFeatures)
        return DecisionTreeClassificationModel(root: root, numFeatures: numFeatures, numClasses: numClasses, featuresCol: featuresCol,
                                               predictionCol: predictionCol, probabilityCol: probabilityCol, rawPredictionCol: rawPredictionCol)
    }
}

public struct DecisionTreeClassificationModel: MLTransformer, CustomStringConvertible, Codable {
    public var root: TreeNode
    public var numFeatures: Int
    public var numClasses: Int
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var probabilityCol = "probability"
    public var rawPredictionCol = "rawPrediction"
    /// Spark's uids are the class name and 12 random hex digits; Kiln's digits hash the tree, so
    /// that the same fit prints the same text.
    public var uid: String { TreeNode.uid("DecisionTreeClassifier", root.subtreeString(indent: 0) + "\(numClasses)") }

    public var depth: Int { root.depth }
    public var numNodes: Int { root.numNodes }

    public var description: String {
        "DecisionTreeClassificationModel: uid=\(uid), depth=\(depth), numNodes=\(numNodes), numClasses=\(numClasses), numFeatures=\(numFeatures)"
    }

    public var toDebugString: String { description + "\n" + root.subtreeString(indent: 2) }

    /// Adds rawPrediction (the leaf's class counts), probability and prediction; rows that
    /// reach one leaf share its vectors.
    public func transform(_ frame: Frame) throws -> Frame {
        let vectors = frame.vectors(try frame.mlColumn(featuresCol)).values
        let tree = FlatTree(root)
        let raws = tree.leaves.map { SparkVector(dense: $0.stats) }
        let probabilities = tree.leaves.map { leaf -> SparkVector in
            let total = leaf.stats.reduce(0, +)
            return SparkVector(dense: total > 0 ? leaf.stats.map { $0 / total } : leaf.stats)
        }
        let leaves = tree.leaves(vectors)
        let prediction = PrimitiveColumn<Double>(capacity: vectors.count)
        for leaf in leaves {
            if leaf >= 0 { prediction.append(tree.leaves[Int(leaf)].prediction) } else { prediction.appendNull() }
        }
        return frame.appending(Field(rawPredictionCol, .vector, nullable: true), .vector(VectorColumn(dictionary: raws, codes: leaves)))
            .appending(Field(probabilityCol, .vector, nullable: true), .vector(VectorColumn(dictionary: probabilities, codes: leaves)))
            .appending(Field(predictionCol, .double, nullable: false), .double(prediction))
    }
}

public struct DecisionTreeRegressor: MLEstimator {
    public var labelCol = "label"
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var params = TreeParams()

    public init(labelCol: String = "label", featuresCol: String = "features", predictionCol: String = "prediction", params: TreeParams = TreeParams()) {
        self.labelCol = labelCol; self.featuresCol = featuresCol; self.predictionCol = predictionCol; self.params = params
    }

    public func fit(_ frame: Frame) throws -> MLTransformer { try fitModel(frame) }

    public func fitModel(_ frame: Frame) throws -> DecisionTreeRegressionModel {
        let (features, labels, categorical, numFeatures) = try TreeData.read(frame, featuresCol: featuresCol, labelCol: labelCol)
        let root = try TreeLearner(params: params, impurity: .variance, numClasses: 0).fit(features: features, labels: labels, categorical: categorical, numFeatures: numFeatures)
        return DecisionTreeRegressionModel(root: root, numFeatures: numFeatures, featuresCol: featuresCol, predictionCol: predictionCol)
    }
}

public struct DecisionTreeRegressionModel: MLTransformer, CustomStringConvertible, Codable {
    public var root: TreeNode
    public var numFeatures: Int
    public var featuresCol = "features"
    public var predictionCol = "prediction"
    public var uid: String { TreeNode.uid("DecisionTreeRegressor", root.subtreeString(indent: 0)) }

    public var description: String {
        "DecisionTreeRegressionModel: uid=\(uid), depth=\(root.depth), numNodes=\(root.numNodes), numFeatures=\(numFeatures)"
    }

    public var toDebugString: String { description + "\n" + root.subtreeString(indent: 2) }

    public func transform(_ frame: Frame) throws -> Frame {
        let vectors = frame.vectors(try frame.mlColumn(featuresCol)).values
        let tree = FlatTree(root)
        let prediction = PrimitiveColumn<Double>(capacity: vectors.count)
        for leaf in tree.leaves(vectors) {
            if leaf >= 0 { prediction.append(tree.leaves[Int(leaf)].prediction) } else { prediction.appendNull() }
        }
        return frame.appending(Field(predictionCol, .double, nullable: false), .double(prediction))
    }
}

extension TreeNode {
    /// `Name_` and 12 hex digits of a 64-bit FNV-1a hash of `text`.
    static func uid(_ name: String, _ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash & 0xffff_ffff_ffff, radix: 16)
        return name + "_" + String(repeating: "0", count: 12 - hex.count) + hex
    }
}

/// The rows a tree learns from: features, labels (no nulls), categorical arities from metadata.
enum TreeData {
    static func read(_ frame: Frame, featuresCol: String, labelCol: String) throws -> ([SparkVector], [Double], [Int: Int], Int) {
        let featureColumn = try frame.mlColumn(featuresCol)
        let labelColumn = try frame.mlColumn(labelCol)
        let vectors = frame.vectors(featureColumn).values
        let labelValues = frame.doubleValues(labelColumn)
        var features: [SparkVector] = [], labels: [Double] = []
        features.reserveCapacity(vectors.count); labels.reserveCapacity(vectors.count)
        for (vector, label) in zip(vectors, labelValues) {
            guard let vector, let label else { continue }
            features.append(vector); labels.append(label)
        }
        let numFeatures = features.first?.size ?? 0
        var categorical: [Int: Int] = [:]
        if case let .categoricalFeatures(map)? = frame.attributes[frame.schema.fields[featureColumn].name] { categorical = map }
        return (features, labels, categorical, numFeatures)
    }

    /// The label's class count (its nominal attribute, else the largest label + 1, at most 100),
    /// every label checked to be one of them as Spark's checkClassificationLabels does.
    static func numClasses(_ frame: Frame, labelCol: String, labels: [Double], estimator: String) throws -> Int {
        let numClasses: Int
        if case let .nominal(names)? = frame.attributes[frame.schema.fields[try frame.mlColumn(labelCol)].name] {
            numClasses = names.count
        } else {
            let largest = labels.max() ?? 0
            numClasses = Int(largest) + 1
            if numClasses > 100 {
                throw PipelineError("Classifier inferred \(numClasses) from label values in column \(estimator):\(labelCol), but this exceeded the max numClasses (100) allowed to be inferred from values.  To avoid this error for labels with > 100 classes, specify numClasses explicitly in the metadata; this can be done by applying StringIndexer to the label column.")
            }
        }
        for label in labels where !(label >= 0 && label < Double(numClasses) && label == label.rounded(.down)) {
            if label != label.rounded(.down) { throw PipelineError("[USER_RAISED_EXCEPTION] Labels MUST be Integers, but got \(JavaDoubleFormat.string(label)) SQLSTATE: P0001") }
            throw PipelineError("[USER_RAISED_EXCEPTION] Labels MUST be in [0, \(numClasses)), but got \(JavaDoubleFormat.string(label)) SQLSTATE: P0001")
        }
        return numClasses
    }
}

extension TreeNode {
    /// TreeEnsembleModel.toDebugString: the model's toString, then each tree under `Tree i (weight w):`.
    static func ensembleString(_ header: String, _ trees: [TreeNode], weights: [Double]? = nil) -> String {
        header + "\n" + trees.enumerated().map { index, root in
            "  Tree \(index) (weight \(JavaDoubleFormat.string(weights?[index] ?? 1))):\n" + root.subtreeString(indent: 4)
        }.joined()
    }
}

/// A model as Spark prints it: toDebugString for trees, toString otherwise.
public protocol MLDebugDescribable {
    var toDebugString: String { get }
}

extension DecisionTreeClassificationModel: MLDebugDescribable {}
extension DecisionTreeRegressionModel: MLDebugDescribable {}

public enum MLDescription {
    /// `model.toDebugString`, or `model.stages[stage].toDebugString` for a Pipeline model.
    public static func debugString(_ model: any MLTransformer, stage: Int? = nil) throws -> String {
        var target = model
        if let stage {
            guard let pipeline = model as? PipelineModel, stage < pipeline.stages.count else { throw PipelineError("the model has no stage \(stage)") }
            target = pipeline.stages[stage]
        }
        if let tree = target as? MLDebugDescribable { return tree.toDebugString }
        return String(describing: target)
    }
}
