"""Writes a Keras model's architecture as a Kiln model spec (specs/<Name>.model.yaml), and
optionally its weights in Kiln's safetensors layout (see export_weights.py).

    python Tests/Keras/keras_to_spec.py resnet50 --name ResNet50 > specs/ResNet50.model.yaml
    python Tests/Keras/keras_to_spec.py resnet50 --no-top --name ResNet50Base > specs/ResNet50Base.model.yaml
    python Tests/Keras/keras_to_spec.py path/to/model.keras --name MyModel

MODEL is `resnet50` (keras.applications.ResNet50, built with weights=None: nothing downloads) or
a saved `.keras` file. Layers keep their Keras names (conv1_conv, conv2_block1_add, ...), so that
summary() and the weight paths are Keras's. A Sequential model becomes a `layers:` list, any
other a functional graph (`from:` per node, `outputs:`). Only the config keys whose value
differs from Keras's default are written.
"""
import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras

# Per class, the config keys Kiln reads (in the spec's order); others must be at their defaults.
KEYS = {
    "Dense": ["units", "activation", "use_bias"],
    "Conv1D": ["filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "activation", "use_bias"],
    "Conv2D": ["filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "activation", "use_bias"],
    "Conv3D": ["filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "activation", "use_bias"],
    "DepthwiseConv2D": ["kernel_size", "strides", "padding", "depth_multiplier", "dilation_rate", "activation", "use_bias"],
    "SeparableConv2D": ["filters", "kernel_size", "strides", "padding", "depth_multiplier", "dilation_rate", "activation", "use_bias"],
    "Conv2DTranspose": ["filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias"],
    "BatchNormalization": ["axis", "momentum", "epsilon", "center", "scale"],
    "Activation": ["activation"],
    "ReLU": ["max_value", "negative_slope", "threshold"],
    "ZeroPadding2D": ["padding"],
    "MaxPooling2D": ["pool_size", "strides", "padding"],
    "AveragePooling2D": ["pool_size", "strides", "padding"],
    "GlobalAveragePooling2D": ["keepdims"],
    "GlobalMaxPooling2D": ["keepdims"],
    "Add": [], "Subtract": [], "Multiply": [], "Average": [], "Maximum": [], "Minimum": [],
    "Concatenate": ["axis"],
    "Flatten": [],
    "Dropout": ["rate"],
    "Reshape": ["target_shape"],
    "UpSampling2D": ["size"],
}


def plain(value):
    """A config value as YAML flow text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(plain(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def config_text(layer):
    cls = type(layer).__name__
    if cls not in KEYS:
        sys.exit(f"keras_to_spec: layer {layer.name!r} is a {cls}, which this script does not convert")
    config = layer.get_config()
    defaults = type(layer)(**({"filters": 1, "kernel_size": 1} if "filters" in config else {"kernel_size": 1} if "kernel_size" in config else
                              {"units": 1} if cls == "Dense" else {"activation": "linear"} if cls == "Activation" else
                              {"rate": 0.5} if cls == "Dropout" else {"target_shape": (1,)} if cls == "Reshape" else {})).get_config()
    parts = [f"name: {layer.name}"]
    for key in KEYS[cls]:
        value = config.get(key)
        # Always written: the required ones, and a pooling's strides (whose default follows pool_size).
        always = ("filters", "kernel_size", "units", "rate", "target_shape") + (("strides",) if "Pooling" in cls else ())
        if key in always or value != defaults.get(key):
            if isinstance(value, dict):  # a serialized activation
                value = value.get("config", {}).get("name", value)
            if isinstance(value, (list, tuple)) and len(set(map(str, value))) == 1 and key in ("kernel_size", "strides", "dilation_rate", "pool_size", "size"):
                value = value[0]
            parts.append(f"{key}: {plain(value)}")
    return cls, "{" + ", ".join(parts) + "}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--name", required=True)
    parser.add_argument("--no-top", action="store_true", help="keras.applications: include_top=False")
    parser.add_argument("--input-shape", type=int, nargs="+", help="keras.applications: input_shape")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--weights-out", help="also write the weights here (Kiln's safetensors layout)")
    args = parser.parse_args()
    if args.model == "resnet50":
        kwargs = {"weights": None, "include_top": not args.no_top}
        if args.input_shape or args.no_top:  # without a top, Keras leaves the spatial size open
            kwargs["input_shape"] = tuple(args.input_shape or (224, 224, 3))
        model = keras.applications.ResNet50(**kwargs)
        source = f"keras.applications.ResNet50({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
    else:
        model = keras.saving.load_model(args.model)
        source = os.path.basename(args.model)

    lines = [f"# {source} (Keras {keras.__version__}), converted by Tests/Keras/keras_to_spec.py.",
             f"model: {args.name}"]
    input_tensor = model.inputs[0]
    input_name = input_tensor._keras_history.operation.name
    lines.append(f"input: {{shape: {plain(list(input_tensor.shape[1:]))}, name: {input_name}}}")
    lines.append("layers:")
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        cls, config = config_text(layer)
        inbound = [t._keras_history.operation.name for t in keras.tree.flatten(layer.input)]
        source_text = inbound[0] if len(inbound) == 1 else "[" + ", ".join(inbound) + "]"
        lines.append(f"  - {layer.name}: {{{cls}: {config}, from: {source_text}}}")
    lines.append(f"outputs: [{model.outputs[0]._keras_history.operation.name}]")
    loss = "categorical_crossentropy" if not args.no_top else "mse"
    lines.append(f"compile: {{optimizer: Adam, loss: {loss}}}")
    lines.append(f"fit: {{batch_size: {args.batch_size}}}")
    print("\n".join(lines))
    if args.weights_out:
        from export_weights import export
        export(model, args.weights_out, args.name)


if __name__ == "__main__":
    main()
