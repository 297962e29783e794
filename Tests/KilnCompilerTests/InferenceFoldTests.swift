import XCTest
import KilnCompiler
import KilnCore

/// Which conv -> BatchNormalization (-> activation) chains fold into one call at inference
/// (kiln_conv_batchnorm_forward), and which run folded in training too.
final class InferenceFoldTests: XCTestCase {
    func testChainsThatFold() throws {
        // (layers after a 6x6x2 input, folds expected as (conv, batch norm, activation, always))
        let rows: [(String, String, [InferenceFoldRow])] = [
            ("conv, bn, relu", """
              - Conv2D: {filters: 3, kernel_size: 3}
              - BatchNormalization
              - Activation: {activation: relu}
              - Flatten
              - Dense: {units: 1}
            """, [InferenceFoldRow(conv: 0, batchNorm: 1, activation: 2, always: false)]),
            ("conv, bn, then a non-elementwise layer", """
              - Conv2D: {filters: 3, kernel_size: 3}
              - BatchNormalization
              - Flatten
              - Dense: {units: 1}
            """, [InferenceFoldRow(conv: 0, batchNorm: 1, activation: nil, always: false)]),
            ("conv with its own activation", """
              - Conv2D: {filters: 3, kernel_size: 3, activation: relu}
              - BatchNormalization
              - Flatten
              - Dense: {units: 1}
            """, []),
            ("softmax after the batch norm", """
              - Conv2D: {filters: 3, kernel_size: 1}
              - BatchNormalization
              - Activation: {activation: softmax}
              - Flatten
              - Dense: {units: 1}
            """, [InferenceFoldRow(conv: 0, batchNorm: 1, activation: nil, always: false)]),
            ("frozen, before anything trains", """
              - Conv2D: {filters: 3, kernel_size: 3, trainable: false}
              - BatchNormalization: {trainable: false}
              - Activation: {activation: relu}
              - Flatten
              - Dense: {units: 1}
            """, [InferenceFoldRow(conv: 0, batchNorm: 1, activation: 2, always: true)]),
            ("frozen batch norm under a trainable conv", """
              - Conv2D: {filters: 3, kernel_size: 3}
              - BatchNormalization: {trainable: false}
              - Flatten
              - Dense: {units: 1}
            """, [InferenceFoldRow(conv: 0, batchNorm: 1, activation: nil, always: false)]),
            ("depthwise", """
              - DepthwiseConv2D: {kernel_size: 3}
              - BatchNormalization
              - ReLU
              - Flatten
              - Dense: {units: 1}
            """, [InferenceFoldRow(conv: 0, batchNorm: 1, activation: nil, always: false)]),
        ]
        for (name, layers, expected) in rows {
            let result = compile("model: T\ninput: {shape: [6, 6, 2]}\nlayers:\n\(layers)\ncompile: {loss: mse}\n")
            let graph = try XCTUnwrap(result.graph, "\(name): \(result.diagnostics)")
            let plan = KernelPlan(graph)
            let folds = plan.layers.indices.compactMap { index in
                plan.layers[index].inferenceFold.map {
                    InferenceFoldRow(conv: index, batchNorm: $0.batchNorm, activation: $0.activation, always: $0.always)
                }
            }
            XCTAssertEqual(folds, expected, name)
        }
    }
}

struct InferenceFoldRow: Equatable {
    var conv: Int, batchNorm: Int, activation: Int?, always: Bool
}
