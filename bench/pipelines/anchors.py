"""One framework on one pipeline workload; prints JSON lines (see README.md in this folder).

    python anchors.py DIR WORKLOAD FRAMEWORK [--repeats N] [--warmup W]

WORKLOAD: wordcount | csv (load, then every csv_* operation on the loaded table) | one csv_* name
(load, then that operation). FRAMEWORK: pyspark | polars | duckdb | chdb | datafusion | pandas | uniq |
python | kiln (uniq and python: word count only; pandas: CSV only).
"kiln" runs the executable named by $KILN_PIPELINE_BENCH and relays its lines, measuring its memory
from outside. Each line carries the median of the timed runs ("seconds"; W warm-up runs, default 1,
come first and are left out), the runs, the peak RSS of the process tree during all of them, and a
"check" summary that must agree across frameworks.

Memory: a sampler thread sums the RSS of this process and its descendants (the JVM and Python workers
for PySpark, the shell pipeline for uniq) every 20 ms. Before each phase the kernel's high-water marks
are reset (`echo 5 > /proc/PID/clear_refs`); after it, the peak is the larger of the sampled tree sum,
the largest single VmHWM in the tree (exact, catches spikes between samples) and, for children that
exited during the phase, RUSAGE_CHILDREN's ru_maxrss.
"""
import argparse
import heapq
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import threading
import time

CSV_OPS = ["csv_filter_count", "csv_groupby_agg", "csv_sort_top10", "csv_right_join_count"]
WORDCOUNT_FRAMEWORKS = ["pyspark", "polars", "duckdb", "chdb", "datafusion", "uniq", "python"]
CSV_FRAMEWORKS = ["pyspark", "pandas", "polars", "duckdb", "chdb", "datafusion"]
THREADS = 2  # chDB's max_threads and DataFusion's target partitions: the machine's 2 cores, as the others use
NOTES = {  # shown beside a row: how the top 10 is planned, and other caveats
    ("pyspark", "csv_sort_top10"): "orderBy.limit(10): planned as top-k",
    ("duckdb", "csv_sort_top10"): "ORDER BY LIMIT 10: planned as top-k",
    ("chdb", "csv_sort_top10"): "ORDER BY LIMIT 10: planned as top-k (partial sorts with a limit)",
    ("datafusion", "csv_sort_top10"): "ORDER BY LIMIT 10: planned as top-k (TopK)",
    ("chdb", "wordcount"): "splitByWhitespace, ASCII lower(): the text is ASCII, spaces only",
    ("datafusion", "wordcount"): "string_to_array(line, ' '), empty tokens dropped: the text has only spaces between words",
    ("chdb", "csv_load"): "precise_float_parsing = 1 (the default fast parser is off by an ulp on some prices)",
    ("polars", "csv_sort_top10"): "eager sort, head(10): full sort",
    ("pandas", "csv_sort_top10"): "sort_values, head(10): full sort",
    ("polars (top_k)", "csv_sort_top10"): "top_k(10), then sort those 10: top-k",
    ("pandas (nlargest)", "csv_sort_top10"): "nlargest(10): top-k",
    ("uniq", "wordcount"): "sort's default buffer: reading a pipe, it spills sorted runs to $TMPDIR",
    ("python", "wordcount"): "one core",
}
MB = 1 << 20


# ---------------------------------------------------------------- measurement

