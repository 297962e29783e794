// `StringIndexer` and `IndexToString` (pyspark.ml.feature), Spark 4's semantics.

/// Maps a string (or number, cast to string as Spark casts it) column to label indices.
public struct StringIndexer: MLEstimator {
    public enum OrderType: String, Sendable { case frequencyDesc, frequencyAsc, alphabetDesc, alphabetAsc }
    public enum HandleInvalid: String, Sendable { case error, skip, keep }

    public var inputCol: String
    public var outputCol: String
    public var stringOrderType: OrderType
    public var handleInvalid: HandleInvalid

    public init(inputCol: String, outputCol: String, stringOrderType: OrderType = .frequencyDesc, handleInvalid: HandleInvalid = .error) {
        self.inputCol = inputCol; self.outputCol = outputCol; self.stringOrderType = stringOrderType; self.handleInvalid = handleInvalid
    }

    public func fit(_ frame: Frame) throws -> MLTransformer { try fitModel(frame) }

    /// Labels ordered by frequency (ties alphabetically, as Spark 3+) or alphabetically; nulls are not labels.
    public func fitModel(_ frame: Frame) throws -> StringIndexerModel {
        let column = try frame.mlColumn(inputCol)
        var counts: [String: Int] = [:]
        for value in Self.strings(frame, column) { if let value { counts[value, default: 0] += 1 } }
        let labels: [String]
        switch stringOrderType {
        case .frequencyDesc: labels = counts.sorted { $0.value != $1.value ? $0.value > $1.value : Self.utf8Less($0.key, $1.key) }.map(\.key)
        case .frequencyAsc: labels = counts.sorted { $0.value != $1.value ? $0.value < $1.value : Self.utf8Less($0.key, $1.key) }.map(\.key)
        case .alphabetAsc: labels = counts.keys.sorted(by: Self.utf8Less)
        case .alphabetDesc: labels = counts.keys.sorted { Self.utf8Less($1, $0) }
        }
        return StringIndexerModel(labels: labels, inputCol: inputCol, outputCol: outputCol, handleInvalid: handleInvalid)
    }

    /// Spark compares strings by their UTF-8 bytes.
    static func utf8Less(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    /// The column as Spark's cast to string gives it.
    static func strings(_ frame: Frame, _ column: Int) -> [String?] {
        (0..<frame.count).map { frame.value(row: $0, column: column)?.description }
    }
}

public struct StringIndexerModel: MLTransformer, Codable {
    /// The labels of a fitted StringIndexer (IndexToString's `labels=indexer.labels`).
    public static func labels(of model: any MLTransformer) throws -> [String] {
        guard let indexer = model as? StringIndexerModel else { throw PipelineError("labels: expected a fitted StringIndexer, got \(type(of: model))") }
        return indexer.labels
    }

    public var labels: [String]
    public var inputCol: String
    public var outputCol: String
    public var handleInvalid: StringIndexer.HandleInvalid

    public init(labels: [String], inputCol: String, outputCol: String, handleInvalid: StringIndexer.HandleInvalid = .error) {
        self.labels = labels; self.inputCol = inputCol; self.outputCol = outputCol; self.handleInvalid = handleInvalid
    }

    public func transform(_ frame: Frame) throws -> Frame {
        let column = try frame.mlColumn(inputCol)
        let index = Dictionary(labels.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let values = StringIndexer.strings(frame, column)
        var keep: [Int] = []
        let output = PrimitiveColumn<Double>(capacity: frame.count)
        for (row, value) in values.enumerated() {
            guard let value else {
                switch handleInvalid {
                case .error: throw PipelineError("StringIndexer encountered NULL value. To handle or skip NULLS, try setting StringIndexer.handleInvalid.")
                case .skip: continue
                case .keep: output.append(Double(labels.count)); keep.append(row); continue
                }
            }
            if let i = index[value] {
                output.append(Double(i)); keep.append(row)
            } else {
                switch handleInvalid {
                case .error: throw PipelineError("Unseen label: \(value). To handle unseen labels, set Param handleInvalid to keep.")
                case .skip: continue
                case .keep: output.append(Double(labels.count)); keep.append(row)
                }
            }
        }
        let base = keep.count == frame.count ? frame : frame.gather(keep)
        let shown = handleInvalid == .keep ? labels + ["__unknown"] : labels
        return base.appending(Field(outputCol, .double, nullable: false), .double(output), attribute: .nominal(labels: shown))
    }
}

/// Maps indices back to labels: the `labels` given, or the input column's nominal metadata.
public struct IndexToString: MLTransformer, Codable {
    public var inputCol: String
    public var outputCol: String
    public var labels: [String]?

    public init(inputCol: String, outputCol: String, labels: [String]? = nil) {
        self.inputCol = inputCol; self.outputCol = outputCol; self.labels = labels
    }

    public func transform(_ frame: Frame) throws -> Frame {
        let column = try frame.mlColumn(inputCol)
        let names: [String]
        if let labels { names = labels } else if case let .nominal(found)? = frame.attributes[frame.schema.fields[column].name] { names = found } else {
            throw PipelineError("requirement failed: The input column \(inputCol) must be a nominal attribute (the output of a StringIndexer), or IndexToString needs its labels.")
        }
        let output = StringColumn(capacity: frame.count)
        for value in frame.doubleValues(column) {
            guard let value else { output.appendNull(); continue }
            let i = Int(value)
            guard Double(i) == value, i >= 0, i < names.count else {
                throw PipelineError("Unseen index: \(JavaDoubleFormat.string(value)) ??")
            }
            output.append(names[i])
        }
        return frame.appending(Field(outputCol, .string, nullable: true), .string(output))
    }
}
