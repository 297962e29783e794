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
        let bootstrap = stage["bootstrap"].map { $0 == .bool(false) ? "false" : "true" } ?? "true"
        return "RandomForestClassifier(\(stage.swiftArguments(["labelCol", "featuresCol", "predictionCol", "probabilityCol", "rawPredictionCol"])), impurity: .\(stage.string("impurity")), numTrees: \(stage.int("numTrees")), featureSubsetStrategy: \(MLValue.string(stage.string("featureSubsetStrategy")).swift), subsamplingRate: \(SwiftTypes.double(stage.double("subsamplingRate"))), bootstrap: \(bootstrap), maxMemoryInMB: \(stage.int("maxMemoryInMB")), params: \(tree))"
    }
}
