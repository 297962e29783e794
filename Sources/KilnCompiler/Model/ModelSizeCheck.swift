import KilnSpec

/// Rejects a model whose sizes the kernels cannot index (see `maxKernelFloats`): each weight,
/// each activation for the compiled batch, and the totals of both. One error per cause: a layer
/// that is too large stops the shape, and a total is reported once, at the layer that passes it.
struct ModelSizeCheck {
    let batch: Int
    let diagnostics: DiagnosticEngine
    var params = 0, activations = 0
    var reportedParams = false, reportedActivations = false

    static let index = "the most Kiln's kernels index (a C int)"

    /// The caller's x for one batch.
    func input(_ shape: [Int], at location: SourceLocation) -> Bool {
        guard let perSample = checkedProduct(shape), let total = checkedProduct([perSample, batch]), total <= maxKernelFloats else {
            diagnostics.error("Cannot create an Input whose batch holds more than \(maxKernelFloats) values, \(Self.index). Received: shape=\(pythonTuple(shape)) with batch_size=\(batch)", at: location)
            return false
        }
        return true
    }

    /// One built layer; false after reporting it.
    mutating func layer(_ node: LayerNode, at location: SourceLocation) -> Bool {
        let layer = "layer \"\(Identifiers.commentText(node.name))\" (\(node.op.kerasClass))"
        for weight in node.weights {
            guard let count = checkedProduct(weight.shape), count <= maxKernelFloats else {
                diagnostics.error("Layer \"\(Identifiers.commentText(node.name))\" (\(node.op.kerasClass)) is too large for Kiln's kernels: its \(weight.name) of shape \(pythonTuple(weight.shape)) would hold more than \(maxKernelFloats) values, the most they index (a C int)", at: location)
                return false
            }
        }
        guard let perSample = checkedProduct(node.outputShape), let output = checkedProduct([perSample, batch]), output <= maxKernelFloats else {
            diagnostics.error("Layer \"\(Identifiers.commentText(node.name))\" (\(node.op.kerasClass)) is too large for Kiln's kernels: its output of shape \(kerasShape(node.outputShape)) would hold more than \(maxKernelFloats) values for batch_size=\(batch), the most they index (a C int)", at: location)
            return false
        }
        // Each weight and output fits, so these sums stay far from overflowing.
        params += node.paramCount
        if params > maxKernelFloats, !reportedParams {
            reportedParams = true
            diagnostics.error("The model's parameters would number more than \(maxKernelFloats), \(Self.index): \(layer) brings them to \(params)", at: location)
        }
        activations += node.op.buffers.count * output + node.op.buffers.statistics
        if let intermediate = node.op.buffers.intermediate {
            // Within the output's own bound for the kinds that have one (SeparableConv's is
            // at most multiplier x input channels per position).
            activations += checkedProduct(intermediate + [batch]) ?? maxKernelFloats + 1
        }
        if activations > maxKernelFloats, !reportedActivations {
            reportedActivations = true
            diagnostics.error("The model's activations for batch_size=\(batch) would number more than \(maxKernelFloats), \(Self.index): \(layer) brings them to \(activations)", at: location)
        }
        return true
    }

    /// Python's tuple: (4,) or (4, 5).
}
