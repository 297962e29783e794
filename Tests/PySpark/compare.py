"""Holds Kiln's outputs (PipelineCasesTests) against PySpark's (spark_dump.py) for every case of
cases.json: the same column names and types, the same rows (as multisets; for 'ordered'
outputs also the same sequence of sort keys), doubles to 1e-9 relative, and the same printed
text (show tables compared with their data lines in any order, as Spark's row order is not
defined unless sorted). Exits 1 on any difference.

Usage: python compare.py REPO_ROOT DUMP_DIR
"""
import json
import re
import math
import os
import sys


def normal(value):
    """A tagged cell as a comparable Python value; doubles are kept apart for tolerance."""
    if value is None:
        return None
    (tag, raw), = value.items()
    if tag == "d":
        return ("d", float(raw))
    if tag == "a":
        return ("a", tuple(normal(v) for v in raw))
    return (tag, raw)


def close(a, b):
    if a == b:
        return True
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) == 2 and a[0] == b[0] == "d":
        x, y = a[1], b[1]
        if math.isnan(x) and math.isnan(y):
            return True
        return abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-300)
    if isinstance(a, tuple) and isinstance(b, tuple) and a and b and a[0] == b[0] == "a":
        return len(a[1]) == len(b[1]) and all(close(x, y) for x, y in zip(a[1], b[1]))
    return False


def sort_list(value):
    """An array cell with its elements in a canonical order."""
    if isinstance(value, tuple) and value and value[0] == "a":
        return ("a", tuple(sorted(value[1], key=lambda v: json.dumps(v, default=str))))
    return value


def sort_key(row):
    return json.dumps(row, sort_keys=True, default=str)


def same_rows(kiln, spark):
    """Multiset equality with double tolerance: match greedily after sorting."""
    if len(kiln) != len(spark):
        return False
    kiln, spark = sorted(kiln, key=sort_key), sorted(spark, key=sort_key)
    remaining = list(spark)
    for row in kiln:
        for i, other in enumerate(remaining):
            if len(row) == len(other) and all(close(a, b) for a, b in zip(row, other)):
                del remaining[i]
                break
        else:
            return False
    return True


def normalize_printed(text):
    """Show tables with their data lines sorted: formats must match, row order need not.
    Model uids (Spark's are random) are left out."""
    text = re.sub(r"uid ?= ?[A-Za-z]+_[0-9a-f]{12}, ", "", text)
    lines, out, block = text.split("\n"), [], []
    borders = 0
    for line in lines:
        if line.startswith("+") and line.endswith("+"):
            borders += 1
            if borders % 3 == 0:
                out.extend(sorted(block))
                block = []
            out.append(line)
        elif line.startswith("|") and borders % 3 == 2:
            block.append(line)
        else:
            out.extend(sorted(block))
            block = []
            out.append(line)
    return "\n".join(out)


def main():
    root, dumps = sys.argv[1], sys.argv[2]
    cases = json.load(open(os.path.join(root, "Tests", "PySpark", "cases.json")))["cases"]
    failures = 0
    for case in cases:
        name = case["name"]
        kiln = json.load(open(os.path.join(dumps, name + ".kiln.json")))
        spark = json.load(open(os.path.join(dumps, name + ".spark.json")))
        problems = []
        if set(kiln["outputs"]) != set(spark["outputs"]):
            problems.append(f"outputs differ: kiln {sorted(kiln['outputs'])}, spark {sorted(spark['outputs'])}")
        for output in sorted(set(kiln["outputs"]) & set(spark["outputs"])):
            k, s = kiln["outputs"][output], spark["outputs"][output]
            if "schema" in s and [tuple(f) for f in k["schema"]] != [tuple(f) for f in s["schema"]]:
                problems.append(f"{output}: columns differ:\n    kiln  {k['schema']}\n    spark {s['schema']}")
            krows = [[normal(v) for v in row] for row in k["rows"]]
            srows = [[normal(v) for v in row] for row in s["rows"]]
            if output in case.get("unordered_lists", []):
                krows, srows = [[sort_list(v) for v in row] for row in krows], [[sort_list(v) for v in row] for row in srows]
            if not same_rows(krows, srows):
                problems.append(f"{output}: rows differ ({len(krows)} in kiln, {len(srows)} in spark):\n    kiln  {krows[:8]}\n    spark {srows[:8]}")
            ordered = case.get("ordered", {}).get(output)
            if ordered is not None:
                kkeys = [[row[i] for i in ordered] for row in krows]
                skeys = [[row[i] for i in ordered] for row in srows]
                if not (len(kkeys) == len(skeys) and all(all(close(a, b) for a, b in zip(x, y)) for x, y in zip(kkeys, skeys))):
                    problems.append(f"{output}: sort order differs:\n    kiln  {kkeys[:10]}\n    spark {skeys[:10]}")
        for argument in case.get("written", []):
            # Spark writes the file as part files; their text must be Kiln's file's.
            kiln_text, spark_text = kiln.get("written", {}).get(argument), spark.get("written", {}).get(argument)
            if kiln_text is None or kiln_text != spark_text:
                problems.append(f"{argument}: files differ:\n--- kiln\n{kiln_text}\n--- spark\n{spark_text}")
        if normalize_printed(kiln["printed"]) != normalize_printed(spark["printed"]):
            problems.append(f"printed text differs:\n--- kiln\n{kiln['printed']}\n--- spark\n{spark['printed']}")
        status = "ok" if not problems else "MISMATCH"
        print(f"pyspark lane: {name}: {status}")
        for problem in problems:
            print("  " + problem)
        failures += bool(problems)
    print(f"pyspark lane: {len(cases) - failures} of {len(cases)} cases identical")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
