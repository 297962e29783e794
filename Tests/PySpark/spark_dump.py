"""Runs every case of cases.json through the generated PySpark programs in generated/pyspark,
in one local[2] Spark session, and writes each case's outputs and printed text as JSON (the
format PipelineCasesTests writes for Kiln).

Usage: python spark_dump.py REPO_ROOT OUT_DIR
"""
import contextlib
import importlib.util
import io
import json
import math
import os
import sys

from pyspark.ml.linalg import DenseVector, SparseVector
from pyspark.sql import DataFrame, SparkSession


def cell(value):
    """A Python or Spark value as tagged JSON (bool before int: bool is an int in Python)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"b": value}
    if isinstance(value, int):
        return {"i": value}
    if isinstance(value, float):
        if math.isnan(value):
            return {"d": "nan"}
        if math.isinf(value):
            return {"d": "inf" if value > 0 else "-inf"}
        return {"d": repr(value)}
    if isinstance(value, str):
        return {"s": value}
    if isinstance(value, (list, tuple)):
        return {"a": [cell(v) for v in value]}
    if isinstance(value, SparseVector):
        return {"a": [cell(int(value.size)), cell([int(i) for i in value.indices]), cell([float(x) for x in value.values])]}
    if isinstance(value, DenseVector):
        return {"a": [cell(len(value)), None, cell([float(x) for x in value.values])]}
    raise TypeError(f"cannot dump {value!r}")


def rows_of(value):
    """An output's rows: DataFrame rows, RDD tuples, or one-column RDD values."""
    if isinstance(value, DataFrame):
        return [[cell(v) for v in row] for row in value.collect()]
    rows = []
    for element in value.collect():
        rows.append([cell(v) for v in element] if isinstance(element, tuple) else [cell(element)])
    return rows


def load(root, pipeline):
    path = os.path.join(root, "generated", "pyspark", pipeline + ".py")
    spec = importlib.util.spec_from_file_location(pipeline, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    root, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    os.chdir(root)
    cases = json.load(open(os.path.join(root, "Tests", "PySpark", "cases.json")))["cases"]
    spark = SparkSession.builder.master("local[2]").appName("kiln-pyspark-lane").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    for case in cases:
        module = load(root, case["pipeline"])
        printed = io.StringIO()
        # Files a case writes go to a directory of Spark's own (Spark writes a directory of part files).
        scratch = os.path.join(out, case["name"] + "-spark-files")
        arguments = {k: v.replace("{scratch}", scratch) for k, v in case.get("arguments", {}).items()}
        with contextlib.redirect_stdout(printed):
            outputs = module.run(spark, **arguments)
            dumped = {}
            for name, value in outputs.items():
                if isinstance(value, int):
                    dumped[name] = {"schema": [["count", "bigint"]], "rows": [[cell(value)]]}
                    continue
                if isinstance(value, float):
                    dumped[name] = {"schema": [[name, "double"]], "rows": [[cell(value)]]}
                    continue
                entry = {"rows": rows_of(value)}
                if isinstance(value, DataFrame):
                    entry["schema"] = [[f.name, f.dataType.simpleString()] for f in value.schema.fields]
                dumped[name] = entry
        written = {}
        for name in case.get("written", []):
            parts = sorted(p for p in os.listdir(arguments[name]) if p.startswith("part-"))
            written[name] = "".join(open(os.path.join(arguments[name], p), encoding="utf-8").read() for p in parts)
        with open(os.path.join(out, case["name"] + ".spark.json"), "w") as f:
            json.dump({"outputs": dumped, "printed": printed.getvalue(), "written": written}, f, indent=2, sort_keys=True)
        summary = ", ".join("%s (%d rows)" % (n, len(d["rows"])) for n, d in dumped.items())
        print(f"spark: {case['name']}: {summary}")
    spark.stop()


if __name__ == "__main__":
    main()