class PeakMeter:
    """Peak resident memory of a process tree, and the CPU used outside it, phase by phase."""

    def __init__(self, include_self=True, interval=0.02):
        import psutil
        self.psutil = psutil
        self.include_self = include_self
        self.interval = interval
        self.pids = [os.getpid()] if include_self else []
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.peak = 0
        self.lock = threading.Lock()
        self.refreshed = 0.0
        threading.Thread(target=self._run, daemon=True).start()

    def _refresh(self):
        kids = [p.pid for p in self.psutil.Process().children(recursive=True)]
        self.pids = ([os.getpid()] if self.include_self else []) + kids
        self.refreshed = time.monotonic()

    def _rss(self, pid):
        try:
            with open(f"/proc/{pid}/statm") as f:
                return int(f.read().split()[1]) * self.page
        except (OSError, IndexError):
            return 0

    def _status_kb(self, pid, key):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def sample(self):
        if time.monotonic() - self.refreshed > 0.25:
            self._refresh()
        total = sum(self._rss(pid) for pid in self.pids)
        with self.lock:
            self.peak = max(self.peak, total)

    def _run(self):
        while True:
            self.sample()
            time.sleep(self.interval)

    def _tree_cpu(self):
        """CPU seconds used so far by the tree: this process, exited children, live descendants."""
        used = 0.0
        if self.include_self:
            r = resource.getrusage(resource.RUSAGE_SELF)
            used += r.ru_utime + r.ru_stime
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        used += r.ru_utime + r.ru_stime
        for child in self.psutil.Process().children(recursive=True):
            try:
                t = child.cpu_times()
                used += t.user + t.system + t.children_user + t.children_system
            except self.psutil.Error:
                pass
        return used

    @staticmethod
    def _machine_cpu():
        """CPU seconds all processes of the machine have been busy (steal included), from /proc/stat."""
        with open("/proc/stat") as f:
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")

    def reset(self):
        """Start a phase: clear the high-water marks of the tree and the sampled peak."""
        self._refresh()
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/clear_refs", "w") as f:
                    f.write("5")
            except OSError:
                pass
        self.children_maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with self.lock:
            self.peak = 0
        self.sample()
        self.start = (time.monotonic(), self._machine_cpu(), self._tree_cpu())

    def finish(self, alive=True):
        """End a phase: {"peak_rss_mb", "others_cpu_pct"}: the tree's peak, and the share of the
        machine's cores that processes outside the tree kept busy meanwhile (a noise gauge)."""
        wall, machine, tree = (now - then for now, then in
                               zip((time.monotonic(), self._machine_cpu(), self._tree_cpu()), self.start))
        others = round(100 * max(0.0, machine - tree) / (wall * os.cpu_count()), 1) if wall > 0 else None
        if not alive:  # the process ended before its line came: no per-phase peak
            return {"peak_rss_mb": None, "others_cpu_pct": others}
        self.sample()
        hwm = max((self._status_kb(pid, "VmHWM:") for pid in self.pids), default=0)
        exited = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        exited = exited * 1024 if exited > self.children_maxrss else 0
        return {"peak_rss_mb": round(max(self.peak, hwm, exited) / MB, 1), "others_cpu_pct": others}


def timed(fn, args):
    """Runs fn() args.warmup + args.repeats times; the warm-up runs are reported but left out of the
    median. Returns (warm-up seconds, timed seconds, the last result)."""
    seconds, result = [], None
    for _ in range(args.warmup + args.repeats):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return seconds[:args.warmup], seconds[args.warmup:], result


def emit(framework, workload, warmup, runs, measured, check, **extra):
    note = NOTES.get((framework, workload))
    line = {"framework": framework, "workload": workload, "seconds": round(statistics.median(runs), 4),
            "runs": [round(r, 4) for r in runs], "warmup_runs": [round(r, 4) for r in warmup],
            **measured, "check": check}
    if note:
        line["note"] = note
    line.update(extra)
    print(json.dumps(line), flush=True)


def top5_key(pair):
    """Top words: count descending, then word ascending."""
    return (-pair[1], pair[0])


# ---------------------------------------------------------------- word count

def wc_python(path):
    from collections import Counter
    counts = Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            counts.update(line.lower().split())
    top = heapq.nsmallest(5, counts.items(), key=top5_key)
    return {"distinct": len(counts), "total": sum(counts.values()), "top5": [[w, c] for w, c in top]}


