import Foundation

/// What fit() returns: per-epoch logs under Keras's keys (loss, mae, val_loss, ...).
public struct History: Sendable {
    public var epoch: [Int] = []
    public var history: [String: [Double]] = [:]
    public init(epoch: [Int] = [], history: [String: [Double]] = [:]) {
        self.epoch = epoch
        self.history = history
    }
}

/// What evaluate() returns: the loss and each compiled metric by the name the spec used.
public struct EvaluationResult: Sendable, CustomStringConvertible {
    public var loss: Double
    public var metrics: [String: Double]
    public subscript(name: String) -> Double? { name == "loss" ? loss : metrics[name] }
    public var description: String {
        "loss: \(String(format: "%.4f", loss))" + metrics.sorted { $0.key < $1.key }.map { " - \($0.key): \(String(format: "%.4f", $0.value))" }.joined()
    }
}

/// The base class of every generated model: owns the flat buffers of one `kiln_state` and
/// drives the generated C kernels with Keras's fit/evaluate/predict semantics.
open class KilnModel {
    public let descriptor: ModelDescriptor
    let kernels: ModelKernels
    let state: UnsafeMutablePointer<kiln_state>
    var rng: SplitMix64
    /// Set by callbacks (EarlyStopping) to end fit() after the current epoch, as Keras's model.stop_training.
    public var stopTraining = false

    public init(descriptor: ModelDescriptor, kernels: ModelKernels, seed: UInt64 = 0) {
        self.descriptor = descriptor
        self.kernels = kernels
        rng = SplitMix64(seed: seed)
        state = .allocate(capacity: 1)
        state.initialize(to: kiln_state())
        let p = descriptor.paramCount, a = descriptor.activationCount
        state.pointee.params = Self.allocateFloats(p)
        state.pointee.grads = Self.allocateFloats(p)
        state.pointee.slots = Self.allocateFloats(max(1, descriptor.slotsPerParam * p))
        state.pointee.acts = Self.allocateFloats(a)
        state.pointee.dacts = Self.allocateFloats(a)
        let o = descriptor.optimizer
        state.pointee.learning_rate = o.learningRate
        state.pointee.beta_1 = o.beta1
        state.pointee.beta_2 = o.beta2
        state.pointee.epsilon = o.epsilon
        state.pointee.momentum = o.momentum
        state.pointee.rho = o.rho
        state.pointee.nesterov = o.nesterov ? 1 : 0
        kiln_rng_seed(&state.pointee.rng.0, seed ^ 0x6B69_6C6E)
        for weight in descriptor.weights {
            let values = weight.initializer.sample(count: weight.count, fanIn: weight.fanIn, fanOut: weight.fanOut, rng: &rng)
            (state.pointee.params + weight.offset).update(from: values, count: values.count)
        }
    }

    deinit {
        for pointer in [state.pointee.params, state.pointee.grads, state.pointee.slots, state.pointee.acts, state.pointee.dacts] {
            free(pointer)
        }
        state.deallocate()
    }

