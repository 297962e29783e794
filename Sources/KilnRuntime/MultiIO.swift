/// fit, evaluate and predict for models of several inputs or outputs, as Keras takes them: a
/// list in keras.Model(inputs=..., outputs=...)'s order, or a dict keyed by name. The kernels
/// take x and y packed per sample (input after input, output after output); this packs them.
extension KilnModel {
    /// The inputs' names, in order (one for a model of one input).
    public var inputNames: [String] { descriptor.io?.inputs.map(\.name) ?? [descriptor.functionalInput?.name ?? "input_layer"] }
    /// The outputs' names, in order: the output nodes' names.
    public var outputNames: [String] { descriptor.io?.outputs.map(\.name) ?? [descriptor.layers.last?.name ?? descriptor.name] }

    func requireOneInputAndOutput() throws {
        guard let io = descriptor.io else { return }
        throw KilnError("\(descriptor.name) has \(io.inputs.count) input\(io.inputs.count == 1 ? "" : "s") (\(io.inputs.map(\.name).joined(separator: ", "))) and \(io.outputs.count) output\(io.outputs.count == 1 ? "" : "s") (\(io.outputs.map(\.name).joined(separator: ", "))): pass x and y as [Tensor] in that order or as [name: Tensor]")
    }

    /// (shape, name) of each input and each output's targets.
    var inputParts: [(name: String, shape: [Int])] {
        descriptor.io?.inputs.map { ($0.name, $0.shape) } ?? [(inputNames[0], descriptor.inputShape)]
    }
    var targetParts: [(name: String, shape: [Int], loss: LossKind, size: Int)] {
        if let io = descriptor.io {
            return io.outputs.map { ($0.name, $0.targetSize == 1 && $0.size > 1 ? [1] : $0.shape, $0.loss, $0.size) }
        }
        return [(outputNames[0], targetSize == 1 ? [1] : descriptor.outputShape, descriptor.loss, descriptor.outputSize)]
    }

    /// One (samples, values) tensor from tensors of one sample count, each checked against its part.
    func pack(_ tensors: [Tensor], parts: [(name: String, shape: [Int])], what: String) throws -> Tensor {
        guard tensors.count == parts.count else {
            throw KilnError("Layer \"\(descriptor.name)\" expects \(parts.count) \(what)(s), but it received \(tensors.count) \(what) tensors.")
        }
        let count = tensors[0].count
        if let bad = tensors.first(where: { $0.count != count }) {
            throw KilnError("Data cardinality is ambiguous: \(what) sizes: \(tensors.map { String($0.count) }.joined(separator: ", ")) (\(bad.count) differs). Make sure all arrays contain the same number of samples.")
        }
        for (tensor, part) in zip(tensors, parts) {
            let sample = Array(tensor.shape.dropFirst())
            let size = part.shape.reduce(1, *)
            guard sample == part.shape || (tensor.sampleSize == size && sample.count <= 1) else {
                throw KilnError("\(what) '\(part.name)' of \"\(descriptor.name)\" is incompatible: expected shape=\(shapeText(part.shape, batch: true)), found shape=\(shapeText(tensor.shape))")
            }
        }
        let width = parts.reduce(0) { $0 + $1.shape.reduce(1, *) }
        var packed = [Float](repeating: 0, count: count * width)
        var column = 0
        for (tensor, part) in zip(tensors, parts) {
            let size = part.shape.reduce(1, *)
            tensor.scalars.withUnsafeBufferPointer { source in
                for r in 0..<count {
                    for j in 0..<size { packed[r * width + column + j] = source[r * size + j] }
                }
            }
            column += size
        }
        return Tensor(shape: [count, width], scalars: packed)
    }

    func packInputs(_ x: [Tensor]) throws -> Tensor { try pack(x, parts: inputParts, what: "input") }

    func packTargets(_ y: [Tensor]) throws -> Tensor {
        let parts = targetParts
        for (tensor, part) in zip(y, parts) {
            if case .sparseCategoricalCrossentropy = part.loss,
               let bad = tensor.scalars.firstIndex(where: { !($0 >= 0 && $0 < Float(part.size) && $0 == $0.rounded()) }) {
                throw KilnError("y '\(part.name)': sample \(bad) has label \(tensor.scalars[bad]), expected a class index in [0, \(part.size))")
            }
        }
        return try pack(y, parts: parts.map { ($0.name, $0.shape) }, what: "target")
    }