def wc_uniq(path):
    # tr A-Z a-z lowercases ASCII only (str.lower is Unicode); words.txt is ASCII, so they agree.
    pipeline = f"tr -s '[:space:]' '\\n' < {shlex.quote(path)} | tr A-Z a-z | sort | uniq -c"
    proc = subprocess.Popen(["bash", "-c", "set -o pipefail; " + pipeline], stdout=subprocess.PIPE,
                            env={**os.environ, "LC_ALL": "C"}, text=True, bufsize=1 << 20)
    distinct = total = 0

    def pairs():
        nonlocal distinct, total
        for line in proc.stdout:
            count, word = line.split()
            distinct += 1
            total += int(count)
            yield word, int(count)

    top = heapq.nsmallest(5, pairs(), key=top5_key)
    if proc.wait() != 0:
        raise RuntimeError(f"uniq pipeline failed with {proc.returncode}")
    return {"distinct": distinct, "total": total, "top5": [[w, c] for w, c in top]}


def wc_polars(path):
    import polars as pl
    counts = (pl.scan_lines(path, name="line")
              .select(pl.col("line").str.extract_all(r"\S+").alias("word"))  # split on runs of whitespace
              .explode("word")
              .drop_nulls()
              .group_by(pl.col("word").str.to_lowercase())
              .len(name="n")
              .collect())
    top = counts.sort(["n", "word"], descending=[True, False]).head(5)
    return {"distinct": counts.height, "total": int(counts["n"].sum()),
            "top5": [[w, int(c)] for w, c in top.iter_rows()]}


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def wc_duckdb(con, path):
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE counts AS
        SELECT lower(word) AS word, count(*) AS n
        FROM (SELECT unnest(regexp_split_to_array(line, '\\s+')) AS word
              FROM read_csv({sql_string(path)}, columns = {{'line': 'VARCHAR'}}, header = false, auto_detect = false,
                            delim = '\x1f', quote = '', escape = ''))
        WHERE word <> ''
        GROUP BY 1""")
    distinct, total = con.execute("SELECT count(*), sum(n) FROM counts").fetchone()
    top = con.execute("SELECT word, n FROM counts ORDER BY n DESC, word LIMIT 5").fetchall()
    con.execute("DROP TABLE counts")
    return {"distinct": distinct, "total": int(total), "top5": [[w, c] for w, c in top]}


def chdb_string(text):
    """A ClickHouse string literal: backslashes are escapes there too."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def chdb_connect():
    """chDB (embedded ClickHouse), in memory, on 2 threads; returns (connection, cursor, version)."""
    import chdb
    con = chdb.connect(":memory:")
    cur = con.cursor()
    cur.execute(f"SET max_threads = {THREADS}")
    cur.execute(f"SET max_parsing_threads = {THREADS}")
    cur.execute("SELECT version()")
    return con, cur, f"chdb {chdb.__version__} (ClickHouse {cur.fetchone()[0]})"


def wc_chdb(cur, path):
    # splitByWhitespace splits on runs of ' ', \t, \n, \v, \f, \r (str.split also on \x1c-\x1f and
    # Unicode spaces) and gives no empty strings; lower() is ASCII only (lowerUTF8 would fold Unicode).
    # words.txt is ASCII with only ' ' and '\n' between words, so they agree with str.split/str.lower.
    cur.execute(f"""
        CREATE TABLE counts ENGINE = Memory AS
        SELECT lower(w) AS word, count() AS n
        FROM file({chdb_string(path)}, 'LineAsString', 'line String')
        ARRAY JOIN splitByWhitespace(line) AS w
        GROUP BY 1""")
    cur.execute("SELECT count(), sum(n) FROM counts")
    distinct, total = cur.fetchone()
    cur.execute("SELECT word, n FROM counts ORDER BY n DESC, word LIMIT 5")
    top = cur.fetchall()
    cur.execute("DROP TABLE counts SYNC")
    return {"distinct": int(distinct), "total": int(total), "top5": [[w, int(c)] for w, c in top]}


