import KilnCore
import KilnSpec

// The steps that make pyspark.ml's calls: a stage (`dt: {DecisionTreeClassifier: {...}}`),
// a fitted one (`labelIndexer: {StringIndexer: {...}, fit: data}`), a fitted Pipeline
// (`model: {Pipeline: [labelIndexer, featureIndexer, dt], fit: trainingData}`), transform,
// randomSplit, evaluate and toDebugString. Columns are checked as Spark's transformSchema
// checks them, at the step, before anything runs.

extension OpContext {
    /// The stages a model node was fitted from, or nil with an error when `node` is not a
    /// model or a transformer.
    func fittedStages(_ name: Located<String>) -> (node: PlanNode, stages: [MLStage])? {
        guard let node = declaredNode(name) else { return nil }
        switch node.op {
        case let .mlFit(stages, _): return (node, stages)
        case let .mlStage(stage) where stage.kind.role == .transformer: return (node, [stage])
        case let .mlStage(stage):
            diagnostics.error("'\(name.value)' is an unfitted \(stage.kindName); fit it first (\(name.value): {\(stage.kindName): {...}, fit: data}) or put it in a Pipeline", at: name.location)
            return nil
        default:
            diagnostics.error("'\(name.value)' is not a model: transform needs a fitted stage or Pipeline", at: name.location)
            return nil
        }
    }

    /// An earlier node of any kind (a dataset, stage or model), or nil after the unknown-name
    /// error (none when the name failed or comes later: that is its own error).
    func declaredNode(_ name: Located<String>) -> PlanNode? {
        guard let index = validator.byName[name.value] else {
            if !validator.declared.contains(name.value) { validator.unknownName(name, context: "step '\(spec.name.value)'") }
            return nil
        }
        return validator.nodes[index]
    }

    /// The schema after `stages` transform `schema` (Spark's transformSchema, stage by stage).
    func transformSchema(_ stages: [MLStage], _ schema: Schema, at location: SourceLocation) -> Schema? {
        var current = schema
        for stage in stages {
            guard let next = stage.kind.transformSchema(stage, current, MLCheck(diagnostics: diagnostics, location: location)) else { return nil }
            current = next
        }
        return current
    }

    /// `fit: data`: the dataset a stage or Pipeline is fitted on.
    func fitData() -> PlanNode? {
        guard let node = reader["fit"], let name = node.string("fit", in: diagnostics) else { return nil }
        return self.node(named: Located(name, at: node.location))
    }
}

/// `name: {StringIndexer: {inputCol: label, outputCol: indexedLabel}}`, and with `fit: data`
/// its model.
struct MLStageOp: PipelineOperation {
    static var names: [String] { MLStages.stageNames }
    static let options = ["fit"]
    static let readsPrevious = false

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let kind = MLStages.kind(named: context.op),
              let stage = MLStages.read(kind, context.argument, at: context.spec.op.location, diagnostics: context.diagnostics) else { return nil }
        var extra: [Int] = []
        if let indexer = IndexToStringStage.labelsSource(stage) {
            guard let index = context.validator.byName[indexer], case let .mlFit(stages, false) = context.validator.nodes[index].op, stages[0].kind == StringIndexerStage.self else {
                return context.error("labels: '\(Identifiers.commentText(indexer))' must name a fitted StringIndexer declared before this step, or be a list of labels")
            }
            extra = [index]
        }
        guard context.reader["fit"] != nil else {
            return BuiltOp(op: .mlStage(stage), schema: Schema([]), flavor: .dataFrame, extraInputs: extra)
        }
        guard kind.role == .estimator else {
            return context.error("\(kind.name) is a transformer and has no fit; use it with transform: or in a Pipeline", at: context.spec.op.location)
        }
        guard let data = context.fitData(), context.transformSchema([stage], data.schema, at: context.spec.op.location) != nil else { return nil }
        return BuiltOp(op: .mlFit(stages: [stage], pipeline: false), schema: Schema([]), flavor: .dataFrame, extraInputs: [data.index])
    }

    /// `labels: indexer` names the indexer's variable, which may differ from its spec name.
    static func resolvingLabels(_ stage: MLStage, _ variable: (Int) -> String, _ inputs: [Int]) -> MLStage {
        guard IndexToStringStage.labelsSource(stage) != nil, let indexer = inputs.first else { return stage }
        var resolved = stage
        resolved.values["labels"] = .string(variable(indexer))
        return resolved
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        switch node.op {
        case let .mlStage(stage): "\(node.name) = \(resolvingLabels(stage, r.variable, node.inputs).python)"
        case let .mlFit(stages, _): "\(node.name) = \(stages[0].python).fit(\(r.variable(node.inputs[0])))"
        default: ""
        }
    }
}

