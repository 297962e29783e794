import Foundation
import XCTest
import KilnGenerated
import KilnRuntime

/// Real Keras (TF backend) runs of the Ref* specs, made by Fixtures/make_keras_reference.py:
/// the same initial weights and batches must give the same outputs, loss, gradients, 20 losses
/// of training and final weights.
final class KerasReferenceTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// |got - want| <= tolerance * max(|want|, floor): relative, with a floor for values near 0.
    func assertClose(_ got: [Float], _ want: [Float], relative: Double = 1e-4, floor: Double = 1e-2,
                     _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, message, file: file, line: line)
        var worst = 0.0, worstIndex = 0
        for (index, (g, w)) in zip(got, want).enumerated() {
            let error = abs(Double(g) - Double(w)) / max(abs(Double(w)), floor)
            if error > worst { worst = error; worstIndex = index }
        }
        XCTAssertLessThanOrEqual(worst, relative, "\(message): worst relative error \(worst) at \(worstIndex) (got \(got[worstIndex]), Keras \(want[worstIndex]))",
                                 file: file, line: line)
    }

    func check(_ name: String, _ model: KilnModel) throws {
        let url = Self.fixtures.appendingPathComponent("\(name).safetensors")
        let fixture = try SafeTensors.read(from: url).tensors
        func tensor(_ key: String) throws -> Tensor { try XCTUnwrap(fixture[key], "\(name): fixture has no \(key)") }

        let initial = try Dictionary(uniqueKeysWithValues: model.descriptor.weights.map { ($0.name, try tensor($0.name)) })
        try model.setWeights(initial)
        let x = try tensor("x"), y = try tensor("y")
        let batch = model.descriptor.batchSize
        let batches = x.shape[0] / batch

        // Outputs and loss at the initial weights.
        assertClose(try model.predict(x).scalars, try tensor("initial_output").scalars, "\(name) initial output")
        let first = (x: x.rows(0..<batch), y: y.rows(0..<batch))
        let (loss, grads) = try model.lossAndGradients(x: first.x, y: first.y)
        assertClose([loss], try tensor("initial_loss").scalars, "\(name) initial loss")
        for weight in model.descriptor.weights where weight.trainable {
            assertClose(Array(grads[weight.offset..<(weight.offset + weight.count)]), try tensor("grad/\(weight.name)").scalars,
                        relative: 1e-3, floor: 1e-3, "\(name) gradient of \(weight.name)")
        }

        // A training forward moves BatchNormalization's statistics; the fixture's 20 steps start
        // from the initial ones.
        try model.setWeights(initial)
        // 20 optimizer steps over the batches in order, as train_on_batch.
        let losses = try (0..<20).map { step -> Float in
            let b = step % batches
            return try model.trainOnBatch(x: x.rows((b * batch)..<((b + 1) * batch)), y: y.rows((b * batch)..<((b + 1) * batch)))
        }
        assertClose(losses, try tensor("losses").scalars, "\(name) losses over 20 steps")
        for weight in model.descriptor.weights {
            assertClose(try XCTUnwrap(model.weight(named: weight.name)).scalars, try tensor("final/\(weight.name)").scalars,
                        "\(name) final \(weight.name)")
        }
    }

    func testSeedRegressorAdam() throws { try check("SeedRegressor", SeedRegressor()) }
    func testSGDNesterovWithL2() throws { try check("RefSGDClassifier", RefSGDClassifier()) }
    func testRMSpropFrozenLayer() throws { try check("RefRMSpropBinary", RefRMSpropBinary()) }
    func testSparseLogitsAdam() throws { try check("RefSparseLogits", RefSparseLogits()) }
    func testActivationsPlainSGD() throws { try check("RefActivations", RefActivations()) }
    func testNormalizationAdaptedAndGiven() throws { try check("RefNormalization", RefNormalization()) }
    func testReshapingAndParametricActivationsAdam() throws { try check("RefLayerKinds", RefLayerKinds()) }
    func testPReLUFirstPlainSGD() throws { try check("RefPReLUFirst", RefPReLUFirst()) }
    func testConv2DOptionsAndPoolingAdam() throws { try check("RefConv2D", RefConv2D()) }
    func testConv1DCausalConv3DRMSprop() throws { try check("RefConv1D3D", RefConv1D3D()) }
    func testBatchNormalizationTrainingAndFrozen() throws { try check("RefBatchNorm", RefBatchNorm()) }
    func testFunctionalMergesAdam() throws { try check("RefMerge", RefMerge()) }
    func testPaddingCroppingUpSampling() throws { try check("RefReshaping", RefReshaping()) }
    func testTransposedConvolutions() throws { try check("RefConvTranspose", RefConvTranspose()) }
    func testDepthwiseAndSeparableConvolutions() throws { try check("RefDepthwiseSeparable", RefDepthwiseSeparable()) }

    /// adapt(x) gives the statistics Keras's Normalization.adapt gave each layer, in order
    /// (the second adapted layer sees the first one's output through Keras's dense weights).
    func testAdaptMatchesKeras() throws {
        let fixture = try SafeTensors.read(from: Self.fixtures.appendingPathComponent("RefNormalization.safetensors")).tensors
        let model = RefNormalization()
        var initial = try Dictionary(uniqueKeysWithValues: model.descriptor.weights.map { ($0.name, try XCTUnwrap(fixture[$0.name], $0.name)) })
        for adaptation in model.descriptor.adaptations {
            let shape = initial["\(adaptation.layer)/mean"]!.shape
            initial["\(adaptation.layer)/mean"] = Tensor(repeating: 0, shape: shape)
            initial["\(adaptation.layer)/variance"] = Tensor(repeating: 1, shape: shape)
        }
        try model.setWeights(initial)
        try model.adapt(try XCTUnwrap(fixture["x"]))
        XCTAssertEqual(model.descriptor.adaptations.map(\.layer), ["normalization", "normalization_2"])
        for adaptation in model.descriptor.adaptations {
            for statistic in ["mean", "variance"] {
                let name = "\(adaptation.layer)/\(statistic)"
                assertClose(try XCTUnwrap(model.weight(named: name)).scalars, try XCTUnwrap(fixture[name]).scalars, relative: 1e-4, floor: 1e-2, name)
            }
        }
    }
}
