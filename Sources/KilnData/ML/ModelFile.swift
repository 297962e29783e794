import Foundation

// Fitted models on disk: one JSON document, versioned.
//
//     {"format": "kiln-ml-model", "version": 1, "model": {"pipeline": [{"stringIndexer": {...}}, ...]}}
//
// Each stage is an object with one key naming its kind (stringIndexer, indexToString,
// vectorIndexer, vectorAssembler, oneHotEncoder, standardScaler, minMaxScaler,
// decisionTreeClassifier, decisionTreeRegressor, gbtClassifier, gbtRegressor, randomForestClassifier, randomForestRegressor, pipeline) and its fitted state (labels,
// category maps, scalers' statistics, trees as nested split/leaf nodes). A file of another
// version is refused, not misread. Writes go to a temporary file renamed into place, so a crash
// mid-write leaves the previous file whole.

extension StringIndexer.HandleInvalid: Codable {}
extension TreeImpurity: Codable {}

/// A fitted stage as the file holds it.
indirect enum SavedStage: Codable {
    case stringIndexer(StringIndexerModel)
    case indexToString(IndexToString)
    case vectorIndexer(VectorIndexerModel)
    case vectorAssembler(VectorAssembler)
    case oneHotEncoder(OneHotEncoderModel)
    case standardScaler(StandardScalerModel)
    case minMaxScaler(MinMaxScalerModel)
    case decisionTreeClassifier(DecisionTreeClassificationModel)
    case decisionTreeRegressor(DecisionTreeRegressionModel)
    case gbtClassifier(GBTClassificationModel)
    case gbtRegressor(GBTRegressionModel)
    case randomForestClassifier(RandomForestClassificationModel)
    case randomForestRegressor(RandomForestRegressionModel)
    case pipeline([SavedStage])

    init(_ model: any MLTransformer) throws {
        switch model {
        case let m as StringIndexerModel: self = .stringIndexer(m)
        case let m as IndexToString: self = .indexToString(m)
        case let m as VectorIndexerModel: self = .vectorIndexer(m)
        case let m as VectorAssembler: self = .vectorAssembler(m)
        case let m as OneHotEncoderModel: self = .oneHotEncoder(m)
        case let m as StandardScalerModel: self = .standardScaler(m)
        case let m as MinMaxScalerModel: self = .minMaxScaler(m)
        case let m as DecisionTreeClassificationModel: self = .decisionTreeClassifier(m)
        case let m as DecisionTreeRegressionModel: self = .decisionTreeRegressor(m)
        case let m as GBTClassificationModel: self = .gbtClassifier(m)
        case let m as GBTRegressionModel: self = .gbtRegressor(m)
        case let m as RandomForestClassificationModel: self = .randomForestClassifier(m)
        case let m as RandomForestRegressionModel: self = .randomForestRegressor(m)
        case let m as PipelineModel: self = .pipeline(try m.stages.map(SavedStage.init))
        default: throw PipelineError("cannot save a \(type(of: model)): not a fitted ML stage")
        }
    }

    var model: any MLTransformer {
        switch self {
        case let .stringIndexer(m): m
        case let .indexToString(m): m
        case let .vectorIndexer(m): m
        case let .vectorAssembler(m): m
        case let .oneHotEncoder(m): m
        case let .standardScaler(m): m
        case let .minMaxScaler(m): m
        case let .decisionTreeClassifier(m): m
        case let .decisionTreeRegressor(m): m
        case let .gbtClassifier(m): m
        case let .gbtRegressor(m): m
        case let .randomForestClassifier(m): m
        case let .randomForestRegressor(m): m
        case let .pipeline(stages): PipelineModel(stages: stages.map(\.model))
        }
    }
}

public enum MLModelFile {
    public static let format = "kiln-ml-model"
    public static let version = 1

    struct Document: Codable {
        var format: String
        var version: Int
        var model: SavedStage
    }

    /// Writes `model` (a fitted stage or PipelineModel) to `path`, atomically.
    public static func save(_ model: any MLTransformer, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(Document(format: format, version: version, model: try SavedStage(model)))
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw PipelineError("cannot write model file \(path): \(error.localizedDescription)")
        }
    }

    public static func load(from path: String) throws -> any MLTransformer {
        guard let data = FileManager.default.contents(atPath: path) else { throw PipelineError("cannot read model file \(path)") }
        struct Header: Decodable { var format: String?; var version: Int? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data), header.format == format else {
            throw PipelineError("\(path) is not a Kiln ML model file (expected \"format\": \"\(format)\")")
        }
        guard header.version == version else {
            throw PipelineError("\(path) is a version \(header.version.map(String.init) ?? "?") Kiln ML model file; this Kiln reads version \(version)")
        }
        do {
            return try JSONDecoder().decode(Document.self, from: data).model.model
        } catch {
            throw PipelineError("\(path): malformed model file: \(error)")
        }
    }
}
