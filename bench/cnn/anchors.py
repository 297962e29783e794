"""TensorFlow 2 / Keras 3 (oneDNN) on bench/cnn's workloads, one JSON line each (the same fields
as kiln-cnn-bench): the seed CNN's train step and inference at batch 32 (128x128x3), ResNet50's
inference at batch 1 and 32 and its train step at batch 16 (224x224x3, weights=None).

    python bench/cnn/anchors.py [repeats] [workload ...]

train_on_batch and predict_on_batch, each timed after one warm-up call (which traces the graph);
the median over the repeats. Peak RSS is this process's high-water mark after the workload.
"""
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import keras
import tensorflow as tf
from keras import layers

SEED_CNN_FLOPS = 2.0 * (128 * 128 * 64 * 27 + 64 * 64 * 128 * 576 + 32 * 32 * 128)
RESNET50_FLOPS = 2.0 * 3.86e9


def emit(workload, batch, times, flops):
    t = statistics.median(times)
    print(json.dumps({"framework": f"tensorflow {tf.__version__} / keras {keras.__version__}", "workload": workload, "batch": batch,
                      "seconds": t, "runs": times, "images_per_s": batch / t, "gflops": flops / t / 1e9,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)


def measure(body, repeats):
    body()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return times


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    chosen = set(sys.argv[2:])
    wanted = lambda name: not chosen or name in chosen  # noqa: E731
    rng = np.random.default_rng(2)
    if wanted("seedcnn_train") or wanted("seedcnn_predict"):
        model = keras.Sequential([keras.Input((128, 128, 3)), layers.Conv2D(64, 3, activation="relu", padding="same"),
                                  layers.MaxPooling2D(), layers.Conv2D(128, 3, activation="relu", padding="same"),
                                  layers.MaxPooling2D(), layers.Flatten(), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        x = rng.standard_normal((32, 128, 128, 3)).astype(np.float32)
        y = rng.standard_normal((32, 1)).astype(np.float32)
        if wanted("seedcnn_train"):
            emit("seedcnn_train", 32, measure(lambda: model.train_on_batch(x, y), repeats), 3 * 32 * SEED_CNN_FLOPS)
        if wanted("seedcnn_predict"):
            emit("seedcnn_predict", 32, measure(lambda: model.predict_on_batch(x), repeats), 32 * SEED_CNN_FLOPS)
    if wanted("resnet50_predict_1") or wanted("resnet50_predict_32") or wanted("resnet50_train"):
        model = keras.applications.ResNet50(weights=None)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        if wanted("resnet50_predict_1"):
            x = rng.standard_normal((1, 224, 224, 3)).astype(np.float32)
            emit("resnet50_predict_1", 1, measure(lambda: model.predict_on_batch(x), repeats), RESNET50_FLOPS)
        if wanted("resnet50_predict_32"):
            x = rng.standard_normal((32, 224, 224, 3)).astype(np.float32)
            emit("resnet50_predict_32", 32, measure(lambda: model.predict_on_batch(x), repeats), 32 * RESNET50_FLOPS)
        if wanted("resnet50_train"):
            x = rng.standard_normal((16, 224, 224, 3)).astype(np.float32)
            y = np.eye(1000, dtype=np.float32)[(np.arange(16) * 37) % 1000]
            emit("resnet50_train", 16, measure(lambda: model.train_on_batch(x, y), repeats), 3 * 16 * RESNET50_FLOPS)


if __name__ == "__main__":
    main()
