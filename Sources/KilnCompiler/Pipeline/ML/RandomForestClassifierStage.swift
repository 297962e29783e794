import KilnCore

/// `RandomForestClassifier`: bagged classification trees, each node splitting on a random subset
/// of the features; adds rawPrediction (summed leaf frequencies), probability and prediction.
/// Without a `seed` Kiln takes the Scala API's default (the class name's hash); pyspark's
/// default differs per Python process, so give one to compare.
struct RandomForestClassifierStage: MLStageKind {
    static let name = "RandomForestClassifier"
    static let module = "pyspark.ml.classification"
    static let role = MLRole.estimator
    static let params: [MLParam] = TreeStageParams.shared + [
        .column("probabilityCol", "probability"), .column("rawPredictionCol", "rawPrediction"),
        .choice("impurity", "gini", ["gini", "entropy"]), .int("numTrees", 20) { $0 >= 1 },
        MLParam(name: "featureSubsetStrategy", kind: .string, defaultValue: .string("auto"), validText: TreeStageParams.validSubsetStrategy),
        .double("subsamplingRate", 1) { $0 > 0 && $0 <= 1 }, MLParam(name: "bootstrap", kind: .bool, defaultValue: .bool(true)),
        .int("maxMemoryInMB", 256) { $0 >= 0 },
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        TreeStageParams.check(stage, schema, check, adding: [
            Field(stage.string("rawPredictionCol"), .vector, nullable: true), Field(stage.string("probabilityCol"), .vector, nullable: true),
            Field(stage.string("predictionCol"), .double, nullable: false),
        ])
    }

    static func swift(_ stage: MLStage) -> String {
        let tree = TreeStageParams.swift(stage, defaultSeed: "RandomForestClassifier.defaultSeed")
        let bootstrap = stage["bootstrap"] == .bool(false) ? "false" : "true"
        return "RandomForestClassifier(\(stage.swiftArguments(["labelCol", "featuresCol", "predictionCol", "probabilityCol", "rawPredictionCol"])), impurity: .\(stage.string("impurity")), numTrees: \(stage.int("numTrees")), featureSubsetStrategy: \(MLValue.string(stage.string("featureSubsetStrategy")).swift), subsamplingRate: \(SwiftTypes.double(stage.double("subsamplingRate"))), bootstrap: \(bootstrap), maxMemoryInMB: \(stage.int("maxMemoryInMB")), params: \(tree))"
    }
}

/// `RandomForestRegressor`: bagged variance trees (a third of the features per node by default);
/// adds prediction, the trees' mean.
struct RandomForestRegressorStage: MLStageKind {
    static let name = "RandomForestRegressor"
    static let module = "pyspark.ml.regression"
    static let role = MLRole.estimator
    static let params: [MLParam] = TreeStageParams.shared + [
        .choice("impurity", "variance", ["variance"]), .int("numTrees", 20) { $0 >= 1 },
        MLParam(name: "featureSubsetStrategy", kind: .string, defaultValue: .string("auto"), validText: TreeStageParams.validSubsetStrategy),
        .double("subsamplingRate", 1) { $0 > 0 && $0 <= 1 }, MLParam(name: "bootstrap", kind: .bool, defaultValue: .bool(true)),
        .int("maxMemoryInMB", 256) { $0 >= 0 },
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        TreeStageParams.check(stage, schema, check, adding: [Field(stage.string("predictionCol"), .double, nullable: false)])
    }

    static func swift(_ stage: MLStage) -> String {
        let bootstrap = stage["bootstrap"] == .bool(false) ? "false" : "true"
        return "RandomForestRegressor(\(stage.swiftArguments(["labelCol", "featuresCol", "predictionCol"])), numTrees: \(stage.int("numTrees")), featureSubsetStrategy: \(MLValue.string(stage.string("featureSubsetStrategy")).swift), subsamplingRate: \(SwiftTypes.double(stage.double("subsamplingRate"))), bootstrap: \(bootstrap), maxMemoryInMB: \(stage.int("maxMemoryInMB")), params: \(TreeStageParams.swift(stage, defaultSeed: "RandomForestRegressor.defaultSeed")))"
    }
}
