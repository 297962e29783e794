import KilnCore
import KilnSpec

/// `PipelineGraph` -> what the generated code runs, in order: literal frames, whole reads,
/// fused stages (one loop from a source through every narrow operation to a sink), sorts,
/// limits, join tables and actions. A node is materialized (a frame) when it is an output,
/// feeds several steps, is a sort/limit/show/write input or a join's build side, or is wide;
/// everything else runs inside the loop of the stage that consumes it.
public struct PipelinePlan: Sendable {
    public var graph: PipelineGraph
    /// The graph's nodes plus synthetic ones (sort keys computed as columns).
    public var nodes: [PlannedNode]
    public var steps: [PlanStep]
    public var stages: [Stage]
    public var consumers: [[Int]]

    public struct PlannedNode: Sendable {
        public var index: Int
        /// Its variable in the generated code (the graph node's mangled name).
        public var name: String
        /// The spec's name (outputs' keys); synthetic nodes have their variable's.
        public var specName: String
        public var op: PlanOp
        public var inputs: [Int]
        public var schema: Schema
        public var materialized: Bool
        /// The spec's node, nil for synthetic ones.
        public var graphIndex: Int?
        public var location: SourceLocation
    }

    public enum PlanStep: Sendable {
        /// An inline `rows:`/`parallelize:` frame.
        case rows(Int)
        /// A source read whole into a frame.
        case load(Int)
        case stage(Int)
        /// A sorted frame (with `limit`, the first rows only), from a materialized input.
        case sort(Int, keys: [SortKey], limit: Int?)
        case limit(Int)
        /// The hash table of a join's build (right) side.
        case buildJoin(Int)
        case show(Int)
        case printSchema(Int)
        case write(Int)
        /// count of a materialized input.
        case countFrame(Int)
        /// count of a CSV or JSON source: its records as Spark's count() reads them (it needs no
        /// column: a CSV record is not parsed at all, a JSON one only as JSON, so DROPMALFORMED
        /// drops no record for a bad field).
        case countRecords(Int)
        /// A synthetic projection that drops the key columns a sort added, or a select of
        /// plain columns from a frame with vector columns.
        case dropColumns(Int, keep: [Int])
        /// An ML step (libsvm read, split, fit, transform, evaluate): whole frames (Ops/ML).
        case ml(Int)
    }

    public struct Stage: Sendable {
        public var index: Int
        /// Where rows enter: a materialized node's frame, or a reader source.
        public var roots: [Root]
        /// Nodes computed in the loop, in order (each gets a consume function).
        public var members: [Int]
        public var sink: Sink
    }

    public struct Root: Sendable {
        public var node: Int
        public var isReader: Bool
        public var consumer: Int
    }

    public enum Sink: Sendable {
        case materialize(Int)
        case aggregate(Int)
        case count(Int)

        public var node: Int {
            switch self {
            case let .materialize(n), let .aggregate(n), let .count(n): n
            }
        }
    }

    public init(_ graph: PipelineGraph) {
        self.graph = graph
        nodes = []
        steps = []
        stages = []
        consumers = []
        lower()
    }

