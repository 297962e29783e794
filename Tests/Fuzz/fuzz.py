#!/usr/bin/env python3
"""Seeded mutation fuzzer for the kiln CLI (Python 3 standard library only).

Seeds: every spec in specs/ and every spec string of the error tables
(Tests/KilnCompilerTests/SpecErrorTableTests.swift, PipelineErrorTableTests.swift).
Mutations: byte flips, span deletes/copies, line swaps and re-indents, huge and odd numbers,
deep nesting (YAML and expressions), alias bombs, odd tokens, long strings.

Each mutant runs through `kiln check` (and every --generate-every'th through `kiln generate`
into a temporary directory). A finding is a crash (the process died of a signal), a hang (it
ran past --timeout) or an output line on stderr that is not `path:line:col: severity: ...`.
The committed corpus (Tests/Fuzz/corpus) is replayed first: its files are past findings,
minimized, named `<what>--<Name>.<kind>.yaml` and run as `<Name>.<kind>.yaml`.

Mutant i is built from random.Random(f"{seed}/{i}"), so a run is reproducible whatever the
parallelism. Exit status: 0 when nothing was found, 1 otherwise.
"""

import argparse
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOCATED = re.compile(r"^.+:\d+:\d+: (error|warning|note): ")

HUGE = ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
        "4294967296", "2147483647", "2147483648", "-1", "0", "1e308", "1e400", "-0.0", ".nan", ".inf",
        "0x7fffffffffffffff", "0o777777777777777777777", "1152921504606846976", "99999999999999999999999"]
TOKENS = ["*a", "&a ", "!!str ", "!!int ", ":", ": ", "\"", "'", "\n", "\t", "\x00", "\r\n", "---\n", "...\n",
          "%YAML 1.2\n", "? ", "{", "}", "[", "]", "- ", ",", "#", "|\n", ">-\n", "\\", "`", "$", "$path",
          "\u00e9", "\u202e", "\u2028", "\ufeff", "\U0001F600", "(", ")", "not ", " and ", " or ", "==", " is null",
          "when(", ".otherwise(", "cast(", " as ", "count(*)", "concat(", ".when(", "null", "~", "true"]
EXPR_WRAPS = [("(", ")"), ("-", ""), ("not ", ""), ("lower(", ")"), ("", " + 1"), ("", ".lower()"), ("abs(", ")")]


def swift_string_literals(path):
    """The `spec: "..."` strings of a Swift test table, unescaped."""
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return []
    out = []
    for match in re.finditer(r'spec: "((?:[^"\\\n]|\\.)*)"', text):
        raw = match.group(1)
        value = re.sub(r'\\u\{([0-9a-fA-F]+)\}', lambda m: chr(int(m.group(1), 16)), raw)
        value = value.replace("\\n", "\n").replace("\\t", "\t").replace('\\"', '"').replace("\\\\", "\\")
        out.append(value)
    return out


def load_seeds():
    """(file name, bytes) pairs: the name is what the mutant is written as."""
    seeds = []
    specs = os.path.join(ROOT, "specs")
    for name in sorted(os.listdir(specs)):
        if name.endswith(".yaml"):
            with open(os.path.join(specs, name), "rb") as handle:
                seeds.append((name, handle.read()))
    tables = os.path.join(ROOT, "Tests", "KilnCompilerTests")
    for index, spec in enumerate(swift_string_literals(os.path.join(tables, "SpecErrorTableTests.swift"))):
        seeds.append(("M.model.yaml", spec.encode()))
    for index, spec in enumerate(swift_string_literals(os.path.join(tables, "PipelineErrorTableTests.swift"))):
        seeds.append(("P.pipeline.yaml", spec.encode()))
    return seeds


# ---- mutations (each takes and returns bytes) ----------------------------------------------

def flip(rng, data, seeds):
    if not data:
        return bytes([rng.randrange(256)])
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(data))
        data[i] = rng.randrange(256) if rng.random() < 0.5 else data[i] ^ (1 << rng.randrange(8))
    return bytes(data)


def span(rng, data):
    if not data:
        return 0, 0
    i = rng.randrange(len(data))
    return i, min(len(data), i + rng.randint(1, 64))


def delete_span(rng, data, seeds):
    i, j = span(rng, data)
    return data[:i] + data[j:]


def copy_span(rng, data, seeds):
    _, donor = rng.choice(seeds)
    i, j = span(rng, donor)
    k = rng.randrange(len(data) + 1)
    return data[:k] + donor[i:j] * rng.choice([1, 1, 2, 50]) + data[k:]


