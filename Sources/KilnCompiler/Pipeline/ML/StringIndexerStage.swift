import KilnCore

/// `StringIndexer(inputCol, outputCol, stringOrderType='frequencyDesc', handleInvalid='error')`:
/// a string or numeric column (cast to string) to label indices, a double column.
struct StringIndexerStage: MLStageKind {
    static let name = "StringIndexer"
    static let module = "pyspark.ml.feature"
    static let role = MLRole.estimator
    static let params: [MLParam] = [
        .column("inputCol"), .column("outputCol"),
        .choice("stringOrderType", "frequencyDesc", ["frequencyDesc", "frequencyAsc", "alphabetDesc", "alphabetAsc"]),
        .choice("handleInvalid", "error", ["error", "skip", "keep"]),
    ]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        guard let field = check.column(stage.string("inputCol"), in: schema) else { return nil }
        guard field.type == .string || field.type.isNumeric || field.type == .boolean else {
            return check.error("requirement failed: The input column \(field.name) must be either string type or numeric type, but got \(field.type == .vector ? "org.apache.spark.ml.linalg.VectorUDT" : field.type.sparkSimpleString).")
        }
        guard check.newColumn(stage.string("outputCol"), in: schema) else { return nil }
        return Schema(schema.fields + [Field(stage.string("outputCol"), .double, nullable: false)])
    }

    static func swift(_ stage: MLStage) -> String {
        "StringIndexer(inputCol: \(stage["inputCol"]!.swift), outputCol: \(stage["outputCol"]!.swift), stringOrderType: .\(stage.string("stringOrderType")), handleInvalid: .\(stage.string("handleInvalid")))"
    }
}

/// `IndexToString(inputCol, outputCol, labels)`: indices back to labels, from `labels` or the
/// input column's StringIndexer metadata.
struct IndexToStringStage: MLStageKind {
    static let name = "IndexToString"
    static let module = "pyspark.ml.feature"
    static let role = MLRole.transformer
    static let params: [MLParam] = [.column("inputCol"), .column("outputCol"), MLParam(name: "labels", kind: .labels, defaultValue: nil)]

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        check.adding(stage, schema, input: check.numeric, output: .string)
    }

    /// `labels: indexer` reads a fitted StringIndexer's labels at run time.
    static func swift(_ stage: MLStage) -> String {
        let labels: String = switch stage["labels"] {
        case let .string(indexer)?: ", labels: try StringIndexerModel.labels(of: \(indexer))"
        case let value?: ", labels: \(value.swift)"
        case nil: ""
        }
        return "IndexToString(inputCol: \(stage["inputCol"]!.swift), outputCol: \(stage["outputCol"]!.swift)\(labels))"
    }

    /// The node `labels:` names must be a fitted StringIndexer, declared earlier.
    static func labelsSource(_ stage: MLStage) -> String? { stage["labels"]?.string }
}
