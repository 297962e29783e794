import XCTest
import KilnCompiler

/// Broken specs, each with every diagnostic it must produce, exactly: location, wording, notes.
/// Together they also show that independent errors are all reported and that one mistake
/// gives one error (no cascades).
final class SpecErrorTableTests: XCTestCase {
    struct Row {
        var name: String
        var spec: String
        var expected: [String]  // "line:col: severity: message", in source order
    }

    let rows: [Row] = [
        Row(name: "missing_model", spec: "input: {shape: [4]}\nlayers: [Dense: {units: 1}]\ncompile: {loss: mse}\n",
            expected: ["1:1: error: missing required key 'model'"]),
        Row(name: "unknown_top_key", spec: "model: M\ninput: {shape: [4]}\nlayer: [Dense: {units: 1}]\ncompile: {loss: mse}\n",
            expected: ["3:1: error: unknown key 'layer' for model spec; did you mean 'layers'?"]),
        Row(name: "normalization_mean_only", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Normalization: {mean: [1.0]}\ncompile: {loss: mse}\n",
            expected: ["4:27: error: When setting values directly, both `mean` and `variance` must be set. Received: mean=[1.0] and variance=None"]),
        Row(name: "normalization_axis", spec: "model: M\ninput: {shape: [4, 2]}\nlayers:\n  - Normalization: {axis: 1}\ncompile: {loss: mse}\n",
            expected: ["4:27: error: Kiln supports Normalization over the last axis (axis=-1, or 2 for input shape (None, 4, 2)) or over every value (axis=None). Received: axis=1"]),
        Row(name: "normalization_mean_length", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Normalization: {mean: [1, 2], variance: 1}\ncompile: {loss: mse}\n",
            expected: ["4:5: error: `mean` must be a number or hold one value per feature of the last axis (4). Received: mean with 2 values for input shape (None, 4)"]),
        Row(name: "units_zero", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: 0}\ncompile: {loss: mse}\n",
            expected: ["4:20: error: Received an invalid value for `units`, expected a positive integer. Received: units=0"]),
        Row(name: "units_string", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: ten}\ncompile: {loss: mse}\n",
            expected: ["4:20: error: expected an integer for 'units', received a string \"ten\""]),
        Row(name: "units_float", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: 2.5}\ncompile: {loss: mse}\n",
            expected: ["4:20: error: expected an integer for 'units', received a number 2.5"]),
        Row(name: "unknown_activation", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: 3, activation: relu6x}\ncompile: {loss: mse}\n",
            expected: ["4:35: error: Could not interpret activation function identifier: relu6x; did you mean 'relu'?"]),
        Row(name: "unknown_layer", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Transformer: {filters: 3}\ncompile: {loss: mse}\n",
            expected: ["4:5: error: Unknown layer: 'Transformer'. Please ensure you are using a `keras.Layer` and that its name is spelled correctly"]),
        Row(name: "typo_layer", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dropuot: {rate: 0.1}\ncompile: {loss: mse}\n",
            expected: ["4:5: error: Unknown layer: 'Dropuot'. Please ensure you are using a `keras.Layer` and that its name is spelled correctly; did you mean 'Dropout'?"]),
        Row(name: "dropout_rate", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dropout: {rate: -0.1}\ncompile: {loss: mse}\n",
            expected: ["4:21: error: Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=-0.1"]),
        Row(name: "unknown_loss", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 1}]\ncompile: {loss: msee}\n",
            expected: ["4:17: error: Could not interpret loss identifier: msee; did you mean 'mse'?"]),
        Row(name: "unknown_optimizer", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 1}]\ncompile: {optimizer: Adamm, loss: mse}\n",
            expected: ["4:22: error: Could not interpret optimizer identifier: Adamm; did you mean 'Adam'?"]),
        Row(name: "unknown_metric", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 1}]\ncompile: {loss: mse, metrics: [acuracy]}\n",
            expected: ["4:32: error: Could not interpret metric identifier: acuracy; did you mean 'accuracy'?"]),
        Row(name: "expect_params", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 2}]\ncompile: {loss: mse}\nexpect: {params: 11}\n",
            expected: ["5:18: error: expected 11 parameters (expect.params), but the model has 10"]),
        Row(name: "negative_input", spec: "model: M\ninput: {shape: [4, -2]}\nlayers: [Dense: {units: 2}]\ncompile: {loss: mse}\n",
            expected: ["2:16: error: Cannot create an Input with a non-positive dimension. Received: shape=(4, -2) with dimension -2"]),
        Row(name: "missing_input", spec: "model: M\nlayers: [Dense: {units: 2}]\ncompile: {loss: mse}\n",
            expected: ["1:1: error: missing required key 'input' (the shape of one sample, as keras.Input(shape=...)), e.g. input: {shape: [128]}"]),
        Row(name: "missing_loss", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 2}]\ncompile: {optimizer: SGD}\n",
            expected: ["4:10: error: missing required key 'loss' in 'compile', e.g. loss: mse"]),
        Row(name: "batch_zero", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 2}]\ncompile: {loss: mse}\nfit: {batch_size: 0}\n",
            expected: ["5:19: error: expected a positive integer for 'batch_size', received 0"]),
        Row(name: "lr_negative", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 2}]\ncompile: {optimizer: {Adam: {learning_rate: -1}}, loss: mse}\n",
            expected: ["4:45: error: Argument `learning_rate` must be a positive float. Received: learning_rate=-1.0"]),
        Row(name: "unknown_opt_key", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 2}]\ncompile: {optimizer: {SGD: {momentun: 0.9}}, loss: mse}\n",
            expected: ["4:29: error: unknown key 'momentun' for SGD; did you mean 'momentum'?"]),
        Row(name: "sgd_momentum", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 2}]\ncompile: {optimizer: {SGD: {momentum: 1.5}}, loss: mse}\n",
            expected: ["4:39: error: `momentum` must be a float between [0, 1]. Received: momentum=1.5"]),
        Row(name: "duplicate_key", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: 2, units: 3}\ncompile: {loss: mse}\n",
            expected: ["4:23: error: duplicate key 'units'", "4:13: note: 'units' first appears here"]),
        Row(name: "yaml_syntax", spec: "model: M\ninput: {shape: [4]\nlayers: []\n",
            expected: ["3:1: error: did not find expected ',' or '}' (while parsing a flow mapping)"]),
        Row(name: "layers_not_list", spec: "model: M\ninput: {shape: [4]}\nlayers: {Dense: {units: 2}}\ncompile: {loss: mse}\n",
            expected: ["3:9: error: expected a list for 'layers', received a mapping"]),
        Row(name: "layer_two_keys", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - {Dense: {units: 2}, Dropout: {rate: 0.1}}\ncompile: {loss: mse}\n",
            expected: ["4:5: error: expected a layer: a mapping with one key, the layer class, such as - Dense: {units: 10}; received a mapping with 2 keys"]),
        Row(name: "sparse_ce_one_unit", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 1}]\ncompile: {loss: sparse_categorical_crossentropy}\n",
            expected: ["4:17: error: loss sparse_categorical_crossentropy expects an output with one unit per class (at least 2), but the model's output shape is (None, 1)"]),
        Row(name: "duplicate_layer_name", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: 2, name: hidden}\n  - Dense: {units: 1, name: hidden}\ncompile: {loss: mse}\n",
            expected: ["5:29: error: All layers added to a Sequential model should have unique names. Name 'hidden' is already the name of a layer in this model. Update the `name` argument to pass a unique name.", "4:29: note: first used here"]),
        Row(name: "trainable_string", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: 2, trainable: maybe}\ncompile: {loss: mse}\n",
            expected: ["4:34: error: expected a boolean (true or false) for 'trainable', received a string \"maybe\""]),
        Row(name: "bad_regularizer", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: 2, kernel_regularizer: l3}\ncompile: {loss: mse}\n",
            expected: ["4:43: error: Could not interpret regularizer identifier for 'kernel_regularizer': expected l2, {l2: factor} or {L2: {l2: factor}}"]),
        Row(name: "leaky_negative", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - LeakyReLU: {negative_slope: -0.5}\ncompile: {loss: mse}\n",
            expected: ["4:33: error: The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a float. Received: negative_slope=-0.5"]),
        Row(name: "from_logits_mse", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 2}]\ncompile: {loss: {mse: {from_logits: true}}}\n",
            expected: ["4:18: error: unknown key 'from_logits' for mse: only crossentropy losses take it"]),
        Row(name: "several_errors", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: -1}\n  - Dence: {units: 2}\n  - Dense: {units: 3, activation: tahn}\ncompile: {optimizer: Adamm, loss: msee}\n",
            expected: ["4:20: error: Received an invalid value for `units`, expected a positive integer. Received: units=-1", "5:5: error: Unknown layer: 'Dence'. Please ensure you are using a `keras.Layer` and that its name is spelled correctly; did you mean 'Dense'?", "6:35: error: Could not interpret activation function identifier: tahn; did you mean 'tanh'?", "7:22: error: Could not interpret optimizer identifier: Adamm; did you mean 'Adam'?", "7:35: error: Could not interpret loss identifier: msee; did you mean 'mse'?"]),
        Row(name: "bad_model_name", spec: "model: my model\ninput: {shape: [4]}\nlayers: [Dense: {units: 2}]\ncompile: {loss: mse}\n",
            expected: ["1:8: error: invalid model name 'my model': a model name may contain only ASCII letters, digits and '_'"]),
        Row(name: "top_not_mapping", spec: "- Dense: {units: 2}\n",
            expected: ["1:1: error: expected a mapping with keys 'model', 'input', 'layers' and 'compile' at the top of a model spec, received a list"]),
        Row(name: "validation_split", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 2}]\ncompile: {loss: mse}\nfit: {validation_split: 1.5}\n",
            expected: ["5:25: error: `validation_split` must be in [0, 1). Received: validation_split=1.5"]),
        Row(name: "expect_output_shape", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 2}]\ncompile: {loss: mse}\nexpect: {output_shape: [3]}\n",
            expected: ["5:24: error: expected output shape (None, 3) (expect.output_shape), but the model's output shape is (None, 2)"]),
        Row(name: "use_bias_string", spec: "model: M\ninput: {shape: [4]}\nlayers:\n  - Dense: {units: 2, use_bias: 'no'}\ncompile: {loss: mse}\n",
            expected: ["4:33: error: expected a boolean (true or false) for 'use_bias', received a string \"no\""]),
        Row(name: "typo_compile", spec: "model: M\ninput: {shape: [4]}\nlayers: [Dense: {units: 1}]\ncompille: {loss: mse}\n",
            expected: ["4:1: error: unknown key 'compille' for model spec; did you mean 'compile'?"]),
        Row(name: "two_outputs_loss_dict", spec: "model: M\ninputs:\n  - {name: a, shape: [4]}\n  - {name: b, shape: [3]}\nlayers:\n  - h: {Dense: {units: 2}, from: a}\n  - g: {Dense: {units: 1, name: g}, from: b}\noutputs: [h, g]\ncompile: {loss: {dense: mse}}\n",
            expected: ["9:17: error: Expected keys ['dense', 'g'] in loss dict, but found loss.keys()=['dense']"]),
        Row(name: "two_outputs_loss_list", spec: "model: M\ninputs:\n  - {name: a, shape: [4]}\n  - {name: b, shape: [3]}\nlayers:\n  - h: {Dense: {units: 2}, from: a}\n  - g: {Dense: {units: 1, name: g}, from: b}\noutputs: [h, g]\ncompile: {loss: [mse]}\n",
            expected: ["9:17: error: For a model with 2 outputs, `loss` as a list has one entry per output, in the order of `outputs`; received 1"]),
        Row(name: "two_outputs_loss_weights", spec: "model: M\ninputs:\n  - {name: a, shape: [4]}\n  - {name: b, shape: [3]}\nlayers:\n  - h: {Dense: {units: 2}, from: a}\n  - g: {Dense: {units: 1, name: g}, from: b}\noutputs: [h, g]\ncompile: {loss: mse, loss_weights: [1.0]}\n",
            expected: ["9:36: error: `loss_weights` must match the number of losses, got 2 losses and 1 weights."]),
        Row(name: "two_outputs_flat_metrics", spec: "model: M\ninputs:\n  - {name: a, shape: [4]}\n  - {name: b, shape: [3]}\nlayers:\n  - h: {Dense: {units: 2}, from: a}\n  - g: {Dense: {units: 1, name: g}, from: b}\noutputs: [h, g]\ncompile: {loss: mse, metrics: [mae, mse, accuracy]}\n",
            expected: ["9:32: error: Invalid `metrics`. `metrics` should contain metrics objects and either be a dict or a list matching the output names of the functional model ['dense', 'g'] or match the output structure of the model: ['X', 'X']. Received: metrics=['mae', 'mse', 'accuracy']"]),
        Row(name: "two_outputs_metrics_key", spec: "model: M\ninputs:\n  - {name: a, shape: [4]}\n  - {name: b, shape: [3]}\nlayers:\n  - h: {Dense: {units: 2}, from: a}\n  - g: {Dense: {units: 1, name: g}, from: b}\noutputs: [h, g]\ncompile: {loss: mse, metrics: {g: [mae], hh: [mse]}}\n",
            expected: ["9:31: error: Invalid `metrics`. `metrics` should contain metrics objects and either be a dict or a list matching the output names of the functional model ['dense', 'g'] or match the output structure of the model: ['X', 'X']. Received: metrics={'g': ['mae'], 'hh': ['mse']}"]),
        Row(name: "two_outputs_loss_shape", spec: "model: M\ninputs:\n  - {name: a, shape: [4]}\n  - {name: b, shape: [3]}\nlayers:\n  - h: {Dense: {units: 2}, from: a}\n  - g: {Dense: {units: 1, name: g}, from: b}\noutputs: [h, g]\ncompile: {loss: [categorical_crossentropy, categorical_crossentropy]}\n",
            expected: ["9:44: error: loss categorical_crossentropy expects an output with one unit per class (at least 2), but output 'g' has shape (None, 1)"]),
        Row(name: "two_outputs_each_error_once", spec: "model: M\ninputs:\n  - {name: a, shape: [4]}\n  - {name: b, shape: [3]}\nlayers:\n  - h: {Dense: {units: 2}, from: a}\n  - g: {Dense: {units: 1, name: g}, from: b}\noutputs: [h, g]\ncompile: {loss: {dense: mse, g: msee}, loss_weights: {dense: 1, g: .nan}}\n",
            expected: ["9:33: error: Could not interpret loss identifier: msee; did you mean 'mse'?", "9:68: error: `loss_weights` must be finite; received nan"]),
        Row(name: "inputs_same_name", spec: "model: M\ninputs:\n  - {name: a, shape: [4]}\n  - {name: a, shape: [3]}\nlayers:\n  - h: {Dense: {units: 2}, from: a}\ncompile: {loss: mse}\n",
            expected: ["4:12: error: The name \"a\" is used 2 times in the model. All operation names should be unique.", "3:12: note: first used here"]),
        Row(name: "inputs_first_node_reads", spec: "model: M\ninputs:\n  - {name: a, shape: [4]}\n  - {name: b, shape: [3]}\nlayers:\n  - Dense: {units: 2}\ncompile: {loss: mse}\n",
            expected: ["6:5: error: a model with several inputs names what its first node reads: from: a"]),
        Row(name: "output_twice", spec: "model: M\ninputs:\n  - {name: a, shape: [4]}\n  - {name: b, shape: [3]}\nlayers:\n  - h: {Dense: {units: 2}, from: a}\noutputs: [h, h]\ncompile: {loss: mse}\n",
            expected: ["7:14: error: output 'h' is listed twice in 'outputs'"]),
        Row(name: "output_is_input", spec: "model: M\ninput: {shape: [4], name: inp}\nlayers:\n  - h: {Dense: {units: 2}, from: inp}\noutputs: [inp]\ncompile: {loss: mse}\n",
            expected: ["5:11: error: the model's output is its input: give it a layer"]),
        Row(name: "input_and_inputs", spec: "model: M\ninput: {shape: [4]}\ninputs: [{shape: [4]}]\nlayers:\n  - Dense: {units: 2}\ncompile: {loss: mse}\n",
            expected: ["3:9: error: give either 'input' (one) or 'inputs' (a list), not both"]),
        Row(name: "lstm_after_last_step", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - LSTM: {units: 4}\n  - LSTM: {units: 3}\ncompile: {loss: mse}\n",
            expected: ["5:5: error: Input 0 with name 'None' of layer 'lstm_1' is incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (None, 4)"]),
        Row(name: "gru_on_vectors", spec: "model: M\ninput: {shape: [8]}\nlayers:\n  - GRU: {units: 4}\ncompile: {loss: mse}\n",
            expected: ["4:5: error: Input 0 with name 'None' of layer 'gru' is incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (None, 8)"]),
        Row(name: "lstm_units_missing", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - LSTM: {return_sequences: true}\ncompile: {loss: mse}\n",
            expected: ["4:5: error: LSTM.__init__() missing 1 required positional argument: 'units'"]),
        Row(name: "time_distributed_no_layer", spec: "model: M\ninput: {shape: [4, 3]}\nlayers:\n  - TimeDistributed: {}\ncompile: {loss: mse}\n",
            expected: ["4:5: error: TimeDistributed.__init__() missing 1 required positional argument: 'layer'"]),
        Row(name: "time_distributed_batchnorm", spec: "model: M\ninput: {shape: [4, 3]}\nlayers:\n  - TimeDistributed: {layer: {BatchNormalization: {}}}\ncompile: {loss: mse}\n",
            expected: ["4:31: error: TimeDistributed over BatchNormalization is not supported by Kiln yet: apply the layer to the (steps, ...) input directly, or reshape the steps into the batch"]),
        Row(name: "time_distributed_unknown_inner", spec: "model: M\ninput: {shape: [4, 3]}\nlayers:\n  - TimeDistributed: {layer: {Dens: {units: 3}}}\ncompile: {loss: mse}\n",
            expected: ["4:31: error: Unknown layer: 'Dens'. Please ensure you are using a `keras.Layer` and that its name is spelled correctly; did you mean 'Dense'?"]),
        Row(name: "time_distributed_inner_config", spec: "model: M\ninput: {shape: [4, 3]}\nlayers:\n  - TimeDistributed: {layer: {Dense: {units: 3, activation: relu6}}}\ncompile: {loss: mse}\n",
            expected: ["4:61: error: Could not interpret activation function identifier: relu6; did you mean 'relu'?"]),
        Row(name: "gru_reset_before", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - GRU: {units: 4, reset_after: false}\ncompile: {loss: mse}\n",
            expected: ["4:34: error: `reset_after=False` is not supported by Kiln's GRU: it runs Keras 3's default, reset_after=True"]),
        Row(name: "rnn_gelu", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - SimpleRNN: {units: 4, activation: gelu}\ncompile: {loss: mse}\n",
            expected: ["4:39: error: `activation=gelu` is not supported in Kiln's recurrent layers: use tanh, sigmoid, relu or another elementwise activation"]),
        Row(name: "lstm_unknown_recurrent_activation", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - LSTM: {units: 4, recurrent_activation: sigmoidd}\ncompile: {loss: mse}\n",
            expected: ["4:44: error: Could not interpret activation function identifier: sigmoidd; did you mean 'sigmoid'?"]),
        Row(name: "lstm_return_state", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - LSTM: {units: 4, return_state: true}\ncompile: {loss: mse}\n",
            expected: ["4:36: error: `return_state=True` returns [output, states...]: read the states in a functional spec, as `from: lstm[1]`"]),
        Row(name: "return_state_index_out_of_range", spec: "model: M\ninput: {shape: [6, 2], name: x}\nlayers:\n  - enc: {LSTM: {units: 4, return_state: true}, from: x}\n  - d: {Dense: {units: 2}, from: \"enc[3]\"}\noutputs: [d]\ncompile: {loss: mse}\n",
            expected: ["5:34: error: list index out of range: 'lstm' (LSTM) returns 3 outputs, [0] to [2]"]),
        Row(name: "index_of_one_output", spec: "model: M\ninput: {shape: [6, 2], name: x}\nlayers:\n  - enc: {Dense: {units: 4}, from: x}\n  - d: {Dense: {units: 2}, from: \"enc[1]\"}\noutputs: [d]\ncompile: {loss: mse}\n",
            expected: ["5:34: error: 'enc' is one output, not a list: only a recurrent layer with return_state: true has outputs to index"]),
        Row(name: "return_state_output_out_of_range", spec: "model: M\ninput: {shape: [6, 2], name: x}\nlayers:\n  - enc: {GRU: {units: 4, return_state: true}, from: x}\noutputs: [\"enc[2]\"]\ncompile: {loss: mse}\n",
            expected: ["5:11: error: list index out of range: 'gru' (GRU) returns 2 outputs, [0] to [1]"]),
        Row(name: "initial_state_count", spec: "model: M\ninput: {shape: [6, 2], name: x}\nlayers:\n  - enc: {GRU: {units: 4, return_state: true}, from: x}\n  - dec: {LSTM: {units: 4}, from: [x, \"enc[1]\"]}\noutputs: [dec]\ncompile: {loss: mse}\n",
            expected: ["5:39: error: Layer 'lstm' (LSTM) starts from 2 states (initial_state=[h, c], each (None, 4)): from: lists the sequence, then them; received 1: (None, 4)"]),
        Row(name: "initial_state_shape", spec: "model: M\ninput: {shape: [6, 2], name: x}\nlayers:\n  - enc: {GRU: {units: 3, return_state: true}, from: x}\n  - dec: {GRU: {units: 4}, from: [x, \"enc[1]\"]}\noutputs: [dec]\ncompile: {loss: mse}\n",
            expected: ["5:38: error: Layer 'gru_1' (GRU) starts from 1 state (initial_state=[h], each (None, 4)): from: lists the sequence, then them; received 1: (None, 3)"]),
        Row(name: "bidirectional_return_state", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - Bidirectional: {layer: {LSTM: {units: 4, return_state: true}}}\ncompile: {loss: mse}\n",
            expected: ["4:60: error: `return_state=True` inside Bidirectional is not supported by Kiln yet: the layer returns its merged output only"]),
        Row(name: "rnn_stateful", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - SimpleRNN: {units: 4, stateful: true}\ncompile: {loss: mse}\n",
            expected: ["4:37: error: `stateful=True` is not supported by Kiln: each batch starts from zero states"]),
        Row(name: "lstm_unknown_key", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - LSTM: {units: 4, return_sequence: true}\ncompile: {loss: mse}\n",
            expected: ["4:22: error: unknown key 'return_sequence' for LSTM; did you mean 'return_sequences'?"]),
        Row(name: "bidirectional_backwards_layer", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - Bidirectional: {layer: {LSTM: {units: 4, go_backwards: true}}}\ncompile: {loss: mse}\n",
            expected: ["4:28: error: Forward layer and backward layer should have different `go_backwards` value. Received: forward_layer.go_backwards True, backward_layer.go_backwards=True"]),
        Row(name: "bidirectional_merge_mode", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - Bidirectional: {layer: {GRU: {units: 4}}, merge_mode: max}\ncompile: {loss: mse}\n",
            expected: ["4:59: error: Invalid merge mode. Received: max. Merge mode should be one of {\"sum\", \"mul\", \"ave\", \"concat\", None}"]),
        Row(name: "bidirectional_dense", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - Bidirectional: {layer: {Dense: {units: 4}}}\ncompile: {loss: mse}\n",
            expected: ["4:29: error: Bidirectional wraps a recurrent layer (SimpleRNN, LSTM or GRU). Received: layer=Dense"]),
        Row(name: "bidirectional_inner_error", spec: "model: M\ninput: {shape: [6, 2]}\nlayers:\n  - Bidirectional: {layer: {LSTM: {units: 0}}}\ncompile: {loss: mse}\n",
            expected: ["4:43: error: Received an invalid value for argument `units`, expected a positive integer, got 0."]),
        Row(name: "embedding_input_dim", spec: "model: M\ninput: {shape: [6], dtype: int32}\nlayers:\n  - Embedding: {input_dim: 0, output_dim: 4}\ncompile: {loss: mse}\n",
            expected: ["4:28: error: `input_dim` must be a positive integer. Received: input_dim=0 (of type int)."]),
        Row(name: "embedding_missing_dims", spec: "model: M\ninput: {shape: [6], dtype: int32}\nlayers:\n  - Embedding: {mask_zero: true}\ncompile: {loss: mse}\n",
            expected: ["4:5: error: Embedding.__init__() missing 2 required positional arguments: 'input_dim' and 'output_dim'"]),
        Row(name: "input_dtype", spec: "model: M\ninput: {shape: [6], dtype: float16}\nlayers:\n  - Dense: {units: 1}\ncompile: {loss: mse}\n",
            expected: ["2:28: error: Kiln models take float32 inputs, or int32 and int64 token ids (for an Embedding); received dtype=float16"]),
    ]

    func testEveryBrokenSpecGivesItsExactDiagnostics() {
        XCTAssertGreaterThanOrEqual(rows.count, 25)
        for row in rows {
            let (graph, diagnostics) = compile(row.spec, file: "b.model.yaml")
            XCTAssertNil(graph, row.name)
            XCTAssertEqual(diagnostics, row.expected.map { "b.model.yaml:" + $0 }, row.name)
        }
    }

    /// Valid specs that compile with a warning: a masked sequence read by a layer that does not
    /// apply masks, and a masked output, which Keras would leave out of the loss.
    let warningRows: [Row] = [
        Row(name: "mask_through_batchnorm", spec: "model: M\ninput: {shape: [6], dtype: int32}\nlayers:\n  - Embedding: {input_dim: 9, output_dim: 4, mask_zero: true}\n  - BatchNormalization\n  - GlobalMaxPooling1D\n  - Dense: {units: 1}\ncompile: {loss: mse}\n",
            expected: ["6:5: warning: Layer 'global_max_pooling1d' (of type GlobalMaxPooling1D) was passed an input with a mask attached to it. However, this layer does not support masking and will therefore destroy the mask information. Downstream layers will not see the mask."]),
        // Two masks into one merge: Keras ORs them; Kiln follows one mask only.
        Row(name: "two_masks_into_add", spec: "model: M\ninputs:\n  - {name: a, shape: [6], dtype: int32}\n  - {name: b, shape: [6], dtype: int32}\nlayers:\n  - ea: {Embedding: {input_dim: 9, output_dim: 4, mask_zero: true}, from: a}\n  - eb: {Embedding: {input_dim: 9, output_dim: 4, mask_zero: true}, from: b}\n  - s: {Add: null, from: [ea, eb]}\n  - l: {LSTM: {units: 2}, from: s}\noutputs: [l]\ncompile: {loss: mse}\n",
            expected: ["8:5: warning: layer 'add' (Add) reads the steps that 'embedding' masks: Kiln passes a merge's mask on only when all its inputs carry that one mask (and Concatenate joins channels), so the layers after it see the masked steps too, where Keras would skip them"]),
        // One mask into a skip connection and a masked and an unmasked input (Keras drops the mask): no warning.
        Row(name: "one_mask_into_add", spec: "model: M\ninput: {shape: [6], dtype: int32, name: ids}\nlayers:\n  - e: {Embedding: {input_dim: 9, output_dim: 4, mask_zero: true}, from: ids}\n  - d: {Dense: {units: 4}, from: e}\n  - s: {Add: null, from: [e, d]}\n  - l: {LSTM: {units: 2}, from: s}\noutputs: [l]\ncompile: {loss: mse}\n",
            expected: []),
        // GlobalAveragePooling1D applies the mask (a masked mean): no warning.
        Row(name: "mask_into_average", spec: "model: M\ninput: {shape: [6], dtype: int32}\nlayers:\n  - Embedding: {input_dim: 9, output_dim: 4, mask_zero: true}\n  - GlobalAveragePooling1D\n  - Dense: {units: 1}\ncompile: {loss: mse}\n",
            expected: []),
        Row(name: "mask_into_flatten", spec: "model: M\ninput: {shape: [6], dtype: int32}\nlayers:\n  - Embedding: {input_dim: 9, output_dim: 4, mask_zero: true}\n  - Flatten\n  - Dense: {units: 1}\ncompile: {loss: mse}\n",
            expected: ["5:5: warning: Layer 'flatten' (of type Flatten) was passed an input with a mask attached to it. However, this layer does not support masking and will therefore destroy the mask information. Downstream layers will not see the mask."]),
        Row(name: "masked_output", spec: "model: M\ninput: {shape: [6], dtype: int32}\nlayers:\n  - Embedding: {input_dim: 9, output_dim: 4, mask_zero: true}\n  - LSTM: {units: 2, return_sequences: true}\ncompile: {loss: mse}\n",
            expected: ["5:5: warning: output 'lstm' carries the mask of 'embedding': Keras leaves masked steps out of the loss, Kiln counts them"]),
    ]

    func testMaskWarnings() {
        for row in warningRows {
            let (graph, diagnostics) = compile(row.spec, file: "b.model.yaml")
            XCTAssertNotNil(graph, row.name)
            XCTAssertEqual(diagnostics, row.expected.map { "b.model.yaml:" + $0 }, row.name)
        }
    }
}
