"""Captures the error messages Kiln shares with Spark: runs pyspark on each case below and
writes Spark's text to Tests/KilnCompilerTests/Fixtures/spark_messages.json, which
SparkMessageTableTests (KilnCompilerTests) holds Kiln's compile errors to.

Run by hand (CI reads the committed fixture and needs no Spark):

    python3 -m venv Tests/PySpark/.venv && Tests/PySpark/.venv/bin/pip install pyspark==4.0.1
    SPARK_LOCAL_IP=127.0.0.1 Tests/PySpark/.venv/bin/python Tests/PySpark/capture_messages.py

Each case is one input schema (or two, joined), one Kiln step (YAML) and the PySpark that Kiln's
PySpark renderer writes for that step (Column API; F.expr where only SQL text can say it). The fixture keeps
Spark's raw message and the normalised text Kiln must give. Normalisation, the one rule the
Swift test relies on: take the first line of the message; drop the leading `[ERROR_CLASS] `;
drop ` SQLSTATE: ...` and everything after it (the plan, the DataFrame call site). A case may
name a `kiln_hint`: Kiln's message is then Spark's text, one space, and that hint (a
suggestion Spark does not give); without one, Kiln's message is exactly Spark's.
"""
import json
import os
import re
import sys

from pyspark.sql import SparkSession, functions as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(ROOT, "Tests", "KilnCompilerTests", "Fixtures", "spark_messages.json")

CANCER = ("mean_radius double, mean_texture double, mean_perimeter double, mean_area double, mean_smoothness double, "
          "mean_compactness double, mean_concavity double, mean_symmetry double, radius_error double, texture_error double, "
          "worst_radius double, worst_texture double, label int")
SMALL = "name string, n int, active boolean, x double"

