import KilnCore

/// `OneHotEncoder(inputCol, outputCol, dropLast=True, handleInvalid='error')`: category
/// indices (a StringIndexer's output, or any non-negative integers) to sparse vectors.
struct OneHotEncoderStage: MLStageKind {
    static let name = "OneHotEncoder"
    static let module = "pyspark.ml.feature"
    static let role = MLRole.estimator
    static let params: [MLParam] = [
        .column("inputCol"), .column("outputCol"), MLParam(name: "dropLast", kind: .bool, defaultValue: .bool(true)),
        .choice("handleInvalid", "error", ["error", "keep"]),
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        check.adding(stage, schema, input: check.numeric, output: .vector)
    }

    static func swift(_ stage: MLStage) -> String {
        "OneHotEncoder(inputCol: \(stage["inputCol"]!.swift), outputCol: \(stage["outputCol"]!.swift), dropLast: \(stage["dropLast"]!.swift), handleInvalid: .\(stage.string("handleInvalid")))"
    }
}
