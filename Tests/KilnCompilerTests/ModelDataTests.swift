import Foundation
import XCTest
import KilnCompiler
import KilnSpec

/// `data: {pipeline: P, ...}`: a model spec fed by the pipeline spec beside it. Its outputs,
/// columns, types and widths are checked at build time against the model's input and loss, one
/// exact error per mistake, and the wrapper gets `data(...)`.
final class ModelDataTests: XCTestCase {
    static let prep = """
    pipeline: Prep
    params: {path: path}
    sources:
      rows: {csv: $path, header: true, schema: {a: double, b: double, c: int, name: string, score: double}}
    steps:
      indexer: {StringIndexer: {inputCol: name, outputCol: label}, fit: rows}
      indexed: {transform: indexer, from: rows}
      assembler: {VectorAssembler: {inputCols: [a, b], outputCol: features}}
      assembled: {transform: assembler, from: indexed}
      train: {randomSplit: [0.8, 0.2], seed: 1, part: 0, from: assembled}
      test: {randomSplit: [0.8, 0.2], seed: 1, part: 1, from: assembled}
      kept: {filter: "a > 0", from: rows}
      total: {count, from: rows}
    output: [train, test, total]

    """

    static func model(data: String, input: String = "input: {shape: [3]}", units: Int = 2,
                      loss: String = "sparse_categorical_crossentropy") -> String {
        "model: Top\n\(input)\ndata: \(data)\nlayers:\n  - Dense: {units: \(units), activation: softmax}\ncompile: {loss: \(loss)}\n"
    }

    func compile(_ specs: [String: String]) throws -> (graph: ModelGraph?, diagnostics: [String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, text) in specs {
            let suffix = text.hasPrefix("pipeline:") ? "pipeline" : "model"
            try text.write(to: directory.appendingPathComponent("\(name).\(suffix).yaml"), atomically: true, encoding: .utf8)
        }
        let diagnostics = DiagnosticEngine()
        let url = directory.appendingPathComponent("Top.model.yaml")
        let graph = KilnDriver.compileModel(at: url, displayPath: "specs/Top.model.yaml", diagnosticPath: url.path, diagnostics: diagnostics)
        let rendered = diagnostics.rendered.replacingOccurrences(of: directory.path + "/", with: "")
        return (graph, rendered.isEmpty ? [] : rendered.components(separatedBy: "\n"))
    }

    func testBindingAndGeneratedData() throws {
        let (graph, diagnostics) = try compile([
            "Top": Self.model(data: "{pipeline: Prep, train: train, test: test, features: [features, c], label: label}"),
            "Prep": Self.prep,
        ])
        XCTAssertEqual(diagnostics, [])
        let binding = try XCTUnwrap(graph?.data)
        XCTAssertEqual(binding.pipeline, "Prep")
        XCTAssertEqual(binding.pipelineSpecPath, "specs/Prep.pipeline.yaml")
        XCTAssertEqual(binding.params.map(\.name), ["path"])
        XCTAssertEqual([binding.train, binding.test], ["train", "test"])
        XCTAssertEqual(binding.features, ["features", "c"])
        let swift = KilnDriver.swiftFile(for: try XCTUnwrap(graph), cModule: "C", pipelineModule: "Pipes").contents
        XCTAssertTrue(swift.contains("import KilnData\nimport Pipes\n"))
        XCTAssertTrue(swift.contains("public static func data(path: String, context: PipelineContext = PipelineContext()) throws -> PipelineData {"))
        XCTAssertTrue(swift.contains("let result = try Prep.run(path: path, context: context)"))
        XCTAssertTrue(swift.contains("let x = try frame.modelMatrix(columns: [\"features\", \"c\"])"))
        // Without `train`, fit reads the first dataset output; without `test` there is none.
        let (plain, _) = try compile(["Top": Self.model(data: "{pipeline: Prep, features: [a, b, c], label: label}"), "Prep": Self.prep])
        XCTAssertEqual(plain?.data?.train, "train")
        XCTAssertNil(plain?.data?.test)
        let plainSwift = KilnDriver.swiftFile(for: try XCTUnwrap(plain), cModule: "C").contents
        XCTAssertFalse(plainSwift.contains("public let test"))
        XCTAssertFalse(plainSwift.contains("import Pipes"))
    }

