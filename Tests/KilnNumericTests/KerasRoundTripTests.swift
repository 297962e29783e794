import Foundation
import XCTest
import KilnGenerated
import KilnRuntime

/// The Keras lane's weights round trip (Tests/Keras/roundtrip.py writes DIR first): weights that
/// export_weights.py took from keras.applications.ResNet50 load unchanged into the generated
/// ResNet50 and ResNet50Base, which then predict what Keras predicted on the same images, to
/// 1e-5 of the largest output. Without KILN_ROUNDTRIP_DIR there is nothing to do.
final class KerasRoundTripTests: XCTestCase {
    func testKerasWeightsPredictTheSame() throws {
        guard let directory = ProcessInfo.processInfo.environment["KILN_ROUNDTRIP_DIR"] else {
            throw XCTSkip("KILN_ROUNDTRIP_DIR is not set: the Keras lane (Tests/Keras/run.sh) sets it")
        }
        let root = URL(fileURLWithPath: directory)
        let models: [(String, () -> KilnModel)] = [("ResNet50", { ResNet50() }), ("ResNet50Base", { ResNet50Base() })]
        for (name, make) in models {
            let model = make()
            try model.loadWeights(from: root.appendingPathComponent("\(name).safetensors"))
            let io = try SafeTensors.read(from: root.appendingPathComponent("\(name)-io.safetensors"))
            let x = try XCTUnwrap(io.tensors["x"]), expected = try XCTUnwrap(io.tensors["y"])
            let predicted = try model.predict(x)
            XCTAssertEqual(predicted.shape, expected.shape, name)
            let scale = expected.scalars.map(abs).max() ?? 1
            let worst = zip(predicted.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
            print("roundtrip: \(name): worst difference \(worst) of outputs up to \(scale)")
            XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "\(name): Kiln's predictions differ from Keras's")
        }
    }
}
