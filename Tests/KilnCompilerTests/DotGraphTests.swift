import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import KilnCompiler
import KilnSpec

/// The elements of an XML document: (name, attributes, text).
final class XMLElements: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String], text: String)] = []
    var open = false  // text between an element's tags, not after them
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append((name, attributes, ""))
        open = true
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { open = false }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if open { elements[elements.count - 1].text += string } }

    static func parse(_ text: String) -> [(name: String, attributes: [String: String], text: String)]? {
        let parser = XMLParser(data: Data(text.utf8)), collector = XMLElements()
        parser.delegate = collector
        return parser.parse() ? collector.elements : nil
    }
}

/// `kiln graph`: one edge per input a node reads, each labelled with the shape it carries.
final class DotGraphTests: XCTestCase {
    func testFunctionalGraphHasAnEdgePerInput() throws {
        let (graph, diagnostics) = compile("""
            model: Skip
            input: {shape: [4], name: x}
            layers:
              - a: {Dense: {units: 3}, from: x}
              - b: {Dense: {units: 3}, from: x}
              - s: {Add: null, from: [a, b]}
            outputs: [s]
            compile: {loss: mse}
            """, file: "Skip.model.yaml")
        XCTAssertEqual(diagnostics, [])
        let dot = KilnDriver.dot(for: try XCTUnwrap(graph))
        let edges = dot.split(separator: "\n").filter { $0.contains("->") }.map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(edges, [
            "input -> l0 [label=\"(None, 4)\"];", "input -> l1 [label=\"(None, 4)\"];",
            "l0 -> l2 [label=\"(None, 3)\"];", "l1 -> l2 [label=\"(None, 3)\"];",
        ])
        XCTAssertTrue(dot.contains("input [label=\"x (InputLayer)\\n(None, 4)\"];"), dot)
    }

    /// `kiln graph --format svg`: a box per node, an arrow per input read, labelled with its shape;
    /// a hostile name is escaped and the picture stays well-formed XML.
    func testSVGHasABoxPerNodeAndAnArrowPerInput() throws {
        let (graph, diagnostics) = compile("""
            model: Skip
            input: {shape: [4], name: x}
            layers:
              - a: {Dense: {units: 3, name: "a<b>&\\"c\\""}, from: x}
              - b: {Dense: {units: 3}, from: x}
              - s: {Add: null, from: [a, b]}
            outputs: [s]
            compile: {loss: mse}
            """, file: "Skip.model.yaml")
        XCTAssertEqual(diagnostics, [])
        let svg = KilnDriver.svg(for: try XCTUnwrap(graph))
        let elements = try XCTUnwrap(XMLElements.parse(svg), svg)
        XCTAssertEqual(elements.filter { $0.attributes["class"] == "node" }.count, 4)
        XCTAssertEqual(elements.filter { $0.attributes["class"] == "edge" }.count, 4)
        XCTAssertEqual(elements.filter { $0.attributes["class"] == "shape" }.map(\.text), ["(None, 4)", "(None, 4)", "(None, 3)", "(None, 3)"])
        XCTAssertTrue(elements.contains { $0.name == "text" && $0.text == "a<b>&\"c\" (Dense)" }, svg)
        XCTAssertTrue(elements.contains { $0.name == "text" && $0.text == "x (InputLayer)" })
    }
}
