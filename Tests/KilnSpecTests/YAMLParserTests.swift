import XCTest
@testable import KilnSpec

final class YAMLParserTests: XCTestCase {
    func parse(_ text: String) throws -> YAMLNode { try YAMLParser.parse(text, file: "f.yaml") }

    /// Where each key and value of a mixed block/flow document starts.
    func testLocationsOfKeysAndValues() throws {
        let root = try parse("model: M\nlayers:\n  - Dense: {units: 10, activation: tanh}\n  - Flatten\n")
        guard case let .mapping(top) = root.value else { return XCTFail("not a mapping") }
        XCTAssertEqual(top.map { [$0.key.location.line, $0.key.location.column] }, [[1, 1], [2, 1]])
        XCTAssertEqual([top[0].value.location.line, top[0].value.location.column], [1, 8])
        guard case let .sequence(items) = top[1].value.value, case let .mapping(dense) = items[0].value,
              case let .mapping(config) = dense[0].value.value else { return XCTFail("shape") }
        let cells = config.map { "\($0.key.location.line):\($0.key.location.column)=\($0.value.location.line):\($0.value.location.column)" }
        XCTAssertEqual(cells, ["3:13=3:20", "3:24=3:36"])
        XCTAssertEqual([items[1].location.line, items[1].location.column], [4, 5])
    }

    struct ScalarRow { var text: String; var kind: YAMLScalarKind }
    let scalars: [ScalarRow] = [
        ScalarRow(text: "x: 10", kind: .int(10)), ScalarRow(text: "x: -3", kind: .int(-3)),
        ScalarRow(text: "x: 0x1F", kind: .int(31)), ScalarRow(text: "x: 0o17", kind: .int(15)),
        ScalarRow(text: "x: 1.5", kind: .float(1.5)), ScalarRow(text: "x: 1e-3", kind: .float(0.001)),
        ScalarRow(text: "x: .5", kind: .float(0.5)), ScalarRow(text: "x: .inf", kind: .float(.infinity)),
        ScalarRow(text: "x: -.inf", kind: .float(-.infinity)),
        ScalarRow(text: "x: true", kind: .bool(true)), ScalarRow(text: "x: False", kind: .bool(false)),
        ScalarRow(text: "x: ~", kind: .null), ScalarRow(text: "x: null", kind: .null), ScalarRow(text: "x:", kind: .null),
        ScalarRow(text: "x: tanh", kind: .string("tanh")), ScalarRow(text: "x: '10'", kind: .string("10")),
        ScalarRow(text: "x: \"true\"", kind: .string("true")), ScalarRow(text: "x: !!str 12", kind: .string("12")),
        ScalarRow(text: "x: 1.2.3", kind: .string("1.2.3")), ScalarRow(text: "x: yes", kind: .string("yes")),
    ]

    func testCoreSchemaScalarResolution() throws {
        for row in scalars {
            guard case let .mapping(pairs) = try parse(row.text).value else { return XCTFail(row.text) }
            XCTAssertEqual(pairs[0].value.scalarKind, row.kind, row.text)
        }
    }

    struct ErrorRow { var text: String; var error: String }
    let errors: [ErrorRow] = [
        ErrorRow(text: "a: 1\na: 2\n", error: "f.yaml:2:1: error: duplicate key 'a'\nf.yaml:1:1: note: 'a' first appears here"),
        ErrorRow(text: "a: {b: 1\nc: 2\n", error: "f.yaml:2:2: error: did not find expected ',' or '}' (while parsing a flow mapping)"),
        ErrorRow(text: "a: b: c\n", error: "f.yaml:1:5: error: mapping values are not allowed in this context"),
        ErrorRow(text: "a: *nope\n", error: "f.yaml:1:4: error: unknown alias '*nope'"),
        ErrorRow(text: "a: 1\n---\nb: 2\n", error: "f.yaml:2:1: error: expected a single YAML document, found a second one"),
        ErrorRow(text: "a:\n\t- 1\n", error: "f.yaml:2:1: error: found character that cannot start any token (while scanning for the next token)"),
    ]

