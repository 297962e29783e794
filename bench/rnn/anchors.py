"""TensorFlow 2 / Keras 3 or PyTorch (CPU) on bench/rnn's workloads, one JSON line each (the same
fields as kiln-rnn-bench): LSTM(64) and GRU(64) on 50 steps of 8 features -> Dense(1), Adam, mse.

    python bench/rnn/anchors.py [repeats] {tensorflow|pytorch} [workload ...]

One framework per process: TensorFlow and PyTorch loaded together abort (clashing OpenMP runtimes).
Both get 2 threads. Per workload: 5 warm-up calls (TF traces its graphs there), then `repeats`
timings of `steps` back-to-back calls each (RNN_BENCH_STEPS overrides: train and predict_64 50,
predict_1 200); the median seconds per call over the repeats. Peak RSS is this process's high-water
mark after the workload.

Keras: `model.train_on_batch(x, y)` (the compiled train function, as fit runs it; jit_compile left
at Keras's "auto", which is off on a CPU-only machine) and, for inference, a `tf.function` around
`model(x, training=False)`, the way a served model runs, with the result copied out (.numpy()): on
this machine it was the fastest of the three tried (predict_on_batch on numpy or tf inputs: about 5%
slower at batch 1 and 20% slower at batch 64). The inputs are tf tensors made once, outside the
timing (train_on_batch took the same time on numpy inputs).
PyTorch: a plain step (zero_grad, forward, MSELoss, backward, Adam.step, loss.item()) and inference
under torch.inference_mode(), eager, with torch.nn.LSTM / torch.nn.GRU(batch_first=True) + Linear on
the last step's h. PyTorch's GRU is the reset_after form, as Keras 3's default GRU and Kiln's.
"""
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np

THREADS = 2
TIMESTEPS, FEATURES, UNITS = 50, 8, 64
WORKLOADS = ("lstm_train", "lstm_predict_64", "lstm_predict_1", "gru_train")
DEFAULT_STEPS = {"lstm_train": 50, "lstm_predict_64": 50, "lstm_predict_1": 200, "gru_train": 50}


def forward_flops(gates):
    """GEMM flops per sample, 2*M*N*K, as kiln-rnn-bench: input projection, recurrent product, Dense(1)."""
    return 2.0 * (TIMESTEPS * (FEATURES * gates * UNITS + UNITS * gates * UNITS) + UNITS)


FLOPS = {"lstm_train": 3 * 64 * forward_flops(4), "lstm_predict_64": 64 * forward_flops(4),
         "lstm_predict_1": forward_flops(4), "gru_train": 3 * 64 * forward_flops(3)}
BATCH = {"lstm_train": 64, "lstm_predict_64": 64, "lstm_predict_1": 1, "gru_train": 64}


def measure(workload, body, repeats):
    steps = max(int(os.environ.get("RNN_BENCH_STEPS", DEFAULT_STEPS[workload])), 1)
    for _ in range(5):
        body()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            body()
        times.append((time.perf_counter() - start) / steps)
    return steps, times


def emit(framework, workload, steps, times):
    t = statistics.median(times)
    batch = BATCH[workload]
    print(json.dumps({"framework": framework, "workload": workload, "batch": batch, "seconds": t, "runs": times,
                      "steps": steps, "samples_per_s": batch / t, "gflops": FLOPS[workload] / t / 1e9,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "threads": THREADS}),
          flush=True)


def data():
    rng = np.random.default_rng(2)
    x64 = rng.standard_normal((64, TIMESTEPS, FEATURES)).astype(np.float32)
    y64 = rng.standard_normal((64, 1)).astype(np.float32)
    x1 = rng.standard_normal((1, TIMESTEPS, FEATURES)).astype(np.float32)
    return x64, y64, x1


def tensorflow_bench(repeats, wanted):
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(THREADS)
    import keras
    from keras import layers
    framework = f"tensorflow {tf.__version__} / keras {keras.__version__}"
    keras.utils.set_random_seed(1)
    x64, y64, x1 = (tf.constant(a) for a in data())

    def model_of(cell):
        model = keras.Sequential([keras.Input((TIMESTEPS, FEATURES)), cell(UNITS), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        return model

    if wanted("lstm_train"):
        model = model_of(layers.LSTM)
        emit(framework, "lstm_train", *measure("lstm_train", lambda: model.train_on_batch(x64, y64), repeats))
    if wanted("lstm_predict_64") or wanted("lstm_predict_1"):
        model = model_of(layers.LSTM)
        infer = tf.function(lambda x: model(x, training=False))
        if wanted("lstm_predict_64"):
            emit(framework, "lstm_predict_64", *measure("lstm_predict_64", lambda: infer(x64).numpy(), repeats))
        if wanted("lstm_predict_1"):
            emit(framework, "lstm_predict_1", *measure("lstm_predict_1", lambda: infer(x1).numpy(), repeats))
    if wanted("gru_train"):
        model = model_of(lambda units: layers.GRU(units, reset_after=True))
        emit(framework, "gru_train", *measure("gru_train", lambda: model.train_on_batch(x64, y64), repeats))


def pytorch_bench(repeats, wanted):
    import torch
    torch.set_num_threads(THREADS)
    torch.manual_seed(1)
    framework = f"pytorch {torch.__version__}"
    x64, y64, x1 = (torch.from_numpy(a) for a in data())

    class Regressor(torch.nn.Module):
        def __init__(self, cell):
            super().__init__()
            self.rnn = cell(FEATURES, UNITS, batch_first=True)
            self.dense = torch.nn.Linear(UNITS, 1)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.dense(out[:, -1])

    def train_step_of(model):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)  # Keras's defaults
        loss_fn = torch.nn.MSELoss()

        def step():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x64), y64)
            loss.backward()
            optimizer.step()
            return loss.item()
        return step

    def infer_of(model, x):
        def infer():
            with torch.inference_mode():
                return model(x)
        return infer

    if wanted("lstm_train"):
        emit(framework, "lstm_train", *measure("lstm_train", train_step_of(Regressor(torch.nn.LSTM)), repeats))
    if wanted("lstm_predict_64") or wanted("lstm_predict_1"):
        model = Regressor(torch.nn.LSTM).eval()
        if wanted("lstm_predict_64"):
            emit(framework, "lstm_predict_64", *measure("lstm_predict_64", infer_of(model, x64), repeats))
        if wanted("lstm_predict_1"):
            emit(framework, "lstm_predict_1", *measure("lstm_predict_1", infer_of(model, x1), repeats))
    if wanted("gru_train"):
        emit(framework, "gru_train", *measure("gru_train", train_step_of(Regressor(torch.nn.GRU)), repeats))


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    which = sys.argv[2] if len(sys.argv) > 2 else ""
    chosen = set(sys.argv[3:])
    unknown = chosen - set(WORKLOADS)
    if which not in ("tensorflow", "pytorch") or unknown:
        sys.exit(f"usage: anchors.py [repeats] {{tensorflow|pytorch}} [{' | '.join(WORKLOADS)} ...]"
                 + (f"; unknown workload {sorted(unknown)}" if unknown else ""))
    wanted = lambda name: not chosen or name in chosen  # noqa: E731
    (tensorflow_bench if which == "tensorflow" else pytorch_bench)(repeats, wanted)


if __name__ == "__main__":
    main()