/// `model: {Pipeline: [stage, ...], fit: data}`: each estimator fitted in turn on the data as
/// the stages before it transformed it; fitted models pass through.
struct PipelineStagesOp: PipelineOperation {
    static let names = ["Pipeline"]
    static let options = ["fit"]
    static let readsPrevious = false

    static func build(_ context: OpContext) -> BuiltOp? {
        guard case let .sequence(items) = context.argument.value, !items.isEmpty else {
            return context.error("expected a list of stages for 'Pipeline', e.g. Pipeline: [labelIndexer, featureIndexer, dt]")
        }
        var stages: [MLStage] = [], inputs: [Int] = []
        for item in items {
            guard let name = item.string("Pipeline stage", in: context.diagnostics),
                  let node = context.declaredNode(Located(name, at: item.location)) else { return nil }
            switch node.op {
            case let .mlStage(stage): stages.append(stage)
            case let .mlFit(fitted, _):
                // A fitted model is a transformer: it is not fitted again.
                stages += fitted
            default:
                return context.error("'\(name)' is not an ML stage; a Pipeline's stages are estimators, transformers or fitted models", at: item.location)
            }
            inputs.append(node.index)
        }
        guard context.reader["fit"] != nil else {
            return context.error("Pipeline '\(context.spec.name.value)' needs 'fit:' to name the data it is fitted on")
        }
        guard let data = context.fitData(), context.transformSchema(stages, data.schema, at: context.spec.op.location) != nil else { return nil }
        return BuiltOp(op: .mlFit(stages: stages, pipeline: true), schema: Schema([]), flavor: .dataFrame, extraInputs: [data.index] + inputs)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        "\(node.name) = Pipeline(stages=[\(node.inputs.dropFirst().map { r.variable($0) }.joined(separator: ", "))]).fit(\(r.variable(node.inputs[0])))"
    }
}

/// `predictions: {transform: model, from: testData}`.
struct TransformOp: PipelineOperation {
    static let names = ["transform"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let name = context.argument.string("transform", in: context.diagnostics),
              let (model, stages) = context.fittedStages(Located(name, at: context.argument.location)),
              let schema = context.transformSchema(stages, input.schema, at: context.argument.location) else { return nil }
        return BuiltOp(op: .mlTransform, schema: schema, flavor: .dataFrame, extraInputs: [model.index])
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        "\(node.name) = \(r.variable(node.inputs[1])).transform(\(r.input(node, as: .dataFrame)))"
    }
}

/// `trainingData: {randomSplit: [0.75, 0.25], seed: 1234, part: 0}`: one part of
/// `df.randomSplit(weights, seed)`; parts with the same weights and seed share no row.
struct RandomSplitOp: PipelineOperation {
    static let names = ["randomSplit"]
    static let options = ["seed", "part"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input, let items = context.argument.sequence("randomSplit", in: context.diagnostics) else { return nil }
        let weights = items.compactMap { $0.double("randomSplit weight", in: context.diagnostics) }
        guard weights.count == items.count else { return nil }
        if let (k, negative) = weights.enumerated().first(where: { $0.element < 0 }) {
            return context.error("[VALUE_NOT_POSITIVE] Value for `weights` must be positive, got '\(JavaDoubleFormat.string(negative))'.", at: items[k].location)
        }
        guard weights.reduce(0, +) > 0 else {
            return context.error("requirement failed: Sum of weights must be positive, but got [\(weights.map(JavaDoubleFormat.string).joined(separator: ", "))]")
        }
        guard let seedNode = context.reader["seed"], let seed = seedNode.int("seed", in: context.diagnostics) else {
            return context.reader["seed"] == nil ? context.error("randomSplit needs 'seed:' (Kiln's splits are reproducible; Spark picks a random seed when none is given)") : nil
        }
        guard let partNode = context.reader["part"], let part = context.positiveInt(partNode, "part") else {
            return context.reader["part"] == nil ? context.error("randomSplit needs 'part:', the index of the split this step keeps (0 for the first weight)") : nil
        }
        guard part < weights.count else {
            return context.error("part \(part) is past the \(weights.count) weights of randomSplit", at: partNode.location)
        }
        return BuiltOp(op: .randomSplit(weights: weights, seed: Int64(seed), part: part), schema: input.schema, flavor: .dataFrame)
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .randomSplit(weights, seed, part) = node.op else { return "" }
        return "\(node.name) = \(r.input(node, as: .dataFrame)).randomSplit([\(weights.map(JavaDoubleFormat.string).joined(separator: ", "))], \(seed))[\(part)]"
    }
}

