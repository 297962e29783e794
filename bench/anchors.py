"""Anchors for bench/run.sh: the seed MLP trained in Keras (TF backend) and PyTorch on the same
workload as kiln-bench, plus the machine's measured sgemm peak (numpy/OpenBLAS).

Workload: 65,536 samples, x ~ N(0,1) with 128 features, y = tanh(x.w) + noise; Input(128) ->
Dense(10, tanh) -> Dense(1); Adam (Keras defaults), mse; one warm-up epoch, then the median
samples/s of the timed epochs. Prints one JSON line per measurement.
"""
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

SAMPLES = 65_536
FLOPS_PER_SAMPLE = 3 * 2 * (128 * 10 + 10 * 1)  # as kiln-bench: forward multiply-adds x2, backward 2x forward


def data():
    rng = np.random.default_rng(2026)
    w = rng.standard_normal(128).astype(np.float32) / np.sqrt(128)
    x = rng.standard_normal((SAMPLES, 128)).astype(np.float32)
    y = (np.tanh(x @ w) + 0.05 * rng.standard_normal(SAMPLES)).astype(np.float32)[:, None]
    return x, y


def report(framework, batch, rates, **extra):
    rate = statistics.median(rates)
    print(json.dumps({"framework": framework, "workload": "seed_mlp_train", "batch": batch,
                      "samples_per_s": int(rate), "gflops": round(rate * FLOPS_PER_SAMPLE / 1e9, 2),
                      "epochs_timed": len(rates), "min": int(min(rates)), "max": int(max(rates)), **extra}), flush=True)


def keras_bench(x, y, batch, epochs):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from keras import layers
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((128,)), layers.Dense(10, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=1, batch_size=batch, verbose=0)  # warm-up (traces the train step)
    rates = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=batch, verbose=0)
        rates.append(SAMPLES / (time.perf_counter() - start))
    import tensorflow as tf
    report("keras", batch, rates, version=f"keras {keras.__version__} / tensorflow {tf.__version__}")


def torch_bench(x, y, batch, epochs):
    import torch
    torch.set_num_threads(2)
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(128, 10), torch.nn.Tanh(), torch.nn.Linear(10, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.MSELoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def epoch():
        order = torch.randperm(SAMPLES)
        for start in range(0, SAMPLES, batch):
            index = order[start:start + batch]
            optimizer.zero_grad(set_to_none=True)
            pred = model(xt[index])
            loss = loss_fn(pred, yt[index])
            loss.backward()
            optimizer.step()
            _ = torch.mean(torch.abs(pred.detach() - yt[index]))  # mae, as the others track it

    epoch()  # warm-up
    rates = []
    for _ in range(epochs):
        start = time.perf_counter()
        epoch()
        rates.append(SAMPLES / (time.perf_counter() - start))
    report("pytorch", batch, rates, version=f"torch {torch.__version__}")


def sgemm_peak():
    """numpy float32 matmul 2048^3, median of 5, with OPENBLAS_CORETYPE/L2_SIZE unset (they slow OpenBLAS here)."""
    code = (
        "import numpy as np, time, statistics, json\n"
        "n = 2048\n"
        "a = np.random.rand(n, n).astype(np.float32); b = np.random.rand(n, n).astype(np.float32)\n"
        "a @ b\n"
        "ts = []\n"
        "for _ in range(5):\n"
        "    t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)\n"
        "info = ''\n"
        "try:\n"
        "    from threadpoolctl import threadpool_info\n"
        "    info = ';'.join(f\"{p.get('internal_api')} {p.get('version')} {p.get('architecture')} threads={p.get('num_threads')}\" for p in threadpool_info())\n"
        "except Exception:\n"
        "    pass\n"
        "print(json.dumps({'framework': 'numpy', 'workload': 'sgemm_2048', 'gflops': round(2 * n**3 / statistics.median(ts) / 1e9, 1), 'blas': info}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    print(out.stdout.strip(), flush=True)


def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    which = sys.argv[2].split(",") if len(sys.argv) > 2 else ["peak", "keras", "pytorch"]
    x, y = data()
    if "peak" in which:
        sgemm_peak()
    for batch in (32, 256):
        if "keras" in which:
            keras_bench(x, y, batch, epochs)
        if "pytorch" in which:
            torch_bench(x, y, batch, epochs)


if __name__ == "__main__":
    main()
