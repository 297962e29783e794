"""Reference results of pyspark.ml (local[2]) for Kiln's ML runtime tests: Fixtures/ml/*.json.

Run with the PySpark lane's venv (pyspark 4.0.1, Java 17):
    Tests/PySpark/.venv/bin/python Tests/KilnDataTests/Fixtures/make_spark_ml_fixtures.py
Model uids are random in Spark; the debug strings keep everything after the uid.
"""
import json
import os
import re

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
from pyspark.sql import SparkSession
from pyspark.ml import Pipeline
from pyspark.ml.feature import StringIndexer, VectorIndexer, IndexToString, VectorAssembler, OneHotEncoder, StandardScaler, MinMaxScaler
from pyspark.ml.classification import DecisionTreeClassifier, GBTClassifier, RandomForestClassifier
from pyspark.ml.regression import DecisionTreeRegressor, GBTRegressor, RandomForestRegressor
from pyspark.ml.evaluation import MulticlassClassificationEvaluator, RegressionEvaluator, BinaryClassificationEvaluator

here = os.path.dirname(os.path.abspath(__file__))
ml = os.path.join(here, "ml")
spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")


def debug(model):
    """toDebugString without the random uid."""
    return re.sub(r"uid=[^,]+, ", "", model.toDebugString)


def vec(v):
    return {"size": int(v.size), "indices": [int(i) for i in v.indices], "values": [float(x) for x in v.values]} if hasattr(v, "indices") \
        else {"size": len(v), "values": [float(x) for x in v]}


def seed_pipeline(name, path, max_categories, weights, seed, tree_params):
    """The seed's example: indexers fitted on all rows, a split, a tree in a Pipeline, metrics."""
    data = spark.read.format("libsvm").load(path)
    label_indexer = StringIndexer(inputCol="label", outputCol="indexedLabel").fit(data)
    feature_indexer = VectorIndexer(inputCol="features", outputCol="indexedFeatures", maxCategories=max_categories).fit(data)
    train, test = data.randomSplit(weights, seed)
    dt = DecisionTreeClassifier(labelCol="indexedLabel", featuresCol="indexedFeatures", **tree_params)
    model = Pipeline(stages=[label_indexer, feature_indexer, dt]).fit(train)
    predictions = model.transform(test)
    rows = predictions.select("label", "indexedLabel", "prediction", "rawPrediction", "probability").collect()
    metrics = {}
    for metric in ["accuracy", "f1", "weightedPrecision", "weightedRecall"]:
        metrics[metric] = MulticlassClassificationEvaluator(labelCol="indexedLabel", predictionCol="prediction", metricName=metric).evaluate(predictions)
    # scikit-learn's definitions of the same metrics (weighted by each label's support).
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
    truth, predicted = [r.indexedLabel for r in rows], [r.prediction for r in rows]
    sklearn_metrics = {
        "accuracy": accuracy_score(truth, predicted), "f1": f1_score(truth, predicted, average="weighted", zero_division=0),
        "weightedPrecision": precision_score(truth, predicted, average="weighted", zero_division=0),
        "weightedRecall": recall_score(truth, predicted, average="weighted", zero_division=0),
    }
    case = {
        "name": name, "sklearnMetrics": sklearn_metrics, "path": os.path.basename(path), "maxCategories": max_categories, "weights": weights, "seed": seed, "tree": tree_params,
        "labels": label_indexer.labels,
        "categoryMaps": {str(k): {str(v): int(i) for v, i in m.items()} for k, m in feature_indexer.categoryMaps.items()},
        "trainCount": train.count(), "testLabels": [r.label for r in rows],
        "testIndexedLabels": [r.indexedLabel for r in rows], "predictions": [r.prediction for r in rows],
        "rawPredictions": [list(map(float, r.rawPrediction)) for r in rows],
        "debugString": debug(model.stages[2]), "metrics": metrics,
        "show": predictions.select("prediction", "indexedLabel", "features")._jdf.showString(5, 20, False),
    }
    with open(os.path.join(ml, name + ".json"), "w") as f:
        json.dump(case, f, indent=1)