    mutating func lower() {
        // 1. Nodes, with sorts by expressions rewritten to sort by added columns.
        var remap: [Int] = []
        for node in graph.nodes {
            let inputs = node.inputs.map { remap[$0] }
            if case let .sort(keys) = node.op, keys.contains(where: { $0.expr.columnIndex == nil }) {
                let input = nodes[inputs[0]]
                var exprs = passThrough(input.schema, at: node.location)
                var fields = input.schema.fields
                var sortKeys: [SortKey] = []
                for (position, key) in keys.enumerated() {
                    if key.expr.columnIndex != nil { sortKeys.append(key); continue }
                    exprs.append(key.expr)
                    fields.append(Field("kiln_sort_key_\(position)", key.expr.type, nullable: key.expr.nullable))
                    var rewritten = key
                    rewritten.expr = TypedExpr(.column(fields.count - 1, name: fields.last!.name), key.expr.type, nullable: key.expr.nullable,
                                               sparkName: key.expr.sparkName, at: key.expr.location)
                    sortKeys.append(rewritten)
                }
                let keyed = add("kiln_keys_\(node.name)", .project(exprs), [inputs[0]], Schema(fields), graphIndex: nil, at: node.location)
                let sorted = add("kiln_sorted_\(node.name)", .sort(sortKeys), [keyed], Schema(fields), graphIndex: nil, at: node.location)
                let dropped = add(node.name, .project(passThrough(input.schema, at: node.location)), [sorted], node.schema, graphIndex: node.index,
                                  at: node.location, specName: node.specName)
                remap.append(dropped)
                continue
            }
            remap.append(add(node.name, node.op, inputs, node.schema, graphIndex: node.index, at: node.location, specName: node.specName))
        }
        let outputs = Set(graph.outputs.map { remap[$0] })

        // 2. Consumers, and which nodes become frames.
        consumers = [[Int]](repeating: [], count: nodes.count)
        for node in nodes { for input in node.inputs { consumers[input].append(node.index) } }
        for index in nodes.indices {
            let node = nodes[index]
            var materialize = outputs.contains(index) || consumers[index].count > 1
            // Vectors live in frames only: ML steps read and make whole frames.
            if node.schema.fields.contains(where: { $0.type == .vector }) && node.isDataset { materialize = true }
            switch node.op {
            case .rows, .aggregate, .distinct, .sort, .limit, .libsvm, .randomSplit, .mlTransform: materialize = true
            case .textFile, .csv, .json: materialize = materialize || consumers[index].isEmpty
            case .show, .printSchema, .write, .count: materialize = false
            default: break
            }
            for consumer in consumers[index] {
                switch nodes[consumer].op {
                case .sort, .limit, .show, .printSchema, .write, .randomSplit, .mlFit, .mlTransform, .mlEvaluate: materialize = true
                case .join: if nodes[consumer].inputs.count > 1, nodes[consumer].inputs[1] == index { materialize = true }
                default: break
                }
            }
            // A dataset nothing reads and nobody asked for is not computed (as Spark's laziness).
            if consumers[index].isEmpty && !outputs.contains(index) && node.isDataset { materialize = false }
            nodes[index].materialized = materialize
        }
        // A sort whose only reader is a limit becomes a top-k: the sort need not be kept.
        for index in nodes.indices {
            guard case .sort = nodes[index].op, !outputs.contains(index), consumers[index].count == 1,
                  case .limit = nodes[consumers[index][0]].op else { continue }
            nodes[index].materialized = false
        }

        // 3. Steps in spec order; datasets nothing reads are not computed.
        for index in nodes.indices {
            let node = nodes[index]
            if node.isDataset && consumers[index].isEmpty && !outputs.contains(index) { continue }
            switch node.op {
            case .rows:
                steps.append(.rows(index))
            case .textFile, .csv, .json:
                if node.materialized { steps.append(.load(index)) }
            case .libsvm, .randomSplit, .mlStage, .mlFit, .mlTransform, .mlEvaluate, .mlDebugString, .mlSave:
                steps.append(.ml(index))
            case let .sort(keys):
                if node.materialized { steps.append(.sort(index, keys: keys, limit: nil)) }
            case let .limit(n):
                let input = nodes[node.inputs[0]]
                if case let .sort(keys) = input.op, !input.materialized {
                    steps.append(.sort(index, keys: keys, limit: n))
                } else {
                    steps.append(.limit(index))
                }
            case .show: steps.append(.show(index))
            case .printSchema: steps.append(.printSchema(index))
            case .write: steps.append(.write(index))
            case .count:
                // A loaded PERMISSIVE CSV has a row per record already: no second read.
                var loadedPermissiveCSV = false
                if case let .csv(_, options) = nodes[node.inputs[0]].op, options.mode == .permissive, nodes[node.inputs[0]].materialized {
                    loadedPermissiveCSV = true
                }
                if nodes[node.inputs[0]].op.isFileSourceWithSchema && !loadedPermissiveCSV {
                    steps.append(.countRecords(index))
                } else if nodes[node.inputs[0]].materialized {
                    steps.append(.countFrame(index))
                } else {
                    addStage(sink: .count(index))
                }
            case .aggregate, .distinct:
                addStage(sink: .aggregate(index))
            case .join:
                steps.append(.buildJoin(index))
                if node.materialized { addStage(sink: .materialize(index)) }
            case .project, .projectUDF, .filter, .flatMap, .union:
                if node.materialized {
                    if node.graphIndex != nil, node.name.hasPrefix("kiln_") == false, let dropped = droppedKeys(index) ?? plainColumns(index) {
                        steps.append(.dropColumns(index, keep: dropped))
                    } else {
                        addStage(sink: .materialize(index))
                    }
                }
            }
        }
    }