    func testErrorsCarryTheirLocation() {
        for row in errors {
            do {
                _ = try parse(row.text)
                XCTFail("no error for \(row.text.debugDescription)")
            } catch let error as DiagnosticsError {
                XCTAssertEqual(error.description, row.error, row.text.debugDescription)
            } catch {
                XCTFail("unexpected \(error)")
            }
        }
    }

    func testAliasesResolveToTheAnchoredNode() throws {
        guard case let .mapping(pairs) = try parse("base: &b {units: 4}\ncopy: *b\n").value else { return XCTFail() }
        XCTAssertEqual(pairs[0].value.value, pairs[1].value.value)
        XCTAssertEqual(pairs[1].value.location.line, 2)
    }

    func testEmptyDocumentIsAnEmptyScalar() throws {
        XCTAssertEqual(try parse("").scalarKind, .null)
        XCTAssertEqual(try parse("# only a comment\n").scalarKind, .null)
    }

    func testBinaryGarbageIsAnErrorNotACrash() {
        XCTAssertThrowsError(try parse("a: \u{0}\u{1}\u{7F}[\n"))
    }
}

final class SpecReadingTests: XCTestCase {
    func reader(_ text: String, _ diagnostics: DiagnosticEngine) throws -> MappingReader {
        MappingReader(try YAMLParser.parse(text, file: "f.yaml"), context: "Dense", diagnostics: diagnostics)
    }

    struct TypedRow { var text: String; var read: (MappingReader) -> Any?; var error: String? }
    let typed: [TypedRow] = [
        TypedRow(text: "units: 3", read: { $0.int("units") }, error: nil),
        TypedRow(text: "units: 3.0", read: { $0.int("units") }, error: nil),
        TypedRow(text: "units: ten", read: { $0.int("units") }, error: "f.yaml:1:8: error: expected an integer for 'units', received a string \"ten\""),
        TypedRow(text: "units: [1]", read: { $0.int("units") }, error: "f.yaml:1:8: error: expected an integer for 'units', received a list"),
        TypedRow(text: "rate: 1", read: { $0.double("rate") }, error: nil),
        TypedRow(text: "rate: '0.5'", read: { $0.double("rate") }, error: "f.yaml:1:7: error: expected a number for 'rate', received a string \"0.5\""),
        TypedRow(text: "use_bias: 1", read: { $0.bool("use_bias") }, error: "f.yaml:1:11: error: expected a boolean (true or false) for 'use_bias', received an integer 1"),
        TypedRow(text: "activation: {a: 1}", read: { $0.string("activation") }, error: "f.yaml:1:13: error: expected a string for 'activation', received a mapping"),
        TypedRow(text: "activation: null", read: { $0.string("activation") }, error: "f.yaml:1:13: error: expected a string for 'activation', received null"),
    ]

    func testTypedReadersReportWhatWasReceived() throws {
        for row in typed {
            let diagnostics = DiagnosticEngine()
            let value = row.read(try reader(row.text, diagnostics))
            XCTAssertEqual(value == nil, row.error != nil, row.text)
            XCTAssertEqual(diagnostics.diagnostics.first?.description, row.error, row.text)
        }
    }

    func testUnknownKeysAreReportedWithDidYouMean() throws {
        let diagnostics = DiagnosticEngine()
        let config = try reader("units: 3\nactivaton: tanh\nfoo: 1\n", diagnostics)
        _ = config.int("units")
        config.finish(allowed: ["units", "activation", "use_bias"])
        XCTAssertEqual(diagnostics.rendered, """
            f.yaml:2:1: error: unknown key 'activaton' for Dense; did you mean 'activation'?
            f.yaml:3:1: error: unknown key 'foo' for Dense
            """)
    }

    func testDidYouMean() {
        let rows: [(String, [String], String?)] = [
            ("unit", ["units", "activation"], "units"), ("Dence", ["Dense", "Dropout"], "Dense"),
            ("activaton", ["activation"], "activation"), ("tahn", ["tanh", "relu"], "tanh"),
            ("adam", ["SGD", "Adam"], "Adam"), ("Dropuot", ["Dense", "Dropout"], "Dropout"),
            ("xyz", ["units", "rate"], nil), ("Conv9D", ["Dense", "Flatten"], nil), ("a", ["b"], nil),
        ]
        for (word, candidates, expected) in rows {
            XCTAssertEqual(didYouMean(word, among: candidates), expected, word)
        }
    }
}