def whole_data_trees(name, path, max_categories, variants):
    """Trees on every row (no split), several parameter sets, classifier and regressor."""
    data = spark.read.format("libsvm").load(path)
    indexed = VectorIndexer(inputCol="features", outputCol="indexedFeatures", maxCategories=max_categories).fit(data).transform(data)
    indexed = StringIndexer(inputCol="label", outputCol="indexedLabel").fit(indexed).transform(indexed)
    out = []
    for kind, params in variants:
        if kind == "classifier":
            model = DecisionTreeClassifier(labelCol="indexedLabel", featuresCol="indexedFeatures", **params).fit(indexed)
        else:
            model = DecisionTreeRegressor(labelCol="label", featuresCol="indexedFeatures", **params).fit(indexed)
        predictions = model.transform(indexed)
        entry = {"kind": kind, "params": params, "debugString": debug(model),
                 "predictions": [r.prediction for r in predictions.select("prediction").collect()]}
        if kind == "regressor":
            entry["metrics"] = {m: RegressionEvaluator(labelCol="label", metricName=m).evaluate(predictions) for m in ["rmse", "mse", "mae", "r2"]}
        else:
            entry["metrics"] = {m: BinaryClassificationEvaluator(labelCol="indexedLabel", metricName=m).evaluate(predictions)
                                for m in ["areaUnderROC", "areaUnderPR"]} if len(set(r.indexedLabel for r in indexed.select("indexedLabel").collect())) == 2 else {}
        out.append(entry)
    with open(os.path.join(ml, name + ".json"), "w") as f:
        json.dump({"name": name, "path": os.path.basename(path), "maxCategories": max_categories, "variants": out}, f, indent=1)


def feature_stages(name):
    """Iris (Fixtures/ml/iris.csv, whose first line is a count header) through the feature stages and two trees."""
    species = ["setosa", "versicolor", "virginica"]
    rows = []
    for line in open(os.path.join(ml, "iris.csv")).read().splitlines()[1:]:
        a, b, c, d, k = line.split(",")
        rows.append((float(a), float(b), float(c), float(d), species[int(k)], 1.0 if float(d) > 1.0 else 0.0))
    df = spark.createDataFrame(rows, "sl double, sw double, pl double, pw double, species string, wide double").coalesce(1)
    df = StringIndexer(inputCol="species", outputCol="speciesIndex").fit(df).transform(df)
    df = OneHotEncoder(inputCol="speciesIndex", outputCol="speciesVec").fit(df).transform(df)
    df = OneHotEncoder(inputCols=["speciesIndex", "wide"], outputCols=["speciesOneHot", "wideOneHot"], dropLast=False).fit(df).transform(df)
    df = VectorAssembler(inputCols=["sl", "sw", "pl", "pw", "speciesVec"], outputCol="features").transform(df)
    df = StandardScaler(inputCol="features", outputCol="scaled").fit(df).transform(df)
    df = StandardScaler(inputCol="features", outputCol="centred", withMean=True).fit(df).transform(df)
    df = MinMaxScaler(inputCol="features", outputCol="minmax").fit(df).transform(df)
    df = VectorAssembler(inputCols=["sl", "sw", "pl", "pw"], outputCol="measures").transform(df)
    df = VectorAssembler(inputCols=["sl", "speciesIndex"], outputCol="mixed").transform(df)
    species_tree = DecisionTreeClassifier(labelCol="speciesIndex", featuresCol="measures", maxDepth=3).fit(df)
    wide_tree = DecisionTreeClassifier(labelCol="wide", featuresCol="mixed").fit(df)
    out = {"rows": [list(r) for r in rows], "columns": {}}
    collected = df.collect()
    for column in ["speciesIndex", "speciesVec", "speciesOneHot", "wideOneHot", "features", "scaled", "centred", "minmax", "mixed"]:
        out["columns"][column] = [vec(r[column]) if hasattr(r[column], "size") else r[column] for r in collected]
    out["speciesTree"] = debug(species_tree)
    out["wideTree"] = debug(wide_tree)
    with open(os.path.join(ml, name + ".json"), "w") as f:
        json.dump(out, f, indent=1)


def gbt_cases(name, frame, variants):
    """GBTClassifier on every row of `frame` (features, label 0/1): the printed ensemble and each
    row's rawPrediction, probability and prediction."""
    out = []
    for params in variants:
        model = GBTClassifier(labelCol="label", featuresCol="features", **params).fit(frame)
        rows = model.transform(frame).select("rawPrediction", "probability", "prediction").collect()
        out.append({"params": params, "debugString": re.sub(r"uid ?= ?[^,]+, ", "", model.toDebugString),
                    "rawPredictions": [list(map(float, r.rawPrediction)) for r in rows],
                    "probabilities": [list(map(float, r.probability)) for r in rows],
                    "predictions": [r.prediction for r in rows]})
    with open(os.path.join(ml, name + ".json"), "w") as f:
        json.dump({"name": name, "variants": out}, f, indent=1)


