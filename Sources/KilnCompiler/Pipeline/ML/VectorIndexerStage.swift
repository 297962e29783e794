import KilnCore

/// `VectorIndexer(inputCol, outputCol, maxCategories=20, handleInvalid='error')`: features
/// with at most maxCategories values become categorical (0.0 stays 0).
struct VectorIndexerStage: MLStageKind {
    static let name = "VectorIndexer"
    static let module = "pyspark.ml.feature"
    static let role = MLRole.estimator
    static let params: [MLParam] = [
        .column("inputCol"), .column("outputCol"), .int("maxCategories", 20) { $0 >= 2 },
        .choice("handleInvalid", "error", ["error", "skip", "keep"]),
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        check.adding(stage, schema, input: check.vector, output: .vector)
    }

    static func swift(_ stage: MLStage) -> String {
        "VectorIndexer(inputCol: \(stage["inputCol"]!.swift), outputCol: \(stage["outputCol"]!.swift), maxCategories: \(stage.int("maxCategories")), handleInvalid: .\(stage.string("handleInvalid")))"
    }
}
