"""Keras reference fixtures for Kiln's numeric tests (KerasReferenceTests.swift, SummaryTests).

Run by hand when the reference models change; CI only reads the committed outputs:

    python3 -m venv /tmp/venv-keras && /tmp/venv-keras/bin/pip install tensorflow-cpu keras safetensors numpy
    /tmp/venv-keras/bin/python Tests/KilnNumericTests/Fixtures/make_keras_reference.py [Name ...]

For each model (the same network as specs/<Name>.model.yaml) it writes <Name>.safetensors here:
initial weights under Keras's weight paths (dense/kernel, ...), x, y, the initial output and loss,
the gradients of the first batch's loss (grad/<path>), the 20 losses that train_on_batch returns
while cycling over the batches in order, and the final weights (final/<path>). It also writes
Tests/KilnCompilerTests/Fixtures/keras_summaries/<Name>.txt: model.summary() as printed.
"""
import io
import json
import os
import sys
from contextlib import redirect_stdout

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import keras
import tensorflow as tf
from keras import layers, optimizers, regularizers, losses
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
SUMMARIES = os.path.join(HERE, "..", "..", "KilnCompilerTests", "Fixtures", "keras_summaries")


def seed_regressor():
    return [keras.Input((128,)), layers.Dense(10, activation="tanh"), layers.Dense(1, activation="linear")]


def ref_sgd_classifier():
    return [keras.Input((16,)), layers.Dense(12, activation="relu", kernel_regularizer=regularizers.L2(0.01)),
            layers.Dense(8, activation="elu"), layers.Dense(3, activation="softmax")]


def ref_rmsprop_binary():
    return [keras.Input((10,)), layers.Dense(8, activation="tanh", trainable=False),
            layers.Dense(6, activation="gelu"), layers.Dense(1, activation="sigmoid")]


def ref_sparse_logits():
    return [keras.Input((2, 3)), layers.Flatten(), layers.Dense(5, activation="selu"), layers.LeakyReLU(),
            layers.Dense(4, activation="softplus"), layers.Dense(3, activation="linear")]


def ref_activations():
    return [keras.Input((6,)), layers.Dense(6, activation="sigmoid"), layers.Activation("relu"),
            layers.Dense(5, activation="leaky_relu"), layers.Dense(4, activation="tanh"), layers.Dense(2, activation="linear")]


def digits_classifier():
    return [keras.Input((64,)), layers.Dense(64, activation="relu", kernel_initializer="he_normal"), layers.Dropout(0.2),
            layers.Dense(10, activation="softmax")]


def iris_classifier():
    return [keras.Input((4,)), layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax")]


def frozen_stack():
    return [keras.Input((4, 4)), layers.Flatten(), layers.Dense(16, activation="relu", trainable=False),
            layers.Dense(8, activation="relu", use_bias=False), layers.Activation("softmax")]


def ref_normalization():
    return [keras.Input((5,)), layers.Normalization(), layers.Dense(6, activation="relu"),
            layers.Normalization(mean=0.5, variance=2.0), layers.Dense(4, activation="tanh"),
            layers.Normalization(axis=None), layers.Dense(2)]


def ref_layer_kinds():
    return [keras.Input((6,)), layers.Dense(12), layers.Reshape((3, -1)),
            layers.PReLU(shared_axes=[1], alpha_initializer=keras.initializers.Constant(0.25)), layers.Permute((2, 1)),
            layers.ELU(alpha=0.5), layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2), layers.Flatten(),
            layers.RepeatVector(2), layers.Dense(3), layers.Softmax()]


def ref_prelu_first():
    return [keras.Input((2, 3, 2)), layers.PReLU(), layers.Permute((3, 1, 2)), layers.ELU(), layers.Reshape((12,)),
            layers.Dense(4), layers.ReLU(), layers.Dense(2)]


