import KilnCore
import KilnSpec

/// A value of an ML stage's parameter, as the spec gives it.
public enum MLValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case strings([String])

    var string: String? { if case let .string(s) = self { s } else { nil } }
    var int: Int? { if case let .int(i) = self { i } else { nil } }
    var double: Double? {
        switch self {
        case let .double(d): d
        case let .int(i): Double(i)
        default: nil
        }
    }

    /// The value as Python writes it (pyspark keyword arguments).
    var python: String {
        switch self {
        case let .string(s): Identifiers.pythonStringLiteral(s)
        case let .int(i): String(i)
        case let .double(d): JavaDoubleFormat.string(d)
        case let .bool(b): b ? "True" : "False"
        case let .strings(items): "[" + items.map(Identifiers.pythonStringLiteral).joined(separator: ", ") + "]"
        }
    }

    /// The value as a Swift literal.
    var swift: String {
        switch self {
        case let .string(s): Identifiers.swiftStringLiteral(s)
        case let .int(i): String(i)
        case let .double(d): SwiftTypes.double(d)
        case let .bool(b): b ? "true" : "false"
        case let .strings(items): "[" + items.map(Identifiers.swiftStringLiteral).joined(separator: ", ") + "]"
        }
    }
}

/// One parameter of a stage kind: its name (pyspark's), type, default and allowed values.
struct MLParam: Sendable {
    /// `labels`: a list of strings, or the name of a fitted StringIndexer (pyspark's `labels=indexer.labels`).
    enum Kind: Sendable { case column, string, int, double, bool, columns, labels }
    var name: String
    var kind: Kind
    var defaultValue: MLValue?
    /// Allowed words for a string parameter (Spark's ParamValidators.inArray).
    var choices: [String] = []
    /// A check of a number (Spark's ParamValidators.gtEq and friends): nil when valid.
    var valid: (@Sendable (Double) -> Bool)? = nil
    /// A check of a string parameter's text beyond fixed words (RandomForest's featureSubsetStrategy).
    var validText: (@Sendable (String) -> Bool)? = nil
    /// false: the kind checks which of its column parameters are set (OneHotEncoder's single- or
    /// multi-column form).
    var required = true

    static func column(_ name: String, _ defaultValue: String? = nil) -> MLParam {
        MLParam(name: name, kind: .column, defaultValue: defaultValue.map(MLValue.string))
    }
    static func optionalColumn(_ name: String) -> MLParam { MLParam(name: name, kind: .column, defaultValue: nil, required: false) }
    static func optionalColumns(_ name: String) -> MLParam { MLParam(name: name, kind: .columns, defaultValue: nil, required: false) }
    static func choice(_ name: String, _ defaultValue: String, _ choices: [String]) -> MLParam {
        MLParam(name: name, kind: .string, defaultValue: .string(defaultValue), choices: choices)
    }
    static func int(_ name: String, _ defaultValue: Int?, _ valid: @escaping @Sendable (Double) -> Bool) -> MLParam {
        MLParam(name: name, kind: .int, defaultValue: defaultValue.map(MLValue.int), valid: valid)
    }
    static func double(_ name: String, _ defaultValue: Double?, _ valid: @escaping @Sendable (Double) -> Bool) -> MLParam {
        MLParam(name: name, kind: .double, defaultValue: defaultValue.map(MLValue.double), valid: valid)
    }
}

/// What a stage is in a pipeline.
enum MLRole: Sendable { case estimator, transformer, evaluator }

/// A kind of ML stage (StringIndexer, DecisionTreeClassifier, ...): its parameters, the
/// columns it checks and adds, and its Swift runtime value. Each kind is one file.
protocol MLStageKind: Sendable {
    /// pyspark's class name, which is also the spec's key.
    static var name: String { get }
    /// The pyspark.ml module it lives in.
    static var module: String { get }
    static var role: MLRole { get }
    static var params: [MLParam] { get }
    /// The schema after the stage (its fitted model) transforms `schema`; reports Spark's
    /// error and returns nil when a column is missing or of the wrong type.
    static func transformSchema(_ stage: MLStage, _ schema: Schema, _ check: MLCheck) -> Schema?
    /// The runtime value: `StringIndexer(inputCol: "label", ...)`.
    static func swift(_ stage: MLStage) -> String
}