    /// The tensors of a dict in `names`' order; every name needs an entry, and every key a name.
    func ordered(_ values: [String: Tensor], _ names: [String], what: String) throws -> [Tensor] {
        if let unknown = values.keys.sorted().first(where: { !names.contains($0) }) {
            throw KilnError("\(what) has an entry '\(unknown)', which is not one of \(descriptor.name)'s \(what)s (\(names.joined(separator: ", ")))")
        }
        return try names.map { name in
            guard let tensor = values[name] else { throw KilnError("\(what) has no entry for '\(name)' (\(descriptor.name)'s \(what)s are \(names.joined(separator: ", ")))") }
            return tensor
        }
    }

    /// Keras's fit with one tensor per input and per output, in order.
    public func fit(x: [Tensor], y: [Tensor], epochs: Int? = nil, batchSize: Int? = nil, validationSplit: Double? = nil,
                    validationData: (x: [Tensor], y: [Tensor])? = nil, shuffle: Bool = true, callbacks: [Callback] = [],
                    verbose: Verbosity = .auto) throws -> History {
        let validation = try validationData.map { (x: try packInputs($0.x), y: try packTargets($0.y)) }
        return try fitPacked(x: try packInputs(x), y: try packTargets(y), epochs: epochs, batchSize: batchSize,
                             validationSplit: validationSplit, validationData: validation, shuffle: shuffle,
                             callbacks: callbacks, verbose: verbose)
    }

    /// Keras's fit with dicts keyed by input and output name.
    public func fit(x: [String: Tensor], y: [String: Tensor], epochs: Int? = nil, batchSize: Int? = nil,
                    validationSplit: Double? = nil, shuffle: Bool = true, callbacks: [Callback] = [],
                    verbose: Verbosity = .auto) throws -> History {
        try fit(x: try ordered(x, inputNames, what: "input"), y: try ordered(y, outputNames, what: "output"), epochs: epochs,
                batchSize: batchSize, validationSplit: validationSplit, shuffle: shuffle, callbacks: callbacks, verbose: verbose)
    }

    /// The weighted total loss, each output's loss (`<output>_loss`) and metrics (`<output>_<metric>`).
    public func evaluate(x: [Tensor], y: [Tensor], batchSize: Int? = nil) throws -> EvaluationResult {
        try evaluatePacked(x: try packInputs(x), y: try packTargets(y), batchSize: batchSize)
    }

    public func evaluate(x: [String: Tensor], y: [String: Tensor], batchSize: Int? = nil) throws -> EvaluationResult {
        try evaluate(x: try ordered(x, inputNames, what: "input"), y: try ordered(y, outputNames, what: "output"), batchSize: batchSize)
    }

    /// One tensor per output, [samples] + its shape, in inference mode.
    public func predict(_ x: [Tensor], batchSize: Int? = nil) throws -> [Tensor] {
        let packed = try packInputs(x)
        let batch = try check(x: packed, y: nil, batchSize: batchSize)
        let outputs = descriptor.io?.outputs.map { ($0.offset, $0.shape) } ?? [(descriptor.outputOffset, descriptor.outputShape)]
        let inputSize = descriptor.inputSize
        var results = outputs.map { [Float](repeating: 0, count: packed.count * $0.1.reduce(1, *)) }
        packed.scalars.withUnsafeBufferPointer { xs in
            for start in stride(from: 0, to: packed.count, by: batch) {
                let n = min(batch, packed.count - start)
                kernels.forward(state, xs.baseAddress! + start * inputSize, Int32(n), 0)
                for (k, output) in outputs.enumerated() {
                    let size = output.1.reduce(1, *)
                    results[k].withUnsafeMutableBufferPointer { out in
                        (out.baseAddress! + start * size).update(from: state.pointee.acts + output.0, count: n * size)
                    }
                }
            }
        }
        return zip(results, outputs).map { Tensor(shape: [packed.count] + $1.1, scalars: $0) }
    }

    /// predict keyed by output name.
    public func predict(_ x: [String: Tensor], batchSize: Int? = nil) throws -> [String: Tensor] {
        let outputs = try predict(try ordered(x, inputNames, what: "input"), batchSize: batchSize)
        return Dictionary(uniqueKeysWithValues: zip(outputNames, outputs))
    }

    /// adapt with one tensor per input.
    public func adapt(_ x: [Tensor]) throws { try adaptPacked(try packInputs(x)) }
}