def datafusion_context():
    """A DataFusion session on 2 target partitions; returns (context, version)."""
    import datafusion
    ctx = datafusion.SessionContext(datafusion.SessionConfig().with_target_partitions(THREADS))
    return ctx, f"datafusion {datafusion.__version__}"


def wc_datafusion(ctx, path):
    # DataFusion has no split-on-whitespace function: string_to_array on ' ', then the empty strings
    # (from runs of spaces, or a space ending a line) dropped. words.txt has only ' ' between words, so
    # it agrees with str.split; lower() folds Unicode. The lines are read as one-column CSV with a
    # separator and quote that the text lacks. The counts are materialised (cache), then summarised.
    import pyarrow as pa
    from datafusion import CsvReadOptions
    ctx.register_csv("words", path, options=CsvReadOptions(
        has_header=False, delimiter="\x1f", quote="\x1e", file_extension=os.path.splitext(path)[1],
        schema=pa.schema([("line", pa.string())])))
    counts = ctx.sql("""
        SELECT lower(w) AS word, count(*) AS n
        FROM (SELECT unnest(string_to_array(line, ' ')) AS w FROM words)
        WHERE w <> ''
        GROUP BY 1""").cache()
    ctx.register_view("counts", counts)
    summary, = ctx.sql("SELECT count(*) AS distinct_words, sum(n) AS total FROM counts").to_pylist()
    distinct, total = summary["distinct_words"], summary["total"]
    top = ctx.sql("SELECT word, n FROM counts ORDER BY n DESC, word LIMIT 5").to_pylist()
    ctx.deregister_table("counts")
    ctx.deregister_table("words")
    return {"distinct": int(distinct), "total": int(total), "top5": [[r["word"], int(r["n"])] for r in top]}


def summarise_partition(pairs):
    """Spark: (distinct, total, top 5) of one partition of (word, count) pairs."""
    distinct = total = 0

    def counted():
        nonlocal distinct, total
        for pair in pairs:
            distinct += 1
            total += pair[1]
            yield pair

    top = heapq.nsmallest(5, counted(), key=top5_key)
    yield distinct, total, top


def wc_spark(sc, path):
    from operator import add
    counts = (sc.textFile(path)
              .flatMap(lambda line: line.split())
              .map(lambda word: (word.lower(), 1))
              .reduceByKey(add))
    parts = counts.mapPartitions(summarise_partition).collect()
    top = heapq.nsmallest(5, (p for _, _, tops in parts for p in tops), key=top5_key)
    return {"distinct": sum(p[0] for p in parts), "total": sum(p[1] for p in parts),
            "top5": [[w, c] for w, c in top]}


# ---------------------------------------------------------------- CSV

def groupby_check(rows):
    """rows: (location, sum_rating, avg_price, count) per group."""
    rows = list(rows)
    return {"groups": len(rows), "sum_rating_total": int(sum(r[1] for r in rows)),
            "count_total": int(sum(r[3] for r in rows)), "avg_price_sum": round(sum(r[2] for r in rows), 6)}


def prices_check(prices):
    return {"prices": [round(float(p), 2) for p in prices]}


class PandasCsv:
    def __init__(self, data):
        import pandas as pd
        self.pd, self.data, self.df = pd, data, None
        self.version = f"pandas {pd.__version__}"

    def load(self):
        self.df = self.loc = None  # let the previous copy go before loading again
        self.df = self.pd.read_csv(os.path.join(self.data, "cities.csv"),
                                   dtype={"location": "str", "state": "str", "rating": "int32", "price": "float64"})
        self.loc = self.pd.read_csv(os.path.join(self.data, "locations.csv"),
                                    dtype={"location": "str", "population": "int64"})
        return {"rows": len(self.df), "locations_rows": len(self.loc)}

    def csv_filter_count(self):
        return {"count": int((self.df["state"] == "CA").sum())}

    def csv_groupby_agg(self):
        g = self.df.groupby("location", sort=False).agg(sum_rating=("rating", "sum"), avg_price=("price", "mean"),
                                                        n=("price", "size"))
        return groupby_check(g.itertuples())

    def csv_sort_top10(self):
        return prices_check(self.df.sort_values("price", ascending=False).head(10)["price"])

    def top_k(self):
        return prices_check(self.df.nlargest(10, "price")["price"])

    def csv_right_join_count(self):
        return {"count": len(self.df.merge(self.loc, on="location", how="right"))}