/// A stage as the spec configures it: every parameter, given or default.
public struct MLStage: Sendable {
    var kind: MLStageKind.Type
    var values: [String: MLValue]
    /// The parameters the spec gave, in its order (pyspark gets only these).
    var given: [String]
    public var location: SourceLocation

    public var kindName: String { kind.name }
    subscript(name: String) -> MLValue? { values[name] }
    func string(_ name: String) -> String { values[name]?.string ?? "" }
    func int(_ name: String) -> Int { values[name]?.int ?? 0 }
    func double(_ name: String) -> Double { values[name]?.double ?? 0 }

    /// `StringIndexer(inputCol='label', outputCol='indexedLabel')`; `labels: indexer` is the
    /// indexer's labels.
    var python: String {
        "\(kind.name)(\(given.map { name in "\(name)=" + (kind.params.first { $0.name == name }?.kind == .labels && values[name]?.string != nil ? values[name]!.string! + ".labels" : values[name]!.python) }.joined(separator: ", ")))"
    }

    /// Swift call arguments for `names`, as `label: value`.
    func swiftArguments(_ names: [String]) -> String {
        names.compactMap { name in values[name].map { "\(name): \($0.swift)" } }.joined(separator: ", ")
    }
}

/// Where a stage's column checks report.
struct MLCheck {
    let diagnostics: DiagnosticEngine
    let location: SourceLocation

    func error(_ message: String) -> Schema? {
        diagnostics.error(message, at: location)
        return nil
    }

    /// Spark's FIELD_NOT_FOUND for a column a stage reads.
    func column(_ name: String, in schema: Schema) -> Field? {
        guard let field = schema[name] else {
            diagnostics.error("[FIELD_NOT_FOUND] No such struct field `\(name)` in \(schema.names.map { "`\($0)`" }.joined(separator: ", ")). SQLSTATE: 42704", at: location)
            return nil
        }
        return field
    }

    /// SchemaUtils.checkNumericType.
    func numeric(_ name: String, in schema: Schema) -> Field? {
        guard let field = column(name, in: schema) else { return nil }
        guard field.type.isNumeric else {
            diagnostics.error("requirement failed: Column \(name) must be of type numeric but was actually of type \(field.type.sparkSimpleString).", at: location)
            return nil
        }
        return field
    }

    /// SchemaUtils.checkColumnType for VectorUDT.
    func vector(_ name: String, in schema: Schema) -> Field? {
        guard let field = column(name, in: schema) else { return nil }
        guard field.type == .vector else {
            diagnostics.error("requirement failed: Column \(name) must be of type class org.apache.spark.ml.linalg.VectorUDT:struct<type:tinyint,size:int,indices:array<int>,values:array<double>> but was actually class \(Self.sparkClass(field.type)):\(field.type.sparkSimpleString).", at: location)
            return nil
        }
        return field
    }

    static func sparkClass(_ type: DataType) -> String {
        switch type {
        case .string: "org.apache.spark.sql.types.StringType$"
        case .int: "org.apache.spark.sql.types.IntegerType$"
        case .long: "org.apache.spark.sql.types.LongType$"
        case .double: "org.apache.spark.sql.types.DoubleType$"
        case .boolean: "org.apache.spark.sql.types.BooleanType$"
        case .array: "org.apache.spark.sql.types.ArrayType"
        case .vector: "org.apache.spark.ml.linalg.VectorUDT"
        }
    }

    /// The schema of a stage that reads `inputCol` (checked by `input`) and adds `outputCol`.
    func adding(_ stage: MLStage, _ schema: Schema, input: (String, Schema) -> Field?, output type: DataType, nullable: Bool = true) -> Schema? {
        guard input(stage.string("inputCol"), schema) != nil, newColumn(stage.string("outputCol"), in: schema) else { return nil }
        return Schema(schema.fields + [Field(stage.string("outputCol"), type, nullable: nullable)])
    }

    /// A column a stage adds must not exist yet.
    func newColumn(_ name: String, in schema: Schema) -> Bool {
        if schema[name] != nil {
            diagnostics.error("requirement failed: Output column \(name) already exists.", at: location)
            return false
        }
        return true
    }
}

