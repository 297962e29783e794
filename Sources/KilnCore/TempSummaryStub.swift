// TEMPORARY (lead): replaced by Summary.swift.
public func kerasSummary(modelName: String, layers: [LayerInfo], trainableParams: Int, nonTrainableParams: Int) -> String {
    "Model: \"\(modelName)\"\n" + layers.map { "\($0.name) (\($0.type)) \($0.outputShape) \($0.params)" }.joined(separator: "\n")
        + "\n Total params: \(trainableParams + nonTrainableParams)"
}