def swap_lines(rng, data, seeds):
    lines = data.split(b"\n")
    if len(lines) < 2:
        return data
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    if rng.random() < 0.3:
        lines[a] = b" " * rng.choice([0, 1, 2, 4, 7]) + lines[a].lstrip()
    else:
        lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def huge_number(rng, data, seeds):
    numbers = list(re.finditer(rb"-?\d+(\.\d+)?", data))
    value = rng.choice(HUGE).encode()
    if not numbers:
        return data + b"\n" + value
    m = rng.choice(numbers)
    return data[:m.start()] + value + data[m.end():]


def insert_token(rng, data, seeds):
    k = rng.randrange(len(data) + 1)
    return data[:k] + rng.choice(TOKENS).encode() + data[k:]


def deep_yaml(rng, data, seeds):
    n = rng.choice([150, 199, 200, 201, 1000, 6200])
    kind = rng.randrange(3)
    nest = {0: b"[" * n + b"1" + b"]" * n, 1: b"{a: " * n + b"1" + b"}" * n, 2: b"- " * n + b"1"}[kind]
    return replace_value(rng, data, nest if kind != 2 else b"\n" + nest)


def deep_expression(rng, data, seeds):
    strings = list(re.finditer(rb'"[^"\n]{1,80}"', data))
    if not strings:
        return data
    m = rng.choice(strings)
    inner = m.group(0)[1:-1]
    left, right = rng.choice(EXPR_WRAPS)
    n = rng.choice([50, 99, 100, 101, 1537, 12762])
    if rng.random() < 0.3:
        body = b" + ".join([inner] * n)
    else:
        body = left.encode() * n + inner + right.encode() * n
    return data[:m.start()] + b'"' + body + b'"' + data[m.end():]


