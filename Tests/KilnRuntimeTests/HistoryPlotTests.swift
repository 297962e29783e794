import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import KilnRuntime

/// `History.svg()`: a panel per quantity, a curve per series with a point per epoch, placed by
/// value (the lowest loss lowest), and a title that cannot break the XML.
final class HistoryPlotTests: XCTestCase {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append((name, attributes))
        }
    }

    func testPanelsCurvesAndPoints() throws {
        let history = History(epoch: [0, 1, 2, 3], history: ["loss": [1.0, 0.5, 0.25, 0.2], "val_loss": [1.1, 0.7, 0.5, 0.6],
                                                            "accuracy": [0.5, 0.7, 0.8, 0.9]])
        let svg = history.svg(title: "<fit> & \"more\"")
        let parser = XMLParser(data: Data(svg.utf8)), collector = Collector()
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), svg)
        XCTAssertEqual(collector.elements.filter { $0.attributes["class"] == "panel" }.count, 2)  // loss, accuracy
        let curves = collector.elements.filter { $0.attributes["class"] == "series" }.compactMap { $0.attributes["points"] }
        XCTAssertEqual(curves.count, 3)  // loss and val_loss, accuracy
        let points = curves.map { $0.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } } }
        XCTAssertEqual(points.map(\.count), [4, 4, 4])
        // loss: x grows with the epoch; the smallest value (epoch 4) is drawn lowest (largest y).
        XCTAssertEqual(points[0].map { $0[0] }, points[0].map { $0[0] }.sorted())
        XCTAssertEqual(points[0].map { $0[1] }.max(), points[0][3][1])
    }
}
