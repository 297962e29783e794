import KilnCore

/// `GBTClassifier`: gradient-boosted regression trees on log loss, for labels 0 and 1; adds
/// rawPrediction, probability and prediction. With `subsamplingRate` below 1 or a feature subset,
/// each tree's rows and subsets are Spark's draws for the seed (the Scala default without one).
struct GBTClassifierStage: MLStageKind {
    static let name = "GBTClassifier"
    static let module = "pyspark.ml.classification"
    static let role = MLRole.estimator
    static let params: [MLParam] = TreeStageParams.shared + [
        .column("probabilityCol", "probability"), .column("rawPredictionCol", "rawPrediction"),
        .int("maxIter", 20) { $0 >= 0 }, .double("stepSize", 0.1) { $0 > 0 && $0 <= 1 },
        .choice("lossType", "logistic", ["logistic"]), .choice("impurity", "variance", ["variance"]),
        .double("subsamplingRate", 1) { $0 > 0 && $0 <= 1 },
        MLParam(name: "featureSubsetStrategy", kind: .string, defaultValue: .string("all"), validText: TreeStageParams.validSubsetStrategy),
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        TreeStageParams.check(stage, schema, check, adding: [
            Field(stage.string("rawPredictionCol"), .vector, nullable: true), Field(stage.string("probabilityCol"), .vector, nullable: true),
            Field(stage.string("predictionCol"), .double, nullable: false),
        ])
    }

    static func swift(_ stage: MLStage) -> String {
        "GBTClassifier(\(stage.swiftArguments(["labelCol", "featuresCol", "predictionCol", "probabilityCol", "rawPredictionCol"])), maxIter: \(stage.int("maxIter")), stepSize: \(SwiftTypes.double(stage.double("stepSize"))), featureSubsetStrategy: \(MLValue.string(stage.string("featureSubsetStrategy")).swift), subsamplingRate: \(SwiftTypes.double(stage.double("subsamplingRate"))), params: \(TreeStageParams.swift(stage, defaultSeed: "GBTClassifier.defaultSeed")))"
    }
}

/// `GBTRegressor`: the same boosting on squared (default) or absolute error; adds prediction,
/// the trees' weighted sum.
struct GBTRegressorStage: MLStageKind {
    static let name = "GBTRegressor"
    static let module = "pyspark.ml.regression"
    static let role = MLRole.estimator
    static let params: [MLParam] = TreeStageParams.shared + [
        .int("maxIter", 20) { $0 >= 0 }, .double("stepSize", 0.1) { $0 > 0 && $0 <= 1 },
        .choice("lossType", "squared", ["squared", "absolute"]), .choice("impurity", "variance", ["variance"]),
        .double("subsamplingRate", 1) { $0 > 0 && $0 <= 1 },
        MLParam(name: "featureSubsetStrategy", kind: .string, defaultValue: .string("all"), validText: TreeStageParams.validSubsetStrategy),
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        TreeStageParams.check(stage, schema, check, adding: [Field(stage.string("predictionCol"), .double, nullable: false)])
    }

    static func swift(_ stage: MLStage) -> String {
        "GBTRegressor(\(stage.swiftArguments(["labelCol", "featuresCol", "predictionCol"])), lossType: .\(stage.string("lossType")), maxIter: \(stage.int("maxIter")), stepSize: \(SwiftTypes.double(stage.double("stepSize"))), featureSubsetStrategy: \(MLValue.string(stage.string("featureSubsetStrategy")).swift), subsamplingRate: \(SwiftTypes.double(stage.double("subsamplingRate"))), params: \(TreeStageParams.swift(stage, defaultSeed: "GBTRegressor.defaultSeed")))"
    }
}