def alias_bomb(rng, data, seeds):
    levels = rng.choice([3, 6, 9])
    lines = [b"a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(b"a%d: &a%d [" % (level, level) + b", ".join([b"*a%d" % (level - 1)] * 10) + b"]")
    bomb = b"\n".join(lines) + b"\n"
    if rng.random() < 0.5:
        return bomb + data
    return bomb + replace_value(rng, data, b"*a%d" % (levels - 1))


def long_string(rng, data, seeds):
    text = rng.choice([b"nmae", b"x", b"\xc3\xa9", b"Dense"]) * rng.choice([300, 5000, 50000])
    return replace_value(rng, data, text)


def replace_value(rng, data, value):
    """Replaces the value after a random `key: ` (or appends a key)."""
    values = list(re.finditer(rb"(?<=: )[^\n,{}\[\]]+", data))
    if not values:
        return data + b"\nx: " + value
    m = rng.choice(values)
    return data[:m.start()] + value + data[m.end():]


MUTATIONS = [flip, flip, delete_span, copy_span, swap_lines, swap_lines, huge_number, huge_number,
             insert_token, insert_token, deep_yaml, deep_expression, alias_bomb, long_string]


def mutant(seed, index, seeds):
    rng = random.Random(f"{seed}/{index}")
    name, data = rng.choice(seeds)
    for _ in range(rng.choice([1, 1, 2, 3])):
        data = rng.choice(MUTATIONS)(rng, data, seeds)
    return name, data


# ---- running ----------------------------------------------------------------------------------

def run_kiln(kiln, name, data, timeout, generate):
    """None if kiln behaved on this one spec, else a short description of what went wrong."""
    return run_batch(kiln, [(name, data)], timeout, generate)


def run_batch(kiln, specs, timeout, generate):
    """Runs `kiln check` (and `kiln generate`) once over several specs, each in a directory of
    its own (one process per batch keeps start-up from dominating); None if kiln behaved."""
    with tempfile.TemporaryDirectory(prefix="kiln-fuzz-") as work:
        paths = []
        for index, (name, data) in enumerate(specs):
            os.mkdir(os.path.join(work, str(index)))
            paths.append(os.path.join(work, str(index), name))
            with open(paths[-1], "wb") as handle:
                handle.write(data)
        commands = [[kiln, "check"] + paths]
        if generate:
            out = os.path.join(work, "out")
            commands.append([kiln, "generate"] + paths + ["--c-output", out + "/c", "--swift-output", out + "/swift",
                             "--pipeline-output", out + "/pipelines", "--pyspark-output", out + "/pyspark", "--target", "both"])
        for command in commands:
            verb = command[1]
            try:
                done = subprocess.run(command, capture_output=True, timeout=timeout * len(specs), cwd=work,
                                      env=dict(os.environ, SWIFT_BACKTRACE="enable=no"))
            except subprocess.TimeoutExpired:
                return f"hang: kiln {verb} ran past {timeout} s per spec"
            if done.returncode < 0 or done.returncode >= 128:
                return f"crash: kiln {verb} exited with status {done.returncode}"
            for line in done.stderr.decode("utf-8", "replace").splitlines():
                if line.strip() and not LOCATED.match(line):
                    return f"unlocated: kiln {verb} printed {line[:160]!r}"
            if done.returncode not in (0, 1):
                return f"status: kiln {verb} exited with status {done.returncode}"
    return None


def run_mutants(kiln, batch, timeout, generate):
    """[(mutant, finding)] for a batch: when the batch misbehaves, each mutant alone says which."""
    if run_batch(kiln, [(name, data) for _, name, data in batch], timeout, generate) is None:
        return []
    found = []
    for item in batch:
        finding = run_kiln(kiln, item[1], item[2], timeout, generate)
        if finding:
            found.append((item, finding))
    return found


def kind_of(finding):
    return finding.split(":", 1)[0]


def minimize(kiln, name, data, finding, timeout, generate, budget=150):
    """Greedy shrinking: drop lines, then chunks, while the same kind of finding persists."""
    kind = kind_of(finding)

    def still(candidate):
        result = run_kiln(kiln, name, candidate, timeout, generate)
        return result is not None and kind_of(result) == kind

    tries = 0
    lines = data.split(b"\n")
    i = 0
    while i < len(lines) and tries < budget:
        candidate = lines[:i] + lines[i + 1:]
        tries += 1
        if still(b"\n".join(candidate)):
            lines = candidate
        else:
            i += 1
    data = b"\n".join(lines)
    chunk = max(1, len(data) // 2)
    while chunk >= 1 and tries < budget:
        i, shrunk = 0, False
        while i < len(data) and tries < budget:
            candidate = data[:i] + data[i + chunk:]
            tries += 1
            if candidate and still(candidate):
                data, shrunk = candidate, True
            else:
                i += chunk
        if not shrunk:
            chunk //= 2
    return data


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kiln", help="the kiln binary")
    parser.add_argument("--mutants", type=int, default=3000)
    parser.add_argument("--seed", default="kiln")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per kiln run")
    parser.add_argument("--batch", type=int, default=10, help="mutants per kiln process")
    parser.add_argument("--generate-every", type=int, default=2, help="also run kiln generate on every Nth batch")
    parser.add_argument("--corpus", default=os.path.join(ROOT, "Tests", "Fuzz", "corpus"))
    parser.add_argument("--save-findings", help="write each finding, minimized, into this directory")
    args = parser.parse_args()
    kiln = os.path.abspath(args.kiln)
    started = time.time()
    problems = []

    corpus = sorted(os.listdir(args.corpus)) if os.path.isdir(args.corpus) else []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        jobs = {}
        for file in corpus:
            with open(os.path.join(args.corpus, file), "rb") as handle:
                # `<what>--<Name>.model.yaml` runs as `<Name>.model.yaml`, so that generate gets past the name check.
                jobs[pool.submit(run_kiln, kiln, file.split("--")[-1], handle.read(), args.timeout, True)] = file
        for future in concurrent.futures.as_completed(jobs):
            if future.result():
                problems.append(f"corpus/{jobs[future]}: {future.result()}")

        seeds = load_seeds()
        jobs = {}
        for first in range(0, args.mutants, args.batch):
            batch = [(index,) + mutant(args.seed, index, seeds) for index in range(first, min(args.mutants, first + args.batch))]
            generate = args.generate_every > 0 and (first // args.batch) % args.generate_every == 0
            jobs[pool.submit(run_mutants, kiln, batch, args.timeout, generate)] = generate
        found = []
        for future in concurrent.futures.as_completed(jobs):
            found += [(item + (jobs[future],), finding) for item, finding in future.result()]

    for (index, name, data, generate), finding in sorted(found):
        problems.append(f"mutant {index} ({name}, seed {args.seed!r}): {finding}")
        if args.save_findings:
            os.makedirs(args.save_findings, exist_ok=True)
            small = minimize(kiln, name, data, finding, args.timeout, generate)
            target = os.path.join(args.save_findings, f"{kind_of(finding)}-{args.seed}-{index}--{name}")
            with open(target, "wb") as handle:
                handle.write(small)
    for problem in problems:
        print("fuzz: " + problem)
    print(f"fuzz: {len(corpus)} corpus files and {args.mutants} mutants (seed {args.seed!r}, {args.jobs} jobs) in "
          f"{time.time() - started:.1f} s: {len(problems)} findings")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
