# Rerun (from the repository root):
#   SPARK_LOCAL_IP=127.0.0.1 /work/main/.venv-spark/bin/python \
#       Tests/KilnDataTests/Fixtures/show/make_show_fixtures.py 2>/dev/null
#
# Writes, next to this script, Spark 4's reference text for KilnData's show()/printSchema()
# and JavaDoubleFormat (pyspark 4.0.1 on Java 17, ANSI mode on):
#   show_cases.json  one entry per DataFrame: schema, rows (typed JSON, see `encode`), the
#                    schema's treeString (printSchema() prints it plus a newline), and what
#                    df.show(n, truncate) prints to stdout for each (n, truncate) in GRID.
#   doubles.json     [bits as 16 hex digits, Spark's cast(double as string)] pairs.
import contextlib
import io
import json
import math
import os
import random
import struct

from pyspark.sql import SparkSession, functions as F, types as T

HERE = os.path.dirname(os.path.abspath(__file__))
GRID = [(20, 20), (20, 0), (20, 1), (20, 2), (20, 3), (20, 4), (20, 5), (20, 10), (20, -1),
        (3, 20), (1, 20), (1, 0), (0, 20), (0, 0), (100, 20), (2, 3), (-1, 20)]

S, I, L, D, B = T.StringType(), T.IntegerType(), T.LongType(), T.DoubleType(), T.BooleanType()
AS, AI, AD = T.ArrayType(S, True), T.ArrayType(I, True), T.ArrayType(D, True)
AAI = T.ArrayType(AI, True)


def field(name, dtype, nullable=True):
    return T.StructField(name, dtype, nullable)


def type_name(dtype):
    """The name Kiln's DataType(name:) parses."""
    if isinstance(dtype, T.ArrayType):
        return "array<%s>" % type_name(dtype.elementType)
    return {S: "string", I: "int", L: "bigint", D: "double", B: "boolean"}[dtype]


def encode(value, dtype):
    """Typed JSON for one cell: null; strings for string/int/bigint/double (a double as Python's
    repr, which round-trips: "nan", "inf", "-0.0"); true/false; arrays as lists."""
    if value is None:
        return None
    if isinstance(dtype, T.ArrayType):
        return [encode(v, dtype.elementType) for v in value]
    if dtype == B:
        return bool(value)
    if dtype == D:
        return repr(float(value))
    return str(value)


def cases():
    big = 2 ** 60
    yield "types", [field("s", S), field("i", I), field("l", L), field("d", D), field("b", B),
                    field("as", AS), field("ai", AI)], [
        ("alpha", 1, 10, 1.5, True, ["x", "y"], [1, 2]),
        (None, None, None, None, None, None, None),
        ("", -2147483648, -9223372036854775808, -0.0, False, [], []),
        ("a fairly long string value that exceeds twenty", 2147483647, 9223372036854775807, 1e7,
         True, ["a", None, ""], [None, 3]),
        ("x", 0, big, float("nan"), False, [None], [None]),
    ]
    yield "not_null", [field("id", I, False), field("name", S, False), field("tags", AS, False)], [
        (1, "one", ["a"]), (22, "twenty-two", []), (333, "three hundred thirty-three", ["b", "c"]),
    ]
    yield "doubles", [field("d", D)], [(v,) for v in [
        0.0, -0.0, 1.0, -1.5, 0.1, 0.1 + 0.2, 1e-3, 9.99e-4, 1e-4, 1e-5, 1e7, 9999999.0,
        12345678.9, 123456789.125, 1e21, 1e23, float(big), 2.82879384806159e17,
        5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, float("nan"), float("inf"),
        float("-inf"), 100.0, 3.141592653589793, 1.0 / 3.0, 2e-3,
    ]]
    yield "unicode", [field("名前", S), field("n", I)], [
        ("日本語テキスト", 1), ("e\u0301\u0301", 2), ("😀😀😀", 3), ("héllo wörld", 4),
        ("ｱｲｳｴｵ", 5), ("한국어", 6), ("ＡＢＣ１２３", 7), ("👨‍👩‍👧", 8), ("🇯🇵", 9),
        ("a😀b😀c😀d😀e", 10), ("中文ab中文ab中文ab中文ab中", 11), ("…—“”", 12), ("\u3000x", 13),
        ("ﾟ\uFE19\uFE30\uFFE0\u1100\uA4CF\uF900", 14), (None, None),
    ]
    yield "escapes", [field("tab\there", S), field("new\nline", AS)], [
        ("a\nb", ["x\ty"]), ("\r\n", None), ("\t\f\b\u000b\u0007", ["\n"]),
        ("back\\slash \\n", []), ("nul\u0000esc\u001b", ["\u0001"]), ("long line\nwith\nbreaks in it", None),
    ]
    yield "many_rows", [field("k", I), field("v", S)], [
        (i, "v%d" % i if i % 7 else None) for i in range(25)]
    yield "narrow", [field("a", S), field("b", B)], [("x", True), ("", False), (None, None)]
    yield "wide_header", [field("a_very_long_column_name_that_is_not_truncated", I),
                          field("b", AI)], [(1, [1, 2, 3]), (2, list(range(12)))]
    yield "nested", [field("aai", AAI), field("ad", AD)], [
        ([[1, 2], [3], None, []], [1e7, -0.0, None, float("nan"), 0.001]), (None, []),
        ([[None]], [1e-4, 1e23]),
    ]
    yield "empty", [field("s", S), field("i", I)], []
    yield "no_columns", [], []