/// `accuracy: {evaluate: {MulticlassClassificationEvaluator: {...}}, from: predictions}`: a
/// metric, which `run` returns when the step is an output.
struct EvaluateOp: PipelineOperation {
    static let names = ["evaluate"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let input = context.input else { return nil }
        guard case let .mapping(pairs) = context.argument.value, pairs.count == 1, case let .scalar(name, _) = pairs[0].key.value else {
            return context.error("expected one evaluator for 'evaluate', e.g. evaluate: {MulticlassClassificationEvaluator: {metricName: accuracy}}")
        }
        guard let kind = MLStages.kind(named: name), kind.role == .evaluator else {
            var message = "unknown evaluator '\(Identifiers.commentText(name))'"
            if let guess = didYouMean(name, among: MLStages.evaluatorNames) { message += "; did you mean '\(guess)'?" } else {
                message += "; expected one of \(MLStages.evaluatorNames.joined(separator: ", "))"
            }
            return context.error(message, at: pairs[0].key.location)
        }
        guard let stage = MLStages.read(kind, pairs[0].value, at: pairs[0].key.location, diagnostics: context.diagnostics),
              kind.transformSchema(stage, input.schema, MLCheck(diagnostics: context.diagnostics, location: pairs[0].key.location)) != nil else { return nil }
        if kind == MulticlassEvaluatorStage.self, let modern = MulticlassEvaluatorStage.spark1Names[stage.string("metricName")], let node = metricNode(pairs[0].value) {
            context.diagnostics.warning("metricName '\(stage.string("metricName"))' is Spark 1's name; Spark 4 calls this metric '\(modern)' (and rejects '\(stage.string("metricName"))'), so Kiln computes '\(modern)'", at: node.location)
        }
        return BuiltOp(op: .mlEvaluate(stage), schema: Schema([Field(context.spec.name.value, .double, nullable: false)]), flavor: .dataFrame)
    }

    static func metricNode(_ node: YAMLNode) -> YAMLNode? {
        guard case let .mapping(pairs) = node.value else { return nil }
        return pairs.first { if case .scalar("metricName", _) = $0.key.value { true } else { false } }?.value
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case var .mlEvaluate(stage) = node.op else { return "" }
        if stage.kind == MulticlassEvaluatorStage.self { stage.values["metricName"] = .string(MulticlassEvaluatorStage.metric(stage)) }
        return "\(node.name) = \(stage.python).evaluate(\(r.input(node, as: .dataFrame)))"
    }
}

/// `tree: {toDebugString: model, stage: 2}`: prints a model as Spark's toDebugString.
struct DebugStringOp: PipelineOperation {
    static let names = ["toDebugString"]
    static let options = ["stage"]
    static let readsPrevious = false

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let name = context.argument.string("toDebugString", in: context.diagnostics),
              let (model, stages) = context.fittedStages(Located(name, at: context.argument.location)) else { return nil }
        var stage: Int?
        if let node = context.reader["stage"] {
            guard let n = context.positiveInt(node, "stage") else { return nil }
            guard case .mlFit(_, true) = model.op else { return context.error("'\(name)' is not a Pipeline model; only a Pipeline model has stages", at: node.location) }
            guard n < stages.count else { return context.error("stage \(n) is past the \(stages.count) stages of '\(name)'", at: node.location) }
            stage = n
        }
        return BuiltOp(op: .mlDebugString(stage: stage), schema: Schema([]), flavor: .dataFrame, extraInputs: [model.index])
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .mlDebugString(stage) = node.op else { return "" }
        let model = r.variable(node.inputs[0]) + (stage.map { ".stages[\($0)]" } ?? "")
        return "print(\(model).toDebugString if hasattr(\(model), 'toDebugString') else \(model))"
    }
}