    /// For the projection that undoes a sort's added key columns: the columns it keeps.
    func droppedKeys(_ index: Int) -> [Int]? {
        let node = nodes[index]
        guard case let .project(exprs) = node.op, node.inputs.count == 1, nodes[node.inputs[0]].name.hasPrefix("kiln_sorted_") else { return nil }
        return exprs.compactMap(\.columnIndex)
    }

    /// For a select of columns (no renames) from a frame with vector columns: the columns it keeps.
    func plainColumns(_ index: Int) -> [Int]? {
        let node = nodes[index]
        guard case let .project(exprs) = node.op, node.inputs.count == 1 else { return nil }
        let input = nodes[node.inputs[0]]
        guard input.materialized, input.schema.fields.contains(where: { $0.type == .vector }) else { return nil }
        let keep = exprs.compactMap(\.columnIndex)
        guard keep.count == exprs.count, zip(keep, node.schema.fields).allSatisfy({ input.schema.fields[$0].name == $1.name }) else { return nil }
        return keep
    }

    func passThrough(_ schema: Schema, at location: SourceLocation) -> [TypedExpr] {
        schema.fields.enumerated().map {
            TypedExpr(.column($0.offset, name: $0.element.name), $0.element.type, nullable: $0.element.nullable, sparkName: $0.element.name, at: location)
        }
    }

    mutating func add(_ name: String, _ op: PlanOp, _ inputs: [Int], _ schema: Schema, graphIndex: Int?, at location: SourceLocation,
                      specName: String? = nil) -> Int {
        nodes.append(PlannedNode(index: nodes.count, name: name, specName: specName ?? name, op: op, inputs: inputs, schema: schema, materialized: false,
                                 graphIndex: graphIndex, location: location))
        return nodes.count - 1
    }

    /// The stage ending at `sink`: walk up from it through nodes computed in the loop.
    mutating func addStage(sink: Sink) {
        var members: [Int] = []
        var roots: [Root] = []
        func visit(_ index: Int, consumer: Int?) {
            let node = nodes[index]
            let isSink = index == sink.node
            if !isSink && (node.materialized || !node.isStreamable) {
                roots.append(Root(node: index, isReader: false, consumer: consumer!))
                return
            }
            switch node.op {
            case .textFile, .csv, .json:
                roots.append(Root(node: index, isReader: true, consumer: consumer!))
                return
            case .join:
                // Only the probe (left) side streams; the build side is a frame.
                visit(node.inputs[0], consumer: index)
            default:
                for input in node.inputs { visit(input, consumer: index) }
            }
            if !members.contains(index) { members.append(index) }
        }
        visit(sink.node, consumer: nil)
        stages.append(Stage(index: stages.count, roots: roots, members: members.sorted(), sink: sink))
        steps.append(.stage(stages.count - 1))
    }
}

extension PipelinePlan.PlannedNode {
    /// Computed row by row inside a consumer's loop when not materialized.
    var isStreamable: Bool {
        switch op {
        case .project, .projectUDF, .filter, .flatMap, .union, .join, .textFile, .csv, .json: true
        default: false
        }
    }

    /// Whether the node yields rows (not an action).
    var isDataset: Bool { op.yieldsRows }
}