def ref_conv2d():
    return [keras.Input((9, 8, 4)), layers.Conv2D(6, (4, 3), strides=(2, 1), padding="same", activation="tanh"),
            layers.Conv2D(6, 3, dilation_rate=2, padding="same", groups=2, activation="elu"),
            layers.MaxPooling2D((2, 3), strides=1, padding="same"), layers.AveragePooling2D(2, padding="same"),
            layers.Conv2D(5, 1, use_bias=False, activation="sigmoid"), layers.GlobalAveragePooling2D(),
            layers.Dense(3, activation="softmax")]


def ref_conv1d3d():
    return [keras.Input((12, 3)), layers.Conv1D(4, 3, padding="causal", activation="tanh"), layers.MaxPooling1D(2),
            layers.AveragePooling1D(3, strides=1, padding="same"), layers.Reshape((2, 3, 4, 1)),
            layers.Conv3D(3, (2, 3, 2), strides=(1, 2, 1), padding="same", activation="softplus"),
            layers.MaxPooling3D((1, 2, 2), padding="same"), layers.GlobalMaxPooling3D(), layers.Dense(1, activation="sigmoid")]


def ref_batch_norm():
    return [keras.Input((6, 5, 3)), layers.Conv2D(4, 3, padding="same", use_bias=False), layers.BatchNormalization(),
            layers.Activation("tanh"),
            layers.MaxPooling2D(), layers.BatchNormalization(center=False, momentum=0.9, epsilon=0.01), layers.Flatten(),
            layers.Dense(6, activation="elu"),
            layers.BatchNormalization(trainable=False, moving_mean_initializer=keras.initializers.Constant(0.5),
                                      moving_variance_initializer=keras.initializers.Constant(2.0)),
            layers.Dense(2, activation="softmax")]


def ref_merge():
    x = keras.Input((4, 3, 2), name="x")
    a = layers.Conv2D(3, 3, padding="same", activation="tanh")(x)
    b = layers.Conv2D(3, 1, activation="sigmoid")(x)
    s = layers.Add()([a, b])
    m = layers.Multiply()([s, b])
    d = layers.Subtract()([m, a])
    av = layers.Average()([a, b, d])
    mx = layers.Maximum()([av, s])
    mn = layers.Minimum()([mx, d])
    c = layers.Concatenate()([mn, a, x])
    rows = layers.Concatenate(axis=1)([c, c])
    out = layers.Dense(3, activation="softmax")(layers.GlobalAveragePooling2D()(rows))
    return keras.Model(x, out, name="RefMerge")


def seed_functional():
    inp = keras.Input(shape=(28, 28, 1), name="inp")
    c1 = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(inp)
    c1 = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(c1)
    inter = layers.MaxPooling2D((2, 2))(c1)
    c2 = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(inter)
    c2 = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(c2)  # noqa: F841 (the seed's unused branch)
    inter = layers.MaxPooling2D((2, 2))(inter)
    inter = layers.Dropout(0.2)(inter)
    out = layers.Dense(10, activation="softmax")(layers.Flatten()(inter))
    return keras.Model(inp, out, name="SeedFunctional")


def ref_reshaping():
    return [keras.Input((5, 4, 2)), layers.ZeroPadding2D(((1, 0), (2, 1))), layers.Conv2D(3, 3, activation="tanh"),
            layers.Cropping2D(((1, 0), (0, 1))), layers.UpSampling2D((2, 1)), layers.Flatten(), layers.Dense(2, activation="softmax")]


