import KilnCore

/// `StandardScaler(inputCol, outputCol, withMean=False, withStd=True)`: by the sample
/// standard deviation (and mean) of each feature.
struct StandardScalerStage: MLStageKind {
    static let name = "StandardScaler"
    static let module = "pyspark.ml.feature"
    static let role = MLRole.estimator
    static let params: [MLParam] = [
        .column("inputCol"), .column("outputCol"),
        MLParam(name: "withMean", kind: .bool, defaultValue: .bool(false)), MLParam(name: "withStd", kind: .bool, defaultValue: .bool(true)),
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        check.adding(stage, schema, input: check.vector, output: .vector)
    }

    static func swift(_ stage: MLStage) -> String {
        "StandardScaler(inputCol: \(stage["inputCol"]!.swift), outputCol: \(stage["outputCol"]!.swift), withMean: \(stage["withMean"]!.swift), withStd: \(stage["withStd"]!.swift))"
    }
}

/// `MinMaxScaler(inputCol, outputCol, min=0.0, max=1.0)`: each feature to [min, max].
struct MinMaxScalerStage: MLStageKind {
    static let name = "MinMaxScaler"
    static let module = "pyspark.ml.feature"
    static let role = MLRole.estimator
    static let params: [MLParam] = [.column("inputCol"), .column("outputCol"), .double("min", 0) { _ in true }, .double("max", 1) { _ in true }]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        guard stage.double("min") < stage.double("max") else {
            return check.error("requirement failed: The specified min(\(JavaDoubleFormat.string(stage.double("min")))) is larger or equal to max(\(JavaDoubleFormat.string(stage.double("max")))))")
        }
        return check.adding(stage, schema, input: check.vector, output: .vector)
    }

    static func swift(_ stage: MLStage) -> String {
        "MinMaxScaler(inputCol: \(stage["inputCol"]!.swift), outputCol: \(stage["outputCol"]!.swift), min: \(SwiftTypes.double(stage.double("min"))), max: \(SwiftTypes.double(stage.double("max"))))"
    }
}