# name, schema (DDL), the Kiln step, the PySpark of that step on the DataFrame `df`, and Kiln's hint if any.
CASES = [
    ("unresolved_column_suggestions", CANCER, '{filter: "mean_radus > 10"}',
     "df.filter((F.col('mean_radus') > F.lit(10)))", None),
    ("unresolved_column_ties", CANCER, '{select: [wrst_area]}',
     "df.select(F.col('wrst_area'))", None),
    ("unresolved_column_few", SMALL, "{filter: \"nmae == 'a'\"}",
     "df.filter((F.col('nmae') == F.lit('a')))", None),
    ("unresolved_column_case", SMALL, '{select: ["Nme"]}',
     "df.select(F.col('Nme'))", None),
    ("unresolved_column_in_select_expr", CANCER, '{select: ["mean_area * 2 as double_area", "label + lable"]}',
     "df.select((F.col('mean_area') * F.lit(2)).alias('double_area'), (F.col('label') + F.col('lable')))", None),
    ("and_double_boolean", CANCER, '{filter: "mean_radius and label == 1"}',
     "df.filter((F.col('mean_radius') & (F.col('label') == F.lit(1))))", None),
    ("or_boolean_int", SMALL, '{filter: "active or n"}',
     "df.filter((F.col('active') | F.col('n')))", None),
    ("and_int_int", SMALL, '{filter: "n and n"}',
     "df.filter((F.col('n') & F.col('n')))", None),
    ("plus_string_boolean", SMALL, '{select: ["name + active"]}',
     "df.select((F.col('name') + F.col('active')))", "Use concat() to join strings."),
    ("plus_int_boolean", SMALL, '{select: ["n + active"]}',
     "df.select((F.col('n') + F.col('active')))", None),
    ("multiply_boolean_boolean", SMALL, '{select: ["active * active"]}',
     "df.select((F.col('active') * F.col('active')))", None),
    ("compare_int_boolean", SMALL, '{filter: "n == active"}',
     "df.filter((F.col('n') == F.col('active')))", None),
    ("compare_double_boolean", SMALL, '{filter: "x < active"}',
     "df.filter((F.col('x') < F.col('active')))", None),
    ("not_int", SMALL, '{filter: "not n"}',
     "df.filter((~F.col('n')))", None),
    ("negate_boolean", SMALL, '{select: ["-active"]}',
     "df.select((-F.col('active')))", None),
    ("and_string_string", SMALL, '{select: ["name and name"]}',
     "df.select((F.col('name') & F.col('name')))", None),
    ("and_int_double", SMALL, '{filter: "n and x"}',
     "df.filter((F.col('n') & F.col('x')))", None),
    ("plus_string_string", SMALL, "{select: [\"name + 'x'\"]}",
     "df.select((F.col('name') + F.lit('x')))", "Use concat() to join strings."),
    ("subtract_boolean_boolean", SMALL, '{select: ["active - active"]}',
     "df.select((F.col('active') - F.col('active')))", None),
    ("divide_boolean_boolean", SMALL, '{select: ["active / active"]}',
     "df.select((F.col('active') / F.col('active')))", None),
    ("divide_int_boolean", SMALL, '{select: ["n / active"]}',
     "df.select((F.col('n') / F.col('active')))", None),
    ("remainder_boolean_boolean", SMALL, '{select: ["active % active"]}',
     "df.select((F.col('active') % F.col('active')))", None),
    ("filter_not_boolean", SMALL, '{filter: "n + 1"}',
     "df.filter((F.col('n') + F.lit(1)))", None),
    ("filter_string", SMALL, '{filter: "name"}',
     "df.filter(F.col('name'))", None),
    ("when_condition_int", SMALL, "{select: [\"when(n, 'a').otherwise('b')\"]}",
     "df.select(F.when(F.col('n'), F.lit('a')).otherwise(F.lit('b')))", None),
    ("when_second_condition_int", SMALL, "{select: [\"when(active, 'a').when(n, 'c').otherwise('b')\"]}",
     "df.select(F.when(F.col('active'), F.lit('a')).when(F.col('n'), F.lit('c')).otherwise(F.lit('b')))", None),
    ("abs_boolean", SMALL, '{select: ["abs(active)"]}',
     "df.select(F.abs(F.col('active')))", None),
    ("coalesce_int_boolean", SMALL, '{select: ["coalesce(n, active)"]}',
     "df.select(F.coalesce(F.col('n'), F.col('active')))", None),
    ("substring_position_boolean", SMALL, '{select: ["substring(name, active)"]}',
     "df.select(F.expr('substring(name, active)'))", None),
    ("sum_boolean", SMALL, '{groupBy: [], agg: ["sum(active)"]}',
     "df.groupBy().agg(F.sum(F.col('active')))", None),
    ("avg_boolean", SMALL, '{groupBy: [name], agg: {active: avg}}',
     "df.groupBy('name').agg(F.avg(F.col('active')))", None),
    ("unresolved_group_key", CANCER, '{groupBy: [lable], agg: ["count(*)"]}',
     "df.groupBy(F.col('lable')).agg(F.count(F.lit(1)))", None),
    ("cast_array", "name string, tags array<string>", '{select: ["cast(tags as int)"]}',
     "df.select(F.col('tags').cast('int'))", None),
    ("agg_dict_unresolved_column", CANCER, '{groupBy: [], agg: {lable: sum}}',
     "df.groupBy().agg({'lable': 'sum'})", None),
    ("agg_dict_boolean_sum", SMALL, '{groupBy: [], agg: {active: sum}}',
     "df.groupBy().agg({'active': 'sum'})", None),
    ("drop_duplicates_unresolved", SMALL, '{dropDuplicates: [nmae]}',
     "df.dropDuplicates(['nmae'])", None),
    ("unknown_function", SMALL, '{select: ["lowr(name)"]}',
     "df.select(F.expr('lowr(name)'))", "Did you mean `lower`?"),
    ("arity", SMALL, '{select: ["substring(name)"]}',
     "df.select(F.expr('substring(name)'))", None),
]

