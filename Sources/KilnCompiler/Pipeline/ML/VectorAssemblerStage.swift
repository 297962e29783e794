import KilnCore

/// `VectorAssembler(inputCols, outputCol, handleInvalid='error')`: numeric, boolean and vector
/// columns into one vector column.
struct VectorAssemblerStage: MLStageKind {
    static let name = "VectorAssembler"
    static let module = "pyspark.ml.feature"
    static let role = MLRole.transformer
    static let params: [MLParam] = [
        MLParam(name: "inputCols", kind: .columns, defaultValue: nil), .column("outputCol"), .choice("handleInvalid", "error", ["error", "skip", "keep"]),
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        guard case let .strings(inputs)? = stage["inputCols"] else { return check.error("VectorAssembler needs 'inputCols'") }
        for input in inputs {
            guard let field = check.column(input, in: schema) else { return nil }
            guard field.type.isNumeric || field.type == .boolean || field.type == .vector else {
                return check.error("Data type \(field.type.sparkSimpleString) of column \(field.name) is not supported.")
            }
        }
        guard check.newColumn(stage.string("outputCol"), in: schema) else { return nil }
        return Schema(schema.fields + [Field(stage.string("outputCol"), .vector, nullable: true)])
    }

    static func swift(_ stage: MLStage) -> String {
        "VectorAssembler(inputCols: \(stage["inputCols"]!.swift), outputCol: \(stage["outputCol"]!.swift), handleInvalid: .\(stage.string("handleInvalid")))"
    }
}
