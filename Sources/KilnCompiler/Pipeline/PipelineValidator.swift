import Foundation
import KilnCore
import KilnSpec

/// One source kind or operation: checks its arguments against its input's schema and
/// yields the plan op and the output schema (as a Keras layer derives its output shape).
protocol PipelineOperation: Sendable {
    /// The spec keys that select it (`sort` and `orderBy` are one operation).
    static var names: [String] { get }
    /// The option keys it reads besides its own and `from` (for unknown-key checks).
    static var options: [String] { get }
    static func build(_ context: OpContext) -> BuiltOp?
    /// Its node as one PySpark statement (the renderer gives inputs, DDL and expressions).
    static func pyspark(_ node: PlanNode, in renderer: PySparkRenderer) -> String
    /// Whether a step without `from:` reads the step before it (ML stages read their data
    /// from `fit:` instead).
    static var readsPrevious: Bool { get }
}

extension PipelineOperation {
    static var options: [String] { [] }
    static var readsPrevious: Bool { true }
}

struct BuiltOp {
    var op: PlanOp
    var schema: Schema
    var flavor: PlanNode.Flavor
    /// Inputs beyond `from` (the other side of a join or union).
    var extraInputs: [Int] = []
}

/// What an operation sees while it is built.
struct OpContext {
    let spec: NodeSpec
    let input: PlanNode?
    let reader: MappingReader
    let validator: PipelineValidator

    var diagnostics: DiagnosticEngine { validator.diagnostics }
    var op: String { spec.op.value }
    var argument: YAMLNode { spec.argument }
    var isBare: Bool { if case .scalar(_, .plain) = argument.value, argument.scalarKind == .null { true } else { false } }

    func typer(_ schema: Schema) -> ExpressionTyper {
        ExpressionTyper(schema: schema, params: validator.paramTypes, udfs: validator.udfs, diagnostics: diagnostics)
    }

    /// Parses and types one expression written as a YAML scalar.
    func expression(_ node: YAMLNode, schema: Schema) -> TypedExpr? {
        guard let parsed = ExpressionParser.parse(node, diagnostics: diagnostics) else { return nil }
        return typer(schema).type(parsed)
    }

    func error(_ message: String, at location: SourceLocation? = nil) -> BuiltOp? {
        diagnostics.error(message, at: location ?? argument.location)
        return nil
    }

    /// Another node named in an argument (`join: other`, `union: more`), which must yield rows.
    func node(named name: Located<String>) -> PlanNode? {
        validator.resolve(name, from: spec.name.value)
    }

    /// Names of columns given as one string or a list of strings.
    func columnList(_ node: YAMLNode, _ what: String) -> [Located<String>]? {
        switch node.value {
        case .scalar:
            return node.string(what, in: diagnostics).map { [Located($0, at: node.location)] }
        case let .sequence(items):
            var names: [Located<String>] = []
            for item in items {
                guard let name = item.string(what, in: diagnostics) else { return nil }
                names.append(Located(name, at: item.location))
            }
            return names
        case .mapping:
            diagnostics.error("expected a column name or a list of column names for '\(what)', received a mapping", at: node.location)
            return nil
        }
    }

    /// Resolves column names against `schema`, reporting unknown ones Spark's way.
    func columnIndices(_ names: [Located<String>], in schema: Schema) -> [Int]? {
        var indices: [Int] = []
        var ok = true
        for name in names {
            guard let typed = typer(schema).column(name.value, at: name.location), let index = typed.columnIndex else { ok = false; continue }
            indices.append(index)
        }
        return ok ? indices : nil
    }

    func positiveInt(_ node: YAMLNode, _ what: String, allowZero: Bool = true) -> Int? {
        guard let value = node.int(what, in: diagnostics) else { return nil }
        guard value > 0 || (allowZero && value == 0) else {
            diagnostics.error("expected a \(allowZero ? "non-negative" : "positive") integer for '\(what)', received \(value)", at: node.location)
            return nil
        }
        return value
    }
}

/// `PipelineSpec` -> `PipelineGraph`: resolves inputs, builds each node with its operation,
/// checks outputs. Every error is reported; a node whose input failed is skipped quietly.
final class PipelineValidator {
    let diagnostics: DiagnosticEngine
    let specPath: String
    let specDirectory: URL?
    var nodes: [PlanNode] = []
    var byName: [String: Int] = [:]
    /// Names declared anywhere in the spec, so that a step whose input failed stays quiet.
    var declared: Set<String> = []
    var paramTypes: [String: DataType] = [:]
    var udfs: [String: UDFSignature] = [:]

