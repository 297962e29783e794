"""--distribute for real: the seed MLP (generated/keras/SeedRegressor.py) trains one epoch on two
TensorFlow worker processes on 127.0.0.1 (TF_CONFIG, MultiWorkerMirroredStrategy), and the
chief's weights must equal one plain process's at the same global batch and initial weights:
each step's gradient is the all-reduced mean over both workers' halves of the batch.
Usage: python distributed.py ROOT"""
import json
import os
import socket
import subprocess
import sys
import tempfile

import numpy as np
from safetensors.numpy import load_file, save_file

BOUND = 1e-4  # of each weight's update; the all-reduce sums in another order


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(root):
    program = os.path.join(root, "generated", "keras", "SeedRegressor.py")
    work = tempfile.mkdtemp()
    rng = np.random.default_rng(3)
    x = rng.standard_normal((256, 128)).astype(np.float32)
    y = (x[:, :1] * 0.5 + rng.standard_normal((256, 1)) * 0.1).astype(np.float32)
    np.save(os.path.join(work, "x.npy"), x)
    np.save(os.path.join(work, "y.npy"), y)
    init = {"dense/kernel": rng.standard_normal((128, 10)).astype(np.float32) * 0.1, "dense/bias": np.zeros(10, np.float32),
            "dense_1/kernel": rng.standard_normal((10, 1)).astype(np.float32) * 0.3, "dense_1/bias": np.zeros(1, np.float32)}
    save_file(init, os.path.join(work, "init.safetensors"))
    common = ["--x", os.path.join(work, "x.npy"), "--y", os.path.join(work, "y.npy"), "--weights", os.path.join(work, "init.safetensors"),
              "--no-shuffle", "--epochs", "1", "--batch-size", "32"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    env.pop("TF_CONFIG", None)
    one = os.path.join(work, "one.safetensors")
    subprocess.run([sys.executable, program, *common, "--save", one], env=env, check=True, capture_output=True)

    cluster = {"worker": [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]}
    two = os.path.join(work, "two.safetensors")
    workers = []
    for index in range(2):
        worker_env = dict(env, TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        log = open(os.path.join(work, f"worker{index}.log"), "w")
        workers.append((subprocess.Popen([sys.executable, program, *common, "--distribute", "--save", two], env=worker_env,
                                         stdout=log, stderr=subprocess.STDOUT), log))
    for process, log in workers:
        if process.wait(timeout=600) != 0:
            log.close()
            sys.exit("keras lane: distributed: a worker failed:\n" + open(log.name).read()[-3000:])
    single, distributed = load_file(one), load_file(two)
    worst = 0.0
    for key, start in init.items():
        update = float(np.max(np.abs(single[key] - start))) or 1.0
        worst = max(worst, float(np.max(np.abs(distributed[key] - single[key]))) / update)
    status = "ok" if worst <= BOUND else "FAILED"
    print(f"keras lane: distributed: {status}: 2 workers on 127.0.0.1 against 1 process, seed MLP, 1 epoch at global batch 32: "
          f"worst weight difference {worst:.2g} of the update")
    return 0 if worst <= BOUND else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
