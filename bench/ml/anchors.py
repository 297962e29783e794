"""The anchors of bench/ml: scikit-learn's and Spark MLlib's (local[2]) decision trees, maxDepth 5,
fit and predict on the libsvm sample (indexed as the seed indexes it) and the synthetic table;
then 20-tree random forests and 20 rounds of boosting (maxDepth 5) on the libsvm sample and the
table's first 100,000 rows (scikit-learn: RandomForestClassifier on both cores, and
HistGradientBoostingClassifier with 32 bins, its fastest boosting).
One JSON line per measurement. Usage: python anchors.py DATA_DIR FRAMEWORK [--repeats N]"""
import json
import os
import statistics
import sys
import time

directory, framework = sys.argv[1], sys.argv[2]
repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 5


def timed(body):
    start = time.perf_counter()
    result = body()
    return time.perf_counter() - start, result


def emit(**fields):
    print(json.dumps(fields, sort_keys=True), flush=True)


def sklearn_anchor():
    import numpy as np
    from sklearn.datasets import load_svmlight_file
    from sklearn.tree import DecisionTreeClassifier
    x, y = load_svmlight_file(os.path.join(directory, "sample_libsvm_data.txt"))
    data = np.fromfile(os.path.join(directory, "synthetic.f64"), dtype="<f8").reshape(-1, 21)
    for name, features, labels in [("libsvm", x.toarray(), y), ("synthetic", data[:, :20], data[:, 20])]:
        tree = DecisionTreeClassifier(max_depth=5).fit(features, labels)
        fits = [timed(lambda: DecisionTreeClassifier(max_depth=5).fit(features, labels))[0] for _ in range(repeats)]
        predicts = [timed(lambda: tree.predict(features))[0] for _ in range(repeats)]
        emit(framework="sklearn", workload=f"tree_fit_{name}", seconds=statistics.median(fits), rows=len(labels))
        emit(framework="sklearn", workload=f"tree_predict_{name}", seconds=statistics.median(predicts), rows=len(labels))
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    families = {
        "forest": lambda: RandomForestClassifier(n_estimators=20, max_depth=5, max_features="sqrt", n_jobs=2, random_state=42),
        "gbt": lambda: HistGradientBoostingClassifier(max_iter=20, max_depth=5, max_leaf_nodes=None, max_bins=32, learning_rate=0.1,
                                                      early_stopping=False),
    }
    for family, make in families.items():
        for name, features, labels in [("libsvm", x.toarray(), y), ("synthetic100k", data[:100_000, :20], data[:100_000, 20])]:
            model = make().fit(features, labels)
            fits = [timed(lambda: make().fit(features, labels))[0] for _ in range(repeats)]
            predicts = [timed(lambda: model.predict(features))[0] for _ in range(repeats)]
            emit(framework="sklearn", workload=f"{family}_fit_{name}", seconds=statistics.median(fits), rows=len(labels))
            emit(framework="sklearn", workload=f"{family}_predict_{name}", seconds=statistics.median(predicts), rows=len(labels))


def spark_anchor():
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession
    from pyspark.ml.classification import DecisionTreeClassifier
    from pyspark.ml.feature import StringIndexer, VectorAssembler, VectorIndexer
    spark = SparkSession.builder.master("local[2]").config("spark.driver.memory", "6g").config("spark.ui.enabled", "false").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    libsvm = spark.read.format("libsvm").load(os.path.join(directory, "sample_libsvm_data.txt"))
    libsvm = VectorIndexer(inputCol="features", outputCol="indexedFeatures", maxCategories=5).fit(libsvm).transform(libsvm)
    libsvm = StringIndexer(inputCol="label", outputCol="indexedLabel").fit(libsvm).transform(libsvm).cache()
    synthetic = spark.read.parquet(os.path.join(directory, "synthetic.parquet"))
    synthetic = VectorAssembler(inputCols=[f"f{i}" for i in range(20)], outputCol="features").transform(synthetic).select("features", "label").cache()
    for name, frame, label, features in [("libsvm", libsvm, "indexedLabel", "indexedFeatures"), ("synthetic", synthetic, "label", "features")]:
        rows = frame.count()
        tree = DecisionTreeClassifier(labelCol=label, featuresCol=features, maxDepth=5)
        model = tree.fit(frame)
        fits = [timed(lambda: tree.fit(frame))[0] for _ in range(repeats)]
        # predict: transform every row and force it (a sum over the predictions).
        predicts = [timed(lambda: model.transform(frame).agg({"prediction": "sum"}).collect())[0] for _ in range(repeats)]
        emit(framework="spark", workload=f"tree_fit_{name}", seconds=statistics.median(fits), rows=rows)
        emit(framework="spark", workload=f"tree_predict_{name}", seconds=statistics.median(predicts), rows=rows)
    from pyspark.ml.classification import GBTClassifier, RandomForestClassifier
    head = synthetic.limit(100_000).cache()
    for family in ["forest", "gbt"]:
        for name, frame, label, features in [("libsvm", libsvm, "indexedLabel", "indexedFeatures"), ("synthetic100k", head, "label", "features")]:
            rows = frame.count()
            estimator = (RandomForestClassifier(labelCol=label, featuresCol=features, numTrees=20, maxDepth=5, seed=42) if family == "forest"
                         else GBTClassifier(labelCol=label, featuresCol=features, maxIter=20, maxDepth=5))
            model = estimator.fit(frame)
            fits = [timed(lambda: estimator.fit(frame))[0] for _ in range(repeats)]
            predicts = [timed(lambda: model.transform(frame).agg({"prediction": "sum"}).collect())[0] for _ in range(repeats)]
            emit(framework="spark", workload=f"{family}_fit_{name}", seconds=statistics.median(fits), rows=rows)
            emit(framework="spark", workload=f"{family}_predict_{name}", seconds=statistics.median(predicts), rows=rows)
    spark.stop()


{"sklearn": sklearn_anchor, "spark": spark_anchor}[framework]()