    static let sourceOperations: [PipelineOperation.Type] = [TextFileSource.self, CSVSource.self, JSONSource.self, LibSVMSource.self, RowsSource.self, ParallelizeSource.self]
    /// In the order messages list their names: RDD words, then DataFrame ones, then writers.
    static let stepOperations: [PipelineOperation.Type] = [
        MapOp.self, FlatMapOp.self, FilterOp.self, ReduceByKeyOp.self, GroupByKeyOp.self, SortByOp.self, DistinctOp.self, TakeOp.self,
        CollectOp.self, CountOp.self, UnionOp.self, KeysValuesOp.self, ToDFOp.self,
        SelectOp.self, WithColumnOp.self, WithColumnRenamedOp.self, WhereOp.self, SortOp.self, GroupByOp.self, JoinOp.self, LimitOp.self,
        DropDuplicatesOp.self, DropOp.self, ShowOp.self, PrintSchemaOp.self,
        WriteOp.self,
        RandomSplitOp.self, MLStageOp.self, PipelineStagesOp.self, TransformOp.self, EvaluateOp.self, DebugStringOp.self, SaveModelOp.self,
    ]
    /// The words the spec parser knows as source kinds and operations: theirs, in order.
    static var sourceKinds: [String] { sourceOperations.flatMap { $0.names } }
    static var operationNames: [String] { stepOperations.flatMap { $0.names } }

    init(specPath: String, specDirectory: URL?, diagnostics: DiagnosticEngine) {
        self.specPath = specPath; self.specDirectory = specDirectory; self.diagnostics = diagnostics
    }

    static func validate(_ spec: PipelineSpec, specPath: String, specDirectory: URL?, diagnostics: DiagnosticEngine) -> PipelineGraph? {
        let validator = PipelineValidator(specPath: specPath, specDirectory: specDirectory, diagnostics: diagnostics)
        return validator.run(spec)
    }

    func run(_ spec: PipelineSpec) -> PipelineGraph? {
        let errorsBefore = diagnostics.errors.count
        if let problem = Identifiers.problemWithModelName(spec.name.value, kind: "pipeline") {
            diagnostics.error("invalid pipeline name '\(Identifiers.commentText(spec.name.value))': \(problem)", at: spec.name.location)
        }
        var params: [PipelineParam] = []
        for param in spec.params {
            if let problem = Identifiers.problemWithParameterName(param.name.value) {
                diagnostics.error("invalid parameter name '\(Identifiers.commentText(param.name.value))': \(problem)", at: param.name.location)
                continue
            }
            params.append(PipelineParam(name: param.name.value, typeName: param.type.value))
            paramTypes[param.name.value] = params.last!.type
        }
        for udf in spec.udfs { if let signature = checkUDF(udf) { udfs[udf.name.value] = signature } }
        declared = Set(spec.sources.map(\.name.value) + spec.steps.map(\.name.value)).union(spec.unparsed)
        failed = spec.unparsed

        // Parameters and datasets are variables of the same generated function.
        for node in spec.sources + spec.steps where paramTypes[node.name.value] != nil {
            diagnostics.error("'\(node.name.value)' is the name of a parameter; give the \(spec.sources.contains { $0.name.value == node.name.value } ? "source" : "step") another name", at: node.name.location)
        }
        for source in spec.sources {
            if let clash = spec.steps.first(where: { $0.name.value == source.name.value }) {
                diagnostics.error("step '\(clash.name.value)' has the name of a source", at: clash.name.location)
            }
            build(source, operations: Self.sourceOperations, input: nil)
        }
        var previous: String? = spec.sources.count == 1 ? spec.sources[0].name.value : nil
        for step in spec.steps {
            defer { previous = step.name.value }
            if let operation = Self.stepOperations.first(where: { $0.names.contains(step.op.value) }), !operation.readsPrevious {
                if let from = step.from {
                    diagnostics.error("\(step.op.value) reads no 'from'; \(step.op.value == "toDebugString" ? "name the model as its argument" : "name the data it is fitted on with 'fit:'")", at: from.location)
                    failed.insert(step.name.value)
                } else {
                    build(step, operations: Self.stepOperations, input: nil)
                }
                continue
            }
            let inputName: Located<String>
            if let from = step.from {
                inputName = from
            } else if let previous {
                inputName = Located(previous, at: step.location)
            } else {
                diagnostics.error("step '\(step.name.value)' needs 'from:' to name its input: the pipeline has \(spec.sources.count) sources (\(spec.sources.map(\.name.value).joined(separator: ", ")))", at: step.location)
                failed.insert(step.name.value)
                continue
            }
            // A step whose input failed fails quietly, and so do the steps that read it.
            guard let input = resolve(inputName, from: step.name.value) else { failed.insert(step.name.value); continue }
            build(step, operations: Self.stepOperations, input: input)
        }
        var outputs: [Int] = []
        for output in spec.outputs {
            guard let index = byName[output.value] else {
                if !declared.contains(output.value) { unknownName(output, context: "output") }
                continue
            }
            guard nodes[index].yieldsRows || isCount(nodes[index]) || nodes[index].isMLOutput else {
                diagnostics.error("output '\(output.value)' is a \(nodes[index].opName) \(nodes[index].kindWord) and yields no rows", at: output.location)
                continue
            }
            outputs.append(index)
        }
        // Sources and steps the parser already rejected also make the spec invalid.
        guard diagnostics.errors.count == errorsBefore, spec.unparsed.isEmpty else { return nil }
        // Names that would clash in the generated Swift or Python are mangled, not refused.
        let joins = Set(nodes.indices.filter { if case .join = nodes[$0].op { true } else { false } })
        let reserved = Set(params.map(\.name)).union(udfs.keys)
        for (index, identifier) in Identifiers.datasetIdentifiers(nodes.map(\.specName), joins: joins, reserved: reserved).enumerated() {
            nodes[index].name = identifier
        }
        return PipelineGraph(name: spec.name.value, specPath: specPath, description: spec.description, params: params,
                             udfs: spec.udfs.compactMap { udfs[$0.name.value] }, nodes: nodes, outputs: outputs)
    }

