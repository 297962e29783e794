import KilnCore
import KilnSpec

/// A validated pipeline: every source and step typed, in spec order. The boundary between
/// validation and lowering (`PipelinePlan`).
public struct PipelineGraph: Sendable {
    public var name: String
    public var specPath: String
    public var description: String?
    public var params: [PipelineParam]
    public var udfs: [UDFSignature]
    public var nodes: [PlanNode]
    /// Nodes whose results `run` returns, in the spec's order.
    public var outputs: [Int]

    public func node(named name: String) -> PlanNode? { nodes.first { $0.specName == name } }

    /// How many later nodes read each node.
    public var consumerCounts: [Int] {
        var counts = [Int](repeating: 0, count: nodes.count)
        for node in nodes { for input in node.inputs { counts[input] += 1 } }
        for output in outputs { counts[output] += 1 }
        return counts
    }
}

public struct PipelineParam: Sendable {
    public var name: String
    /// `path` is a string naming files; kept apart for the CLI of the PySpark script.
    public var typeName: String
    public var type: DataType { typeName == "path" ? .string : DataType(name: typeName) ?? .string }
}

public struct PlanNode: Sendable {
    public var index: Int
    /// The dataset's variable in generated code: the spec's name, mangled where it would clash.
    public var name: String
    /// The name the spec gives it (messages, outputs' keys).
    public var specName: String
    public var op: PlanOp
    public var inputs: [Int]
    /// The rows this node yields; empty for actions (show, write, printSchema).
    public var schema: Schema
    /// RDD-style (textFile, map, reduceByKey...) or DataFrame; PySpark renders them apart.
    public var flavor: Flavor
    /// The spec's word for the operation (`select`, `withColumn`, `map`, ...).
    public var specOp: String
    /// The source kind or operation that built it, which also writes its PySpark.
    var operation: PipelineOperation.Type
    public var location: SourceLocation

    public enum Flavor: Sendable { case rdd, dataFrame }

    public var isAction: Bool {
        switch op {
        case .show, .printSchema, .write, .count, .mlDebugString, .mlSave: true
        default: false
        }
    }

    /// Nodes that produce a dataset a later step or `run`'s caller can read.
    public var yieldsRows: Bool { op.yieldsRows }
}

/// A file path in a spec: a literal (globs allowed) or a `$param`.
public enum PathArgument: Sendable, Equatable {
    case literal(String)
    case param(String)
}

public enum ParseMode: String, Sendable { case permissive = "PERMISSIVE", dropMalformed = "DROPMALFORMED", failFast = "FAILFAST" }

public struct CSVReadOptions: Sendable {
    public var header = false
    public var separator: UInt8 = UInt8(ascii: ",")
    public var quote: UInt8 = UInt8(ascii: "\"")
    public var escape: UInt8 = UInt8(ascii: "\\")
    public var nullValue = ""
    public var mode: ParseMode = .permissive
    /// Whether the schema was inferred at build time (Spark: `inferSchema`), for the PySpark script.
    public var inferred = false
}

public struct JSONReadOptions: Sendable {
    public var mode: ParseMode = .permissive
}

public struct SortKey: Sendable {
    public var expr: TypedExpr
    public var ascending: Bool
    public var nullsFirst: Bool
    /// Whether the spec gave nulls first/last explicitly (PySpark renders asc_nulls_last etc.).
    public var explicitNulls: Bool
}

public enum JoinType: String, Sendable, CaseIterable {
    case inner, left, right, full, semi, anti, cross

    /// Spark's spellings of `how`.
    public static func parse(_ text: String) -> JoinType? {
        switch text.lowercased().replacingUnderscores {
        case "inner": .inner
        case "left", "leftouter": .left
        case "right", "rightouter": .right
        case "full", "outer", "fullouter": .full
        case "semi", "leftsemi": .semi
        case "anti", "leftanti": .anti
        case "cross": .cross
        default: nil
        }
    }
    public static let spellings = ["inner", "cross", "outer", "full", "fullouter", "full_outer", "left", "leftouter", "left_outer",
                                   "right", "rightouter", "right_outer", "semi", "leftsemi", "left_semi", "anti", "leftanti", "left_anti"]
}

/// One output column of a join: a USING key (taken from the side Spark takes it from), or a
/// column of the left or right input.
public enum JoinColumn: Sendable, Equatable {
    case key(Int)
    case left(Int)
    case right(Int)
}

public enum WriteFormat: String, Sendable { case csv, json }

extension PlanOp {
    /// Whether the operation yields rows: not an action, an ML stage, a model or a metric.
    public var yieldsRows: Bool {
        switch self {
        case .show, .printSchema, .write, .count, .mlStage, .mlFit, .mlEvaluate, .mlDebugString, .mlSave: false
        default: true
        }
    }

    /// A join, whose sides may share a column name (Spark keeps both columns).
    public var isJoin: Bool { if case .join = self { true } else { false } }
    /// A CSV or JSON source, whose count() Spark takes without reading any column.
    public var isFileSourceWithSchema: Bool {
        switch self {
        case .csv, .json: true
        default: false
        }
    }
}

public enum PlanOp: Sendable {
    // Sources.
    case textFile(paths: [PathArgument])
    case csv(paths: [PathArgument], options: CSVReadOptions)
    case json(paths: [PathArgument], options: JSONReadOptions)
    case rows([[Literal]])
    /// `spark.read.format("libsvm")`: label and features.
    case libsvm(paths: [PathArgument], numFeatures: Int?, dense: Bool)
    // ML (Ops/ML): whole frames in, whole frames out.
    /// One part of `randomSplit(weights, seed)`.
    case randomSplit(weights: [Double], seed: Int64, part: Int)
    /// An unfitted stage (an estimator, or a transformer such as IndexToString).
    case mlStage(MLStage)
    /// A model: `stages` fitted on the first input, in order; a Pipeline's other inputs are the
    /// nodes that declared its stages.
    case mlFit(stages: [MLStage], pipeline: Bool)
    /// The first input transformed by the second (a model or a transformer).
    case mlTransform
    /// An evaluator's metric of the input.
    case mlEvaluate(MLStage)
    /// Prints a model's (or one pipeline stage's) toDebugString.
    case mlDebugString(stage: Int?)
    /// Writes a fitted model to a file (MLModelFile).
    case mlSave(path: PathArgument)
    // Narrow: fused into one loop per stage.
    case project([TypedExpr])
    /// A udf returning a tuple, spread over the output columns (`map: someUdf(value)`).
    case projectUDF(String, args: [TypedExpr])
    case filter(TypedExpr)
    case flatMap(TypedExpr)
    case union
    // Wide: hash tables, sorting.
    case aggregate(keys: [TypedExpr], aggregates: [AggregateCall])
    /// `distinct` (subset nil) or `dropDuplicates(subset)`, keeping each key's first row.
    case distinct(subset: [Int]?)
    case sort([SortKey])
    /// keys pair up left and right columns; `output` lists the result's columns.
    case join(JoinType, leftKeys: [Int], rightKeys: [Int], output: [JoinColumn])
    case limit(Int)
    // Actions.
    case show(rows: Int, truncate: Int)
    case count
    case printSchema
    case write(WriteFormat, path: PathArgument, header: Bool)

    /// Whether the op runs row by row in its input's loop (no materialisation in between).
    public var isNarrow: Bool {
        switch self {
        case .project, .projectUDF, .filter, .flatMap: true
        default: false
        }
    }
}

extension String {
    var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
