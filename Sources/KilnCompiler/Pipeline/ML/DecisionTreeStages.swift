import KilnCore

/// The parameters both trees share, with Spark's defaults and validators.
enum TreeStageParams {
    static let shared: [MLParam] = [
        .column("labelCol", "label"), .column("featuresCol", "features"), .column("predictionCol", "prediction"),
        .int("maxDepth", 5) { $0 >= 0 && $0 <= 30 }, .int("maxBins", 32) { $0 >= 2 }, .int("minInstancesPerNode", 1) { $0 >= 1 },
        .double("minInfoGain", 0) { $0 >= 0 }, .int("seed", nil) { _ in true },
    ]

    /// RandomForestParams' featureSubsetStrategy: a word, a count of features, or a fraction in (0, 1].
    static let validSubsetStrategy: @Sendable (String) -> Bool = { text in
        let name = text.lowercased()
        if ["auto", "all", "onethird", "sqrt", "log2"].contains(name) { return true }
        if let count = Int(name) { return count > 0 }
        if let fraction = Double(name) { return fraction > 0 && fraction <= 1 }
        return false
    }

    /// `defaultSeed`: the Swift expression for the seed when the spec gives none (an ensemble's
    /// class-name hash); nil leaves TreeParams' own.
    static func swift(_ stage: MLStage, defaultSeed: String? = nil) -> String {
        let seed = stage["seed"]?.int.map { ", seed: \($0)" } ?? defaultSeed.map { ", seed: \($0)" } ?? ""
        return "TreeParams(maxDepth: \(stage.int("maxDepth")), maxBins: \(stage.int("maxBins")), minInstancesPerNode: \(stage.int("minInstancesPerNode")), minInfoGain: \(SwiftTypes.double(stage.double("minInfoGain")))\(seed))"
    }

    /// Features a vector, label numeric, prediction columns new.
    static func check(_ stage: MLStage, _ schema: Schema, _ check: MLCheck, adding: [Field]) -> Schema? {
        guard check.vector(stage.string("featuresCol"), in: schema) != nil, check.numeric(stage.string("labelCol"), in: schema) != nil else { return nil }
        for field in adding { guard check.newColumn(field.name, in: schema) else { return nil } }
        return Schema(schema.fields + adding)
    }
}

/// `DecisionTreeClassifier`: adds rawPrediction, probability and prediction.
struct DecisionTreeClassifierStage: MLStageKind {
    static let name = "DecisionTreeClassifier"
    static let module = "pyspark.ml.classification"
    static let role = MLRole.estimator
    static let params: [MLParam] = TreeStageParams.shared + [
        .column("probabilityCol", "probability"), .column("rawPredictionCol", "rawPrediction"),
        .choice("impurity", "gini", ["gini", "entropy"]),
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        TreeStageParams.check(stage, schema, check, adding: [
            Field(stage.string("rawPredictionCol"), .vector, nullable: true), Field(stage.string("probabilityCol"), .vector, nullable: true),
            Field(stage.string("predictionCol"), .double, nullable: false),
        ])
    }

    static func swift(_ stage: MLStage) -> String {
        "DecisionTreeClassifier(\(stage.swiftArguments(["labelCol", "featuresCol", "predictionCol", "probabilityCol", "rawPredictionCol"])), impurity: .\(stage.string("impurity")), params: \(TreeStageParams.swift(stage)))"
    }
}

/// `DecisionTreeRegressor`: variance impurity, adds prediction.
struct DecisionTreeRegressorStage: MLStageKind {
    static let name = "DecisionTreeRegressor"
    static let module = "pyspark.ml.regression"
    static let role = MLRole.estimator
    static let params: [MLParam] = TreeStageParams.shared + [.choice("impurity", "variance", ["variance"])]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        TreeStageParams.check(stage, schema, check, adding: [Field(stage.string("predictionCol"), .double, nullable: false)])
    }

    static func swift(_ stage: MLStage) -> String {
        "DecisionTreeRegressor(\(stage.swiftArguments(["labelCol", "featuresCol", "predictionCol"])), params: \(TreeStageParams.swift(stage)))"
    }
}
