# Writes the CSV / JSON-lines reader and writer fixtures of KilnDataTests (IOTests.swift):
# input files under io/, and what Spark makes of them in io/expected_reads.json (rows per
# mode, FAILFAST failures, and which lines Spark treats as malformed), plus the text Spark's
# writers produce (io/write_*). Run from the repository root with the pyspark venv:
#
#   SPARK_LOCAL_IP=127.0.0.1 /work/main/.venv-spark/bin/python \
#       Tests/KilnDataTests/Fixtures/make_spark_io_fixtures.py 2>/dev/null
#
# It takes a few minutes: which lines are malformed is found by reading each line on its own
# in PERMISSIVE and DROPMALFORMED mode (a malformed line loses rows in DROPMALFORMED).
#
# Cell encoding in the JSON files: null; strings as strings; int and long as decimal strings;
# doubles as Python's float.hex() strings (exact: "0x1.8000000000000p+0", "nan", "-inf");
# booleans as booleans; arrays as arrays of cells.

import glob
import json
import os
import shutil
import tempfile

from pyspark.sql import SparkSession
from pyspark.sql.types import (ArrayType, BooleanType, DoubleType, IntegerType, LongType,
                               StringType, StructField, StructType)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "io")

spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
         .config("spark.sql.session.timeZone", "UTC").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
print("Spark", spark.version)


