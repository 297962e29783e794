import KilnCore

/// `OneHotEncoder(inputCol, outputCol)` or `OneHotEncoder(inputCols, outputCols)`, with
/// `dropLast=True, handleInvalid='error'`: category indices (a StringIndexer's output, or any
/// non-negative integers) to sparse vectors, each input column on its own.
struct OneHotEncoderStage: MLStageKind {
    static let name = "OneHotEncoder"
    static let module = "pyspark.ml.feature"
    static let role = MLRole.estimator
    static let params: [MLParam] = [
        .optionalColumn("inputCol"), .optionalColumn("outputCol"), .optionalColumns("inputCols"), .optionalColumns("outputCols"),
        MLParam(name: "dropLast", kind: .bool, defaultValue: .bool(true)), .choice("handleInvalid", "error", ["error", "keep"]),
    ]

    /// The (input, output) pairs, after Spark's checkSingleVsMultiColumnParams (without the uid).
    static func columns(_ stage: MLStage, _ check: MLCheck) -> [(input: String, output: String)]? {
        let single = stage["inputCol"] != nil, multi = stage["inputCols"] != nil
        guard single != multi else {
            _ = check.error("OneHotEncoder requires exactly one of inputCol, inputCols Params to be set, but \(single ? "both are" : "neither is") set.")
            return nil
        }
        let (form, required, excluded) = single ? ("inputCol Param set for single-column", "outputCol", "outputCols")
                                                : ("inputCols Param set for multi-column", "outputCols", "outputCol")
        var problems = ""
        if stage[excluded] != nil { problems += " The following Params are not applicable and should not be set: \(excluded)." }
        if stage[required] == nil { problems += " The following Params must be defined but are not set: \(required)." }
        guard problems.isEmpty else {
            _ = check.error("OneHotEncoder has the \(form) transform.\(problems)")
            return nil
        }
        if single { return [(stage.string("inputCol"), stage.string("outputCol"))] }
        guard case let .strings(inputs)? = stage["inputCols"], case let .strings(outputs)? = stage["outputCols"] else { return nil }
        guard inputs.count == outputs.count else {
            _ = check.error("requirement failed: The number of input columns \(inputs.count) must be the same as the number of output columns \(outputs.count).")
            return nil
        }
        return Array(zip(inputs, outputs))
    }

    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema? {
        guard let pairs = columns(stage, check) else { return nil }
        var fields = schema.fields
        for (input, output) in pairs {
            guard check.numeric(input, in: schema) != nil, check.newColumn(output, in: Schema(fields)) else { return nil }
            fields.append(Field(output, .vector, nullable: true))
        }
        return Schema(fields)
    }

    static func swift(_ stage: MLStage) -> String {
        let options = "dropLast: \(stage["dropLast"]!.swift), handleInvalid: .\(stage.string("handleInvalid"))"
        if let inputs = stage["inputCols"], let outputs = stage["outputCols"] {
            return "OneHotEncoder(inputCols: \(inputs.swift), outputCols: \(outputs.swift), \(options))"
        }
        return "OneHotEncoder(inputCol: \(stage["inputCol"]!.swift), outputCol: \(stage["outputCol"]!.swift), \(options))"
    }
}
