"""Real Keras's output shapes, parameter counts and error messages for a table of layer configs
(LayerTableTests.testKerasLayerTable reads keras_layer_table.json). Run by hand when the table
changes:

    /tmp/venv-keras/bin/python Tests/KilnCompilerTests/Fixtures/make_layer_table.py

Each row is a layer class, its config (written to the spec as a YAML flow mapping) and an input
shape without the batch axis; Keras builds the layer on keras.Input(shape) and records the
output shape and count_params(), or the ValueError's (or TypeError's) message.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras

HERE = os.path.dirname(os.path.abspath(__file__))

ROWS = [
    # Convolutions
    ("Conv2D", {"filters": 8, "kernel_size": 3}, [9, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": [3, 3], "padding": "same"}, [9, 9, 3]),
    ("Conv2D", {"filters": 4, "kernel_size": [4, 2], "strides": 2, "padding": "same"}, [9, 7, 2]),
    ("Conv2D", {"filters": 4, "kernel_size": [4, 2], "strides": [2, 3]}, [9, 7, 2]),
    ("Conv2D", {"filters": 6, "kernel_size": 3, "dilation_rate": 2}, [9, 9, 3]),
    ("Conv2D", {"filters": 6, "kernel_size": 3, "dilation_rate": [2, 1], "padding": "same"}, [9, 9, 3]),
    ("Conv2D", {"filters": 6, "kernel_size": 3, "groups": 3}, [8, 8, 6]),
    ("Conv2D", {"filters": 5, "kernel_size": 1, "use_bias": False}, [4, 4, 7]),
    ("Conv2D", {"filters": 64, "kernel_size": [3, 3], "activation": "relu", "padding": "same"}, [128, 128, 3]),
    ("Conv2D", {"filters": 128, "kernel_size": [3, 3], "activation": "relu", "padding": "same"}, [64, 64, 64]),
    ("Conv2D", {"filters": 64, "kernel_size": 7, "strides": 2, "padding": "same"}, [224, 224, 3]),
    ("Conv2D", {"filters": 3, "kernel_size": 5, "padding": "SAME"}, [6, 6, 1]),
    ("Conv1D", {"filters": 4, "kernel_size": 3}, [10, 2]),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, [10, 2]),
    ("Conv1D", {"filters": 4, "kernel_size": 2, "strides": 3, "padding": "same"}, [10, 2]),
    ("Conv1D", {"filters": 8, "kernel_size": 5, "groups": 2, "use_bias": False}, [12, 4]),
    ("Conv3D", {"filters": 2, "kernel_size": 3}, [5, 6, 7, 1]),
    ("Conv3D", {"filters": 4, "kernel_size": [1, 3, 3], "strides": [1, 2, 2], "padding": "same"}, [4, 9, 9, 2]),
    ("Conv3D", {"filters": 3, "kernel_size": 2, "dilation_rate": [1, 2, 2]}, [3, 6, 6, 2]),
    # Pooling
    ("MaxPooling2D", {}, [9, 8, 3]),
    ("MaxPooling2D", {"pool_size": [2, 2]}, [128, 128, 64]),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2}, [9, 9, 2]),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, [9, 9, 2]),
    ("MaxPooling2D", {"pool_size": [2, 3], "strides": 1, "padding": "same"}, [5, 8, 6]),
    ("AveragePooling2D", {"pool_size": 2, "padding": "same"}, [5, 8, 6]),
    ("AveragePooling2D", {"pool_size": [3, 1], "strides": [1, 2]}, [6, 6, 1]),
    ("MaxPooling1D", {}, [11, 3]),
    ("MaxPooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}, [11, 3]),
    ("AveragePooling1D", {"pool_size": 4, "strides": 2}, [11, 3]),
    ("MaxPooling3D", {}, [4, 5, 6, 2]),
    ("AveragePooling3D", {"pool_size": [1, 2, 3], "padding": "same"}, [4, 5, 7, 2]),
    ("GlobalAveragePooling2D", {}, [5, 4, 3]),
    ("GlobalAveragePooling2D", {"keepdims": True}, [5, 4, 3]),
    ("GlobalMaxPooling2D", {}, [5, 4, 3]),
    ("GlobalAveragePooling1D", {}, [7, 2]),
    ("GlobalMaxPooling1D", {"keepdims": True}, [7, 2]),
    ("GlobalAveragePooling3D", {}, [2, 3, 4, 5]),
    ("GlobalMaxPooling3D", {"keepdims": True}, [2, 3, 4, 5]),
    ("MaxPool2D", {"pool_size": 2}, [6, 6, 1]),
    ("AvgPool1D", {"pool_size": 2}, [6, 1]),
    ("GlobalAvgPool2D", {}, [6, 6, 1]),
    # BatchNormalization
    ("BatchNormalization", {}, [5]),
    ("BatchNormalization", {}, [6, 5, 3]),
    ("BatchNormalization", {"center": False, "momentum": 0.9}, [2, 3]),
    ("BatchNormalization", {"scale": False, "center": False, "axis": 2}, [2, 3]),
    # Transposed convolutions
    ("Conv2DTranspose", {"filters": 4, "kernel_size": 3}, [5, 6, 2]),
    ("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, [5, 6, 2]),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": [2, 4], "strides": [3, 2]}, [5, 6, 2]),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "use_bias": False}, [4, 4, 3]),
    ("DepthwiseConv2D", {"kernel_size": 3}, [9, 9, 3]),
    ("DepthwiseConv2D", {"kernel_size": [2, 3], "depth_multiplier": 4, "strides": 2, "padding": "same"}, [9, 8, 3]),
    ("DepthwiseConv2D", {"kernel_size": 3, "dilation_rate": 2, "use_bias": False}, [9, 9, 5]),
    ("DepthwiseConv1D", {"kernel_size": 4, "depth_multiplier": 2, "padding": "same"}, [10, 3]),
    ("SeparableConv2D", {"filters": 8, "kernel_size": 3}, [9, 9, 3]),
    ("SeparableConv2D", {"filters": 5, "kernel_size": [3, 2], "depth_multiplier": 3, "strides": [2, 1], "padding": "same"}, [9, 8, 4]),
    ("SeparableConv2D", {"filters": 6, "kernel_size": 3, "dilation_rate": 2, "use_bias": False}, [9, 9, 2]),
    ("SeparableConv1D", {"filters": 7, "kernel_size": 3, "depth_multiplier": 2}, [12, 5]),
    ("SeparableConvolution2D", {"filters": 4, "kernel_size": 1}, [5, 5, 3]),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"}, [7, 3]),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2}, [2, 3, 4, 1]),
    ("SpatialDropout2D", {"rate": 0.2}, [4, 4, 3]),
    ("SpatialDropout1D", {"rate": 0.5}, [7, 2]),
    # Padding, cropping, upsampling
    ("ZeroPadding2D", {}, [4, 5, 2]),
    ("ZeroPadding2D", {"padding": [1, 2]}, [4, 5, 2]),
    ("ZeroPadding2D", {"padding": [[1, 0], [2, 3]]}, [4, 5, 2]),
    ("ZeroPadding1D", {"padding": [2, 1]}, [6, 3]),
    ("ZeroPadding3D", {"padding": 1}, [2, 3, 4, 1]),
    ("Cropping2D", {"cropping": [[1, 0], [2, 1]]}, [6, 7, 2]),
    ("Cropping2D", {"cropping": 1}, [6, 7, 2]),
    ("Cropping1D", {}, [6, 3]),
    ("Cropping3D", {"cropping": [1, [0, 1], 2]}, [4, 5, 6, 1]),
    ("UpSampling2D", {}, [3, 4, 2]),
    ("UpSampling2D", {"size": [2, 3]}, [3, 4, 2]),
    ("UpSampling1D", {"size": 3}, [4, 2]),
    ("UpSampling3D", {"size": [1, 2, 2]}, [2, 3, 3, 1]),
    # Recurrent layers
    ("SimpleRNN", {"units": 4}, [5, 3]),
    ("SimpleRNN", {"units": 6, "return_sequences": True, "activation": "relu"}, [7, 2]),
    ("SimpleRNN", {"units": 3, "use_bias": False, "go_backwards": True}, [4, 5]),
    ("LSTM", {"units": 64}, [50, 8]),
    ("LSTM", {"units": 32, "return_sequences": True}, [30, 6]),
    ("LSTM", {"units": 5, "use_bias": False}, [3, 2]),
    ("LSTM", {"units": 3, "unit_forget_bias": False, "recurrent_activation": "tanh", "go_backwards": True}, [6, 4]),
    ("GRU", {"units": 64}, [50, 8]),
    ("GRU", {"units": 16, "return_sequences": True}, [12, 9]),
    ("GRU", {"units": 4, "use_bias": False}, [5, 3]),
    ("GRU", {"units": 2, "recurrent_activation": "relu", "go_backwards": True, "return_sequences": True}, [3, 1]),
    ("ConvLSTM2D", {"filters": 16, "kernel_size": 3, "padding": "same", "return_sequences": True}, [10, 32, 32, 1]),
    ("ConvLSTM2D", {"filters": 4, "kernel_size": [2, 3], "strides": 2}, [5, 9, 8, 3]),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "use_bias": False, "dilation_rate": 2}, [3, 9, 9, 1]),
    ("ConvLSTM1D", {"filters": 3, "kernel_size": 3, "return_sequences": True}, [4, 7, 2]),
    # Mistakes, with Keras's words
    ("Conv2D", {"filters": 0, "kernel_size": 3}, [9, 9, 3]),
    ("Conv2D", {"filters": -2, "kernel_size": 3}, [9, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": [3, 3, 3]}, [9, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": 0}, [9, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": [3, 0]}, [9, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "strides": 0}, [9, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "strides": [1, 2, 1]}, [9, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "dilation_rate": -1}, [9, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, [9, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "groups": 0}, [9, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "groups": 3}, [9, 9, 3]),
    ("Conv2D", {"filters": 6, "kernel_size": 3, "groups": 3}, [9, 9, 4]),
    ("Conv2D", {"filters": 8, "kernel_size": 3}, [9, 9]),
    ("Conv2D", {"filters": 8, "kernel_size": 5}, [3, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "dilation_rate": 4}, [9, 9, 3]),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "data_format": "channels_middle"}, [9, 9, 3]),
    ("Conv1D", {"filters": 4, "kernel_size": 3}, [10]),
    ("Conv1D", {"filters": 4, "kernel_size": [3, 3]}, [10, 2]),
    ("Conv3D", {"filters": 4, "kernel_size": 3}, [5, 5, 2]),
    ("Conv3D", {"filters": 4, "kernel_size": [3, 3, 9]}, [5, 5, 5, 2]),
    ("MaxPooling2D", {"pool_size": 0}, [9, 9, 3]),
    ("MaxPooling2D", {"pool_size": [2, 2, 2]}, [9, 9, 3]),
    ("MaxPooling2D", {"pool_size": 4}, [3, 9, 3]),
    ("MaxPooling2D", {}, [9, 9]),
    ("AveragePooling1D", {"pool_size": 2, "padding": "full"}, [9, 3]),
    ("AveragePooling3D", {"strides": -1}, [4, 4, 4, 1]),
    ("AveragePooling3D", {"pool_size": 2, "strides": -1}, [4, 4, 4, 1]),
    ("GlobalAveragePooling2D", {}, [9, 3]),
    ("GlobalMaxPooling1D", {}, [9, 3, 2]),
    ("ZeroPadding2D", {"padding": [1, 2, 3]}, [4, 5, 2]),
    ("ZeroPadding2D", {"padding": [[1, 2, 3], 1]}, [4, 5, 2]),
    ("Cropping2D", {"cropping": -1}, [6, 7, 2]),
    ("Cropping2D", {"cropping": [[3, 3], 0]}, [6, 7, 2]),
    ("Cropping1D", {"cropping": [3, 3]}, [6, 3]),
    ("UpSampling2D", {"size": 0}, [3, 4, 2]),
    ("UpSampling2D", {}, [3, 4]),
    ("Conv2DTranspose", {"filters": 0, "kernel_size": 3}, [5, 6, 2]),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3}, [5, 6]),
    ("SpatialDropout2D", {"rate": 0.2}, [4, 3]),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 0}, [9, 9, 3]),
    ("DepthwiseConv2D", {"kernel_size": 3}, [9, 9]),
    ("DepthwiseConv2D", {"kernel_size": 5}, [3, 9, 3]),
    ("DepthwiseConv2D", {"kernel_size": [3, 3, 3]}, [9, 9, 3]),
    ("DepthwiseConv1D", {"kernel_size": 3, "strides": 0}, [9, 3]),
    ("SeparableConv2D", {"filters": 0, "kernel_size": 3}, [9, 9, 3]),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3, "depth_multiplier": -1}, [9, 9, 3]),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 7}, [5, 9, 3]),
    ("SeparableConv1D", {"filters": 4, "kernel_size": 3}, [9]),
    ("SpatialDropout3D", {"rate": 1.5}, [2, 2, 2, 1]),
    ("LSTM", {"units": 0}, [5, 3]),
    ("GRU", {"units": -4}, [5, 3]),
    ("SimpleRNN", {"units": 0}, [5, 3]),
    ("LSTM", {"units": 4}, [5]),
    ("GRU", {"units": 4}, [5, 3, 2]),
    ("SimpleRNN", {"units": 4}, [5]),
    ("ConvLSTM2D", {"filters": 4, "kernel_size": 3}, [5, 9, 3]),
    # Wrappers: the wrapped layer is {Class: config}, built first (as Bidirectional(LSTM(4)) runs).
    ("TimeDistributed", {"layer": {"Dense": {"units": 8}}}, [10, 16]),
    ("TimeDistributed", {"layer": {"Conv2D": {"filters": 4, "kernel_size": 3, "padding": "same"}}}, [5, 9, 9, 3]),
    ("TimeDistributed", {"layer": {"MaxPooling2D": {"pool_size": 2}}}, [4, 8, 8, 2]),
    ("TimeDistributed", {"layer": {"Flatten": {}}}, [3, 4, 5]),
    ("TimeDistributed", {"layer": {"LSTM": {"units": 3}}}, [2, 5, 4]),
    ("Bidirectional", {"layer": {"LSTM": {"units": 4}}}, [5, 3]),
    ("Bidirectional", {"layer": {"GRU": {"units": 3, "return_sequences": True}}, "merge_mode": "sum"}, [6, 2]),
    ("TimeDistributed", {"layer": {"Dense": {"units": 8}}}, [6]),
    ("TimeDistributed", {"layer": {"Conv2D": {"filters": 2, "kernel_size": 5}}}, [3, 4, 4, 1]),
]


def make(cls, config):
    """The layer, with a wrapper's {Class: config} built as its layer."""
    if isinstance(config.get("layer"), dict):
        (inner, inner_config), = config["layer"].items()
        config = {**config, "layer": make(inner, inner_config)}
    return getattr(keras.layers, cls)(**config)


def main():
    table = []
    for cls, config, shape in ROWS:
        row = {"layer": cls, "config": config, "input": shape}
        keras.backend.clear_session()  # automatic names start again: conv2d, not conv2d_7
        try:
            layer = make(cls, config)
            out = layer(keras.Input(tuple(shape)))
            row["output"] = list(out.shape[1:])
            row["params"] = int(layer.count_params())
        except (ValueError, TypeError) as error:
            # An error inside call() comes wrapped ("Exception encountered when calling ..."),
            # the message itself in bold: keep the message.
            text = str(error)
            row["error"] = text.split("\x1b[1m", 1)[1].split("\x1b[0m", 1)[0] if "\x1b[1m" in text else text
        table.append(row)
    with open(os.path.join(HERE, "keras_layer_table.json"), "w") as f:
        json.dump({"keras": keras.__version__, "rows": table}, f, indent=1)
    print(f"{len(table)} rows, {sum('error' in r for r in table)} errors; keras {keras.__version__}")


if __name__ == "__main__":
    main()