def forest_cases(name, frame, source, variants):
    """RandomForestClassifier on every row of `frame` (one partition, as Kiln's bagging seeds
    assume): the printed forest, every row's prediction, and the first 300 rows' rawPrediction
    and probability."""
    assert frame.rdd.getNumPartitions() == 1, name
    out = []
    for params in variants:
        model = RandomForestClassifier(labelCol="label", **params).fit(frame)
        rows = model.transform(frame).select("rawPrediction", "probability", "prediction").collect()
        out.append({"params": params, "debugString": debug(model),
                    "rawPredictions": [list(map(float, r.rawPrediction)) for r in rows[:300]],
                    "probabilities": [list(map(float, r.probability)) for r in rows[:300]],
                    "predictions": [r.prediction for r in rows]})
    with open(os.path.join(ml, name + ".json"), "w") as f:
        json.dump({"name": name, "source": source, "variants": out}, f, indent=1)


def forest_regressions(name, frame, source, variants):
    """RandomForestRegressor on every row of `frame` (one partition): the printed forest and every
    row's prediction."""
    assert frame.rdd.getNumPartitions() == 1, name
    out = []
    for params in variants:
        model = RandomForestRegressor(labelCol="label", **params).fit(frame)
        rows = model.transform(frame).select("prediction").collect()
        out.append({"params": params, "debugString": debug(model), "predictions": [r.prediction for r in rows]})
    with open(os.path.join(ml, name + ".json"), "w") as f:
        json.dump({"name": name, "source": source, "variants": out}, f, indent=1)


def gbt_regressions(name, frame, source, variants):
    """GBTRegressor on every row of `frame`: the printed ensemble and every row's prediction."""
    out = []
    for params in variants:
        model = GBTRegressor(labelCol="label", **params).fit(frame)
        rows = model.transform(frame).select("prediction").collect()
        out.append({"params": params, "debugString": re.sub(r"uid ?= ?[^,]+, ", "", model.toDebugString),
                    "predictions": [r.prediction for r in rows]})
    with open(os.path.join(ml, name + ".json"), "w") as f:
        json.dump({"name": name, "source": source, "variants": out}, f, indent=1)


def cancer_frame():
    """Fixtures/ml/breast_cancer.csv (a count header, 30 measures, the label 0/1) as features and label, one partition."""
    rows = [list(map(float, line.split(","))) for line in open(os.path.join(ml, "breast_cancer.csv")).read().splitlines()[1:]]
    df = spark.createDataFrame([r[:30] + [r[30]] for r in rows], ", ".join(f"f{i} double" for i in range(30)) + ", label double").coalesce(1)
    return VectorAssembler(inputCols=[f"f{i}" for i in range(30)], outputCol="features").transform(df)


