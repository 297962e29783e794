import XCTest
import KilnCompiler

/// Sizes that overflowed Int (a trap) or a C int (silently truncated kernel arguments and
/// enum constants) are each one located error; sizes right at the limit still compile.
final class ModelSizeLimitTests: XCTestCase {
    struct Row { var name: String; var input: String; var layers: [String]; var expected: String }

    static let cInt = "the most Kiln's kernels index (a C int)"

    let rows: [Row] = [
        Row(name: "units_int_max", input: "4", layers: ["Dense: {units: 9223372036854775807}"],
            expected: "4:5: error: Layer \"dense\" (Dense) is too large for Kiln's kernels: its kernel of shape (4, 9223372036854775807) would hold more than 2147483647 values, the most they index (a C int)"),
        Row(name: "input_overflows_then_flatten", input: "4294967296, 4294967296", layers: ["Flatten"],
            expected: "2:8: error: Cannot create an Input whose batch holds more than 2147483647 values, \(cInt). Received: shape=(4294967296, 4294967296) with batch_size=32"),
        Row(name: "input_overflows_int64", input: "65536, 65536, 65536, 65536", layers: ["Dense: {units: 1}"],
            expected: "2:8: error: Cannot create an Input whose batch holds more than 2147483647 values, \(cInt). Received: shape=(65536, 65536, 65536, 65536) with batch_size=32"),
        Row(name: "kernel_past_c_int", input: "100000", layers: ["Dense: {units: 100000}"],
            expected: "4:5: error: Layer \"dense\" (Dense) is too large for Kiln's kernels: its kernel of shape (100000, 100000) would hold more than 2147483647 values, the most they index (a C int)"),
        Row(name: "kernel_one_past", input: "46341", layers: ["Dense: {units: 46341, use_bias: false}"],
            expected: "4:5: error: Layer \"dense\" (Dense) is too large for Kiln's kernels: its kernel of shape (46341, 46341) would hold more than 2147483647 values, the most they index (a C int)"),
        Row(name: "output_past_c_int", input: "1000, 10", layers: ["Dense: {units: 100000}", "Dense: {units: 1}"],
            expected: "4:5: error: Layer \"dense\" (Dense) is too large for Kiln's kernels: its output of shape (None, 1000, 100000) would hold more than 2147483647 values for batch_size=32, the most they index (a C int)"),
        Row(name: "params_total", input: "40000", layers: ["Dense: {units: 40000}", "Dense: {units: 40000}", "Dense: {units: 40000}"],
            expected: "5:5: error: The model's parameters would number more than 2147483647, \(cInt): layer \"dense_1\" (Dense) brings them to 3200080000"),
        Row(name: "activations_total", input: "10, 10", layers: ["Dense: {units: 3000000, activation: relu}", "Dropout: {rate: 0.5}"],
            expected: "5:5: error: The model's activations for batch_size=32 would number more than 2147483647, \(cInt): layer \"dropout\" (Dropout) brings them to 3840000000"),
    ]

    func testSizesTheKernelsCannotIndexAreRejectedAtTheirLayer() {
        for row in rows {
            let spec = "model: M\ninput: {shape: [\(row.input)]}\nlayers:\n" + row.layers.map { "  - \($0)\n" }.joined() + "compile: {loss: mse}\n"
            let (graph, diagnostics) = compile(spec, file: "b.model.yaml")
            XCTAssertNil(graph, row.name)
            XCTAssertEqual(diagnostics, ["b.model.yaml:" + row.expected], row.name)
        }
    }

    /// 46340^2 floats is the largest square kernel an int indexes: it compiles, and its C has no
    /// size past INT_MAX (the GEMM arguments and enum constants are the sizes themselves).
    func testTheLargestIndexableModelCompilesAndItsSizesFitAnInt() throws {
        let (graph, diagnostics) = compile("model: M\ninput: {shape: [46340]}\nlayers:\n  - Dense: {units: 46340, use_bias: false}\ncompile: {loss: mse}\nfit: {batch_size: 1}\n")
        let model = try XCTUnwrap(graph, diagnostics.joined(separator: "\n"))
        XCTAssertEqual(model.paramCount, 2_147_395_600)
        let c = KilnDriver.cFiles(for: model)[0].contents
        XCTAssertTrue(c.contains("kiln_sgemm_nn(out, inp, w, n, 46340, 46340, 0);"), c)
        XCTAssertTrue(c.contains("    P = 2147395600,"), c)
    }
}
