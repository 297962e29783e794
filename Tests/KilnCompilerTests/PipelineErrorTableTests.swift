import XCTest
import KilnCompiler
import KilnSpec

/// Broken pipeline specs, each with every diagnostic it must produce, exactly: location and
/// wording (Spark's where Spark has one). One mistake gives one error; independent mistakes
/// are all reported.
final class PipelineErrorTableTests: XCTestCase {
    struct Row {
        var name: String
        var spec: String
        var expected: [String]  // "line:col: severity: message", in source order
    }

    let rows: [Row] = [
        Row(name: "missing_pipeline", spec: "sources: {lines: {textFile: a.txt}}",
            expected: ["1:1: error: missing required key 'pipeline'"]),
        Row(name: "unknown_top_key", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\nstep: {}",
            expected: ["3:1: error: unknown key 'step' for pipeline spec; did you mean 'steps'?"]),
        Row(name: "missing_sources", spec: "pipeline: P\nsteps: {}",
            expected: ["1:1: error: missing required key 'sources' (a mapping of names to sources, e.g. lines: {textFile: $path})"]),
        Row(name: "unknown_source_kind", spec: "pipeline: P\nsources: {lines: {textfile: a.txt}}",
            expected: ["2:19: error: unknown source kind 'textfile' in source 'lines'; did you mean 'textFile'?"]),
        Row(name: "unknown_op", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\nsteps:\n  words: {flatmap: \"split(value)\"}",
            expected: ["4:11: error: unknown operation 'flatmap' in step 'words'; did you mean 'flatMap'?"]),
        Row(name: "two_ops", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\nsteps:\n  words: {map: \"value\", filter: \"true\"}",
            expected: ["4:25: error: step 'words' has 2 operations ('map', 'filter'); give each operation its own step"]),
        Row(name: "no_op", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\nsteps:\n  words: {from: lines}",
            expected: ["4:10: error: step 'words' names no operation; expected one of map, flatMap, filter, reduceByKey, groupByKey, sortBy, sortByKey, distinct, take, collect, count, union, keys, values, toDF, select, withColumn, withColumnRenamed, where, sort, orderBy, groupBy, join, limit, dropDuplicates, drop, show, printSchema, writeCSV, writeJSON, randomSplit, StringIndexer, IndexToString, VectorIndexer, VectorAssembler, OneHotEncoder, StandardScaler, MinMaxScaler, DecisionTreeClassifier, DecisionTreeRegressor, RandomForestClassifier, RandomForestRegressor, GBTClassifier, GBTRegressor, Pipeline, transform, evaluate, toDebugString, saveModel"]),
        Row(name: "source_with_from", spec: "pipeline: P\nsources: {lines: {textFile: a.txt, from: x}}",
            expected: ["2:42: error: a source reads data itself and takes no 'from'"]),
        Row(name: "unresolved_column", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  f: {filter: \"nmae == 'a'\"}",
            expected: ["5:16: error: A column, variable, or function parameter with name `nmae` cannot be resolved. Did you mean one of the following? [`n`, `name`]."]),
        Row(name: "binary_types", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  s: {select: [\"name + n\"]}",
            expected: ["5:22: error: Cannot resolve \"(name + n)\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"STRING\" and \"INT\"). Use concat() to join strings."]),
        Row(name: "string_plus", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  s: {select: [\"name + 'x'\"]}",
            expected: ["5:22: error: Cannot resolve \"(name + x)\" due to data type mismatch: the binary operator requires the input type (\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\" or \"INTERVAL\"), not \"STRING\". Use concat() to join strings."]),
        Row(name: "unknown_function", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  s: {select: [\"lowr(name)\"]}",
            expected: ["5:17: error: Cannot resolve routine `lowr` on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]. Did you mean `lower`?"]),
        Row(name: "arity", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  s: {select: [\"substring(name)\"]}",
            expected: ["5:17: error: The `substring` requires [2, 3] parameters but the actual number is 1. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix."]),
        Row(name: "function_arg_type", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  s: {select: [\"upper(n)\"]}",
            expected: ["5:23: error: Cannot resolve \"upper(n)\" due to data type mismatch: the first parameter requires the \"STRING\" type, however \"n\" has the type \"INT\". Use cast(n as string)."]),
        Row(name: "filter_not_boolean", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  f: {filter: \"n + 1\"}",
            expected: ["5:18: error: Cannot resolve \"(n + 1)\" due to data type mismatch: Filter expression \"(n + 1)\" of type \"INT\" is not a boolean."]),
        Row(name: "tuple_outside_map", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  s: {select: [\"(name, n)\"]}",
            expected: ["5:17: error: a tuple is only allowed as the whole expression of 'map', e.g. map: \"(lower(value), 1)\""]),
        Row(name: "aggregate_in_filter", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  f: {filter: \"sum(n) > 1\"}",
            expected: ["5:16: error: aggregate function sum() is only allowed in 'agg' (after 'groupBy'), not in a row-by-row expression"]),
        Row(name: "groupby_no_agg", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  g: {groupBy: name}",
            expected: ["5:7: error: groupBy needs 'agg:' to say what to compute per group, e.g. agg: [sum(rating)], agg: {rating: avg} or agg: count"]),
        Row(name: "agg_not_aggregate", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  g: {groupBy: name, agg: [\"n + 1\"]}",
            expected: ["5:31: error: expected an aggregate such as sum(rating), avg(rating), min, max, count(*), count(distinct x) or first(x) in 'agg', received \"(n + 1)\""]),
        Row(name: "agg_sum_string", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  g: {groupBy: n, agg: [\"sum(name)\"]}",
            expected: ["5:30: error: Cannot resolve \"sum(name)\" due to data type mismatch: The first parameter requires the \"NUMERIC\" or \"ANSI INTERVAL\" type, however \"name\" has the type \"STRING\"."]),
        Row(name: "join_no_on", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\n  u: {rows: [[a, 2]], schema: {name: string, m: int}}\nsteps:\n  j: {join: u, from: t}",
            expected: ["6:7: error: join needs 'on:' naming the column(s) both sides share, e.g. on: location (or how: cross)"]),
        Row(name: "join_bad_how", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\n  u: {rows: [[a, 2]], schema: {name: string, m: int}}\nsteps:\n  j: {join: u, on: name, how: rigth, from: t}",
            expected: ["6:31: error: Unsupported join type 'rigth'. Supported join types include: 'inner', 'cross', 'outer', 'full', 'fullouter', 'full_outer', 'left', 'leftouter', 'left_outer', 'right', 'rightouter', 'right_outer', 'semi', 'leftsemi', 'left_semi', 'anti', 'leftanti', 'left_anti'. Did you mean 'right'?"]),
        Row(name: "join_key_types", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\n  u: {rows: [[a, 2]], schema: {name: string, n: long}}\nsteps:\n  j: {join: u, on: n, from: t}",
            expected: ["6:20: error: join column 'n' is int in 't' but long in 'u'; cast one side with select"]),
        Row(name: "join_shared_column_ambiguous", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\n  u: {rows: [[a, 2]], schema: {name: string, n: int}}\nsteps:\n  j: {join: u, on: name, from: t}\n  s: {select: [name, n], from: j}",
            expected: ["7:22: error: Reference `n` is ambiguous, could be: [`n`, `n`]."]),
        Row(name: "select_duplicate_column", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  s: {select: [name, \"n as name\"]}",
            expected: ["5:6: error: step 's' would have two columns named 'name'; rename one (withColumnRenamed, or 'as' in select)"]),
        Row(name: "union_columns", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\n  u: {rows: [[a]], schema: {name: string}}\nsteps:\n  j: {union: u, from: t}",
            expected: ["6:14: error: union needs the same number of columns: 't' has 2 (name: string, n: int), 'u' has 1 (name: string)"]),
        Row(name: "reduce_not_pairs", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\nsteps:\n  c: {reduceByKey: \"+\"}",
            expected: ["4:7: error: 'reduceByKey' needs (key, value) pairs, e.g. map: \"(lower(value), 1)\"; 'lines' has 1 column (value: string)"]),
        Row(name: "flatmap_not_array", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\nsteps:\n  w: {flatMap: \"lower(value)\"}",
            expected: ["4:17: error: flatMap needs an expression that gives an array, such as split(value); \"lower(value)\" gives string"]),
        Row(name: "unknown_from", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\nsteps:\n  w: {flatMap: \"split(value)\", from: line}",
            expected: ["4:38: error: unknown dataset 'line' in step 'w'; did you mean 'lines'?"]),
        Row(name: "forward_reference", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\nsteps:\n  a: {filter: \"true\", from: b}\n  b: {filter: \"true\", from: lines}",
            expected: ["4:29: error: step 'a' reads 'b', which is defined after it; steps may only read sources and earlier steps"]),
        Row(name: "ambiguous_input", spec: "pipeline: P\nsources:\n  a: {textFile: a.txt}\n  b: {textFile: b.txt}\nsteps:\n  w: {filter: \"true\"}",
            expected: ["6:6: error: step 'w' needs 'from:' to name its input: the pipeline has 2 sources (a, b)"]),
        Row(name: "unknown_param", spec: "pipeline: P\nparams: {path: path}\nsources: {lines: {textFile: $paht}}",
            expected: ["3:29: error: unknown parameter '$paht'; did you mean '$path'?"]),
        Row(name: "param_not_path", spec: "pipeline: P\nparams: {n: int}\nsources: {lines: {textFile: $n}}",
            expected: ["3:29: error: parameter '$n' is an int, but textFile needs a path (declare it as `n: path`)"]),
        Row(name: "param_named_like_source", spec: "pipeline: P\nparams: {lines: path}\nsources: {lines: {textFile: $lines}}",
            expected: ["3:11: error: 'lines' is the name of a parameter; give the source another name"]),
        Row(name: "unknown_param_type", spec: "pipeline: P\nparams: {path: file}\nsources: {lines: {textFile: $path}}",
            expected: ["2:16: error: unknown parameter type 'file' for 'path'; expected one of path, string, int, long, double, boolean"]),
        Row(name: "csv_without_schema", spec: "pipeline: P\nsources: {t: {csv: /nonexistent/cities.csv, header: true}}",
            expected: ["2:20: error: csv source 't' needs a schema: declare one, e.g. schema: {location: string, rating: int}, or name a file that exists at build time so Kiln can infer it (inferSchema: true)"]),
        Row(name: "rows_width", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1], [b]], schema: {name: string, n: int}}",
            expected: ["3:22: error: expected 2 values (name, n) in this row, received 1"]),
        Row(name: "rows_value_type", spec: "pipeline: P\nsources:\n  t: {rows: [[a, x]], schema: {name: string, n: int}}",
            expected: ["3:18: error: expected an int value for column 'n', received a string \"x\""]),
        Row(name: "rows_int_range", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 3000000000]], schema: {name: string, n: int}}",
            expected: ["3:18: error: value 3000000000 does not fit column 'n' of type int (32-bit); declare it long"]),
        Row(name: "schema_unknown_type", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: integr}}",
            expected: ["3:49: error: unknown type 'integr' for column 'n'; expected string, int, long, double, boolean or array<...>; did you mean 'integer'?"]),
        Row(name: "duplicate_step", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\nsteps:\n  a: {filter: \"true\"}\n  a: {filter: \"true\"}",
            expected: ["5:3: error: duplicate key 'a'", "4:3: note: 'a' first appears here"]),
        Row(name: "name_not_identifier", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\nsteps:\n  Words: {filter: \"true\"}",
            expected: ["4:3: error: invalid name 'Words': a name must start with a lower-case ASCII letter (it names a variable in the generated code)"]),
        Row(name: "bad_nulls", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  s: {sort: \"n desc nulls middle\"}",
            expected: ["5:27: error: expected 'first' or 'last' after 'nulls', found 'middle'"]),
        Row(name: "unterminated_string", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  f: {filter: \"name == 'a\"}",
            expected: ["5:24: error: unterminated string literal"]),
        Row(name: "chained_comparison", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  f: {filter: \"1 < n < 3\"}",
            expected: ["5:22: error: comparisons cannot be chained; combine them with 'and'"]),
        Row(name: "cast_unknown_type", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  s: {select: [\"cast(n as decimal)\"]}",
            expected: ["5:17: error: unknown type 'decimal' in cast; expected one of string, int, long, double, boolean"]),
        Row(name: "show_truncate", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  s: {show: {n: 5, truncate: maybe}}",
            expected: ["5:30: error: expected true, false or a width for 'truncate', received a string \"maybe\""]),
        Row(name: "unknown_output", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\noutput: lnes",
            expected: ["3:9: error: unknown dataset 'lnes' in output; did you mean 'lines'?"]),
        Row(name: "output_is_action", spec: "pipeline: P\nsources: {lines: {textFile: a.txt}}\nsteps:\n  s: {show}\noutput: s",
            expected: ["5:9: error: output 's' is a show action and yields no rows"]),
        Row(name: "udf_arity", spec: "pipeline: P\nudfs: {f: {args: [string], returns: string}}\nsources: {lines: {textFile: a.txt}}\nsteps:\n  m: {map: \"f(value, value)\"}",
            expected: ["5:13: error: udf `f` takes 1 argument (string) but was given 2"]),
        Row(name: "udf_arg_type", spec: "pipeline: P\nudfs: {f: {args: [long], returns: string}}\nsources: {lines: {textFile: a.txt}}\nsteps:\n  m: {map: \"f(value)\"}",
            expected: ["5:15: error: argument 1 of udf `f` must be long, however \"value\" has the type string"]),
        Row(name: "unknown_step_option", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\n  u: {rows: [[a, 2]], schema: {name: string, m: int}}\nsteps:\n  j: {join: u, on: name, hwo: left, from: t}",
            expected: ["6:26: error: unknown key 'hwo' for step 'j'; did you mean 'how'?"]),
        Row(name: "failed_step_no_cascade", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  kept: {filter: \"n + 1\"}\n  ordered: {sort: name}\n  shown: {show}\n  again: {select: [name], from: ordered}",
            expected: ["5:21: error: Cannot resolve \"(n + 1)\" due to data type mismatch: Filter expression \"(n + 1)\" of type \"INT\" is not a boolean."]),
        Row(name: "two_errors_no_cascade", spec: "pipeline: P\nsources:\n  t: {rows: [[a, 1]], schema: {name: string, n: int}}\nsteps:\n  a: {filter: \"nme == 'a'\"}\n  b: {select: [name], from: a}\n  c: {select: [\"n * 'x'\"], from: t}",
            expected: ["5:16: error: A column, variable, or function parameter with name `nme` cannot be resolved. Did you mean one of the following? [`n`, `name`].", "7:19: error: Cannot resolve \"(n * x)\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"INT\" and \"STRING\")."]),
    ]

    func testEveryBrokenSpecGivesExactlyItsDiagnostics() {
        XCTAssertGreaterThanOrEqual(rows.count, 40)
        for row in rows {
            let diagnostics = DiagnosticEngine()
            let graph = KilnDriver.compilePipeline(text: row.spec + "\n", displayPath: "t.pipeline.yaml", diagnostics: diagnostics)
            XCTAssertNil(graph, row.name)
            let rendered = diagnostics.rendered.split(separator: "\n").map { String($0).replacingOccurrences(of: "t.pipeline.yaml:", with: "") }
            XCTAssertEqual(rendered, row.expected, row.name)
        }
    }

    func testTheLecturesSpecsCompile() throws {
        for name in ["WordCount", "WordCountUDF", "Cities"] {
            let diagnostics = DiagnosticEngine()
            let url = packageRoot.appendingPathComponent("specs/\(name).pipeline.yaml")
            XCTAssertNotNil(KilnDriver.compilePipeline(at: url, displayPath: "specs/\(name).pipeline.yaml", diagnostics: diagnostics), diagnostics.rendered)
        }
    }
}