class PolarsCsv:
    def __init__(self, data):
        import polars as pl
        self.pl, self.data, self.df = pl, data, None
        self.version = f"polars {pl.__version__}"

    def load(self):
        pl = self.pl
        self.df = self.loc = None
        self.df = pl.read_csv(os.path.join(self.data, "cities.csv"), schema={
            "location": pl.String, "state": pl.String, "rating": pl.Int32, "price": pl.Float64})
        self.loc = pl.read_csv(os.path.join(self.data, "locations.csv"),
                               schema={"location": pl.String, "population": pl.Int64})
        return {"rows": self.df.height, "locations_rows": self.loc.height}

    def csv_filter_count(self):
        return {"count": self.df.filter(self.pl.col("state") == "CA").height}

    def csv_groupby_agg(self):
        pl = self.pl
        g = self.df.group_by("location").agg(pl.col("rating").sum().alias("sum_rating"),
                                             pl.col("price").mean().alias("avg_price"), pl.len().alias("n"))
        return groupby_check(g.iter_rows())

    def csv_sort_top10(self):
        return prices_check(self.df.sort("price", descending=True).head(10)["price"])

    def top_k(self):
        return prices_check(self.df.top_k(10, by="price").sort("price", descending=True)["price"])

    def csv_right_join_count(self):
        return {"count": self.df.join(self.loc, on="location", how="right").height}


class DuckdbCsv:
    def __init__(self, data):
        import duckdb
        self.con, self.data = duckdb.connect(), data
        self.version = f"duckdb {duckdb.__version__}"

    def load(self):
        con = self.con
        con.execute("DROP TABLE IF EXISTS cities; DROP TABLE IF EXISTS locations")
        cities, locations = (sql_string(os.path.join(self.data, f)) for f in ("cities.csv", "locations.csv"))
        con.execute(f"""CREATE TABLE cities AS SELECT * FROM read_csv({cities}, header = true,
                        auto_detect = false, columns = {{'location': 'VARCHAR', 'state': 'VARCHAR',
                                                         'rating': 'INTEGER', 'price': 'DOUBLE'}})""")
        con.execute(f"""CREATE TABLE locations AS SELECT * FROM read_csv({locations}, header = true,
                        auto_detect = false, columns = {{'location': 'VARCHAR', 'population': 'BIGINT'}})""")
        rows, = con.execute("SELECT count(*) FROM cities").fetchone()
        small, = con.execute("SELECT count(*) FROM locations").fetchone()
        return {"rows": rows, "locations_rows": small}

    def csv_filter_count(self):
        return {"count": self.con.execute("SELECT count(*) FROM cities WHERE state = 'CA'").fetchone()[0]}

    def csv_groupby_agg(self):
        return groupby_check(self.con.execute(
            "SELECT location, sum(rating), avg(price), count(*) FROM cities GROUP BY location").fetchall())

    def csv_sort_top10(self):
        rows = self.con.execute("SELECT * FROM cities ORDER BY price DESC LIMIT 10").fetchall()
        return prices_check(r[3] for r in rows)

    def csv_right_join_count(self):
        return {"count": self.con.execute(
            "SELECT count(*) FROM cities c RIGHT JOIN locations l ON c.location = l.location").fetchone()[0]}


