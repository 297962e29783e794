import KilnCore

/// `MulticlassClassificationEvaluator(labelCol, predictionCol, metricName='f1')`. Spark 1's
/// metricName "precision" (its overall precision, which is the accuracy) is read as accuracy.
struct MulticlassEvaluatorStage: MLStageKind {
    static let name = "MulticlassClassificationEvaluator"
    static let module = "pyspark.ml.evaluation"
    static let role = MLRole.evaluator
    static let spark1Names = ["precision": "accuracy", "recall": "accuracy", "weightedFMeasure": "f1"]
    static let params: [MLParam] = [
        .column("labelCol", "label"), .column("predictionCol", "prediction"),
        .choice("metricName", "f1", ["f1", "accuracy", "weightedPrecision", "weightedRecall", "weightedTruePositiveRate", "weightedFalsePositiveRate",
                                     "weightedFMeasure", "truePositiveRateByLabel", "falsePositiveRateByLabel", "precisionByLabel", "recallByLabel",
                                     "fMeasureByLabel", "hammingLoss", "precision", "recall"]),
        .double("metricLabel", 0) { $0 >= 0 }, .double("beta", 1) { $0 > 0 },
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        guard check.numeric(stage.string("labelCol"), in: schema) != nil, check.numeric(stage.string("predictionCol"), in: schema) != nil else { return nil }
        return schema
    }

    static func swift(_ stage: MLStage) -> String {
        "MulticlassClassificationEvaluator(\(stage.swiftArguments(["labelCol", "predictionCol"])), metricName: \(Identifiers.swiftStringLiteral(metric(stage))), metricLabel: \(SwiftTypes.double(stage.double("metricLabel"))), beta: \(SwiftTypes.double(stage.double("beta"))))"
    }

    /// The Spark 4 metric the stage computes.
    static func metric(_ stage: MLStage) -> String { spark1Names[stage.string("metricName")] ?? stage.string("metricName") }
}

/// `BinaryClassificationEvaluator(rawPredictionCol, labelCol, metricName='areaUnderROC')`.
struct BinaryEvaluatorStage: MLStageKind {
    static let name = "BinaryClassificationEvaluator"
    static let module = "pyspark.ml.evaluation"
    static let role = MLRole.evaluator
    static let params: [MLParam] = [
        .column("labelCol", "label"), .column("rawPredictionCol", "rawPrediction"), .choice("metricName", "areaUnderROC", ["areaUnderROC", "areaUnderPR"]),
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        guard check.numeric(stage.string("labelCol"), in: schema) != nil, let raw = check.column(stage.string("rawPredictionCol"), in: schema) else { return nil }
        guard raw.type == .vector || raw.type.isNumeric else {
            return check.error("requirement failed: Column \(raw.name) must be of type equal to one of the following types: [double, vector] but was actually of type \(raw.type.sparkSimpleString).")
        }
        return schema
    }

    static func swift(_ stage: MLStage) -> String { "BinaryClassificationEvaluator(\(stage.swiftArguments(["labelCol", "rawPredictionCol", "metricName"])))" }
}

/// `RegressionEvaluator(labelCol, predictionCol, metricName='rmse')`.
struct RegressionEvaluatorStage: MLStageKind {
    static let name = "RegressionEvaluator"
    static let module = "pyspark.ml.evaluation"
    static let role = MLRole.evaluator
    static let params: [MLParam] = [
        .column("labelCol", "label"), .column("predictionCol", "prediction"), .choice("metricName", "rmse", ["rmse", "mse", "r2", "mae", "var"]),
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        guard check.numeric(stage.string("labelCol"), in: schema) != nil, check.numeric(stage.string("predictionCol"), in: schema) != nil else { return nil }
        return schema
    }

    static func swift(_ stage: MLStage) -> String { "RegressionEvaluator(\(stage.swiftArguments(["labelCol", "predictionCol", "metricName"])))" }
}