def write_bytes(relative, data):
    path = os.path.join(OUT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def lines_bytes(lines, terminator=b"\n"):
    return terminator.join(l.encode("utf-8") if isinstance(l, str) else l for l in lines) + terminator


def encode_cell(value, type_name):
    if value is None:
        return None
    if type_name.startswith("array<"):
        element = type_name[6:-1]
        return [encode_cell(v, element) for v in value]
    if type_name in ("int", "long"):
        return str(value)
    if type_name == "double":
        return float.hex(value)
    if type_name == "boolean":
        return bool(value)
    return value


def ddl(schema):
    return ", ".join(f"`{name}` {type_name}" for name, type_name in schema)


def reader(fmt, schema, options, mode):
    r = spark.read.schema(ddl(schema)).option("mode", mode)
    for key, value in options.items():
        r = r.option(key, value)
    return r


def read_rows(fmt, paths, schema, options, mode):
    r = reader(fmt, schema, options, mode)
    df = r.csv(paths) if fmt == "csv" else r.json(paths)
    return [[encode_cell(v, t) for v, (_, t) in zip(row, schema)] for row in df.collect()]


def malformed_lines(fmt, path, schema, options, skip_through=0):
    """1-based numbers of the lines Spark's DROPMALFORMED drops (read one line at a time)."""
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # Hadoop's line rules: \n, \r\n, \r.
    lines, i, start = [], 0, 0
    while i < len(data):
        c = data[i:i + 1]
        if c in (b"\n", b"\r"):
            lines.append(data[start:i])
            if c == b"\r" and data[i + 1:i + 2] == b"\n":
                i += 1
            start = i + 1
        i += 1
    if start < len(data):
        lines.append(data[start:])
    single = dict(options)
    single.pop("header", None)
    bad = []
    tmp = tempfile.mkdtemp()
    try:
        for number, line in enumerate(lines, start=1):
            if number <= skip_through:
                continue
            one = os.path.join(tmp, f"line{number}.{fmt}")
            with open(one, "wb") as f:
                f.write(line + b"\n")
            permissive = read_rows(fmt, one, schema, single, "PERMISSIVE")
            dropped = read_rows(fmt, one, schema, single, "DROPMALFORMED")
            if len(dropped) < len(permissive):
                bad.append(number)
    finally:
        shutil.rmtree(tmp)
    return bad


cases = []


def add_case(name, fmt, relative_paths, schema, options=None, header_lines=None, modes=("PERMISSIVE", "DROPMALFORMED", "FAILFAST")):
    options = options or {}
    paths = [os.path.join(OUT, p) for p in relative_paths]
    malformed = {}
    for relative, path in zip(relative_paths, paths):
        if os.path.isdir(path):
            files = sorted(f for f in os.listdir(path) if not f.startswith((".", "_")))
            targets = [(os.path.join(relative, f), os.path.join(path, f)) for f in files]
        else:
            targets = [(relative, path)]
        for target_relative, target in targets:
            skip = (header_lines or {}).get(target_relative, 0)
            malformed[target_relative] = malformed_lines(fmt, target, schema, options, skip)
    for mode in modes:
        case = {"name": f"{name} {mode}", "format": fmt, "paths": relative_paths, "schema": schema,
                "options": options, "mode": mode, "malformed": malformed}
        try:
            case["rows"] = read_rows(fmt, paths, schema, options, mode)
            case["error"] = False
        except Exception:
            case["rows"] = None
            case["error"] = True
        cases.append(case)
    print("case", name, "malformed lines", malformed)


# ---------------------------------------------------------------- CSV: values and field counts
typed_schema = [["i", "int"], ["l", "long"], ["d", "double"], ["b", "boolean"]]
write_bytes("csv_typed.csv", lines_bytes([
    "1,2,1.5,true", "+5,+6,+1.5,TRUE", " 5,6,1.5,True", "5 ,6 , 1.5 ,tRuE",
    "1e3,1,1e3,false", "5.0,5,5.,FALSE", "2147483648,9223372036854775808,.5,yes",
    "2147483647,9223372036854775807,1,false", "-2147483648,-9223372036854775808,-0.0,0",
    "-2147483649,-9223372036854775809,1,1", "007,0007,007.50,true", "-0,-0,-0,false",
    "1,1,NaN,t", "1,1,Inf,f", "1,1,-Inf,true", "1,1,Infinity,true", "1,1,-Infinity,true",
    "1,1,+Infinity,true", "1,1,+Inf,true", "1,1,nan,true", "1,1,+NaN,true", "1,1,-NaN,true",
    "1,1, NaN ,true", "1,1, Inf,true", "1,1,1.5d,true", "1,1,1.5F,true", "1,1,1.5dd,true",
    "1,1,0x1p3,true", "1,1,0X1.8P1,true", "1,1,0x.8p1d,true", "1,1,0x1,true",
    "1,1,1e400,true", "1,1,-1e400,true", "1,1,4.9e-325,true", "1,1,4.9e-324,true",
    "1,1,1_000,true", "1,1,1.7976931348623157e308,true", "1,1,2.2250738585072014E-308,true",
    "1,1,0.1e-2,true", "1,1,1E+2,true", "1,1,1.e2,true", "1,1,e2,true", "1,1,1e,true",
    "1,1,-,true", "1,1,.,true", "1,1,1..2,true", "1,1,12345678901234567890,true",
    "1,1,0.30000000000000004,true", "1,1,9007199254740993,true", "1,1,123456789012345678901234567890e-10,true",
    "1,1,1e-7,true", "1,1,2.5e-3,true",
    "-,1,1,true", "+,1,1,true", "١٢,٣,1,true", "１,２,1.5,true", "１.5,1,１,true",
    "1,1,1,falſe", "1,1,1,ſ", "1,1,1,true ",
    '"1","2","1.5","true"', '"","","",""', "1,,,", ",,,",
    "1,2,3", "1,2,3,true,5", "1,2,3,true,", "x,2,3,true", "1,x,3,true", "1,2,x,true",
    "1,2,3,x", "x,2", "1,x", "1,2,3,true,x", "x,2,3,true,x", "1",
    "", "  ", "\t", "\x01", "a b,1,1,true",
]))
add_case("csv typed values", "csv", ["csv_typed.csv"], typed_schema)

# ---------------------------------------------------------------- CSV: quotes and escapes
text_schema = [["a", "string"], ["b", "string"], ["c", "string"]]
write_bytes("csv_quotes.csv", lines_bytes([
    '"a,b",x,y', '"say ""hi""",x,y', '"a\\"b",x,y', '"unbalanced,x,y', 'un"bal,x,y',
    ' a , b , c ', '" a "," b "," c "', '"",x,""', ',,', 'a"b"c,x,y', '"ab"cd,x,y',
    '"ab" ,x,y', '"ab"  z,x,y', '"ab"\t,x,y', ' "ab",x,y', 'a\\,b,x', 'a\\"b,x,y', '"a\\\\",x,y',
    '"a\\\\"b",x,y', '"a\\nb",x,y', '"a\\\\\\"b",x,y', '"x"', 'x,"', 'x,"\\', 'x,y,"\\"',
    '"a""b",c,d', '"#x",#y,z', '"",,', '""', '"""",x,y', '"a"b,"c"d,e', '"a,b","c,d","e,f"',
    '"a\\', '"\\\\\\\\",x,y', 'x,"y\\"z",w', 'x,"y"', 'x,"y" ', 'x,"y"  ,z', '"é,ü","😀",x',
    'a,b,', 'a,b,c,d', 'a,b', '"a,b,c', '"a","b","c","d"', '"\\"",x,y', 'q"",x,y',
]))
add_case("csv quotes", "csv", ["csv_quotes.csv"], text_schema)

# ---------------------------------------------------------------- CSV: strings, bytes, blank lines
write_bytes("csv_strings.csv", lines_bytes([
    "plain,1", " spaced ,2", "é ü 😀,3", "\ttab\t,4", b"a\xffb,5", b"\xe2\x82x,6", b"\xc0\x80,7",
    b"\xed\xa0\x80,8", b"\xf0\x9f\x98,9", b"x\xf4\x90\x80\x80y,10", b"\xf8z,11", b"\xe0\x80\x80,12",
    b"\xf0\x9f\x98\x80,13", b"\xc3,14", b"ab\xe2\x82,15", b"\xf0\x9f,16", b"\xf0\x9fA,17",
    b"\xef\xbb\xbfbom,18", ",19", '"",20', "x\x00y,21", "", " ", "\x01\x02", "last,22",
]))
add_case("csv strings", "csv", ["csv_strings.csv"], [["s", "string"], ["n", "int"]])

# ---------------------------------------------------------------- CSV: nullValue
write_bytes("csv_nullvalue.csv", lines_bytes([
    "NA,NA,NA", '"NA","",""', ",x,", 'A,"",1', '"",,2', "na,NA ,3", "x,y,NA", '"",x,""', "NA,NA,",
]))
add_case("csv nullValue NA", "csv", ["csv_nullvalue.csv"], [["a", "string"], ["b", "string"], ["c", "int"]],
         {"nullValue": "NA"})

# ---------------------------------------------------------------- CSV: header, BOM, line endings
write_bytes("csv_header.csv", b"\xef\xbb\xbf\n  \nname,val\r\nx,1\r\n\ny,2\rname,val\nz,3")
add_case("csv header", "csv", ["csv_header.csv"], [["name", "string"], ["val", "int"]], {"header": True},
         header_lines={"csv_header.csv": 3})
write_bytes("csv_bom.csv", b"\xef\xbb\xbfx,1\n\xef\xbb\xbfy,2\n")
add_case("csv bom", "csv", ["csv_bom.csv"], [["s", "string"], ["n", "int"]])

# A directory of files (visible ones only), each with its own header.
write_bytes("csv_dir/a.csv", b"p,q\n1,2\n3,4\n")
write_bytes("csv_dir/b.csv", b"p,q\n5,x\n\n7,8\n")
write_bytes("csv_dir/_ignored.csv", b"p,q\n100,100\n")
write_bytes("csv_dir/.hidden.csv", b"p,q\n200,200\n")
add_case("csv directory with headers", "csv", ["csv_dir"], [["p", "int"], ["q", "int"]], {"header": True},
         header_lines={"csv_dir/a.csv": 1, "csv_dir/b.csv": 1})

# ---------------------------------------------------------------- CSV: other separators, quotes, escapes
write_bytes("csv_semicolon.csv", lines_bytes([
    "'a;b';'it''s';x\\'y", "'a\\'b';c;d", "1;2;3", "a,b;c;d", '"q";r;s', "'';x;''", "x;;",
]))
add_case("csv sep ; quote '", "csv", ["csv_semicolon.csv"], text_schema, {"sep": ";", "quote": "'"})
write_bytes("csv_quote_escape.csv", lines_bytes([
    '"a""b",c,d', '"a\\"b",c,d', '"x""",y,z', '"",x,y', '"""",x,y', '"a"b,c,d', 'x,"""y""",z', '"a""',
]))
add_case("csv escape \"", "csv", ["csv_quote_escape.csv"], text_schema, {"escape": '"'})
write_bytes("csv_tab.csv", lines_bytes(["a\tb\t", "  x  \t \"y\" \t", "\"p\"\tq\tr", "1\t\"2\t3\"\t4"]))
add_case("csv tab", "csv", ["csv_tab.csv"], text_schema, {"sep": "\t"})

# ---------------------------------------------------------------- CSV: random lines of quotes and escapes
# Lines of separators, quotes, escapes and spaces, each after an id field, read as strings with a
# nullValue that never occurs (so null and "" stay apart). PERMISSIVE with 1 + 11 columns shows
# every field of every line (padded with nulls); DROPMALFORMED with 1 + 3 columns keeps the lines
# of exactly 3 fields. Each line's field count (in "fields") comes from DROPMALFORMED reads with
# 1 + k columns, so no line has to be read on its own.
def add_random_quote_case(name, relative, options, count, seed, alphabet=None, lengths=(1, 10), most_fields=11):
    import random
    rng = random.Random(seed)
    sep, quote, escape = options.get("sep", ","), options.get("quote", '"'), options.get("escape", "\\")
    alphabet = alphabet or ["a", "b", sep, sep, quote, quote, quote, escape, escape, " ", "\t", "#"]
    lines, seen = [], set()
    while len(lines) < count:
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(*lengths)))
        if text.strip() == "" or text in seen:
            continue
        seen.add(text)
        lines.append(text)
    path = write_bytes(relative, lines_bytes([f"{i}{sep}{text}" for i, text in enumerate(lines)]))
    options = dict(options, nullValue="\u0001N")
    schema = [["id", "string"]] + [[f"c{k}", "string"] for k in range(1, max(12, most_fields + 1))]
    fields = {}
    for k in range(1, most_fields + 1):
        for row in read_rows("csv", path, schema[:1 + k], options, "DROPMALFORMED"):
            fields[int(row[0])] = 1 + k
    assert len(fields) == len(lines)
    for mode, width in (("PERMISSIVE", 12), ("DROPMALFORMED", 4)):
        malformed = [i + 1 for i in range(len(lines)) if fields[i] != width]
        cases.append({"name": f"{name} {mode}", "format": "csv", "paths": [relative], "schema": schema[:width],
                      "options": options, "mode": mode, "malformed": {relative: malformed},
                      "fields": {str(i + 1): fields[i] for i in range(len(lines))},
                      "rows": read_rows("csv", path, schema[:width], options, mode), "error": False})
        print("case", name, mode, len(malformed), "malformed of", len(lines))


