import Foundation
import KilnSpec
import KilnCore

/// A model's `data:`, checked: the pipeline spec beside the model whose outputs feed fit and
/// evaluate. At build time the outputs, columns, column types and (for scalar columns) widths are
/// held against the model's input and loss; the wrapper gets `data(...)`, which runs the pipeline
/// and reads x and y from its outputs.
public struct PipelineDataBinding: Sendable {
    /// The pipeline's name: its generated enum.
    public var pipeline: String
    public var pipelineSpecPath: String
    public var params: [PipelineParam]
    /// `Result` fields of the pipeline: the output fit reads, and the one evaluate reads.
    public var train: String
    public var test: String?
    public var features: [String]
    public var labels: [String]
    public var specLocation: SourceLocation

    /// Checks `data` for a model of `inputs`, whose one output has `outputShape` and `loss` (nil
    /// where those failed: already reported). `modelFile` is the spec's path as diagnostics name it;
    /// `modelDisplayPath` as headers do.
    static func validate(_ data: DataSpec, model: String, modelFile: String, modelDisplayPath: String, inputs: [ModelInput],
                         outputCount: Int, outputShape: [Int]?, loss: LossKind?, diagnostics: DiagnosticEngine) -> PipelineDataBinding? {
        let name = data.pipeline
        guard inputs.count == 1, outputCount == 1 else {
            diagnostics.error("a pipeline feeds a model of one input and one output; '\(Identifiers.commentText(model))' has \(inputs.count) input\(inputs.count == 1 ? "" : "s") and \(outputCount) output\(outputCount == 1 ? "" : "s")", at: data.location)
            return nil
        }
        if let problem = Identifiers.problemWithModelName(name.value, kind: "pipeline") {
            diagnostics.error("invalid pipeline name '\(Identifiers.commentText(name.value))' in `pipeline`: \(problem)", at: name.location)
            return nil
        }
        guard name.value != model else {
            diagnostics.error("the pipeline and the model are both named '\(name.value)': both become Swift types of one module", at: name.location)
            return nil
        }
        let directory = (modelFile as NSString).deletingLastPathComponent
        let file = directory.isEmpty ? "\(name.value).pipeline.yaml" : "\(directory)/\(name.value).pipeline.yaml"
        let displayDirectory = (modelDisplayPath as NSString).deletingLastPathComponent
        let displayPath = displayDirectory.isEmpty ? "\(name.value).pipeline.yaml" : "\(displayDirectory)/\(name.value).pipeline.yaml"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            diagnostics.error("no pipeline spec '\(name.value)' beside this one: \(file) cannot be read", at: name.location)
            return nil
        }
        let inner = DiagnosticEngine()
        let graph = KilnDriver.compilePipeline(text: text, displayPath: displayPath, diagnosticPath: file,
                                               specDirectory: URL(fileURLWithPath: file).deletingLastPathComponent(),
                                               diagnostics: inner, requireFileNameMatch: true)
        // Its warnings are its own spec's (reported when it compiles); its errors stop this model.
        inner.errors.forEach { diagnostics.emit(Diagnostic(.error, $0.message, at: $0.location, notes: $0.notes + [Diagnostic(.note, "in pipeline '\(name.value)', the data of this model", at: name.location)])) }
        guard let graph else { return nil }

        let tables = graph.outputs.filter { isTable(graph.nodes[$0]) }
        func output(_ wanted: Located<String>) -> PlanNode? {
            if let found = tables.map({ graph.nodes[$0] }).first(where: { $0.specName == wanted.value }) { return found }
            let names = tables.map { graph.nodes[$0].specName }
            if let step = graph.node(named: wanted.value), !graph.outputs.contains(step.index) {
                diagnostics.error("'\(Identifiers.commentText(wanted.value))' is a step of pipeline '\(name.value)' but not one of its outputs: add it to the pipeline's `output:` list", at: wanted.location)
            } else if let step = graph.node(named: wanted.value) {
                diagnostics.error("output '\(Identifiers.commentText(wanted.value))' of pipeline '\(name.value)' is \(Identifiers.commentText(step.op.summary)), not rows; a model reads a dataset output: [\(names.joined(separator: ", "))]", at: wanted.location)
            } else {
                var message = "pipeline '\(name.value)' has no output '\(Identifiers.commentText(wanted.value))'; its dataset outputs: [\(names.joined(separator: ", "))]"
                if let guess = didYouMean(wanted.value, among: names) { message += "; did you mean '\(guess)'?" }
                diagnostics.error(message, at: wanted.location)
            }
            return nil
        }
        let train: PlanNode?
        if let wanted = data.train {
            train = output(wanted)
        } else if let first = tables.first {
            train = graph.nodes[first]
        } else {
            diagnostics.error("pipeline '\(name.value)' has no dataset among its outputs for fit to read", at: name.location)
            train = nil
        }
        let test = data.test.map(output)
        guard let train, test.map({ $0 != nil }) ?? true else { return nil }