enum MLStages {
    /// Every kind, in the order messages list them: feature stages, models, evaluators.
    static let kinds: [MLStageKind.Type] = [
        StringIndexerStage.self, IndexToStringStage.self, VectorIndexerStage.self, VectorAssemblerStage.self, OneHotEncoderStage.self,
        StandardScalerStage.self, MinMaxScalerStage.self,
        DecisionTreeClassifierStage.self, DecisionTreeRegressorStage.self, RandomForestClassifierStage.self, RandomForestRegressorStage.self,
        GBTClassifierStage.self, GBTRegressorStage.self,
        MulticlassEvaluatorStage.self, BinaryEvaluatorStage.self, RegressionEvaluatorStage.self,
    ]
    static var stageNames: [String] { kinds.filter { $0.role != .evaluator }.map { $0.name } }
    static var evaluatorNames: [String] { kinds.filter { $0.role == .evaluator }.map { $0.name } }
    static func kind(named name: String) -> MLStageKind.Type? { kinds.first { $0.name == name } }

    /// Reads `{inputCol: label, ...}` for `kind`: known parameters of the right types, each
    /// value allowed; defaults fill the rest.
    static func read(_ kind: MLStageKind.Type, _ node: YAMLNode, at location: SourceLocation, diagnostics: DiagnosticEngine) -> MLStage? {
        var values: [String: MLValue] = [:]
        var given: [String] = []
        for param in kind.params { if let value = param.defaultValue { values[param.name] = value } }
        if case .scalar(_, .plain) = node.value, node.scalarKind == .null {
            return MLStage(kind: kind, values: values, given: [], location: location)
        }
        guard case let .mapping(pairs) = node.value else {
            diagnostics.error("expected a mapping of \(kind.name) parameters such as {\(kind.params.first.map { "\($0.name): ..." } ?? "")}, received \(node.kindDescription)", at: node.location)
            return nil
        }
        var ok = true
        for (keyNode, value) in pairs {
            guard case let .scalar(key, _) = keyNode.value else {
                diagnostics.error("expected a parameter name in \(kind.name), received \(keyNode.kindDescription)", at: keyNode.location); ok = false; continue
            }
            guard let param = kind.params.first(where: { $0.name == key }) else {
                var message = "\(kind.name) has no parameter '\(Identifiers.commentText(key))'"
                if let guess = didYouMean(key, among: kind.params.map(\.name)) { message += "; did you mean '\(guess)'?" } else {
                    message += "; its parameters are \(kind.params.map(\.name).joined(separator: ", "))"
                }
                diagnostics.error(message, at: keyNode.location); ok = false; continue
            }
            let read: MLValue?
            switch param.kind {
            case .column, .string: read = value.string(key, in: diagnostics).map(MLValue.string)
            case .int: read = value.int(key, in: diagnostics).map(MLValue.int)
            case .double: read = value.double(key, in: diagnostics).map(MLValue.double)
            case .bool: read = value.bool(key, in: diagnostics).map(MLValue.bool)
            case .labels where value.scalarKind != nil:
                read = value.string(key, in: diagnostics).map(MLValue.string)
            case .columns, .labels:
                guard case let .sequence(items) = value.value else { value.mismatch("a list of column names", key, diagnostics); ok = false; continue }
                let names = items.compactMap { $0.string(key, in: diagnostics) }
                read = names.count == items.count ? .strings(names) : nil
            }
            guard let read else { ok = false; continue }
            if !param.choices.isEmpty, let text = read.string, !param.choices.contains(text) {
                diagnostics.error("\(kind.name) parameter \(key) given invalid value \(text); expected one of \(param.choices.joined(separator: ", "))", at: value.location)
                ok = false; continue
            }
            if let valid = param.validText, let text = read.string, !valid(text) {
                diagnostics.error("\(kind.name) parameter \(key) given invalid value \(text).", at: value.location)
                ok = false; continue
            }
            if let valid = param.valid, let number = read.double, !valid(number) {
                diagnostics.error("\(kind.name) parameter \(key) given invalid value \(read.int.map(String.init) ?? JavaDoubleFormat.string(number)).", at: value.location)
                ok = false; continue
            }
            values[key] = read
            given.append(key)
        }
        for param in kind.params where param.required && values[param.name] == nil && (param.kind == .column || (param.kind == .columns && param.name == "inputCols")) {
            diagnostics.error("\(kind.name) needs '\(param.name)'", at: node.location); ok = false
        }
        return ok ? MLStage(kind: kind, values: values, given: given, location: location) : nil
    }
}