class ChdbCsv:
    """chDB: both files into Memory-engine tables of the in-memory session, then SQL on them."""

    def __init__(self, data):
        self.con, self.cur, self.version = chdb_connect()
        # ClickHouse's default float parser is fast but not correctly rounded (a few prices load an ulp
        # off); the precise one gives the same doubles as every other framework's parser.
        self.cur.execute("SET precise_float_parsing = 1")
        self.data = data

    def query(self, sql):
        self.cur.execute(sql)
        return self.cur.fetchall()

    def load(self):
        cur = self.cur
        for table in ("cities", "locations"):
            cur.execute(f"DROP TABLE IF EXISTS {table} SYNC")  # SYNC: freed now, not later
        cities, locations = (chdb_string(os.path.join(self.data, f)) for f in ("cities.csv", "locations.csv"))
        cur.execute(f"""CREATE TABLE cities ENGINE = Memory AS SELECT * FROM file({cities}, 'CSVWithNames',
                        'location String, state String, rating Int32, price Float64')""")
        cur.execute(f"""CREATE TABLE locations ENGINE = Memory AS SELECT * FROM file({locations}, 'CSVWithNames',
                        'location String, population Int64')""")
        (rows,), = self.query("SELECT count() FROM cities")
        (small,), = self.query("SELECT count() FROM locations")
        return {"rows": int(rows), "locations_rows": int(small)}

    def csv_filter_count(self):
        (count,), = self.query("SELECT count() FROM cities WHERE state = 'CA'")
        return {"count": int(count)}

    def csv_groupby_agg(self):
        return groupby_check(self.query(
            "SELECT location, sum(rating), avg(price), count() FROM cities GROUP BY location"))

    def csv_sort_top10(self):
        return prices_check(r[3] for r in self.query("SELECT * FROM cities ORDER BY price DESC LIMIT 10"))

    def csv_right_join_count(self):
        # ALL strictness (ClickHouse's default): every matching pair is a row, unmatched locations once.
        (count,), = self.query("SELECT count() FROM cities c RIGHT JOIN locations l ON c.location = l.location")
        return {"count": int(count)}


class DatafusionCsv:
    """DataFusion: both files read with their schemas and cached (in-memory Arrow tables), then SQL."""

    def __init__(self, data):
        self.ctx, self.version = datafusion_context()
        self.data = data

    def load(self):
        import pyarrow as pa
        from datafusion import CsvReadOptions
        ctx = self.ctx
        for table in ("cities", "locations"):
            if ctx.table_exist(table):
                ctx.deregister_table(table)
        self.df = self.loc = None  # let the previous copy go before loading again
        self.df = ctx.read_csv(os.path.join(self.data, "cities.csv"), options=CsvReadOptions(
            has_header=True, schema=pa.schema([("location", pa.string()), ("state", pa.string()),
                                               ("rating", pa.int32()), ("price", pa.float64())]))).cache()
        self.loc = ctx.read_csv(os.path.join(self.data, "locations.csv"), options=CsvReadOptions(
            has_header=True, schema=pa.schema([("location", pa.string()), ("population", pa.int64())]))).cache()
        ctx.register_view("cities", self.df)
        ctx.register_view("locations", self.loc)
        return {"rows": self.df.count(), "locations_rows": self.loc.count()}

    def scalar(self, sql):
        (value,), = (tuple(r.values()) for r in self.ctx.sql(sql).to_pylist())
        return int(value)

    def csv_filter_count(self):
        return {"count": self.scalar("SELECT count(*) FROM cities WHERE state = 'CA'")}

    def csv_groupby_agg(self):
        rows = self.ctx.sql("SELECT location, sum(rating), avg(price), count(*) FROM cities GROUP BY location")
        return groupby_check(tuple(r.values()) for r in rows.to_pylist())

    def csv_sort_top10(self):
        return prices_check(r["price"] for r in
                            self.ctx.sql("SELECT * FROM cities ORDER BY price DESC LIMIT 10").to_pylist())

    def csv_right_join_count(self):
        return {"count": self.scalar(
            "SELECT count(*) FROM cities c RIGHT JOIN locations l ON c.location = l.location")}