libsvm = os.path.join(ml, "sample_libsvm_data.txt")
digits = os.path.join(ml, "digits.libsvm")
seed_pipeline("seed_libsvm", libsvm, 5, [0.75, 0.25], 1234, {})
seed_pipeline("seed_digits", digits, 5, [0.75, 0.25], 7, {})
seed_pipeline("seed_digits_entropy", digits, 8, [0.7, 0.3], 11, {"impurity": "entropy", "maxDepth": 7, "maxBins": 16, "minInstancesPerNode": 3})
whole_data_trees("trees_libsvm", libsvm, 5, [
    ("classifier", {}), ("classifier", {"maxDepth": 2, "impurity": "entropy"}), ("classifier", {"minInstancesPerNode": 10, "maxBins": 8}),
    ("classifier", {"minInfoGain": 0.05}), ("regressor", {}), ("regressor", {"maxDepth": 3, "minInstancesPerNode": 4}),
])
whole_data_trees("trees_digits", digits, 3, [
    ("classifier", {"maxDepth": 4}), ("classifier", {"maxDepth": 6, "maxBins": 5, "impurity": "entropy"}), ("regressor", {"maxDepth": 4}),
])
feature_stages("features_iris")
gbt_cases("gbt_libsvm", spark.read.format("libsvm").load(libsvm), [{}, {"maxIter": 5, "maxDepth": 2, "stepSize": 0.3}])
gbt_cases("gbt_cancer", cancer_frame(), [{"maxIter": 10}, {"maxIter": 4, "maxDepth": 3, "minInstancesPerNode": 5, "maxBins": 16}])
def forest_random_sources(name):
    """The JVM's draws that a forest's bagging and feature subsets take: java.util.Random.nextLong,
    commons-math3's Well19937c and PoissonDistribution, and a class name's hashCode."""
    jvm = spark._jvm
    java_random = jvm.java.util.Random(42)
    well = jvm.org.apache.commons.math3.random.Well19937c(jvm.java.lang.Long.valueOf(-1234567890123))
    poissons = {}
    for mean, seed in [(1.0, 43), (0.7, 12)]:
        poisson = jvm.org.apache.commons.math3.distribution.PoissonDistribution(mean)
        poisson.reseedRandomGenerator(seed)
        poissons[str(mean)] = {"seed": seed, "samples": [poisson.sample() for _ in range(40)]}
    out = {"javaRandom42": [str(java_random.nextLong()) for _ in range(3)],
           "well19937cDoubles": [well.nextDouble() for _ in range(5)],
           "poisson": poissons,
           "classNameHash": jvm.java.util.Objects.hashCode("org.apache.spark.ml.classification.RandomForestClassifier")}
    with open(os.path.join(ml, name + ".json"), "w") as f:
        json.dump(out, f, indent=1)


gbt_cases("gbt_sampled_libsvm", spark.read.format("libsvm").load(libsvm), [
    {"maxIter": 5, "subsamplingRate": 0.7, "seed": 3}, {"maxIter": 4, "featureSubsetStrategy": "sqrt", "seed": 5},
])
gbt_cases("gbt_sampled_cancer", cancer_frame(), [
    {"maxIter": 4, "subsamplingRate": 0.5, "featureSubsetStrategy": "onethird", "maxDepth": 3, "seed": 9},
])
forest_regressions("rfr_libsvm", spark.read.format("libsvm").load(libsvm), "sample_libsvm_data.txt", [
    {"numTrees": 5, "seed": 42}, {"numTrees": 3, "maxDepth": 3, "featureSubsetStrategy": "sqrt", "bootstrap": False, "subsamplingRate": 0.8, "seed": 7},
])
forest_regressions("rfr_digits", spark.read.format("libsvm").load(digits), "digits.libsvm", [
    {"numTrees": 8, "maxDepth": 4, "seed": 5},
])
gbt_regressions("gbtr_libsvm", spark.read.format("libsvm").load(libsvm), "sample_libsvm_data.txt", [
    {"maxIter": 5}, {"maxIter": 4, "maxDepth": 3, "lossType": "absolute"},
    {"maxIter": 4, "subsamplingRate": 0.6, "featureSubsetStrategy": "sqrt", "seed": 2},
])
gbt_regressions("gbtr_digits", spark.read.format("libsvm").load(digits), "digits.libsvm", [{"maxIter": 3, "maxDepth": 4}])
forest_random_sources("rf_random")
forest_cases("rf_libsvm", spark.read.format("libsvm").load(libsvm), "sample_libsvm_data.txt", [
    {"numTrees": 5, "seed": 42}, {"numTrees": 3, "maxDepth": 3, "featureSubsetStrategy": "onethird", "impurity": "entropy", "seed": 7},
    {"numTrees": 4, "bootstrap": False, "subsamplingRate": 0.6, "seed": 3},
])
digits_frame = spark.read.format("libsvm").load(digits)
forest_cases("rf_digits", VectorIndexer(inputCol="features", outputCol="indexedFeatures", maxCategories=3).fit(digits_frame).transform(digits_frame),
             "digits.libsvm", [
    {"featuresCol": "indexedFeatures", "numTrees": 10, "maxDepth": 4, "seed": 5},
    {"featuresCol": "indexedFeatures", "numTrees": 6, "featureSubsetStrategy": "0.3", "maxBins": 8, "minInstancesPerNode": 3, "seed": 9},
])
forest_cases("rf_cancer", cancer_frame(), "breast_cancer.csv", [
    {"seed": 1}, {"numTrees": 4, "featureSubsetStrategy": "log2", "subsamplingRate": 0.7, "maxDepth": 6, "seed": 11},
])
spark.stop()
