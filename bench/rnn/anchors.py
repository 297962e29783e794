"""TensorFlow 2 / Keras 3 or PyTorch (CPU) on bench/rnn's workloads, one JSON line each (the same
fields as kiln-rnn-bench): LSTM(64) and GRU(64) on 50 steps of 8 features -> Dense(1), Adam, mse;
and ConvLSTM2D(16, 3x3, same, return_sequences) -> Conv3D(1, 3x3x3, same, sigmoid) on 10 frames
of 32x32x1, Adam, mse (convlstm_train at batch 8, convlstm_predict_8).

    python bench/rnn/anchors.py [repeats] {tensorflow|pytorch} [workload ...]

One framework per process: TensorFlow and PyTorch loaded together abort (clashing OpenMP runtimes).
Both get 2 threads. Per workload: 5 warm-up calls (TF traces its graphs there), then `repeats`
timings of `steps` back-to-back calls each (RNN_BENCH_STEPS overrides: train and predict_64 50,
predict_1 200, convlstm_train 10, convlstm_predict_8 20); the median seconds per call over the repeats. Peak RSS is this process's high-water
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
Keras's ConvLSTM is keras.layers.ConvLSTM2D + Conv3D. PyTorch has no ConvLSTM layer: ConvLSTMNowcast
below is a hand-written equivalent (one Conv2d over the concatenated [x_t, h] with 4*16 outputs, the
gates i, f, g, o as Keras's LSTM, a Python loop over the 10 frames, then Conv3d + sigmoid), on
channels-first tensors (batch, frames, 1, 32, 32) in and (batch, 1, frames, 32, 32) out, as
PyTorch's convolutions want them.
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
FRAMES, HEIGHT, WIDTH, CHANNELS, FILTERS = 10, 32, 32, 1, 16
WORKLOADS = ("lstm_train", "lstm_predict_64", "lstm_predict_1", "gru_train", "gru_predict_1",
             "convlstm_train", "convlstm_predict_8")
DEFAULT_STEPS = {"lstm_train": 50, "lstm_predict_64": 50, "lstm_predict_1": 200, "gru_train": 50, "gru_predict_1": 200,
                 "convlstm_train": 10, "convlstm_predict_8": 20}


def forward_flops(gates):
    """GEMM flops per sample, 2*M*N*K, as kiln-rnn-bench: input projection, recurrent product, Dense(1)."""
    return 2.0 * (TIMESTEPS * (FEATURES * gates * UNITS + UNITS * gates * UNITS) + UNITS)


def convlstm_forward_flops():
    """GEMM flops per sample, as kiln-rnn-bench: per frame the input convolution (H*W x 9*channels x
    4*filters) and the recurrent one (H*W x 9*filters x 4*filters, the first frame's included), then
    the Conv3D (frames*H*W x 27*filters x 1)."""
    pixels = HEIGHT * WIDTH
    return 2.0 * (FRAMES * pixels * (9 * CHANNELS * 4 * FILTERS + 9 * FILTERS * 4 * FILTERS)
                  + FRAMES * pixels * 27 * FILTERS * 1)


FLOPS = {"lstm_train": 3 * 64 * forward_flops(4), "lstm_predict_64": 64 * forward_flops(4),
         "lstm_predict_1": forward_flops(4), "gru_train": 3 * 64 * forward_flops(3), "gru_predict_1": forward_flops(3),
         "convlstm_train": 3 * 8 * convlstm_forward_flops(), "convlstm_predict_8": 8 * convlstm_forward_flops()}
BATCH = {"lstm_train": 64, "lstm_predict_64": 64, "lstm_predict_1": 1, "gru_train": 64, "gru_predict_1": 1,
         "convlstm_train": 8, "convlstm_predict_8": 8}


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


def convlstm_data():
    """Batch 8 of ConvLSTM inputs and targets, channels-last (Keras's and Kiln's layout)."""
    rng = np.random.default_rng(5)
    x8 = rng.standard_normal((8, FRAMES, HEIGHT, WIDTH, CHANNELS)).astype(np.float32)
    y8 = rng.standard_normal((8, FRAMES, HEIGHT, WIDTH, 1)).astype(np.float32)
    return x8, y8


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
    if wanted("gru_predict_1"):
        model = model_of(lambda units: layers.GRU(units, reset_after=True))
        infer = tf.function(lambda x: model(x, training=False))
        emit(framework, "gru_predict_1", *measure("gru_predict_1", lambda: infer(x1).numpy(), repeats))
    if wanted("convlstm_train") or wanted("convlstm_predict_8"):
        x8, y8 = (tf.constant(a) for a in convlstm_data())

        def convlstm_model():
            model = keras.Sequential([
                keras.Input((FRAMES, HEIGHT, WIDTH, CHANNELS)),
                layers.ConvLSTM2D(FILTERS, 3, padding="same", return_sequences=True),
                layers.Conv3D(1, 3, padding="same", activation="sigmoid")])
            model.compile(optimizer="adam", loss="mse")
            return model
        if wanted("convlstm_train"):
            model = convlstm_model()
            emit(framework, "convlstm_train", *measure("convlstm_train", lambda: model.train_on_batch(x8, y8), repeats))
        if wanted("convlstm_predict_8"):
            model = convlstm_model()
            infer = tf.function(lambda x: model(x, training=False))
            emit(framework, "convlstm_predict_8", *measure("convlstm_predict_8", lambda: infer(x8).numpy(), repeats))


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

    class ConvLSTMNowcast(torch.nn.Module):
        """A hand-written equivalent of Keras's ConvLSTM2D(16, 3, padding="same", return_sequences=True)
        -> Conv3D(1, 3, padding="same", activation="sigmoid"): PyTorch has no ConvLSTM layer. One
        Conv2d over the concatenated [x_t, h] (its one bias is the input convolution's; Keras's
        recurrent convolution has none), the gates i, f, g, o as Keras's LSTM (sigmoid, tanh), the
        first frame's h and c zero. Channels first: x (batch, frames, 1, H, W), out (batch, 1, frames, H, W)."""

        def __init__(self):
            super().__init__()
            self.gates = torch.nn.Conv2d(CHANNELS + FILTERS, 4 * FILTERS, 3, padding=1)
            self.head = torch.nn.Conv3d(FILTERS, 1, 3, padding=1)

        def forward(self, x):
            h = x.new_zeros(x.shape[0], FILTERS, HEIGHT, WIDTH)
            c = torch.zeros_like(h)
            hs = []
            for t in range(FRAMES):
                i, f, g, o = self.gates(torch.cat([x[:, t], h], dim=1)).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                hs.append(h)
            return torch.sigmoid(self.head(torch.stack(hs, dim=2)))  # (batch, filters, frames, H, W) -> Conv3d

    def train_step_of(model, x=x64, y=y64):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)  # Keras's defaults
        loss_fn = torch.nn.MSELoss()

        def step():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
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
    if wanted("gru_predict_1"):
        model = Regressor(torch.nn.GRU).eval()
        emit(framework, "gru_predict_1", *measure("gru_predict_1", infer_of(model, x1), repeats))
    if wanted("convlstm_train") or wanted("convlstm_predict_8"):
        x8, y8 = convlstm_data()
        x8 = torch.from_numpy(np.ascontiguousarray(x8.transpose(0, 1, 4, 2, 3)))  # (batch, frames, 1, H, W)
        y8 = torch.from_numpy(np.ascontiguousarray(y8.transpose(0, 4, 1, 2, 3)))  # (batch, 1, frames, H, W)
        if wanted("convlstm_train"):
            emit(framework, "convlstm_train", *measure("convlstm_train", train_step_of(ConvLSTMNowcast(), x8, y8), repeats))
        if wanted("convlstm_predict_8"):
            emit(framework, "convlstm_predict_8", *measure("convlstm_predict_8", infer_of(ConvLSTMNowcast().eval(), x8), repeats))


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
