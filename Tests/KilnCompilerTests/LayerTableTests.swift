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
        Row(layer: "ReLU", input: [4], output: [4], params: 0),
        Row(layer: "ReLU: {max_value: 6, negative_slope: 0.1, threshold: 0.5}", input: [2, 3], output: [2, 3], params: 0),
        Row(layer: "ReLU: {max_value: null}", input: [3], output: [3], params: 0),
        Row(layer: "Softmax", input: [2, 5], output: [2, 5], params: 0),
        Row(layer: "Softmax: {axis: 2}", input: [2, 5], output: [2, 5], params: 0),  // the last axis, counting the batch
        Row(layer: "ELU", input: [3], output: [3], params: 0),
        Row(layer: "ELU: {alpha: 0.5}", input: [3], output: [3], params: 0),
        // PReLU: alpha has the input's shape, 1 along each shared axis (Keras counts 1-based).
        Row(layer: "PReLU", input: [4], output: [4], params: 4),
        Row(layer: "PReLU", input: [3, 4], output: [3, 4], params: 12),
        Row(layer: "PReLU: {shared_axes: [1]}", input: [3, 4], output: [3, 4], params: 4),
        Row(layer: "PReLU: {shared_axes: 2}", input: [3, 4], output: [3, 4], params: 3),
        Row(layer: "PReLU: {shared_axes: [1, 2], alpha_regularizer: {l2: 0.01}}", input: [5, 5, 8], output: [5, 5, 8], params: 8),
        Row(layer: "Reshape: {target_shape: [3, 4]}", input: [12], output: [3, 4], params: 0),
        Row(layer: "Reshape: {target_shape: [-1, 2, 2]}", input: [12], output: [3, 2, 2], params: 0),
        Row(layer: "Reshape: {target_shape: [6]}", input: [2, 3], output: [6], params: 0),
        Row(layer: "Permute: {dims: [2, 1]}", input: [3, 5], output: [5, 3], params: 0),
        Row(layer: "Permute: {dims: [3, 1, 2]}", input: [2, 3, 4], output: [4, 2, 3], params: 0),
        Row(layer: "RepeatVector: {n: 3}", input: [5], output: [3, 5], params: 0),
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
        ErrorRow(layer: "ReLU: {max_value: -1}", input: [3], error: "max_value of a ReLU layer cannot be a negative value. Received: max_value=-1.0", column: 23),
        ErrorRow(layer: "ReLU: {negative_slope: -0.5}", input: [3], error: "negative_slope of a ReLU layer cannot be None or a negative value. Received: negative_slope=-0.5", column: 28),
        ErrorRow(layer: "ReLU: {threshold: null}", input: [3], error: "threshold of a ReLU layer cannot be None or a negative value. Received: threshold=None", column: 23),
        ErrorRow(layer: "Softmax: {axis: 1}", input: [2, 3], error: "Kiln supports Softmax over the last axis (axis=-1, or 2 for input shape (None, 2, 3)). Received: axis=1", column: 21),
        ErrorRow(layer: "PReLU: {shared_axes: [3]}", input: [2, 3], error: "list assignment index out of range: shared_axes=(3,) for input shape (None, 2, 3)", column: 26),
        ErrorRow(layer: "Reshape", input: [12], error: "Reshape.__init__() missing 1 required positional argument: 'target_shape'", column: 5),
        ErrorRow(layer: "Reshape: {target_shape: [5, 3]}", input: [12], error: "The total size of the tensor must be unchanged. Received: input_shape=(12,), target_shape=(5, 3)", column: 5),
        ErrorRow(layer: "Reshape: {target_shape: [-1, 5]}", input: [12], error: "The total size of the tensor must be unchanged, however, the input size cannot by divided by the specified dimensions in target_shape. Received: input_shape=(12,), target_shape=(-1, 5)", column: 5),
        ErrorRow(layer: "Reshape: {target_shape: [-1, -1]}", input: [12], error: "There must be at most one unknown dimension (-1) in `target_shape`. Received: target_shape=(-1, -1).", column: 29),
        ErrorRow(layer: "Reshape: {target_shape: [-2, 6]}", input: [12], error: "Each dimension in `target_shape` must be a non-negative integer, or `-1` for a single unknown dimension. Received: target_shape=(-2, 6).", column: 29),
        ErrorRow(layer: "Permute: {dims: [1, 3]}", input: [2, 3], error: "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1. Received dims=(1, 3)", column: 21),
        ErrorRow(layer: "Permute: {dims: [2, 1]}", input: [6], error: "Input 0 with name 'None' of layer 'permute' is incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (None, 6)", column: 5),
        ErrorRow(layer: "RepeatVector: {n: 0}", input: [3], error: "Argument `n` should be a positive integer. Received: n=0", column: 23),
        ErrorRow(layer: "RepeatVector: {n: 2.5}", input: [3], error: "Expected an integer value for `n`, got <class 'float'>.", column: 23),
        ErrorRow(layer: "RepeatVector: {n: 2}", input: [2, 3], error: "Input 0 with name 'None' of layer 'repeat_vector' is incompatible with the layer: expected ndim=2, found ndim=3. Full shape received: (None, 2, 3)", column: 5),
        ErrorRow(layer: "Conv2D: {filters: 8, kernel_size: 3, padding: full}", input: [9, 9, 3], error: "The `padding` argument must be a list/tuple or one of {'valid', 'same'}. Received: full", column: 51),
        ErrorRow(layer: "Conv2D: {filters: 8, kernel_size: 3, padding: causal}", input: [9, 9, 3], error: "The `padding` argument must be a list/tuple or one of {'valid', 'same'}. Received: causal", column: 51),
        ErrorRow(layer: "Conv2D: {filters: 8, kernel_size: 3, data_format: channels_first}", input: [9, 9, 3], error: "Kiln supports data_format='channels_last' only (Keras's default). Received: data_format=channels_first", column: 55),
        ErrorRow(layer: "Conv2D: {filters: 8}", input: [9, 9, 3], error: "Conv2D.__init__() missing 1 required positional argument: 'kernel_size'", column: 5),
        ErrorRow(layer: "Conv2D", input: [9, 9, 3], error: "Conv2D.__init__() missing 2 required positional arguments: 'filters' and 'kernel_size'", column: 5),
        ErrorRow(layer: "Conv1D: {filters: 2, kernel_size: 2}", input: [4, 3, 2], error: "Kiln's Conv1D takes inputs of shape (batch, steps, channels): expected ndim=3, found ndim=4. Full shape received: (None, 4, 3, 2)", column: 5),
        ErrorRow(layer: "MaxPooling2D: {strides: 0}", input: [4, 4, 1], error: "Kiln needs pooling strides of at least 1. Received: strides=(0, 0)", column: 29),
        ErrorRow(layer: "AveragePooling2D", input: [4, 4, 1], error: "AveragePooling2D.__init__() missing 1 required positional argument: 'pool_size'", column: 5),
        ErrorRow(layer: "AveragePooling2D: {pool_size: 2, padding: SAME}", input: [4, 4, 1], error: "Argument `padding` must be either 'valid' or 'same'. Received: padding=SAME", column: 47),
        ErrorRow(layer: "BatchNormalization: {axis: 1}", input: [2, 3], error: "Kiln's BatchNormalization normalizes the last axis only (axis=-1, or 2 for input shape (None, 2, 3)). Received: axis=1", column: 5),
        ErrorRow(layer: "BatchNormalization: {axis: 3}", input: [2, 3], error: "Axis 3 is out of bounds for input shape (None, 2, 3). Received: axis=3", column: 5),
        ErrorRow(layer: "BatchNormalization: {epsilon: 0}", input: [3], error: "Kiln needs a positive `epsilon` for BatchNormalization. Received: epsilon=0.0", column: 35),
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
