import XCTest
@testable import KilnCompiler
import KilnSpec

/// Broken ML pipeline specs: each row's diagnostics, exactly, in Spark's words where Spark has
/// words for the mistake (transformSchema's column checks, ParamValidators), once per mistake.
final class MLSpecErrorTableTests: XCTestCase {
    struct Row {
        var name: String
        var spec: String
        var expected: [String]
    }

    static let header = "pipeline: P\nsources:\n  data: {libsvm: data.txt}\n  people: {rows: [[a, 1.0]], schema: {name: string, x: double}}\nsteps:\n"
    var header: String { Self.header }

    var rows: [Row] { [
        Row(name: "debug_stage_past", spec: header + "  dt: {DecisionTreeClassifier: {}}\n  m: {Pipeline: [dt], fit: data}\n  d: {toDebugString: m, stage: 1}\n",
            expected: ["8:32: error: stage 1 is past the 1 stages of 'm'"]),
        Row(name: "evaluator_missing_prediction", spec: header + "  e: {evaluate: {MulticlassClassificationEvaluator: {}}, from: data}\n",
            expected: ["6:18: error: [FIELD_NOT_FOUND] No such struct field `prediction` in `label`, `features`. SQLSTATE: 42704"]),
        Row(name: "filter_vectors", spec: header + "  f: {filter: \"label > 0\", from: data}\n",
            expected: ["6:7: error: step 'f' cannot filter a DataFrame with vector column 'features' yet; select the other columns first, or give it to an ML stage"]),
        Row(name: "fit_transformer", spec: header + "  its: {IndexToString: {inputCol: label, outputCol: name}, fit: data}\n",
            expected: ["6:9: error: IndexToString is a transformer and has no fit; use it with transform: or in a Pipeline"]),
        Row(name: "impurity_variance", spec: header + "  dt: {DecisionTreeClassifier: {impurity: variance}}\n",
            expected: ["6:43: error: DecisionTreeClassifier parameter impurity given invalid value variance; expected one of gini, entropy"]),
        Row(name: "indexer_vector_input", spec: header + "  li: {StringIndexer: {inputCol: features, outputCol: idx}, fit: data}\n",
            expected: ["6:8: error: requirement failed: The input column features must be either string type or numeric type, but got org.apache.spark.ml.linalg.VectorUDT."]),
        Row(name: "libsvm_vector_type", spec: "pipeline: P\nsources:\n  data: {libsvm: data.txt, vectorType: csr}\n  people: {rows: [[a, 1.0]], schema: {name: string, x: double}}\nsteps:\n  x: {show, from: data}\n",
            expected: ["3:40: error: Invalid value `csr` for parameter `vectorType`. Expected types are `sparse` and `dense`."]),
        Row(name: "one_hot_both_forms", spec: header + "  oh: {OneHotEncoder: {inputCol: x, outputCol: v, inputCols: [x], outputCols: [w]}, fit: people}\n",
            expected: ["6:8: error: OneHotEncoder requires exactly one of inputCol, inputCols Params to be set, but both are set."]),
        Row(name: "one_hot_no_input", spec: header + "  oh: {OneHotEncoder: {outputCol: v}, fit: people}\n",
            expected: ["6:8: error: OneHotEncoder requires exactly one of inputCol, inputCols Params to be set, but neither is set."]),
        Row(name: "one_hot_single_with_outputs", spec: header + "  oh: {OneHotEncoder: {inputCol: x, outputCols: [v]}, fit: people}\n",
            expected: ["6:8: error: OneHotEncoder has the inputCol Param set for single-column transform. The following Params are not applicable and should not be set: outputCols. The following Params must be defined but are not set: outputCol."]),
        Row(name: "one_hot_counts_differ", spec: header + "  oh: {OneHotEncoder: {inputCols: [x, x], outputCols: [v]}, fit: people}\n",
            expected: ["6:8: error: requirement failed: The number of input columns 2 must be the same as the number of output columns 1."]),
        Row(name: "gbt_step_size", spec: header + "  gbt: {GBTClassifier: {stepSize: 1.5}}\n",
            expected: ["6:35: error: GBTClassifier parameter stepSize given invalid value 1.5."]),
        Row(name: "gbt_loss_type", spec: header + "  gbt: {GBTClassifier: {lossType: squared}}\n",
            expected: ["6:35: error: GBTClassifier parameter lossType given invalid value squared; expected one of logistic"]),
        Row(name: "gbt_feature_subsets", spec: header + "  gbt: {GBTClassifier: {featureSubsetStrategy: '0'}}\n",
            expected: ["6:48: error: GBTClassifier parameter featureSubsetStrategy given invalid value 0."]),
        Row(name: "gbt_regression_loss", spec: header + "  gbt: {GBTRegressor: {lossType: logistic}}\n",
            expected: ["6:34: error: GBTRegressor parameter lossType given invalid value logistic; expected one of squared, absolute"]),
        Row(name: "gbt_subsampling_rate", spec: header + "  gbt: {GBTClassifier: {subsamplingRate: 1.5}}\n",
            expected: ["6:42: error: GBTClassifier parameter subsamplingRate given invalid value 1.5."]),
        Row(name: "forest_subset_strategy", spec: header + "  rf: {RandomForestClassifier: {featureSubsetStrategy: half}}\n",
            expected: ["6:56: error: RandomForestClassifier parameter featureSubsetStrategy given invalid value half."]),
        Row(name: "forest_subset_fraction", spec: header + "  rf: {RandomForestClassifier: {featureSubsetStrategy: '1.5'}}\n",
            expected: ["6:56: error: RandomForestClassifier parameter featureSubsetStrategy given invalid value 1.5."]),
        Row(name: "forest_no_trees", spec: header + "  rf: {RandomForestClassifier: {numTrees: 0}}\n",
            expected: ["6:43: error: RandomForestClassifier parameter numTrees given invalid value 0."]),
        Row(name: "forest_subsampling_rate", spec: header + "  rf: {RandomForestClassifier: {subsamplingRate: 0}}\n",
            expected: ["6:50: error: RandomForestClassifier parameter subsamplingRate given invalid value 0.0."]),
        Row(name: "regression_forest_impurity", spec: header + "  rf: {RandomForestRegressor: {impurity: gini}}\n",
            expected: ["6:42: error: RandomForestRegressor parameter impurity given invalid value gini; expected one of variance"]),
        Row(name: "forest_label_column", spec: header + "  rf: {RandomForestClassifier: {labelCol: name}, fit: people}\n",
            expected: ["6:8: error: [FIELD_NOT_FOUND] No such struct field `features` in `name`, `x`. SQLSTATE: 42704"]),
        Row(name: "max_bins_one", spec: header + "  dt: {DecisionTreeClassifier: {maxBins: 1}}\n",
            expected: ["6:42: error: DecisionTreeClassifier parameter maxBins given invalid value 1."]),
        Row(name: "max_categories_one", spec: header + "  vi: {VectorIndexer: {inputCol: features, outputCol: idx, maxCategories: 1}, fit: data}\n",
            expected: ["6:75: error: VectorIndexer parameter maxCategories given invalid value 1."]),
        Row(name: "max_depth_31", spec: header + "  dt: {DecisionTreeClassifier: {maxDepth: 31}}\n",
            expected: ["6:43: error: DecisionTreeClassifier parameter maxDepth given invalid value 31."]),
        Row(name: "model_read_as_rows", spec: header + "  li: {StringIndexer: {inputCol: label, outputCol: idx}, fit: data}\n  s: {show, from: li}\n",
            expected: ["7:19: error: 'li' is a StringIndexer model and yields no rows to read; apply it with transform: li"]),
        Row(name: "output_exists", spec: header + "  li: {StringIndexer: {inputCol: label, outputCol: features}, fit: data}\n",
            expected: ["6:8: error: requirement failed: Output column features already exists."]),
        Row(name: "param_type", spec: header + "  dt: {DecisionTreeClassifier: {maxDepth: deep}}\n",
            expected: ["6:43: error: expected an integer for 'maxDepth', received a string \"deep\""]),
        Row(name: "pipeline_no_fit", spec: header + "  dt: {DecisionTreeClassifier: {}}\n  m: {Pipeline: [dt]}\n",
            expected: ["7:17: error: Pipeline 'm' needs 'fit:' to name the data it is fitted on"]),
        Row(name: "pipeline_stage_dataset", spec: header + "  m: {Pipeline: [people], fit: data}\n",
            expected: ["6:18: error: 'people' is not an ML stage; a Pipeline's stages are estimators, transformers or fitted models"]),
        Row(name: "pipeline_unknown_stage", spec: header + "  dt: {DecisionTreeClassifier: {}}\n  m: {Pipeline: [dt, ix], fit: data}\n",
            expected: ["7:22: error: unknown dataset 'ix' in step 'm'; the sources and steps so far are data, people"]),
        Row(name: "split_negative", spec: header + "  t: {randomSplit: [-0.5, 1.0], seed: 1, part: 0, from: data}\n",
            expected: ["6:21: error: [VALUE_NOT_POSITIVE] Value for `weights` must be positive, got '-0.5'."]),
        Row(name: "split_no_seed", spec: header + "  t: {randomSplit: [0.7, 0.3], part: 0, from: data}\n",
            expected: ["6:20: error: randomSplit needs 'seed:' (Kiln's splits are reproducible; Spark picks a random seed when none is given)"]),
        Row(name: "split_part_past", spec: header + "  t: {randomSplit: [0.7, 0.3], seed: 3, part: 2, from: data}\n",
            expected: ["6:47: error: part 2 is past the 2 weights of randomSplit"]),
        Row(name: "stage_from", spec: header + "  li: {StringIndexer: {inputCol: label, outputCol: idx}, from: data}\n",
            expected: ["6:64: error: StringIndexer reads no 'from'; name the data it is fitted on with 'fit:'"]),
        Row(name: "transform_dataset", spec: header + "  p: {transform: people, from: data}\n",
            expected: ["6:18: error: 'people' is not a model: transform needs a fitted stage or Pipeline"]),
        Row(name: "transform_missing_column", spec: header + "  li: {StringIndexer: {inputCol: name, outputCol: idx}, fit: people}\n  p: {transform: li, from: data}\n",
            expected: ["7:18: error: [FIELD_NOT_FOUND] No such struct field `name` in `label`, `features`. SQLSTATE: 42704"]),
        Row(name: "transform_unfitted", spec: header + "  dt: {DecisionTreeClassifier: {}}\n  p: {transform: dt, from: data}\n",
            expected: ["7:18: error: 'dt' is an unfitted DecisionTreeClassifier; fit it first (dt: {DecisionTreeClassifier: {...}, fit: data}) or put it in a Pipeline"]),
        Row(name: "tree_features_not_vector", spec: header + "  dt: {DecisionTreeClassifier: {featuresCol: label}, fit: data}\n",
            expected: ["6:8: error: requirement failed: Column label must be of type class org.apache.spark.ml.linalg.VectorUDT:struct<type:tinyint,size:int,indices:array<int>,values:array<double>> but was actually class org.apache.spark.sql.types.DoubleType$:double."]),
        Row(name: "tree_label_not_indexed", spec: header + "  its: {IndexToString: {inputCol: label, outputCol: labelName, labels: [a, b]}}\n  named: {transform: its, from: data}\n  dt: {DecisionTreeClassifier: {labelCol: labelName}, fit: named}\n",
            expected: ["8:8: error: requirement failed: Column labelName must be of type numeric but was actually of type string."]),
        Row(name: "tree_string_label", spec: header + "  dt: {DecisionTreeClassifier: {labelCol: name, featuresCol: x}, fit: people}\n",
            expected: ["6:8: error: requirement failed: Column x must be of type class org.apache.spark.ml.linalg.VectorUDT:struct<type:tinyint,size:int,indices:array<int>,values:array<double>> but was actually class org.apache.spark.sql.types.DoubleType$:double."]),
        Row(name: "unknown_evaluator", spec: header + "  e: {evaluate: {MulticlassEvaluator: {}}, from: data}\n",
            expected: ["6:18: error: unknown evaluator 'MulticlassEvaluator'; expected one of MulticlassClassificationEvaluator, BinaryClassificationEvaluator, RegressionEvaluator"]),
        Row(name: "unknown_input_col", spec: header + "  li: {StringIndexer: {inputCol: lable, outputCol: idx}, fit: data}\n",
            expected: ["6:8: error: [FIELD_NOT_FOUND] No such struct field `lable` in `label`, `features`. SQLSTATE: 42704"]),
        Row(name: "unknown_metric", spec: header + "  e: {evaluate: {MulticlassClassificationEvaluator: {metricName: auc}}, from: data}\n",
            expected: ["6:66: error: MulticlassClassificationEvaluator parameter metricName given invalid value auc; expected one of f1, accuracy, weightedPrecision, weightedRecall, weightedTruePositiveRate, weightedFalsePositiveRate, weightedFMeasure, truePositiveRateByLabel, falsePositiveRateByLabel, precisionByLabel, recallByLabel, fMeasureByLabel, hammingLoss, precision, recall"]),
        Row(name: "unknown_param", spec: header + "  dt: {DecisionTreeClassifier: {maxDept: 3}}\n",
            expected: ["6:33: error: DecisionTreeClassifier has no parameter 'maxDept'; did you mean 'maxDepth'?"]),
        Row(name: "vector_indexer_not_vector", spec: header + "  vi: {VectorIndexer: {inputCol: label, outputCol: idx}, fit: data}\n",
            expected: ["6:8: error: requirement failed: Column label must be of type class org.apache.spark.ml.linalg.VectorUDT:struct<type:tinyint,size:int,indices:array<int>,values:array<double>> but was actually class org.apache.spark.sql.types.DoubleType$:double."]),
    ] }

