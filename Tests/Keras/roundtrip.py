"""The weights round trip of the Keras lane: keras.applications.ResNet50 (weights=None: nothing
downloads), with and without its top, gets seeded random weights and random BatchNormalization
moving statistics; export_weights.py writes them in Kiln's layout, and Keras's predictions on
two random images go beside them. KerasRoundTripTests (Swift) then loads the same file into the
generated ResNet50 and ResNet50Base and must predict the same to 1e-5.

    python Tests/Keras/roundtrip.py DIR
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import keras
from safetensors.numpy import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_weights import export  # noqa: E402

MODELS = {
    "ResNet50": {},
    "ResNet50Base": {"include_top": False, "input_shape": (224, 224, 3)},
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, kwargs in MODELS.items():
        keras.backend.clear_session()
        keras.utils.set_random_seed(7)
        model = keras.applications.ResNet50(weights=None, name=name, **kwargs)
        rng = np.random.default_rng(3)
        for layer in model.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                # Statistics that are not 0 and 1, so that inference really reads them; gamma and
                # beta too, so that each block stays in a moderate range.
                c = layer.moving_mean.shape[0]
                layer.moving_mean.assign(rng.normal(0, 0.1, c).astype(np.float32))
                layer.moving_variance.assign(rng.uniform(0.5, 2.0, c).astype(np.float32))
                layer.gamma.assign(rng.uniform(0.2, 0.6, c).astype(np.float32))
                layer.beta.assign(rng.normal(0, 0.1, c).astype(np.float32))
        export(model, os.path.join(out, f"{name}.safetensors"), name)
        x = rng.standard_normal((2, 224, 224, 3)).astype(np.float32)
        y = np.asarray(model(x, training=False), dtype=np.float32)
        save_file({"x": x, "y": y}, os.path.join(out, f"{name}-io.safetensors"))
        print(f"roundtrip: {name}: {model.count_params():,} params, output {y.shape}, |y| up to {np.abs(y).max():.3g}")


if __name__ == "__main__":
    main()