add_random_quote_case("csv random quotes", "csv_random_quotes.csv", {}, 1500, 11)
add_random_quote_case("csv random quotes, escape \"", "csv_random_quote_escape.csv", {"escape": '"'}, 800, 12)
add_random_quote_case("csv random quotes, sep ; quote '", "csv_random_semicolon.csv", {"sep": ";", "quote": "'"}, 500, 13)
# Lines of 30 to 140 bytes, mostly letters: the reader splits lines of up to 64 bytes with a
# bit mask of their separators and longer ones byte by byte; quotes start some fields.
add_random_quote_case("csv long lines", "csv_random_long.csv", {}, 600, 14,
                      alphabet=list("abcdefghijklmnopqrstuvwxyz") * 2 + [",", ",", ",", '"', " "], lengths=(28, 138), most_fields=24)

# ---------------------------------------------------------------- JSON lines
json_schema = [["s", "string"], ["i", "int"], ["l", "long"], ["d", "double"], ["b", "boolean"],
               ["ai", "array<int>"], ["as", "array<string>"], ["ad", "array<double>"],
               ["ab", "array<boolean>"], ["al", "array<long>"]]
json_lines = [
    '{"s":"x","i":1,"l":2,"d":1.5,"b":true}',
    '{"s":1.50,"i":"1","l":"2","d":"1.5","b":"true"}',
    '{"s":1e3,"i":1.0,"l":1.5,"d":1,"b":1}',
    '{"s":{"a": 1, "b" : [1, 2.50, "x"]},"i":2147483648,"l":9223372036854775808,"d":"NaN","b":null}',
    '{"s":true,"i":-2147483648,"l":-9223372036854775808,"d":"Infinity"}',
    '{"s":null,"d":"-Infinity"}', '{"d":"+INF"}', '{"d":"-INF"}', '{"d":"INF"}', '{"d":"+Infinity"}',
    '{"d":"nan"}', '{"d":"+NaN"}', '{"d":"1.5"}', '{"d":NaN}', '{"d":Infinity}', '{"d":-Infinity}',
    '{"d":+Infinity}', '{"d":-INF}', '{"d":+INF}', '{"d":INF}', '{"d":-NaN}', '{"d":+1}', '{"d":01}',
    '{"d":1.}', '{"d":.5}', '{"d":-0.0}', '{"d":1E400}', '{"d":1e-400}', '{"d":0.30000000000000004}',
    '{"d":12345678901234567890123}', '{"d":-0}', '{"i":NaN}', '{"i":1e2}', '{"i":-0}', '{"i":"",  "s":""}',
    '{"d":""}', '{"b":""}', '{"l":9223372036854775807,"i":2147483647}',
    '{"s":\'single\'}', "{'s':'sq \"x\"'}", '{s:1}', '{"s":"a\\tb\\n\\"\\\\\\/\\b\\f\\r\\u00e9\\ud83d\\ude00"}',
    '{"s":"\\ud800"}', '{"s":"\\x"}', '{"s":"a\tb"}', '{"s":"it\\\'s"}', "{'s':'it\\'s'}",
    '{"s":"\\u00"}', '{"s":"\\uD83D"}', '{"s":"\\ude00x"}', '{"s":"\\uD83Dx"}', '{"s":"\\u0000"}',
    '{"s":"\\uD83D\\uD83D\\uDE00"}', '{"\\u0073":"escaped name"}', '{"s" : "spaces" , "i" : 3 }',
    '{"S":"upper","s":"lower"}', '{"s":"first","s":"second"}', '{"i":"bad","i":5}', '{"i":5,"i":"bad"}',
    '{"s":"a","s":1}', 'not json', '', '   ', '1', '"str"', 'null', 'true', '[]', '[ ]',
    '[{"s":"a1"},{"s":"a2"}]', '[1]', '[null]', '[{"s":"a"}, 1]', '[{"s":"a"}, {"i":"bad"}]',
    '[{"i":"bad"}, {"s":"b"}]', '[{"s":"a","i":"bad"},{"s":"b","i":2}]', '[{"s":"a"}, null]',
    '[{"s":"a"}, []]', '[{"s":"a"}] trailing', '[{"s":"a"}', '{"s":"x"} trailing', '{"s":"x"}{"s":"y"}',
    '{"s":"x","i":1}}', '{"s":"x",}', '{"s":"x"', '{"s":"x", "i": 1 // c', '{"s":"x"} /* c */',
    '/* c */ {"s":"x"}', '\x0b{"s":"x"}', ' \t{"s":"x"}\t ', '{}', '{ }', '{"s":"x","i":"bad","l":5}',
    '{"s":"x","i":1,"l":5,"zzz":[1,{"q":2}]}', '{"zzz":"\\x","s":"x"}', '{"zzz":01,"s":"x"}',
    '{"s":"x","zzz":"a\tb"}', '{"i":1x}', '{"b":tru}', '{"b":trueX}', '{"b":TRUE}', '{"b":false,"s":false}',
    '{"s":[1,2]}', '{"s":"é"}', '{"s":12345678901234567890123}', '{"s":1.0e+2}', '{"s":-0}', '{"s":1E2}',
    '{"s":  [ 1 , 2 ]  }', '{"s":NaN}', '{"s":-Infinity}', '{"s":null}', '{"s":"x","i":1,"bad syntax}',
    '{"ai":[1,null,2],"as":["a",1,{"x": 1},null,true,[ 2 ]]}', '{"ai":5}', '{"ai":[1,"x",3],"s":"y"}',
    '{"ai":[1.5]}', '{"ai":[[1]]}', '{"ai":[],"as":[]}', '{"ai":null,"as":[null]}',
    '{"ad":[1,2.5,"NaN","x"]}', '{"ad":[1,2.5,"NaN",-Infinity,"-INF"]}', '{"as":"notarray"}',
    '{"ab":[true,false,null]}', '{"al":[9223372036854775807,-1]}', '{"al":[9223372036854775808]}',
    '{"s":"x","ai":[1,"bad"],"i":7}', '{"ai":[1,2,]}', '{"ai":[1 2]}',
    b'{"s":"\xc0\x80"}', b'{"s":"\xed\xa0\x80"}', b'{"s":"\xed\xa0\xbd\xed\xb8\x80"}', b'{"s":"a\xffb"}',
    b'{"s":"\xe2\x82x"}', b'{"s":"\xf0\x9f\x98\x80"}', b'{"zzz":"\xff","s":"x"}',
]
write_bytes("json_lines.json", lines_bytes(json_lines))
add_case("json lines", "json", ["json_lines.json"], json_schema)
write_bytes("json_bom.json", b'\xef\xbb\xbf{"s":"a"}\r\n{"s":"b"}\r{"s":"c","i":"x"}')
add_case("json bom", "json", ["json_bom.json"], [["s", "string"], ["i", "int"]])

