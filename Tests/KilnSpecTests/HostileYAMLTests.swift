import Foundation
import XCTest
@testable import KilnSpec

/// Runs `body` on a thread with a 512 KiB stack (as small as secondary threads get), so a
/// limit that only holds on the main thread's 8 MiB fails here.
func onSmallStack(_ body: @escaping @Sendable () -> Void) {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread { body(); done.signal() }
    thread.stackSize = 512 * 1024
    thread.start()
    done.wait()
}

/// Deep nesting and alias bombs: each is one located error, not a stack overflow or a
/// tree that whatever walks it never finishes.
final class HostileYAMLTests: XCTestCase {
    struct Row { var name: String; var text: String; var error: String }

    static let bomb = (["a: &a [x, x, x, x, x, x, x, x, x, x]"]
        + zip("bcdef", "abcde").map { "\($0): &\($0) [" + Array(repeating: "*\($1)", count: 10).joined(separator: ", ") + "]" })
        .joined(separator: "\n") + "\n"

    let rows: [Row] = [
        Row(name: "flow_lists", text: String(repeating: "[", count: 6_200) + String(repeating: "]", count: 6_200) + "\n",
            error: "f.yaml:1:201: error: YAML lists and mappings nest more than 200 levels deep"),
        Row(name: "block_lists", text: String(repeating: "- ", count: 6_200) + "\n",
            error: "f.yaml:1:401: error: YAML lists and mappings nest more than 200 levels deep"),
        Row(name: "flow_mappings", text: String(repeating: "{a: ", count: 6_200) + "1" + String(repeating: "}", count: 6_200) + "\n",
            error: "f.yaml:1:801: error: YAML lists and mappings nest more than 200 levels deep"),
        Row(name: "alias_bomb", text: bomb,
            error: "f.yaml:6:36: error: YAML aliases expand to more than 1000000 nodes; write the values out instead of aliasing them"),
    ]

    func testDeepAndExplodingDocumentsGiveOneLocatedError() {
        for row in rows {
            let text = row.text, name = row.name, expected = row.error
            onSmallStack {
                do {
                    _ = try YAMLParser.parse(text, file: "f.yaml")
                    XCTFail("no error for \(name)")
                } catch {
                    XCTAssertEqual("\(error)", expected, name)
                }
            }
        }
    }

    /// Right at the limits, a document still parses (on a small stack, and freeing it too).
    func testNestingAndAliasesUpToTheLimitsParse() {
        onSmallStack {
            let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
            XCTAssertNotNil(try? YAMLParser.parse(deep, file: "f.yaml"))
            let aliases = "a: &a [x, y]\nb: [*a, *a, *a]\n"
            guard case let .mapping(pairs)? = try? YAMLParser.parse(aliases, file: "f.yaml").value,
                  case let .sequence(items) = pairs[1].value.value else { return XCTFail("aliases") }
            XCTAssertEqual(items.map { "\($0.location.line):\($0.location.column)" }, ["2:5", "2:9", "2:13"])
        }
    }

    /// A mapping with many keys is checked for duplicates in linear time.
    func testManyKeysStayLinear() throws {
        let text = (0..<100_000).map { "k\($0): 1" }.joined(separator: "\n") + "\nk7: 2\n"
        XCTAssertThrowsError(try YAMLParser.parse(text, file: "f.yaml")) { error in
            XCTAssertEqual((error as? DiagnosticsError)?.description, "f.yaml:100001:1: error: duplicate key 'k7'\nf.yaml:8:1: note: 'k7' first appears here")
        }
    }
}

final class ExpressionLocationTests: XCTestCase {
    /// Locations from the line-break table equal a scan of the text up to each offset.
    func testLocationsMatchAScanOfTheText() {
        let text = "a +\n  b\n\nc == 'x\ny' and\r\n d"
        let base = SourceLocation(file: "f.yaml", line: 3, column: 7)
        for quoted in [false, true] {
            let parser = ExpressionParser(text: text, at: base, quoted: quoted)
            let characters = Array(text)
            for offset in 0...characters.count {
                var line = base.line, column = base.column + (quoted ? 1 : 0)
                for character in characters.prefix(offset) {
                    if character == "\n" { line += 1; column = 1 } else { column += 1 }
                }
                XCTAssertEqual(parser.location(offset), SourceLocation(file: "f.yaml", line: line, column: column), "offset \(offset)")
            }
        }
    }
}