        // Column checks on each output read; widths where every column is a scalar.
        let expectedX = inputs[0].size
        let expectedY: Int? = loss.flatMap { loss in
            outputShape.map { shape in if case .sparseCategoricalCrossentropy = loss { 1 } else { saturatingProduct(shape) } }
        }
        var ok = true
        for node in [train] + (test.map { [$0!] } ?? []) {
            let outputName = "output '\(Identifiers.commentText(node.specName))' of pipeline '\(name.value)'"
            func check(_ columns: [Located<String>], role: String, expected: Int?, what: String) {
                var scalars = 0, vectors = 0
                for column in columns {
                    guard let index = node.schema.index(of: column.value) else {
                        let nearest = SparkSuggestions.nearest(to: column.value, among: node.schema.names)
                        diagnostics.error("A column, variable, or function parameter with name \(SparkSuggestions.quoted(column.value)) cannot be resolved. Did you mean one of the following? [\(nearest.map(SparkSuggestions.quoted).joined(separator: ", "))]. (\(outputName))", at: column.location)
                        ok = false
                        continue
                    }
                    let type = node.schema.fields[index].type
                    if type == .vector { vectors += 1; continue }
                    guard type.isNumeric || type == .boolean else {
                        let hint = type == .string ? ": index it first (StringIndexer)" : ""
                        diagnostics.error("Data type \(type.sparkSimpleString) of column \(Identifiers.commentText(column.value)) is not supported: a model reads numeric, boolean and vector columns\(hint)", at: column.location)
                        ok = false
                        continue
                    }
                    scalars += 1
                }
                guard ok, vectors == 0, let expected, scalars != expected else { return }
                let listed = columns.map { Identifiers.commentText($0.value) }.joined(separator: ", ")
                diagnostics.error("the \(role) give \(scalars) value\(scalars == 1 ? "" : "s") per row (\(listed)), but \(what)", at: columns[0].location)
                ok = false
            }
            check(data.features, role: "features", expected: expectedX,
                  what: "the model's input has shape \(kerasShape(inputs[0].shape)): \(expectedX) value\(expectedX == 1 ? "" : "s") per sample")
            let lossWhat = loss.map { loss -> String in
                if case .sparseCategoricalCrossentropy = loss { return "loss sparse_categorical_crossentropy takes one class index per sample" }
                let width = expectedY ?? 0
                return "loss \(loss.name) on the output \(kerasShape(outputShape ?? [])) takes \(width) value\(width == 1 ? "" : "s") per sample"
            } ?? ""
            check(data.labels, role: "labels", expected: expectedY, what: lossWhat)
            if !ok { break }  // the test output's columns would repeat the same messages
        }
        guard ok else { return nil }
        return PipelineDataBinding(pipeline: graph.name, pipelineSpecPath: displayPath, params: graph.params, train: train.name,
                                   test: test??.name, features: data.features.map(\.value), labels: data.labels.map(\.value),
                                   specLocation: name.location)
    }

    /// Whether `run` returns the node's rows (not a count, a metric or a fitted model).
    static func isTable(_ node: PlanNode) -> Bool {
        switch node.op {
        case .count, .mlEvaluate, .mlFit: false
        default: node.yieldsRows
        }
    }

    // MARK: Swift

    /// The wrapper's extension: `PipelineData` and `data(...)`, which runs the pipeline.
    func swiftExtension(model: String, inputShape: [Int]) -> String {
        let lit = Identifiers.swiftStringLiteral
        let params = params.map { "\($0.name): \($0.typeName == "path" ? "String" : SwiftTypes.user($0.type))" } + ["context: PipelineContext = PipelineContext()"]
        let call = (params.indices.dropLast().map { "\(self.params[$0].name): \(self.params[$0].name)" } + ["context: context"]).joined(separator: ", ")
        let inputSize = saturatingProduct(inputShape)
        var out = CodePrinter(level: 0)
        out.line("// data: pipeline \(pipeline) (\(Identifiers.commentText(pipelineSpecPath))); x = \(Identifiers.commentText(features.joined(separator: ", "))), y = \(Identifiers.commentText(labels.joined(separator: ", "))).")
        out.block("extension \(model) {") { out in
            out.line("/// x and y read from the \(pipeline) pipeline's outputs, as this model's fit and evaluate take them.")
            out.block("public struct PipelineData: Sendable {") { out in
                out.line("/// Output `\(Identifiers.commentText(train))`: x (rows, \(inputShape.map(String.init).joined(separator: ", "))), y (rows, targets).")
                out.line("public let train: (x: Tensor, y: Tensor)")
                if let test {
                    out.line("/// Output `\(Identifiers.commentText(test))`.")
                    out.line("public let test: (x: Tensor, y: Tensor)")
                }
            }
            out.line("")
            out.line("/// Runs \(pipeline) and reads x (the features columns, vectors spread out) and y (the label columns) from its outputs.")
            out.block("public static func data(\(params.joined(separator: ", "))) throws -> PipelineData {") { out in
                out.line("let result = try \(pipeline).run(\(call))")
                let parts = ["train: try tensors(result.\(train).frame, output: \(lit(train)))"]
                    + (test.map { ["test: try tensors(result.\($0).frame, output: \(lit($0)))"] } ?? [])
                out.line("return PipelineData(\(parts.joined(separator: ", ")))")
            }
            out.line("")
            out.block("static func tensors(_ frame: Frame, output: String) throws -> (x: Tensor, y: Tensor) {") { out in
                out.line("let x = try frame.modelMatrix(columns: [\(features.map(lit).joined(separator: ", "))])")
                out.line("let y = try frame.modelMatrix(columns: [\(labels.map(lit).joined(separator: ", "))])")
                out.block("guard x.width == \(inputSize) else {") { out in
                    out.line("throw KilnError(\"output '\\(output)' of \(pipeline): the features give \\(x.width) values per row; \(model)'s input takes \(inputSize)\")")
                }
                out.line("return (Tensor(shape: [frame.count] + descriptor.inputShape, scalars: x.values), Tensor(shape: [frame.count, y.width], scalars: y.values))")
            }
        }
        return out.text
    }
}