    /// 64-byte aligned, zeroed.
    static func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, max(64, count * MemoryLayout<Float>.stride)) == 0, let raw else {
            fatalError("KilnModel: cannot allocate \(count) floats")
        }
        memset(raw, 0, max(64, count * MemoryLayout<Float>.stride))
        return raw.bindMemory(to: Float.self, capacity: max(16, count))
    }

    // MARK: - state access

    public var learningRate: Float {
        get { state.pointee.learning_rate }
        set { state.pointee.learning_rate = newValue }
    }
    /// Optimizer steps taken (Keras's optimizer.iterations).
    public var iterations: Int { Int(state.pointee.iterations) }
    /// false: Dropout layers keep every value in training too, as with rate 0, so that training
    /// can be compared step for step with a reference that does the same (the Keras lane).
    /// Inference is unaffected; Dropout is off there anyway.
    public var dropoutInTraining: Bool {
        get { state.pointee.dropout_off == 0 }
        set { state.pointee.dropout_off = newValue ? 0 : 1 }
    }

    /// All parameters, flat, in Keras's weight order.
    public var parameters: [Float] {
        get { Array(UnsafeBufferPointer(start: state.pointee.params, count: descriptor.paramCount)) }
        set {
            precondition(newValue.count == descriptor.paramCount, "parameters: expected \(descriptor.paramCount) values, got \(newValue.count)")
            state.pointee.params.update(from: newValue, count: newValue.count)
        }
    }
    /// The activation buffer after the last forward pass (layout in the generated header).
    public var activations: [Float] { Array(UnsafeBufferPointer(start: state.pointee.acts, count: descriptor.activationCount)) }

    public func weight(named name: String) -> Tensor? {
        guard let info = descriptor.weights.first(where: { $0.name == name }) else { return nil }
        return Tensor(shape: info.shape, scalars: Array(UnsafeBufferPointer(start: state.pointee.params + info.offset, count: info.count)))
    }
    public var weights: [(name: String, value: Tensor)] { descriptor.weights.map { ($0.name, weight(named: $0.name)!) } }
    public var trainableWeights: [(name: String, value: Tensor)] {
        descriptor.weights.filter(\.trainable).map { ($0.name, weight(named: $0.name)!) }
    }

    /// Sets the named weights (any subset); checks every name and shape first, so on error nothing changes.
    public func setWeights(_ values: [String: Tensor]) throws {
        try validateWeights(values)
        for (name, tensor) in values {
            let info = descriptor.weights.first { $0.name == name }!
            (state.pointee.params + info.offset).update(from: tensor.scalars, count: info.count)
        }
    }

    func validateWeights(_ values: [String: Tensor]) throws {
        if let unknown = values.keys.sorted().first(where: { name in !descriptor.weights.contains { $0.name == name } }) {
            throw KilnError("\(descriptor.name) has no weight named '\(unknown)'; its weights are \(descriptor.weights.map(\.name).joined(separator: ", "))")
        }
        for info in descriptor.weights {  // in weight order, so the first mismatch reported is stable
            guard let tensor = values[info.name] else { continue }
            guard tensor.shape == info.shape else {
                throw KilnError("weight '\(info.name)' of \(descriptor.name) has shape \(shapeText(info.shape)), received \(shapeText(tensor.shape))")
            }
        }
    }

    // MARK: - Keras API

    /// Keras's layout; after training has begun, with the optimizer's variables as Keras shows
    /// them once its optimizer is built: a slot per trainable value and slot kind, iteration and
    /// learning_rate.
    public func summary() -> String {
        let trainable = descriptor.trainableParamCount
        return kerasSummary(modelName: descriptor.name, layers: descriptor.layers,
                            trainableParams: trainable, nonTrainableParams: descriptor.paramCount - trainable,
                            int64NonTrainable: descriptor.weights.filter { $0.isInt64 && !$0.trainable }.reduce(0) { $0 + $1.count },
                            optimizerParams: iterations > 0 ? descriptor.slotsPerParam * trainable + 2 : nil,
                            input: descriptor.functionalInput.map { ($0.name, descriptor.inputShape, $0.chain) },
                            connected: descriptor.io != nil ? true : nil)
    }

    /// Safetensors with Keras's weight paths (`dense/kernel`), written atomically.
    public func saveWeights(to url: URL) throws {
        try SafeTensors.write(weights.map { ($0.name, $0.value) },
                              metadata: ["format": "kiln", "model": descriptor.name, "kiln_version": kilnRuntimeVersion], to: url)
    }

    /// Loads every weight of the model from a file that holds exactly the model's weights as F32.
    /// Checks names, then dtypes and shapes in weight order, then extra tensors, and names the
    /// first mismatch; on any error the model is left unchanged. `partial`: the file may hold only
    /// some of the weights (a pretrained base's, as Keras's `ResNet50(weights=...)` loads into the
    /// model it is part of); the others keep their values, and a tensor the model lacks is still an error.
    public func loadWeights(from url: URL, partial: Bool = false) throws {
        let file = try SafeTensors.read(from: url)
        var values: [String: Tensor] = [:]
        for info in descriptor.weights {
            guard let tensor = file.tensors[info.name] else {
                if partial { continue }
                throw KilnError("\(url.path) has no tensor '\(info.name)' (it holds \(file.order.joined(separator: ", ")))")
            }
            if let dtype = file.dtypes[info.name], dtype != "F32" {
                throw KilnError("weight '\(info.name)' of \(descriptor.name) is float32 (F32), \(url.path) stores it as \(dtype)")
            }
            values[info.name] = tensor
        }
        try validateWeights(values)
        if let extra = file.order.first(where: { values[$0] == nil }) {
            throw KilnError("\(url.path) holds tensor '\(extra)', which is not a weight of \(descriptor.name) (its weights are \(descriptor.weights.map(\.name).joined(separator: ", ")))")
        }
        try setWeights(values)
    }

    /// Values per sample of y: class ids for sparse crossentropy, else the output size.
    var targetSize: Int {
        if let io = descriptor.io { return io.outputs.reduce(0) { $0 + $1.targetSize } }
        if case .sparseCategoricalCrossentropy = descriptor.loss { return 1 }
        return descriptor.outputSize
    }

    func check(x: Tensor, y: Tensor?, batchSize: Int?) throws -> Int {
        guard x.count > 0 else {
            throw KilnError("x holds no samples (shape \(shapeText(x.shape))): \(descriptor.name) needs at least one")
        }
        let expected = descriptor.inputShape
        let sample = Array(x.shape.dropFirst())
        guard sample == expected || (x.sampleSize == descriptor.inputSize && sample.count == 1 && expected.count > 1) else {
            throw KilnError("Input 0 of layer \"\(descriptor.name)\" is incompatible with the layer: expected shape=\(shapeText(expected, batch: true)), found shape=\(shapeText(x.shape))")
        }
        if let vocabulary = descriptor.tokenVocabulary, let bad = x.scalars.firstIndex(where: { !isTokenID($0, vocabulary) }) {
            throw tokenError(x.scalars[bad], at: bad, sampleSize: x.sampleSize, vocabulary: vocabulary)
        }
        if let y {
            guard y.count == x.count else {
                throw KilnError("Data cardinality is ambiguous: x sizes: \(x.count), y sizes: \(y.count). Make sure all arrays contain the same number of samples.")
            }
            guard y.sampleSize == targetSize else {
                let want = targetSize == 1 && descriptor.outputSize > 1 ? "one class index per sample"
                    : "\(targetSize) value\(targetSize == 1 ? "" : "s") per sample"
                throw KilnError("targets for loss \(descriptor.loss.name) must have \(want), received shape \(shapeText(y.shape))")
            }
            if let bad = y.scalars.firstIndex(where: { !$0.isFinite }) {
                throw KilnError("y: sample \(bad / max(1, y.sampleSize)) holds a non-finite value \(y.scalars[bad])")
            }
            if descriptor.io == nil, case .sparseCategoricalCrossentropy = descriptor.loss,
               let bad = y.scalars.firstIndex(where: { !isClassIndex($0) }) {
                throw KilnError("y: sample \(bad) has label \(y.scalars[bad]), expected a class index in [0, \(descriptor.outputSize))")
            }
        }
        if let bad = x.scalars.firstIndex(where: { !$0.isFinite }) {
            throw KilnError("x: sample \(bad / max(1, x.sampleSize)) holds a non-finite value \(x.scalars[bad])")
        }
        let batch = batchSize ?? descriptor.batchSize
        guard batch >= 1, batch <= descriptor.batchSize else {
            throw KilnError("batch_size \(batch) is not supported by \(descriptor.name): its kernels are compiled for batches of up to \(descriptor.batchSize) (fit.batch_size in \(descriptor.specPath))")
        }
        return batch
    }

    /// A class index of the (single) output, as sparse crossentropy takes labels.
    func isClassIndex(_ v: Float) -> Bool { v >= 0 && v < Float(descriptor.outputSize) && v == v.rounded() }

    /// An id the model's Embedding can look up (ids are truncated first, as Keras casts them).
    func isTokenID(_ v: Float, _ vocabulary: Int) -> Bool { v > -1 && v < Float(vocabulary) }

    /// TensorFlow's message for a lookup out of range, for value `bad` at flat index `index`.
    func tokenError(_ bad: Float, at index: Int, sampleSize: Int, vocabulary: Int) -> KilnError {
        let id = bad.isFinite && abs(bad) < 1e18 ? String(Int(bad)) : "\(bad)"
        return KilnError("indices[\(index / sampleSize),\(index % sampleSize)] = \(id) is not in [0, \(vocabulary))")
    }

    /// Keras's fit. `epochs` and `validationSplit` default to the spec's `fit:` values.
    public func fit(x: Tensor, y: Tensor, epochs: Int? = nil, batchSize: Int? = nil, validationSplit: Double? = nil,
                    validationData: (x: Tensor, y: Tensor)? = nil, shuffle: Bool = true, callbacks: [Callback] = [],
                    verbose: Verbosity = .auto) throws -> History {
        try requireOneInputAndOutput()
        return try fitPacked(x: x, y: y, epochs: epochs, batchSize: batchSize, validationSplit: validationSplit,
                             validationData: validationData, shuffle: shuffle, callbacks: callbacks, verbose: verbose)
    }

    /// fit on x and y as the kernels take them: for several inputs or outputs, packed per sample.
    func fitPacked(x: Tensor, y: Tensor, epochs: Int?, batchSize: Int?, validationSplit: Double?,
                   validationData: (x: Tensor, y: Tensor)?, shuffle: Bool, callbacks: [Callback],
                   verbose: Verbosity) throws -> History {
        let epochs = epochs ?? descriptor.epochs
        // As in Keras, validation_data overrides validation_split.
        let validationSplit = validationData == nil ? validationSplit ?? descriptor.validationSplit : 0
        let batch = try check(x: x, y: y, batchSize: batchSize)
        guard validationSplit >= 0, validationSplit < 1 else {
            throw KilnError("`validation_split` must be in [0, 1). Received: validation_split=\(validationSplit)")
        }
        // Keras takes the validation samples from the end, before any shuffling.
        let trainCount = validationSplit > 0 ? Int(Double(x.count) * (1 - validationSplit)) : x.count
        var validation = validationData
        if validationSplit > 0 {
            guard trainCount > 0, trainCount < x.count else {
                throw KilnError("Training data contains \(x.count) samples, which is not sufficient to split it into a validation and training set as specified by `validation_split=\(validationSplit)`. Either provide more data, or a different value for the `validation_split` argument.")
            }
            validation = (x.rows(trainCount..<x.count), y.rows(trainCount..<y.count))
        }
        if let validation { _ = try check(x: validation.x, y: validation.y, batchSize: nil) }

        let inputSize = descriptor.inputSize, ySize = targetSize
        // Staging buffers for one shuffled batch, and the data's base addresses, fetched once.
        let xStage = UnsafeMutablePointer<Float>.allocate(capacity: descriptor.batchSize * inputSize)
        let yStage = UnsafeMutablePointer<Float>.allocate(capacity: descriptor.batchSize * ySize)
        defer { xStage.deallocate(); yStage.deallocate() }
        let xData = x.scalars, yData = y.scalars
        var order = (0..<trainCount).map(Int64.init)
        let steps = (trainCount + batch - 1) / batch
        var history = History()
        stopTraining = false
        callbacks.forEach { $0.onTrainBegin(model: self) }

        for epoch in 0..<epochs {
            if shuffle {
                for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
            }
            callbacks.forEach { $0.onEpochBegin(epoch: epoch, model: self) }
            if verbose != .silent && epochs > 1 { print("Epoch \(epoch + 1)/\(epochs)") }
            var progress = ProgressLine(steps: steps, verbosity: verbose)
            var epochTotals = EpochTotals(metrics: MetricAccumulators(descriptor: descriptor))
            xData.withUnsafeBufferPointer { xs in
                yData.withUnsafeBufferPointer { ys in
                    order.withUnsafeBufferPointer { rows in
                        trainEpoch(x: xs.baseAddress!, y: ys.baseAddress!, rows: rows.baseAddress!, count: trainCount, batch: batch,
                                   xStage: xStage, yStage: yStage, progress: &progress, totals: &epochTotals)
                    }
                }
            }
            let (lossSum, seen, metrics) = (epochTotals.lossSum, epochTotals.seen, epochTotals.metrics)
            var logs: [(String, Double)] = [("loss", lossSum / Double(max(seen, 1)))] + metrics.values
            if let validation {
                let result = try evaluatePacked(x: validation.x, y: validation.y, batchSize: nil)
                logs.append(("val_loss", result.loss))
                logs += epochTotals.metrics.names.compactMap { name in result[name].map { ("val_" + name, $0) } }
            }
            finishEpoch(epoch, logs: logs, progress: &progress, history: &history, callbacks: callbacks, verbose: verbose)
            if stopTraining { break }
        }
        callbacks.forEach { $0.onTrainEnd(model: self) }
        return history
    }

    /// An epoch's end: its final progress line, its logs into History and to the callbacks.
    func finishEpoch(_ epoch: Int, logs: [(String, Double)], progress: inout ProgressLine, history: inout History,
                     callbacks: [Callback], verbose: Verbosity) {
        if verbose != .silent { progress.finish(logs: logs) }
        history.epoch.append(epoch)
        for (key, value) in logs { history.history[key, default: []].append(value) }
        let dictionary = Dictionary(logs, uniquingKeysWith: { a, _ in a })
        callbacks.forEach { $0.onEpochEnd(epoch: epoch, logs: dictionary, model: self) }
    }

    public func fit(x: [[Float]], y: [[Float]], epochs: Int? = nil, batchSize: Int? = nil, validationSplit: Double? = nil,
                    shuffle: Bool = true, callbacks: [Callback] = [], verbose: Verbosity = .auto) throws -> History {
        try fit(x: Tensor(x), y: Tensor(y), epochs: epochs, batchSize: batchSize, validationSplit: validationSplit,
                shuffle: shuffle, callbacks: callbacks, verbose: verbose)
    }

    struct EpochTotals {
        var lossSum = 0.0
        var seen = 0
        var metrics: MetricAccumulators
    }

    /// One epoch's steps over raw pointers: the hot loop, kept free of captured locals and
    /// closures so that each step costs the kernels, the gather and a few adds.
    func trainEpoch(x: UnsafePointer<Float>, y: UnsafePointer<Float>, rows: UnsafePointer<Int64>, count: Int, batch: Int,
                    xStage: UnsafeMutablePointer<Float>, yStage: UnsafeMutablePointer<Float>,
                    progress: inout ProgressLine, totals: inout EpochTotals) {
        let inputSize = Int64(descriptor.inputSize), ySize = Int64(targetSize)
        let acts = UnsafePointer(state.pointee.acts!)
        let trainStep = kernels.trainStep
        var step = 0
        for start in stride(from: 0, to: count, by: batch) {
            let n = min(batch, count - start)
            kiln_gather_rows(xStage, x, rows + start, Int32(n), inputSize)
            kiln_gather_rows(yStage, y, rows + start, Int32(n), ySize)
            let loss = trainStep(state, xStage, yStage, Int32(n))
            totals.lossSum += Double(loss) * Double(n)
            totals.seen += n
            totals.metrics.add(acts: acts, y: yStage, rows: n)
            step += 1
            progress.update(step: step, logs: [("loss", totals.lossSum / Double(totals.seen))] + totals.metrics.values)
        }
    }

    /// Loss (with regularization) and metrics over all samples, in inference mode.
    public func evaluate(x: Tensor, y: Tensor, batchSize: Int? = nil) throws -> EvaluationResult {
        try requireOneInputAndOutput()
        return try evaluatePacked(x: x, y: y, batchSize: batchSize)
    }

    func evaluatePacked(x: Tensor, y: Tensor, batchSize: Int?) throws -> EvaluationResult {
        let batch = try check(x: x, y: y, batchSize: batchSize)
        var lossSum = 0.0
        var metrics = MetricAccumulators(descriptor: descriptor)
        let inputSize = descriptor.inputSize, ySize = targetSize
        x.scalars.withUnsafeBufferPointer { xs in
            y.scalars.withUnsafeBufferPointer { ys in
                for start in stride(from: 0, to: x.count, by: batch) {
                    let n = min(batch, x.count - start)
                    kernels.forward(state, xs.baseAddress! + start * inputSize, Int32(n), 0)
                    let loss = kernels.loss(state, ys.baseAddress! + start * ySize, Int32(n))
                    lossSum += Double(loss) * Double(n)
                    metrics.add(acts: state.pointee.acts, y: ys.baseAddress! + start * ySize, rows: n)
                }
            }
        }
        return EvaluationResult(loss: lossSum / Double(max(x.count, 1)), metrics: Dictionary(metrics.values, uniquingKeysWith: { a, _ in a }))
    }

    /// Outputs of shape [samples] + outputShape, in inference mode (dropout off).
    public func predict(_ x: Tensor, batchSize: Int? = nil) throws -> Tensor {
        try requireOneInputAndOutput()
        let batch = try check(x: x, y: nil, batchSize: batchSize)
        let inputSize = descriptor.inputSize, outputSize = descriptor.outputSize
        var out = [Float](repeating: 0, count: x.count * outputSize)
        x.scalars.withUnsafeBufferPointer { xs in
            out.withUnsafeMutableBufferPointer { os in
                for start in stride(from: 0, to: x.count, by: batch) {
                    let n = min(batch, x.count - start)
                    kernels.forward(state, xs.baseAddress! + start * inputSize, Int32(n), 0)
                    (os.baseAddress! + start * outputSize).update(from: state.pointee.acts + descriptor.outputOffset, count: n * outputSize)
                }
            }
        }
        return Tensor(shape: [x.count] + descriptor.outputShape, scalars: out)
    }

    /// Keras's `Normalization.adapt` for every Normalization layer of the model that has no
    /// statistics in its spec, in layer order: each layer's mean and (population) variance per
    /// feature, over the values that reach it from `x` (earlier layers already adapted).
    public func adapt(_ x: Tensor) throws {
        try requireOneInputAndOutput()
        try adaptPacked(x)
    }

    func adaptPacked(_ x: Tensor) throws {
        guard !descriptor.adaptations.isEmpty else {
            throw KilnError("\(descriptor.name) has no Normalization layer to adapt (statistics given in the spec are fixed)")
        }
        let batch = try check(x: x, y: nil, batchSize: nil)
        let inputSize = descriptor.inputSize
        for adaptation in descriptor.adaptations {
            let f = adaptation.features
            var sum = [Double](repeating: 0, count: f), squares = [Double](repeating: 0, count: f)
            // Two passes over the layer's input: the mean, then squared deviations from it.
            for pass in 0..<2 {
                x.scalars.withUnsafeBufferPointer { xs in
                    for start in stride(from: 0, to: x.count, by: batch) {
                        let n = min(batch, x.count - start)
                        var values = UnsafePointer(xs.baseAddress! + start * inputSize)
                        if let offset = adaptation.inputOffset {
                            kernels.forward(state, values, Int32(n), 0)
                            values = UnsafePointer(state.pointee.acts + offset)
                        }
                        for i in 0..<(n * adaptation.inputSize) {
                            let v = Double(values[i]), j = i % f
                            if pass == 0 { sum[j] += v } else { let d = v - sum[j]; squares[j] += d * d }
                        }
                    }
                }
                let count = Double(x.count * adaptation.inputSize / f)
                if pass == 0 { sum = sum.map { $0 / count } } else { squares = squares.map { $0 / count } }
            }
            for j in 0..<f {
                state.pointee.params[adaptation.meanOffset + j] = Float(sum[j])
                state.pointee.params[adaptation.varianceOffset + j] = Float(squares[j])
            }
        }
    }

    public func predict(_ x: [[Float]], batchSize: Int? = nil) throws -> Tensor { try predict(Tensor(x), batchSize: batchSize) }

    public func evaluate(x: [[Float]], y: [[Float]], batchSize: Int? = nil) throws -> EvaluationResult {
        try evaluate(x: Tensor(x), y: Tensor(y), batchSize: batchSize)
    }

    /// The loss (with regularization) of one batch in inference mode: for gradient checks.
    /// (These batch-level calls take x and y as the kernels do: packed per sample for a model
    /// of several inputs or outputs.)
    public func loss(x: Tensor, y: Tensor) throws -> Float {
        _ = try check(x: x, y: y, batchSize: x.count)
        kernels.forward(state, x.scalars, Int32(x.count), 0)
        return kernels.loss(state, y.scalars, Int32(x.count))
    }

    /// One optimizer step on one batch (at most the compiled batch size); returns the batch's
    /// loss before the step, as Keras's train_on_batch.
    public func trainOnBatch(x: Tensor, y: Tensor) throws -> Float {
        _ = try check(x: x, y: y, batchSize: x.count)
        return kernels.trainStep(state, x.scalars, y.scalars, Int32(x.count))
    }

    /// Loss and dLoss/dparams (flat, Keras order; zero for frozen weights) on one batch, in
    /// training mode, without updating anything: for gradient checks.
    public func lossAndGradients(x: Tensor, y: Tensor) throws -> (loss: Float, grads: [Float]) {
        _ = try check(x: x, y: y, batchSize: x.count)
        let loss = kernels.gradients(state, x.scalars, y.scalars, Int32(x.count))
        return (loss, Array(UnsafeBufferPointer(start: state.pointee.grads, count: descriptor.paramCount)))
    }
}
