import Foundation
import XCTest
import KilnCompiler

/// Layer configs against real Keras (Fixtures/keras_layer_table.json, made by
/// Fixtures/make_layer_table.py with Keras 3.15.1): each row's output shape and parameter count,
/// or Keras's error message as Kiln's one diagnostic.
final class KerasLayerTableTests: XCTestCase {
    struct Table: Decodable {
        var keras: String
        var rows: [Row]
    }

    struct Row: Decodable {
        var layer: String
        var config: [String: JSONValue]
        var input: [Int]
        var output: [Int]?
        var params: Int?
        var error: String?
    }

    /// A config value, written back as YAML flow (JSON is YAML).
    enum JSONValue: Decodable {
        case int(Int), double(Double), string(String), bool(Bool), list([JSONValue]), mapping([String: JSONValue])

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Int.self) { self = .int(value) }
            else if let value = try? container.decode(Double.self) { self = .double(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else if let values = try? container.decode([JSONValue].self) { self = .list(values) }
            else { self = .mapping(try container.decode([String: JSONValue].self)) }  // a wrapper's {Class: config}
        }

        var yaml: String {
            switch self {
            case let .int(value): "\(value)"
            case let .double(value): "\(value)"
            case let .string(value): "\"\(value)\""
            case let .bool(value): value ? "true" : "false"
            case let .list(values): "[" + values.map(\.yaml).joined(separator: ", ") + "]"
            case let .mapping(pairs): "{" + pairs.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.yaml)" }.joined(separator: ", ") + "}"
            }
        }
    }

    func testLayersMatchKeras() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/keras_layer_table.json")
        let table = try JSONDecoder().decode(Table.self, from: Data(contentsOf: url))
        XCTAssertGreaterThanOrEqual(table.rows.filter { $0.error == nil }.count, 40)
        XCTAssertGreaterThanOrEqual(table.rows.filter { $0.error != nil }.count, 25)
        for row in table.rows {
            let config = row.config.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.yaml)" }.joined(separator: ", ")
            let layer = "\(row.layer): {\(config)}"
            let (graph, diagnostics) = compile(singleLayerSpec(input: row.input, layers: [layer]))
            if let error = row.error {
                XCTAssertNil(graph, layer)
                XCTAssertEqual(diagnostics.map { $0.components(separatedBy: ": error: ").last ?? $0 }, [error], "\(layer) on \(row.input)")
                XCTAssertEqual(diagnostics.count, 1, layer)
            } else {
                XCTAssertEqual(diagnostics, [], layer)
                let built = try XCTUnwrap(graph?.layers.first, layer)
                XCTAssertEqual(built.outputShape, row.output, "\(layer) on \(row.input)")
                XCTAssertEqual(built.paramCount, row.params, "\(layer) on \(row.input)")
            }
        }
    }
}
