"""Exports a Keras model's weights to Kiln's safetensors layout: one float32 tensor per weight,
named `<layer name>/<weight name>` (conv1_conv/kernel, conv1_bn/moving_mean, ...) in Keras's own
shapes, which is what a generated model's `loadWeights(from:)` reads.

    python Tests/Keras/export_weights.py resnet50 resnet50.safetensors            # weights=None
    python Tests/Keras/export_weights.py resnet50 --imagenet resnet50.safetensors # downloads them
    python Tests/Keras/export_weights.py --no-top resnet50 resnet50_notop.safetensors
    python Tests/Keras/export_weights.py model.keras model.safetensors

Nested models (a Functional base inside a Sequential) are flattened: their layers' weights keep
their own layer names, as Kiln's spec of the same network names them.
"""
import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import keras


def leaf_layers(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from leaf_layers(layer)
        else:
            yield layer


def export(model, path, name):
    from safetensors.numpy import save_file
    tensors = {}
    for layer in leaf_layers(model):
        # A Bidirectional's two copies (bidirectional/forward_lstm/kernel) and a TimeDistributed's
        # layer (time_distributed/dense/kernel), as Kiln names them.
        if hasattr(layer, "forward_layer"):
            copies = [layer.forward_layer, layer.backward_layer]
        else:
            copies = [layer.layer] if hasattr(layer, "layer") else [None]
        for copy, weight in ((copy, w) for copy in copies for w in (copy or layer).weights):
            key = f"{layer.name}/{copy.name}/{weight.name}" if copy else f"{layer.name}/{weight.name}"
            if key in tensors:
                raise SystemExit(f"export_weights: two weights are named {key!r}")
            tensors[key] = np.ascontiguousarray(np.asarray(weight.numpy(), dtype=np.float32))
    save_file(tensors, path, metadata={"model": name, "keras": keras.__version__})
    return tensors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", help="resnet50, or a saved .keras file")
    parser.add_argument("out")
    parser.add_argument("--no-top", action="store_true")
    parser.add_argument("--imagenet", action="store_true", help="keras.applications: weights='imagenet' (downloads)")
    parser.add_argument("--input-shape", type=int, nargs="+")
    args = parser.parse_args()
    if args.model == "resnet50":
        kwargs = {"weights": "imagenet" if args.imagenet else None, "include_top": not args.no_top}
        if args.input_shape:
            kwargs["input_shape"] = tuple(args.input_shape)
        model = keras.applications.ResNet50(**kwargs)
    else:
        model = keras.saving.load_model(args.model)
    tensors = export(model, args.out, model.name)
    print(f"{args.out}: {len(tensors)} tensors, {sum(t.size for t in tensors.values()):,} floats")


if __name__ == "__main__":
    main()