    func testEveryBrokenMLSpecGivesExactlyItsDiagnostics() {
        XCTAssertGreaterThanOrEqual(rows.count, 20)
        for row in rows {
            let diagnostics = DiagnosticEngine()
            let graph = KilnDriver.compilePipeline(text: row.spec, displayPath: "t.pipeline.yaml", diagnostics: diagnostics)
            XCTAssertNil(graph, row.name)
            let rendered = diagnostics.rendered.split(separator: "\n").map { String($0).replacingOccurrences(of: "t.pipeline.yaml:", with: "") }
            XCTAssertEqual(rendered, row.expected, row.name)
        }
    }

    /// The seed's metricName="precision" is Spark 1's: accepted, with a warning naming Spark 4's metric.
    func testSpark1PrecisionIsAccuracyWithAWarning() throws {
        let diagnostics = DiagnosticEngine()
        let spec = header + "  dt: {DecisionTreeClassifier: {}}\n  m: {Pipeline: [dt], fit: data}\n  p: {transform: m, from: data}\n"
            + "  a: {evaluate: {MulticlassClassificationEvaluator: {metricName: precision}}, from: p}\noutput: a\n"
        let graph = try XCTUnwrap(KilnDriver.compilePipeline(text: spec, displayPath: "t.pipeline.yaml", diagnostics: diagnostics))
        XCTAssertEqual(diagnostics.rendered.split(separator: "\n").map(String.init),
                       ["t.pipeline.yaml:9:66: warning: metricName 'precision' is Spark 1's name; Spark 4 calls this metric 'accuracy' (and rejects 'precision'), so Kiln computes 'accuracy'"])
        let swift = KilnDriver.pipelineSwiftFile(for: graph).contents, python = KilnDriver.pysparkFile(for: graph).contents
        XCTAssertTrue(swift.contains("metricName: \"accuracy\""), swift)
        XCTAssertTrue(python.contains("metricName='accuracy'"), python)
    }
}