def unet_small():
    image = keras.Input((32, 32, 1), name="image")
    skips, x = [], image
    for filters in (8, 16, 32, 64):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        skips.append(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(128, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(128, 3, padding="same", activation="relu")(x)
    for filters, skip in zip((64, 32, 16, 8), reversed(skips)):
        x = layers.Concatenate()([layers.UpSampling2D()(x), skip])
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return keras.Model(image, layers.Conv2D(1, 1, activation="sigmoid")(x), name="UNetSmall")


def ref_conv_transpose():
    return [keras.Input((3, 4, 2)), layers.Conv2DTranspose(3, 3, strides=2, padding="same", activation="tanh"),
            layers.Conv2DTranspose(2, (2, 3), strides=(1, 2)), layers.Reshape((-1, 2)),
            layers.Conv1DTranspose(2, 3, dilation_rate=2, activation="sigmoid"), layers.GlobalAveragePooling1D(),
            layers.Dense(2, activation="softmax")]


def ref_depthwise_separable():
    return [keras.Input((8, 8, 3)), layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu"),
            layers.SeparableConv2D(4, (2, 3), strides=2, depth_multiplier=2, activation="tanh"),
            layers.DepthwiseConv2D(2, padding="same", use_bias=False), layers.Reshape((-1, 4)),
            layers.DepthwiseConv1D(3, depth_multiplier=3),
            layers.SeparableConv1D(5, 3, padding="same", dilation_rate=2, activation="elu"), layers.GlobalAveragePooling1D(),
            layers.Dense(3, activation="softmax")]


def digits_functional():
    x = keras.Input((64,), name="pixels")
    image = layers.Reshape((8, 8, 1))(x)
    c1 = layers.Conv2D(32, 3, padding="same", activation="relu")(image)
    c2 = layers.Conv2D(32, 3, padding="same")(c1)
    shortcut = layers.Conv2D(32, 1)(image)
    block = layers.Activation("relu")(layers.Add()([c2, shortcut]))
    c3 = layers.Conv2D(64, 3, padding="same", activation="relu")(layers.MaxPooling2D()(block))
    out = layers.Dense(10, activation="softmax")(layers.GlobalAveragePooling2D()(c3))
    return keras.Model(x, out, name="DigitsFunctional")


def resnet50_transfer(size):
    # The lecture's Sequential([ResNet50(include_top=False), ...]) with layers[0].trainable = False.
    base = keras.applications.ResNet50(weights=None, include_top=False, input_shape=(size, size, 3))
    base.trainable = False
    return [keras.Input((size, size, 3)), base, layers.GlobalAveragePooling2D(), layers.Dense(2, activation="softmax")]


def ref_spatial_dropout():
    return [keras.Input((6, 3)), layers.Conv1D(4, 3, activation="tanh"), layers.SpatialDropout1D(0.5), layers.Reshape((2, 2, 4)),
            layers.SpatialDropout2D(0.3), layers.Flatten(), layers.Dense(2, activation="softmax")]


def ref_seed_cnn32():
    return [keras.Input((32, 32, 3)), layers.Conv2D(64, (3, 3), activation="relu", padding="same"), layers.MaxPooling2D((2, 2)),
            layers.Conv2D(128, (3, 3), activation="relu", padding="same"), layers.MaxPooling2D((2, 2)), layers.Flatten(),
            layers.Dense(1, activation="linear")]


def ref_branch_order():
    inp = keras.Input(shape=(6,), name="inp")
    a1 = layers.Dense(4, activation="relu", name="a1")(inp)
    b1 = layers.Dense(4, activation="tanh", name="b1")(inp)
    a2 = layers.Dense(4, name="a2")(a1)
    joined = layers.Add(name="joined")([a2, b1])
    out = layers.Dense(2, activation="softmax", name="out")(joined)
    return keras.Model(inp, out, name="RefBranchOrder")


def two_towers():
    features, extra = keras.Input(shape=(8,), name="features"), keras.Input(shape=(4,), name="extra")
    f1 = layers.Dense(16, activation="relu")(features)
    f2 = layers.Dense(8, activation="tanh")(f1)
    joined = layers.Concatenate()([f2, extra])
    score = layers.Dense(1, name="score")(joined)
    label = layers.Dense(3, activation="softmax", name="label")(f2)
    return keras.Model([features, extra], [score, label], name="TwoTowers")


# name: (layers, optimizer, loss, metrics, batch, samples, target kind); trained ones first.
MODELS = {
    "SeedRegressor": (seed_regressor, lambda: optimizers.Adam(), "mse", ["mae"], 32, 64, "regression"),
    "RefSGDClassifier": (ref_sgd_classifier, lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
                         "categorical_crossentropy", ["accuracy"], 16, 32, "onehot"),
    "RefRMSpropBinary": (ref_rmsprop_binary, lambda: optimizers.RMSprop(learning_rate=0.01), "binary_crossentropy",
                         ["accuracy"], 16, 32, "binary"),
    "RefSparseLogits": (ref_sparse_logits, lambda: optimizers.Adam(learning_rate=0.01),
                        losses.SparseCategoricalCrossentropy(from_logits=True), ["accuracy"], 8, 16, "sparse"),
    "RefActivations": (ref_activations, lambda: optimizers.SGD(), "mae", ["mse"], 8, 16, "regression"),
    "RefLayerKinds": (ref_layer_kinds, lambda: optimizers.Adam(), "categorical_crossentropy",
                      ["categorical_accuracy"], 8, 16, "onehot"),
    "RefPReLUFirst": (ref_prelu_first, lambda: optimizers.SGD(), "mse", ["mae"], 8, 16, "regression"),
    "RefNormalization": (ref_normalization, lambda: optimizers.Adam(learning_rate=0.01), "mse", ["mae"], 8, 32, "regression"),
    "DigitsClassifier": (digits_classifier, lambda: optimizers.Adam(learning_rate=0.002), "sparse_categorical_crossentropy",
                         ["accuracy"], 32, None, None),
    "IrisClassifier": (iris_classifier, lambda: optimizers.Adam(learning_rate=0.01), "sparse_categorical_crossentropy",
                       ["accuracy"], 16, None, None),
    "FrozenStack": (frozen_stack, lambda: optimizers.Adam(), "categorical_crossentropy", ["accuracy"], 16, None, None),
    "RefConv2D": (ref_conv2d, lambda: optimizers.Adam(), "categorical_crossentropy", ["accuracy"], 8, 16, "onehot"),
    "RefBatchNorm": (ref_batch_norm, lambda: optimizers.Adam(), "categorical_crossentropy", ["accuracy"], 8, 16, "onehot"),
    "RefMerge": (ref_merge, lambda: optimizers.Adam(), "categorical_crossentropy", [], 4, 12, "onehot"),
    "SeedFunctional": (seed_functional, lambda: optimizers.Adam(), "sparse_categorical_crossentropy", ["accuracy"], 32, None, None),
    "RefReshaping": (ref_reshaping, lambda: optimizers.Adam(), "categorical_crossentropy", [], 4, 12, "onehot"),
    "UNetSmall": (unet_small, lambda: optimizers.Adam(), "binary_crossentropy", ["accuracy"], 16, None, None),
    "RefConvTranspose": (ref_conv_transpose, lambda: optimizers.Adam(), "categorical_crossentropy", [], 4, 12, "onehot"),
    "RefDepthwiseSeparable": (ref_depthwise_separable, lambda: optimizers.Adam(), "categorical_crossentropy", [], 4, 12, "onehot"),
    # Random masks: the lane trains it with dropout off; here only its summary.
    "RefSpatialDropout": (ref_spatial_dropout, lambda: optimizers.Adam(), "categorical_crossentropy", [], 4, None, None),
    "RefConv1D3D": (ref_conv1d3d, lambda: optimizers.RMSprop(), "binary_crossentropy", [], 4, 12, "binary"),
    # keras.applications' own ResNet50, with and without its top (specs/ from Tests/Keras/keras_to_spec.py):
    # summaries and parameter counts only.
    "ResNet50": (lambda: keras.applications.ResNet50(weights=None, name="ResNet50"), lambda: optimizers.Adam(),
                 "categorical_crossentropy", [], 8, None, None),
    "ResNet50Base": (lambda: keras.applications.ResNet50(weights=None, include_top=False, input_shape=(224, 224, 3), name="ResNet50Base"),
                     lambda: optimizers.Adam(), "mse", [], 8, None, None),
    "DigitsFunctional": (digits_functional, lambda: optimizers.Adam(), "sparse_categorical_crossentropy", ["accuracy"], 32, None, None),
    "ResNet50Transfer": (lambda: resnet50_transfer(224), lambda: optimizers.Adam(), "categorical_crossentropy", ["accuracy"], 8, None, None),
    "RefTransfer32": (lambda: resnet50_transfer(32), lambda: optimizers.Adam(), "categorical_crossentropy", ["accuracy"], 8, None, None),
    # The Keras lane trains it against live Keras; a fixture here would be megabytes.
    "TwoTowers": (two_towers, lambda: optimizers.Adam(), ["mse", "sparse_categorical_crossentropy"], [["mae"], ["accuracy"]], 16, None, None),
    "RefBranchOrder": (ref_branch_order, lambda: optimizers.Adam(), "categorical_crossentropy", ["accuracy"], 8, None, None),
    "RefSeedCNN32": (ref_seed_cnn32, lambda: optimizers.Adam(), "mse", [], 32, None, None),
}


def targets(kind, rng, n, shape):
    # shape: the output's, without the batch axis; one-hot rows along its last axis
    out = shape[-1]
    if kind == "regression":
        return rng.standard_normal((n,) + shape).astype(np.float32)
    if kind == "onehot":
        return np.eye(out, dtype=np.float32)[rng.integers(0, out, (n,) + shape[:-1])]
    if kind == "binary":
        return rng.integers(0, 2, (n,) + shape).astype(np.float32)
    return rng.integers(0, out, (n,)).astype(np.float32)


def build(name):
    make, optimizer, loss, metrics, batch, samples, kind = MODELS[name]
    keras.backend.clear_session()  # layer names start again at dense, dense_1, ...
    keras.utils.set_random_seed(1234)
    made = make()  # a list of layers (Sequential) or a functional keras.Model
    model = made if isinstance(made, keras.Model) else keras.Sequential(made, name=name)
    model.compile(optimizer=optimizer(), loss=loss, metrics=metrics)
    return model, loss, batch, samples, kind


def weight_paths(model):
    return [(f"{layer.name}/{w.name}", w) for layer in model.layers for w in layer.weights]


def write_summary(name, model):
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        model.summary()
    os.makedirs(SUMMARIES, exist_ok=True)
    with open(os.path.join(SUMMARIES, f"{name}.txt"), "w") as f:
        f.write(buffer.getvalue())
    return {
        "layers": [[l.name, type(l).__name__, list(l.output.shape[1:]), int(l.count_params())] for l in model.layers],
        "total": int(model.count_params()),
        "trainable": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in model.non_trainable_weights)),
    }


