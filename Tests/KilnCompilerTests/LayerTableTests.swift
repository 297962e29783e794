import XCTest
import KilnCompiler

/// One row per layer config: input shape -> output shape and parameter count (Keras's numbers),
/// or the exact diagnostic.
final class LayerTableTests: XCTestCase {
    struct Row {
        var layer: String
        var input: [Int]
        var output: [Int]
        var params: Int
    }

    let rows: [Row] = [
        Row(layer: "Dense: {units: 10, activation: tanh}", input: [128], output: [10], params: 1290),
        // Normalization: mean and variance per feature of the last axis, plus count (Keras 3).
        Row(layer: "Normalization", input: [4], output: [4], params: 9),
        Row(layer: "Normalization", input: [2, 3], output: [2, 3], params: 7),
        Row(layer: "Normalization: {axis: 2}", input: [2, 3], output: [2, 3], params: 7),  // the last axis, counting the batch
        Row(layer: "Normalization: {axis: null}", input: [4], output: [4], params: 3),
        Row(layer: "Normalization: {mean: 2.0, variance: 4.0}", input: [4], output: [4], params: 0),
        Row(layer: "Normalization: {mean: [1, 2, 3], variance: [1, 1, 4], invert: true}", input: [3], output: [3], params: 0),
        Row(layer: "Dense: {units: 1}", input: [10], output: [1], params: 11),
        Row(layer: "Dense: {units: 4, use_bias: false}", input: [6], output: [4], params: 24),
        Row(layer: "Dense: {units: 5}", input: [7, 3], output: [7, 5], params: 20),  // last axis only
        Row(layer: "Dense: {units: 2, kernel_regularizer: l2}", input: [3], output: [2], params: 8),
        Row(layer: "Dense: {units: 2, kernel_initializer: he_normal, bias_initializer: ones}", input: [3], output: [2], params: 8),
        Row(layer: "Dense: {units: 2, kernel_initializer: {RandomNormal: {stddev: 0.1}}}", input: [3], output: [2], params: 8),
        Row(layer: "Activation: {activation: softmax}", input: [5], output: [5], params: 0),
        Row(layer: "LeakyReLU", input: [2, 3], output: [2, 3], params: 0),
        Row(layer: "LeakyReLU: {negative_slope: 0.1}", input: [4], output: [4], params: 0),
        Row(layer: "Dropout: {rate: 0.5}", input: [9], output: [9], params: 0),
        Row(layer: "Flatten", input: [2, 3, 4], output: [24], params: 0),
        Row(layer: "Flatten: {}", input: [5], output: [5], params: 0),
    ]

    func testShapesAndParameterCounts() {
        for row in rows {
            let (graph, diagnostics) = compile(singleLayerSpec(input: row.input, layers: [row.layer]))
            XCTAssertEqual(diagnostics, [], row.layer)
            guard let layer = graph?.layers.first else { XCTFail(row.layer); continue }
            XCTAssertEqual(layer.outputShape, row.output, row.layer)
            XCTAssertEqual(layer.paramCount, row.params, row.layer)
        }
    }

    struct ErrorRow {
        var layer: String
        var input: [Int]
        var error: String   // the message after "t.model.yaml:L:C: error: "
        var column: Int     // line is always 4 (the layer's line)
    }

    let errorRows: [ErrorRow] = [
        ErrorRow(layer: "Dense: {units: 0}", input: [3], error: "Received an invalid value for `units`, expected a positive integer. Received: units=0", column: 20),
        ErrorRow(layer: "Dense: {units: -3}", input: [3], error: "Received an invalid value for `units`, expected a positive integer. Received: units=-3", column: 20),
        ErrorRow(layer: "Dense: {activation: relu}", input: [3], error: "Dense.__init__() missing 1 required positional argument: 'units'", column: 5),
        ErrorRow(layer: "Dense: {units: 2, activation: tahn}", input: [3], error: "Could not interpret activation function identifier: tahn; did you mean 'tanh'?", column: 35),
        ErrorRow(layer: "Dense: {units: 2, unit: 3}", input: [3], error: "unknown key 'unit' for Dense; did you mean 'units'?", column: 23),
        ErrorRow(layer: "Dense: {units: 2, kernel_initializer: glorot}", input: [3], error: "Could not interpret initializer identifier: glorot", column: 43),
        ErrorRow(layer: "Dropout: {rate: 1.5}", input: [3], error: "Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=1.5", column: 21),
        ErrorRow(layer: "Dropout", input: [3], error: "Dropout.__init__() missing 1 required positional argument: 'rate'", column: 5),
        ErrorRow(layer: "LeakyReLU: {negative_slope: -1}", input: [3], error: "The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a float. Received: negative_slope=-1.0", column: 33),
        ErrorRow(layer: "Activation", input: [3], error: "Activation.__init__() missing 1 required positional argument: 'activation'", column: 5),
        ErrorRow(layer: "Dence: {units: 2}", input: [3], error: "Unknown layer: 'Dence'. Please ensure you are using a `keras.Layer` and that its name is spelled correctly; did you mean 'Dense'?", column: 5),
    ]

    func testLayerConfigErrors() {
        for row in errorRows {
            let (graph, diagnostics) = compile(singleLayerSpec(input: row.input, layers: [row.layer]))
            XCTAssertNil(graph, row.layer)
            XCTAssertEqual(diagnostics, ["t.model.yaml:4:\(row.column): error: \(row.error)"], row.layer)
        }
    }
}