    func testMistakesGiveOneExactErrorEach() throws {
        let rows: [(name: String, data: String, model: ((String) -> String)?, prep: String?, expected: [String])] = [
            ("no pipeline file", "{pipeline: Missing, features: [a], label: label}", nil, nil,
             ["Top.model.yaml:3:18: error: no pipeline spec 'Missing' beside this one: Missing.pipeline.yaml cannot be read"]),
            ("no pipeline key", "{features: [a], label: label}", nil, nil,
             ["Top.model.yaml:3:7: error: missing required key 'pipeline' in 'data': the pipeline spec whose output feeds fit, e.g. data: {pipeline: IrisPrep, features: [a, b], label: y}"]),
            ("no features", "{pipeline: Prep, label: label}", nil, nil,
             ["Top.model.yaml:3:7: error: missing required key 'features' in 'data': the columns that make x, e.g. features: [sepalLength, sepalWidth]"]),
            ("no label", "{pipeline: Prep, features: [a, b, c]}", nil, nil,
             ["Top.model.yaml:3:7: error: missing required key 'label' in 'data': the column (or columns) that make y"]),
            ("misspelled key", "{pipeline: Prep, features: [a, b, c], labels: label}", nil, nil,
             ["Top.model.yaml:3:45: error: unknown key 'labels' for data; did you mean 'label'?"]),
            ("invalid pipeline name", "{pipeline: my-prep, features: [a], label: label}", nil, nil,
             ["Top.model.yaml:3:18: error: invalid pipeline name 'my-prep' in `pipeline`: a pipeline name may contain only ASCII letters, digits and '_'"]),
            ("same name as the model", "{pipeline: Top, features: [a], label: label}", nil, nil,
             ["Top.model.yaml:3:18: error: the pipeline and the model are both named 'Top': both become Swift types of one module"]),
            ("a step, not an output", "{pipeline: Prep, train: kept, features: [a, b, c], label: c}", nil, nil,
             ["Top.model.yaml:3:31: error: 'kept' is a step of pipeline 'Prep' but not one of its outputs: add it to the pipeline's `output:` list"]),
            ("no such output", "{pipeline: Prep, test: tset, features: [a, b, c], label: label}", nil, nil,
             ["Top.model.yaml:3:30: error: pipeline 'Prep' has no output 'tset'; its dataset outputs: [train, test]; did you mean 'test'?"]),
            ("a count output", "{pipeline: Prep, train: total, features: [a, b, c], label: label}", nil, nil,
             ["Top.model.yaml:3:31: error: output 'total' of pipeline 'Prep' is count, not rows; a model reads a dataset output: [train, test]"]),
            ("unknown column", "{pipeline: Prep, features: [a, bb, c], label: label}", nil, nil,
             ["Top.model.yaml:3:38: error: A column, variable, or function parameter with name `bb` cannot be resolved. Did you mean one of the following? [`b`, `a`, `c`, `label`, `name`]. (output 'train' of pipeline 'Prep')"]),
            ("a string feature", "{pipeline: Prep, features: [a, b, name], label: label}", nil, nil,
             ["Top.model.yaml:3:41: error: Data type string of column name is not supported: a model reads numeric, boolean and vector columns: index it first (StringIndexer)"]),
            ("too few features", "{pipeline: Prep, features: [a, b], label: label}", nil, nil,
             ["Top.model.yaml:3:35: error: the features give 2 values per row (a, b), but the model's input has shape (None, 3): 3 values per sample"]),
            ("two labels for a class index", "{pipeline: Prep, features: [a, b, c], label: [label, score]}", nil, nil,
             ["Top.model.yaml:3:53: error: the labels give 2 values per row (label, score), but loss sparse_categorical_crossentropy takes one class index per sample"]),
            ("an index for one-hot targets", "{pipeline: Prep, features: [a, b, c], label: label}",
             { Self.model(data: $0, loss: "categorical_crossentropy") }, nil,
             ["Top.model.yaml:3:52: error: the labels give 1 value per row (label), but loss categorical_crossentropy on the output (None, 2) takes 2 values per sample"]),
            ("two inputs", "{pipeline: Prep, features: [a, b, c], label: label}",
             { "model: Top\ninputs: [{name: p, shape: [3]}, {name: q, shape: [3]}]\ndata: \($0)\nlayers:\n  - s: {Add, from: [p, q]}\n  - d: {Dense: {units: 2}, from: s}\noutputs: [d]\ncompile: {loss: mse}\n" }, nil,
             ["Top.model.yaml:3:7: error: a pipeline feeds a model of one input and one output; 'Top' has 2 inputs and 1 output"]),
            ("an error in the pipeline", "{pipeline: Prep, features: [a, b, c], label: label}", nil,
             Self.prep.replacingOccurrences(of: "outputCol: label}, fit: rows", with: "outputCol: label}, fit: rowz"),
             ["Prep.pipeline.yaml:6:69: error: unknown dataset 'rowz' in step 'indexer'; did you mean 'rows'?"]),
        ]
        for row in rows {
            let model = row.model.map { $0(row.data) } ?? Self.model(data: row.data)
            let (graph, diagnostics) = try compile(["Top": model, "Prep": row.prep ?? Self.prep])
            XCTAssertNil(graph, row.name)
            XCTAssertEqual(diagnostics.filter { $0.contains(": error: ") }, row.expected, row.name)
        }
    }

}