class SparkCsv:
    def __init__(self, data, spark):
        from pyspark.sql import functions as F
        self.F, self.spark, self.data, self.df, self.loc = F, spark, data, None, None

    def load(self):
        # Load = read with an explicit schema, cache, and count (the count materialises the cache).
        for old in (self.df, self.loc):
            if old is not None:
                old.unpersist(blocking=True)
        read = self.spark.read
        self.df = read.csv(os.path.join(self.data, "cities.csv"), header=True,
                           schema="location STRING, state STRING, rating INT, price DOUBLE").cache()
        self.loc = read.csv(os.path.join(self.data, "locations.csv"), header=True,
                            schema="location STRING, population BIGINT").cache()
        return {"rows": self.df.count(), "locations_rows": self.loc.count()}

    def csv_filter_count(self):
        return {"count": self.df.filter(self.F.col("state") == "CA").count()}

    def csv_groupby_agg(self):
        F = self.F
        rows = self.df.groupBy("location").agg(F.sum("rating"), F.avg("price"), F.count(F.lit(1))).collect()
        return groupby_check(rows)

    def csv_sort_top10(self):
        return prices_check(r["price"] for r in self.df.orderBy(self.F.col("price").desc()).limit(10).collect())

    def csv_right_join_count(self):
        return {"count": self.df.join(self.loc, on="location", how="right").count()}


# ---------------------------------------------------------------- drivers