def reference_run(name, model, loss, batch, samples, kind):
    rng = np.random.default_rng(7)
    in_shape = tuple(model.input_shape[1:])
    out_shape = tuple(model.output_shape[1:])
    x = rng.standard_normal((samples,) + in_shape).astype(np.float32)
    y = targets(kind, rng, samples, out_shape)
    adapted = [i for i, l in enumerate(model.layers) if isinstance(l, layers.Normalization) and l.input_mean is None]
    if adapted:
        # Features on different scales, as Normalization is for; each layer adapted in order to
        # what reaches it (Kiln's model.adapt(x) does the same).
        x = (x * np.geomspace(0.1, 100, in_shape[-1]) + np.linspace(-50, 50, in_shape[-1])).astype(np.float32)
        for i in adapted:
            inter = x
            for layer in model.layers[:i]:
                inter = layer(inter)
            model.layers[i].adapt(np.asarray(inter))
    tensors = {"x": x, "y": y}
    for path, w in weight_paths(model):
        tensors[path] = np.asarray(w.numpy(), dtype=np.float32)
    tensors["initial_output"] = np.asarray(model(x, training=False), dtype=np.float32)

    def batch_loss(xs, ys):  # Keras's own reduction, plus regularization, as its train step
        # A training forward moves BatchNormalization's statistics: put them back, so that only
        # the train steps move them, as in Kiln.
        saved = [w.numpy() for w in model.non_trainable_weights]
        value = model.compute_loss(x=xs, y=ys, y_pred=model(xs, training=True), training=True)
        for w, v in zip(model.non_trainable_weights, saved):
            w.assign(v)
        return value

    xb, yb = x[:batch], y[:batch]
    with tf.GradientTape() as tape:
        value = batch_loss(xb, yb)
    grads = tape.gradient(value, model.trainable_weights)
    tensors["initial_loss"] = np.array([float(value)], dtype=np.float32)
    trainable = {id(w) for w in model.trainable_weights}
    by_id = {id(w): g for w, g in zip(model.trainable_weights, grads)}
    for path, w in weight_paths(model):
        if id(w) in trainable:
            tensors[f"grad/{path}"] = np.asarray(by_id[id(w)], dtype=np.float32)

    # Each step's loss is computed here, before the step, from the same batch: what the
    # train step itself reports, without depending on how the loss tracker accumulates.
    step_losses = []
    batches = samples // batch
    for step in range(20):
        b = step % batches
        xs, ys = x[b * batch:(b + 1) * batch], y[b * batch:(b + 1) * batch]
        step_losses.append(float(batch_loss(xs, ys)))
        model.train_on_batch(xs, ys)
    tensors["losses"] = np.array(step_losses, dtype=np.float32)
    for path, w in weight_paths(model):
        tensors[f"final/{path}"] = np.asarray(w.numpy(), dtype=np.float32)
    save_file(tensors, os.path.join(HERE, f"{name}.safetensors"),
              metadata={"keras": keras.__version__, "tensorflow": tf.__version__, "script": "make_keras_reference.py"})
    return float(value), step_losses[-1]