def main():
    spark = (SparkSession.builder.master("local[2]")
             .config("spark.ui.enabled", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    assert spark.conf.get("spark.sql.ansi.enabled") == "true"

    out = []
    for name, fields, rows in cases():
        schema = T.StructType(fields)
        df = spark.createDataFrame(rows, schema)
        tree = df._jdf.schema().treeString()
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            df.printSchema()
        assert printed.getvalue() == tree + "\n"
        shows = []
        for n, truncate in GRID:
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                df.show(n, truncate)
            text = printed.getvalue()
            assert text == df._jdf.showString(n, truncate, False) + "\n", (name, n, truncate)
            shows.append({"n": n, "truncate": truncate, "text": text})
        out.append({
            "name": name,
            "schema": [{"name": f.name, "type": type_name(f.dataType), "nullable": f.nullable}
                       for f in fields],
            "rows": [[encode(v, f.dataType) for v, f in zip(row, fields)] for row in rows],
            "treeString": tree,
            "show": shows,
        })
    with open(os.path.join(HERE, "show_cases.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")

    # Doubles: named values around the format boundaries plus random ones of several shapes.
    rng = random.Random(20240601)
    values = [0.0, -0.0, float("nan"), float("inf"), float("-inf"), 5e-324, -5e-324,
              2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308]
    for e in range(-8, 25):
        p = 10.0 ** e
        values += [p, math.nextafter(p, 0), math.nextafter(p, math.inf), -p]
    for e in range(-1074, 1024, 7):
        values.append(math.ldexp(1.0, e))
    for _ in range(800):
        values.append(struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0])
        values.append(float("%de%d" % (rng.randrange(-10**6, 10**6), rng.randrange(-30, 30))))
        values.append(float(rng.getrandbits(rng.randrange(1, 64))))
        values.append(rng.random() * 10 ** rng.randrange(-6, 14))
    values = [v for v in values if not (math.isnan(v) and repr(v) != "nan")]
    df = spark.createDataFrame([(i, v) for i, v in enumerate(values)], "i int, d double")
    cast = {r.i: r.s for r in df.select("i", F.col("d").cast("string").alias("s")).collect()}
    pairs = [["%016x" % struct.unpack("<Q", struct.pack("<d", v))[0], cast[i]]
             for i, v in enumerate(values)]
    with open(os.path.join(HERE, "doubles.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(p) for p in pairs) + "\n]\n")
    spark.stop()


if __name__ == "__main__":
    main()