# name, left schema, right schema, the join's key, then the step on the join `j` (Kiln) and its
# PySpark on `j`: a join whose sides share a non-key column keeps both; a reference is ambiguous.
STORES = "region string, name string, size int"
MANAGERS = "region string, name string"
JOIN_CASES = [
    ("ambiguous_select", STORES, MANAGERS, "region", '{select: [name]}',
     "j.select(F.col('name'))", None),
    ("ambiguous_filter_other_case", STORES, MANAGERS, "region", "{filter: \"NAME == 'Ann'\"}",
     "j.filter((F.col('NAME') == F.lit('Ann')))", None),
    ("ambiguous_group_key", STORES, MANAGERS, "region", '{groupBy: [name], agg: ["count(*)"]}',
     "j.groupBy(F.col('name')).agg(F.count(F.lit(1)))", None),
    ("join_key_missing_left", "city string, n int, Zed int", "location string, m int", "location", '{select: [n]}',
     "df.join(other, on=['location'], how='inner')", None),
    ("join_key_missing_right", "location string, n int", "city string, m int, Alpha int, _x int", "location", '{select: [n]}',
     "df.join(other, on=['location'], how='inner')", None),
    ("ambiguous_sort_key", STORES, MANAGERS, "region", '{sort: [name]}',
     "j.sort(F.col('name').asc())", None),
]


def normalise(message):
    first = message.split("\n", 1)[0]
    first = re.sub(r"^\[[A-Z0-9_.]+\] ", "", first)
    return re.sub(r"\s*SQLSTATE: .*$", "", first)


def main():
    spark = (SparkSession.builder.master("local[1]").appName("kiln-messages")
             .config("spark.ui.enabled", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    rows = []
    accepted = []
    for name, schema, step, code, hint in CASES:
        df = spark.createDataFrame([], schema)
        try:
            result = eval(code, {"F": F, "df": df})
            result.schema  # analysis happens here at the latest
            accepted.append(f"{name}: Spark accepts {code} ({result.schema.simpleString()})")
            continue
        except Exception as error:  # pyspark.errors.AnalysisException and kin
            raw = str(error)
            condition = getattr(error, "getCondition", lambda: None)() or getattr(error, "getErrorClass", lambda: None)()
        row = {"name": name, "schema": schema, "step": step, "pyspark": code, "error_class": condition,
               "spark_raw": raw.split("\n", 1)[0], "spark": normalise(raw)}
        if hint:
            row["kiln_hint"] = hint
        rows.append(row)
        print(f"{name}: {row['spark']}")
    for name, left, right, on, step, code, hint in JOIN_CASES:
        df, other = spark.createDataFrame([], left), spark.createDataFrame([], right)
        try:
            j = df.join(other, on=[on], how="inner")
            result = eval(code, {"F": F, "j": j, "df": df, "other": other})
            result.schema
            accepted.append(f"{name}: Spark accepts {code} ({result.schema.simpleString()})")
            continue
        except Exception as error:
            raw = str(error)
            condition = getattr(error, "getCondition", lambda: None)() or getattr(error, "getErrorClass", lambda: None)()
        row = {"name": name, "schema": left, "join": {"schema": right, "on": on}, "step": step, "pyspark": code,
               "error_class": condition, "spark_raw": raw.split("\n", 1)[0], "spark": normalise(raw)}
        if hint:
            row["kiln_hint"] = hint
        rows.append(row)
        print(f"{name}: {row['spark']}")
    spark.stop()
    if accepted:
        raise SystemExit("cases Spark accepts (not errors):\n" + "\n".join(accepted))
    import pyspark
    document = {
        "about": "Spark's messages for the errors Kiln words as Spark; written by Tests/PySpark/capture_messages.py "
                 "(see its docstring for the normalisation), checked by SparkMessageTableTests.",
        "pyspark": pyspark.__version__,
        "cases": rows,
    }
    with open(FIXTURE, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1, ensure_ascii=False)
        out.write("\n")


if __name__ == "__main__":
    main()