def write_wrapping_summary():
    """Long names and shapes: rich wraps a cell's words onto more lines and cuts a word longer
    than the cell with an ellipsis (KerasSummaryTests.testLongCellsWrapAsKerasDoes)."""
    keras.backend.clear_session()
    model = keras.Sequential([
        keras.Input((4,)), layers.Dense(2, name="a_very_long_layer_name_that_exceeds_the_column"), layers.Dense(2, name="short"),
        layers.Dense(2, name="abcdefghijklmnopqrstuvwxyz12"), layers.Dense(3, name="x y z w"),
        layers.Reshape((3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)),
        layers.Dense(2, name="abcdefghijklmnopqrstuvwxyz1234567890abcdefghijklmnopqrstuvwxyz1234567890")], name="Wrapping")
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        model.summary()
    with open(os.path.join(SUMMARIES, "..", "keras_summary_wrapping.txt"), "w") as f:
        f.write(buffer.getvalue())


def main():
    # With names, only those models are made again (the other fixtures are left as they are).
    only = sys.argv[1:]
    params = {}
    if only:
        with open(os.path.join(SUMMARIES, "params.json")) as f:
            params = json.load(f)
    for name in only or MODELS:
        model, loss, batch, samples, kind = build(name)
        params[name] = write_summary(name, model)
        if samples:
            first, last = reference_run(name, model, loss, batch, samples, kind)
            print(f"{name}: initial loss {first:.6f}, loss at step 20 {last:.6f}")
    with open(os.path.join(SUMMARIES, "params.json"), "w") as f:
        json.dump(params, f, indent=1, sort_keys=True)
    write_wrapping_summary()
    print(f"keras {keras.__version__}, tensorflow {tf.__version__}")


if __name__ == "__main__":
    sys.exit(main())