    /// Whether an operation can read a frame with vector columns: ML steps, actions on whole
    /// frames, and selects of columns as they are.
    static func readsVectors(_ op: PlanOp, _ schema: Schema) -> Bool {
        switch op {
        case .randomSplit, .mlTransform, .mlEvaluate, .mlFit, .show, .printSchema, .count, .limit: return true
        case let .write(format, _, _): return format == .json
        case let .project(exprs):
            return exprs.allSatisfy { expr in expr.columnIndex.map { schema.fields[$0].name == expr.sparkName } ?? false }
        default: return false
        }
    }

    func isCount(_ node: PlanNode) -> Bool { if case .count = node.op { true } else { false } }

    func unknownName(_ name: Located<String>, context: String) {
        var message = "unknown dataset '\(name.value)' in \(context)"
        let candidates = nodes.filter(\.yieldsRows).map(\.name)
        if let guess = didYouMean(name.value, among: candidates) { message += "; did you mean '\(guess)'?" } else if !candidates.isEmpty {
            message += "; the sources and steps so far are \(candidates.joined(separator: ", "))"
        }
        diagnostics.error(message, at: name.location)
    }

    /// The node `name` refers to, if it exists, comes earlier and yields rows.
    func resolve(_ name: Located<String>, from user: String) -> PlanNode? {
        guard let index = byName[name.value] else {
            if name.value == user {
                diagnostics.error("step '\(user)' cannot read itself", at: name.location)
            } else if declared.contains(name.value), !nodes.contains(where: { $0.name == name.value }) {
                // Declared later, or failed: only the former is this step's error.
                if !failed.contains(name.value) {
                    diagnostics.error("step '\(user)' reads '\(name.value)', which is defined after it; steps may only read sources and earlier steps", at: name.location)
                }
            } else {
                unknownName(name, context: "step '\(user)'")
            }
            return nil
        }
        let node = nodes[index]
        guard node.yieldsRows else {
            let hint = if case .mlFit = node.op { "; apply it with transform: \(name.value)" } else { "" }
            diagnostics.error("'\(name.value)' is a \(node.opName) \(node.kindWord) and yields no rows to read\(hint)", at: name.location)
            return nil
        }
        return node
    }

    var failed: Set<String> = []