with open(os.path.join(OUT, "expected_reads.json"), "w") as f:
    f.write("[\n" + ",\n".join(json.dumps(case, ensure_ascii=True) for case in cases) + "\n]\n")

# ---------------------------------------------------------------- writers
def spark_write(df, kind, **options):
    tmp = tempfile.mkdtemp()
    target = os.path.join(tmp, "out")
    w = df.coalesce(1).write.mode("overwrite")
    for key, value in options.items():
        w = w.option(key, value)
    (w.csv if kind == "csv" else w.json)(target)
    parts = sorted(glob.glob(os.path.join(target, "part-*")))
    data = b"".join(open(p, "rb").read() for p in parts)
    shutil.rmtree(tmp)
    return data


write_schema = [["s", "string"], ["i", "int"], ["l", "long"], ["d", "double"], ["b", "boolean"]]
write_rows = [
    ["plain", 1, 2, 1.5, True], [None, None, None, None, None], ["", 0, 0, 0.0, False],
    ["a,b", -1, -2, -0.0, True], ['say "hi"', 2147483647, 9223372036854775807, 1e7, True],
    ["back\\slash", -2147483648, -9223372036854775808, 1e-4, False], ["new\nline", 1, 1, float("nan"), True],
    ["cr\rx", 1, 1, float("inf"), True], [" lead", 1, 1, float("-inf"), True], ["trail ", 1, 1, 123456789.125, True],
    ["\ttab", 1, 1, 1e21, True], ["é ü 😀", 1, 1, 0.1, True], ["#hash", 1, 1, 100.0, True],
    ["quote\"", 1, 1, 1e-3, True], ["'single'", 1, 1, 9999999.0, True], ["a;b", 1, 1, 0.001, True],
    ['"', 1, 1, 1.0, True], ['\\"', 1, 1, 2.0, True], ["ctl\x01x", 1, 1, 3.0, True], ["  ", 1, 1, 4.0, True],
    ["\u2028sep", 1, 1, 5.0, True], ["</script>", 1, 1, 6.0, True], ["del\x7f", 1, 1, 7.0, True],
    ["x\x08y\x0cz\x1f", 1, 1, 1e300, True], ["a,b\n", 1, 1, 1e-300, True], ["\x01lead", 1, 1, 0.5, True],
    ["tail\x01", 1, 1, 12345.678, True], ["\\", 1, 1, 1e16, True], [' "q" ', 1, 1, -1.5e-10, True],
    ["a\\b,c", 1, 1, 1.0e7 - 1, True], ["\r", 1, 1, 123e5, True], ["\x00nul", 1, 1, 2.0 ** 70, True],
    ["multi\nline\r\nvalue,", 1, 1, 0.1 + 0.2, False], ["#", 1, 1, 1.0, True], [" #x", 1, 1, 1.0, True],
]
spark_types = {"string": StringType(), "int": IntegerType(), "long": LongType(), "double": DoubleType(),
               "boolean": BooleanType()}