/// `saved: {saveModel: model, path: $modelPath}`: writes a fitted model (Kiln's versioned JSON,
/// `MLModelFile`; PySpark writes Spark's own format with `model.write().overwrite().save(path)`).
struct SaveModelOp: PipelineOperation {
    static let names = ["saveModel"]
    static let options = ["path"]
    static let readsPrevious = false

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let name = context.argument.string("saveModel", in: context.diagnostics),
              let (model, _) = context.fittedStages(Located(name, at: context.argument.location)) else { return nil }
        guard let pathNode = context.reader["path"] else { return context.error("saveModel needs 'path:', the file to write") }
        guard let paths = context.paths(pathNode) else { return nil }
        guard paths.count == 1 else { return context.error("saveModel writes one file; give one path", at: pathNode.location) }
        return BuiltOp(op: .mlSave(path: paths[0]), schema: Schema([]), flavor: .dataFrame, extraInputs: [model.index])
    }

    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .mlSave(path) = node.op else { return "" }
        return "\(r.variable(node.inputs[0])).write().overwrite().save(\(r.paths([path])))"
    }
}

extension PipelineSwiftRenderer {
    /// The statements of an ML step: runtime calls on whole frames.
    func mlStep(_ index: Int) -> [String] {
        let node = nodes[index]
        let name = node.name
        func input(_ k: Int) -> String { nodes[node.inputs[k]].name }
        switch node.op {
        case .libsvm: return libsvmStep(index)
        case let .randomSplit(weights, seed, part):
            // Parts of one split (same input, weights and seed) share one sort and one set of draws.
            let siblings = plan.steps.compactMap { step -> Int? in
                guard case let .ml(other) = step, case .randomSplit(weights, seed, _) = nodes[other].op, nodes[other].inputs.first == node.inputs.first else { return nil }
                return other
            }
            let call = "try \(input(0)).randomSplit([\(weights.map(SwiftTypes.double).joined(separator: ", "))], seed: \(seed))"
            guard siblings.count > 1 else { return ["// \(name): part \(part) of \(input(0)).randomSplit", "let \(name) = \(call)[\(part)]"] }
            let parts = "kiln_splits_\(nodes[siblings[0]].name)"
            return ["// \(name): part \(part) of \(input(0)).randomSplit"] + (siblings[0] == index ? ["let \(parts) = \(call)"] : []) + ["let \(name) = \(parts)[\(part)]"]
        case let .mlStage(stage):
            let resolved = MLStageOp.resolvingLabels(stage, { nodes[$0].name }, node.inputs)
            return ["let \(name) = \(stage.kind.swift(resolved))"]
        case let .mlFit(stages, false):
            return ["// \(name): \(stages[0].kindName) fitted on \(input(0))", "let \(name) = try \(stages[0].kind.swift(stages[0])).fit(\(input(0)))"]
        case .mlFit:
            let stages = node.inputs.dropFirst().map { stageNode -> String in
                if case let .mlStage(stage) = nodes[stageNode].op, stage.kind.role == .estimator { return ".estimator(\(nodes[stageNode].name))" }
                return ".transformer(\(nodes[stageNode].name))"
            }
            return ["// \(name): a Pipeline fitted on \(input(0))", "let \(name) = try Pipeline(stages: [\(stages.joined(separator: ", "))]).fitPipeline(\(input(0)))"]
        case .mlTransform:
            return ["let \(name) = try \(input(1)).transform(\(input(0)))"]
        case let .mlEvaluate(stage):
            return ["let \(name) = try \(stage.kind.swift(stage)).evaluate(\(input(0)))"]
        case let .mlDebugString(stage):
            return ["context.output(try MLDescription.debugString(\(input(0))\(stage.map { ", stage: \($0)" } ?? "")) + \"\\n\")"]
        case let .mlSave(path):
            return ["try MLModelFile.save(\(input(0)), to: \(pathList([path]).dropFirst().dropLast()))"]
        default:
            return []
        }
    }
}