    func build(_ spec: NodeSpec, operations: [PipelineOperation.Type], input: PlanNode?) {
        guard Identifiers.problemWithDatasetName(spec.name.value) == nil else {
            diagnostics.error("invalid name '\(Identifiers.commentText(spec.name.value))': \(Identifiers.problemWithDatasetName(spec.name.value)!)", at: spec.name.location)
            failed.insert(spec.name.value)
            return
        }
        guard let operation = operations.first(where: { $0.names.contains(spec.op.value) }) else {
            diagnostics.error("'\(spec.op.value)' is not supported yet", at: spec.op.location)
            failed.insert(spec.name.value)
            return
        }
        let reader = MappingReader(spec.node, context: "\(operations.first?.names == Self.sourceOperations.first?.names ? "source" : "step") '\(spec.name.value)'", diagnostics: diagnostics)
        _ = reader[spec.op.value]
        _ = reader["from"]
        let context = OpContext(spec: spec, input: input, reader: reader, validator: self)
        let errorsBefore = diagnostics.errors.count
        let built = operation.build(context)
        if case .mapping = spec.node.value { reader.finish(allowed: [spec.op.value, "from"] + operation.options) }
        guard let built, diagnostics.errors.count == errorsBefore else {
            failed.insert(spec.name.value)
            return
        }
        // A join keeps both sides' columns of one name, as Spark (only a later reference to
        // the name is an error, AMBIGUOUS_REFERENCE).
        if !built.op.isJoin, let duplicate = Self.duplicateColumn(built.schema, besides: input?.schema) {
            diagnostics.error("step '\(spec.name.value)' would have two columns named '\(duplicate)'; rename one (withColumnRenamed, or 'as' in select)", at: spec.location)
            failed.insert(spec.name.value)
            return
        }
        if let input, let vector = input.schema.fields.first(where: { $0.type == .vector }), !Self.readsVectors(built.op, input.schema) {
            diagnostics.error("step '\(spec.name.value)' cannot \(spec.op.value) a DataFrame with vector column '\(vector.name)' yet; select the other columns first, or give it to an ML stage", at: spec.op.location)
            failed.insert(spec.name.value)
            return
        }
        let inputs = (input.map { [$0.index] } ?? []) + built.extraInputs
        nodes.append(PlanNode(index: nodes.count, name: spec.name.value, specName: spec.name.value, op: built.op, inputs: inputs, schema: built.schema,
                              flavor: built.flavor, specOp: spec.op.value, operation: operation, location: spec.location))
        byName[spec.name.value] = nodes.count - 1
    }

    /// A name two columns of `schema` share, other than those the input already shares (a
    /// join's, passed through).
    static func duplicateColumn(_ schema: Schema, besides input: Schema? = nil) -> String? {
        var seen: Set<String> = []
        var inherited: Set<String> = []
        for name in input?.names ?? [] where !seen.insert(name.lowercased()).inserted { inherited.insert(name.lowercased()) }
        seen = []
        for name in schema.names where !inherited.contains(name.lowercased()) {
            if !seen.insert(name.lowercased()).inserted { return name }
        }
        return nil
    }

    func checkUDF(_ udf: UDFSpec) -> UDFSignature? {
        if let problem = Identifiers.problemWithUDFName(udf.name.value) {
            diagnostics.error("invalid udf name '\(Identifiers.commentText(udf.name.value))': \(problem)", at: udf.name.location)
            return nil
        }
        var args: [DataType] = []
        for arg in udf.args {
            guard let type = DataType(name: arg.value) else {
                diagnostics.error("unknown type '\(arg.value)' for an argument of udf '\(udf.name.value)'; expected string, int, long, double, boolean or array<...>", at: arg.location)
                return nil
            }
            args.append(type)
        }
        let returns: UDFSignature.ReturnType
        let text = udf.returns.value.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("("), text.hasSuffix(")") {
            var types: [DataType] = []
            for part in text.dropFirst().dropLast().split(separator: ",") {
                guard let type = DataType(name: String(part)) else {
                    diagnostics.error("unknown type '\(part.trimmingCharacters(in: .whitespaces))' in the result of udf '\(udf.name.value)'", at: udf.returns.location)
                    return nil
                }
                types.append(type)
            }
            returns = .tuple(types)
        } else {
            guard let type = DataType(name: text) else {
                diagnostics.error("unknown type '\(text)' for the result of udf '\(udf.name.value)'; expected string, int, long, double, boolean, array<...> or a tuple such as (string, long)", at: udf.returns.location)
                return nil
            }
            returns = .value(type)
        }
        return UDFSignature(name: udf.name.value, args: args, returns: returns, python: udf.python?.value, location: udf.name.location)
    }
}

extension PlanNode {
    /// What the node is, for messages: an action, an ML stage, a model or a metric.
    var kindWord: String {
        switch op {
        case .mlStage: "stage"
        case .mlFit: "model"
        case .mlEvaluate: "metric"
        default: "action"
        }
    }

    /// A metric or a model, which `run` can return besides datasets and counts.
    var isMLOutput: Bool {
        switch op {
        case .mlEvaluate, .mlFit: true
        default: false
        }
    }

    /// The spec's word for this node's operation, for messages.
    var opName: String {
        switch op {
        case .show: "show"
        case .printSchema: "printSchema"
        case .write: "write"
        case .count: "count"
        case .mlStage, .mlFit, .mlEvaluate, .mlDebugString, .mlSave: specOp
        default: name
        }
    }
}