def struct(schema):
    def spark_type(t):
        return ArrayType(spark_type(t[6:-1])) if t.startswith("array<") else spark_types[t]
    return StructType([StructField(name, spark_type(t)) for name, t in schema])


df = spark.createDataFrame(write_rows, struct(write_schema))
names_schema = [["a b", "string"], ["#c,d", "string"], ['q"x', "string"], [" sp ", "string"]]
names_rows = [["#x", "#y", "x\x08y", "a,b"], [None, "", " ", "\\"]]
names_df = spark.createDataFrame(names_rows, struct(names_schema))
array_schema = [["ai", "array<int>"], ["ad", "array<double>"], ["as", "array<string>"], ["ab", "array<boolean>"],
                ["al", "array<long>"]]
array_rows = [[[1, None, 2], [1.0, float("nan"), None, 1e10, float("-inf")], ['x"', None, "", "\n"], [True, None], [1 << 40]],
              [None, [], None, None, None], [[], [None], [None], [False], [-1]]]
array_df = spark.createDataFrame(array_rows, struct(array_schema))
empty_df = spark.createDataFrame([], struct(write_schema))

writes = {
    "rows": {"schema": write_schema, "rows": [[encode_cell(v, t) for v, (_, t) in zip(r, write_schema)] for r in write_rows]},
    "names": {"schema": names_schema, "rows": names_rows},
    "arrays": {"schema": array_schema, "rows": [[encode_cell(v, t) for v, (_, t) in zip(r, array_schema)] for r in array_rows]},
    "empty": {"schema": write_schema, "rows": []},
}
with open(os.path.join(OUT, "write_frames.json"), "w") as f:
    json.dump(writes, f, indent=1, ensure_ascii=True)
    f.write("\n")
write_bytes("write_rows.csv", spark_write(df, "csv"))
write_bytes("write_rows_header.csv", spark_write(df, "csv", header=True))
write_bytes("write_rows.json", spark_write(df, "json"))
write_bytes("write_names_header.csv", spark_write(names_df, "csv", header=True))
write_bytes("write_names.json", spark_write(names_df, "json"))
write_bytes("write_arrays.json", spark_write(array_df, "json"))
write_bytes("write_empty_header.csv", spark_write(empty_df, "csv", header=True))
write_bytes("write_empty.csv", spark_write(empty_df, "csv"))
write_bytes("write_empty.json", spark_write(empty_df, "json"))
try:
    spark_write(array_df, "csv")
    print("unexpected: Spark wrote arrays to CSV")
except Exception as e:
    message = str(e).split("\n")[0]
    with open(os.path.join(OUT, "write_arrays_csv_error.txt"), "w") as f:
        f.write(message.split(" SQLSTATE")[0] + "\n")
print("done:", len(cases), "read cases")
