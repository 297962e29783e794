"""The Keras lane's comparison: for every model Kiln dumped (KerasLaneDumpTests), run its
generated Keras program (generated/keras/<Model>.py) on the same data from the same initial
weights, unshuffled, for the same epochs, and require
  - summary() identical, character for character, before fit and after it (when Keras adds the
    optimizer's variables);
  - predictions from the initial weights within 1e-5 of their largest magnitude (inference:
    Dropout inactive, as it is);
  - per-epoch losses within 1e-5 relative, and final weights within 1e-4 of each weight's total
    update (max |Kiln - Keras| / max |Keras final - initial|); Dropout keeps every value in
    training on both sides (Kiln's dropoutInTraining = false, the program's --no-dropout), since
    the two draw different random masks.
    A model with max pooling of ReLU outputs is held to 5e-2 of the update at the worst (ARGMAX_WORST_BOUND; its
    losses still to 1e-5): each pooling window sends its gradient to its maximum, float32 sums in
    another order (oneDNN's, Kiln's im2col GEMM) settle near-ties the other way, and Adam, which
    divides by the gradient's size, turns those few flips into full-size steps in a few hundred
    weights (the seed CNN at 32x32: 400 of the 73,728 of conv2d_1), and the layers below see it.
    Every such line also prints the 99th percentile.
Prints one line per model with its worst errors; exits 1 when any model fails.
Usage: python compare.py ROOT DUMPS"""
import importlib.util
import io
import json
import os
import traceback
import sys
import time
from contextlib import redirect_stdout

import numpy as np
from safetensors.numpy import load_file

LOSS_BOUND, WEIGHT_BOUND, PREDICT_BOUND = 1e-5, 1e-4, 1e-5
ARGMAX_WORST_BOUND = 5e-2


def load_program(path):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def relative(a, b):
    """max |a - b| / max |b|: relative to the values' scale, so entries near 0 do not dominate."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-30)) if a.size else 0.0


def main(root, dumps):
    import keras

    failures = 0
    names = sorted(n for n in os.listdir(dumps) if os.path.isdir(os.path.join(dumps, n)))
    for name in names:
        started = time.perf_counter()
        here = os.path.join(dumps, name)
        report = json.load(open(os.path.join(here, "kiln.json")))
        program = os.path.join(root, "generated", "keras", f"{name}.py")
        data = load_file(os.path.join(here, "data.safetensors"))
        np.save(os.path.join(here, "x.npy"), data["x"])
        np.save(os.path.join(here, "y.npy"), data["y"])
        problems = []

        module = load_program(program)
        keras.backend.clear_session()
        model = module.build_model()
        module.load_weights(model, os.path.join(here, "init.safetensors"))
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            model.summary()
        if buffer.getvalue() != report["summary"]:
            problems.append("summary() differs:\n" + buffer.getvalue() + "Kiln:\n" + report["summary"])
        split_inputs = getattr(module, "split_inputs", lambda x: x)
        predicted = model.predict(split_inputs(data["x"]), verbose=0)
        if isinstance(predicted, list):  # several outputs: packed per sample, as Kiln dumps them
            predicted = np.concatenate([np.asarray(p).reshape(len(p), -1) for p in predicted], axis=1)
        predicted = np.asarray(predicted)
        predict_error = relative(load_file(os.path.join(here, "predict.safetensors"))["predict"].reshape(predicted.shape), predicted)
        if predict_error > PREDICT_BOUND:
            problems.append(f"predictions differ by {predict_error:.3g} relative")

        loss_error = weight_error = worst_typical = 0.0
        history, final, after = (os.path.join(here, f) for f in ("keras_history.json", "keras_final.safetensors", "keras_summary.txt"))
        # The program's own main(), in this process: one TensorFlow start for the whole lane
        # instead of one per model (clear_session resets Keras's layer names and graphs).
        keras.backend.clear_session()
        failure = None
        try:
            with redirect_stdout(io.StringIO()):
                module.main(["--x", os.path.join(here, "x.npy"), "--y", os.path.join(here, "y.npy"),
                             "--weights", os.path.join(here, "init.safetensors"), "--save", final, "--no-shuffle", "--no-dropout",
                             "--epochs", str(report["epochs"]), "--validation-split", "0", "--history", history, "--summary", after])
        except Exception:
            failure = traceback.format_exc()
        if failure:
            problems.append("the Keras program failed:\n" + failure[-2000:])
        else:
            keras_history = json.load(open(history))
            keras_losses = keras_history["loss"]
            if "history" in report:  # several outputs: each output's loss and metrics, by Keras's names
                if sorted(report["history"]) != sorted(keras_history):
                    problems.append(f"History keys differ: Kiln {sorted(report['history'])}, Keras {sorted(keras_history)}")
                for key in sorted(set(report["history"]) & set(keras_history)):
                    if relative(report["history"][key], keras_history[key]) > 1e-4:
                        problems.append(f"History[{key!r}] differs: Kiln {report['history'][key]}, Keras {keras_history[key]}")
            loss_error = relative(report["losses"], keras_losses)
            if len(report["losses"]) != len(keras_losses) or loss_error > LOSS_BOUND:
                problems.append(f"losses differ: Kiln {report['losses']}, Keras {keras_losses}")
            initial, kiln, theirs = (load_file(os.path.join(here, f)) for f in ("init.safetensors", "final.safetensors", final))
            argmax = bool(report.get("argmax_layers"))
            for key, value in theirs.items():
                update = float(np.max(np.abs(value.astype(np.float64) - initial[key]))) or 1.0
                errors = np.abs(kiln[key].astype(np.float64) - value) / update
                error = float(np.max(errors))
                weight_error = max(weight_error, error)
                typical = float(np.percentile(errors, 99))
                worst_typical = max(worst_typical, typical)
                if argmax and error > ARGMAX_WORST_BOUND:
                    problems.append(f"{key} differs by {error:.3g} of its update at the worst ({typical:.3g} at the 99th percentile)")
                elif not argmax and error > WEIGHT_BOUND:
                    problems.append(f"{key} differs by {error:.3g} of its update")
            keras_after = open(after).read()
            if keras_after != report["summary_after_fit"]:
                problems.append("summary() after fit differs:\n" + keras_after + "Kiln:\n" + report["summary_after_fit"])
        mode = f"{report['epochs']} epochs" + (" (Dropout keeping every value in training)" if report["dropout"] else "")
        if report.get("argmax_layers"):
            mode += f" (max pooling of ReLU outputs: weights to {ARGMAX_WORST_BOUND:g}; 99th percentile {worst_typical:.2g})"
        status = "ok" if not problems else "FAILED"
        print(f"keras lane: {name}: {status}: {mode}, worst loss error {loss_error:.2g}, worst weight error {weight_error:.2g} "
              f"of the update, predictions {predict_error:.2g} ({time.perf_counter() - started:.1f} s)")
        for problem in problems:
            print("    " + problem.replace("\n", "\n    "))
        failures += bool(problems)
    count = len(names)
    print(f"keras lane: {count - failures} of {count} models match Keras {keras.__version__}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