def start_spark():
    """SparkSession on local[2]; returns (session, start-up seconds). The JVM's stderr is ours."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    start = time.perf_counter()
    spark = (SparkSession.builder.master("local[2]").appName("kiln-pipeline-anchors")
             .config("spark.driver.memory", "8g")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("WARN")
    return spark, time.perf_counter() - start


def run_wordcount(args, meter):
    path = os.path.join(args.data, "words.txt")
    extra = {}
    if args.framework == "pyspark":
        spark, startup = start_spark()
        extra = {"startup_s": round(startup, 3), "version": f"pyspark {spark.version} (RDD API, local[2])"}
        fn = lambda: wc_spark(spark.sparkContext, path)
    elif args.framework == "duckdb":
        import duckdb
        con = duckdb.connect()
        extra = {"version": f"duckdb {duckdb.__version__}"}
        fn = lambda: wc_duckdb(con, path)
    elif args.framework == "polars":
        import polars
        extra = {"version": f"polars {polars.__version__}"}
        fn = lambda: wc_polars(path)
    elif args.framework == "chdb":
        _con, cur, version = chdb_connect()
        extra = {"version": version}
        fn = lambda: wc_chdb(cur, path)
    elif args.framework == "datafusion":
        ctx, version = datafusion_context()
        extra = {"version": version}
        fn = lambda: wc_datafusion(ctx, path)
    elif args.framework == "uniq":
        sort_version = subprocess.run(["sort", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        extra = {"version": f"{sort_version}, LC_ALL=C tr | tr | sort | uniq -c"}
        fn = lambda: wc_uniq(path)
    elif args.framework == "python":
        extra = {"version": f"python {sys.version.split()[0]} collections.Counter"}
        fn = lambda: wc_python(path)
    else:
        sys.exit(f"anchors: no word count for {args.framework}")
    meter.reset()
    warmup, runs, check = timed(fn, args)
    emit(args.framework, "wordcount", warmup, runs, meter.finish(), check, **extra)


def run_csv(args, meter, ops):
    extra = {}
    if args.framework == "pyspark":
        spark, startup = start_spark()
        bench = SparkCsv(args.data, spark)
        extra = {"startup_s": round(startup, 3), "version": f"pyspark {spark.version} (DataFrame API, local[2])"}
    else:
        kinds = {"pandas": PandasCsv, "polars": PolarsCsv, "duckdb": DuckdbCsv, "chdb": ChdbCsv,
                 "datafusion": DatafusionCsv}
        if args.framework not in kinds:
            sys.exit(f"anchors: no CSV workloads for {args.framework}")
        bench = kinds[args.framework](args.data)
        extra = {"version": bench.version}
    for op in ["csv_load"] + ops:
        variants = [(args.framework, bench.load if op == "csv_load" else getattr(bench, op))]
        if op == "csv_sort_top10" and hasattr(bench, "top_k"):  # the library's own top-k, as an extra row
            call = "nlargest" if args.framework == "pandas" else "top_k"
            variants.append((f"{args.framework} ({call})", bench.top_k))
        for name, fn in variants:
            meter.reset()
            warmup, runs, check = timed(fn, args)
            emit(name, op, warmup, runs, meter.finish(), check, **extra)


def run_kiln(args, meter):
    """Relays the JSON lines of $KILN_PIPELINE_BENCH DIR WORKLOAD --repeats N; a phase ends at each line."""
    exe = os.environ.get("KILN_PIPELINE_BENCH")
    if not exe:
        sys.exit("anchors: set KILN_PIPELINE_BENCH to Kiln's pipeline benchmark executable")
    proc = subprocess.Popen([exe, args.data, args.workload, "--repeats", str(args.repeats),
                             "--warmup", str(args.warmup)],
                            stdout=subprocess.PIPE, text=True)
    meter.reset()
    lines, by_workload = [], {}
    for raw in proc.stdout:
        if not raw.strip().startswith("{"):
            print(raw, end="", file=sys.stderr)
            continue
        line = json.loads(raw)
        if "peak_rss_mb" in line:
            line["reported_peak_rss_mb"] = line["peak_rss_mb"]
        shared = by_workload.get(line.get("same_runs_as"))
        if shared is not None:
            # Timed inside another line's runs (one pipeline run times every CSV step): that
            # phase's peak and noise are this line's too; its own phase lasted no time.
            line["peak_rss_mb"], line["others_cpu_pct"] = shared["peak_rss_mb"], shared["others_cpu_pct"]
            line["note"] = f"steps of one pipeline run; memory is {shared['workload']}'s phase"
        else:
            line.update(meter.finish(alive=proc.poll() is None))
            meter.reset()
        line["framework"] = "kiln"
        lines.append(line)
        by_workload[line["workload"]] = line
    if proc.wait() != 0:
        sys.exit(f"anchors: {exe} exited with {proc.returncode}")
    # A line that came after the process had ended (stdout not flushed per line) gets its whole-run peak.
    whole = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / MB, 1)
    for line in lines:
        if line["peak_rss_mb"] is None:
            line["peak_rss_mb"] = whole
            line["note"] = "peak RSS of the whole process: flush stdout after each line for per-phase peaks"
        print(json.dumps(line), flush=True)


def main():
    ap = argparse.ArgumentParser(description="One framework on one pipeline workload; JSON lines on stdout.")
    ap.add_argument("data", help="folder made by gen_data.py")
    ap.add_argument("workload", choices=["wordcount", "csv"] + CSV_OPS)
    ap.add_argument("framework", choices=sorted(set(WORDCOUNT_FRAMEWORKS + CSV_FRAMEWORKS + ["kiln"])))
    ap.add_argument("--repeats", type=int, help="timed runs per measurement "
                    "(default 5; 3 for pyspark, and for the word count of more than 50 MB)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs before them (default 1)")
    args = ap.parse_args()
    args.data = os.path.abspath(args.data)
    if args.repeats is None:
        big_text = os.path.getsize(os.path.join(args.data, "words.txt")) > 50e6
        args.repeats = 3 if args.framework == "pyspark" or (args.workload == "wordcount" and big_text) else 5
    if args.framework == "kiln":
        run_kiln(args, PeakMeter(include_self=False))
    elif args.workload == "wordcount":
        run_wordcount(args, PeakMeter())
    else:
        run_csv(args, PeakMeter(), CSV_OPS if args.workload == "csv" else [args.workload])


if __name__ == "__main__":
    main()
