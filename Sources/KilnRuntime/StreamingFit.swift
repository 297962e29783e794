import CKilnRuntime
import Foundation

/// fit, evaluate and predict on a `CSVBatchStream`, as Keras takes a generator: batches in the
/// stream's order. Without `stepsPerEpoch` an epoch is one pass over the files; with it, an epoch
/// is that many batches and the stream goes on where the last epoch stopped, starting the files
/// again when they run out (the lecture's `while True` generator). The reader thread works while
/// the kernels train.
extension KilnModel {
    public func fit(_ stream: CSVBatchStream, epochs: Int? = nil, stepsPerEpoch: Int? = nil, batchSize: Int? = nil,
                    callbacks: [Callback] = [], verbose: Verbosity = .auto) throws -> History {
        try requireOneInputAndOutput()
        let epochs = epochs ?? descriptor.epochs
        let batch = try streamBatch(batchSize, steps: stepsPerEpoch, name: "steps_per_epoch")
        let (xStage, yStage) = stages()
        defer { xStage.deallocate(); yStage.deallocate() }
        let acts = UnsafePointer(state.pointee.acts!)
        var history = History()
        stopTraining = false
        callbacks.forEach { $0.onTrainBegin(model: self) }
        for epoch in 0..<epochs {
            if stepsPerEpoch == nil && epoch > 0 { stream.rewind() }
            callbacks.forEach { $0.onEpochBegin(epoch: epoch, model: self) }
            if verbose != .silent && epochs > 1 { print("Epoch \(epoch + 1)/\(epochs)") }
            var progress = ProgressLine(steps: stepsPerEpoch ?? 0, verbosity: verbose)
            var totals = EpochTotals(metrics: MetricAccumulators(descriptor: descriptor))
            var step = 0
            while stepsPerEpoch.map({ step < $0 }) ?? true {
                let n = try nextStreamBatch(stream, batch: batch, xStage: xStage, yStage: yStage, loops: stepsPerEpoch != nil)
                guard n > 0 else { break }
                let loss = kernels.trainStep(state, xStage, yStage, Int32(n))
                totals.lossSum += Double(loss) * Double(n)
                totals.seen += n
                totals.metrics.add(acts: acts, y: yStage, rows: n)
                step += 1
                progress.update(step: step, logs: [("loss", totals.lossSum / Double(totals.seen))] + totals.metrics.values)
            }
            guard totals.seen > 0 else { throw KilnError("the stream holds no rows: \(stream.files.map(\.path).joined(separator: ", "))") }
            let logs: [(String, Double)] = [("loss", totals.lossSum / Double(totals.seen))] + totals.metrics.values
            finishEpoch(epoch, logs: logs, progress: &progress, history: &history, callbacks: callbacks, verbose: verbose)
            if stopTraining { break }
        }
        callbacks.forEach { $0.onTrainEnd(model: self) }
        return history
    }

    /// Loss and metrics over one pass (or `steps` batches) of the stream, in inference mode.
    public func evaluate(_ stream: CSVBatchStream, steps: Int? = nil, batchSize: Int? = nil) throws -> EvaluationResult {
        try requireOneInputAndOutput()
        let batch = try streamBatch(batchSize, steps: steps, name: "steps")
        let (xStage, yStage) = stages()
        defer { xStage.deallocate(); yStage.deallocate() }
        var lossSum = 0.0, seen = 0, step = 0
        var metrics = MetricAccumulators(descriptor: descriptor)
        while steps.map({ step < $0 }) ?? true {
            let n = try nextStreamBatch(stream, batch: batch, xStage: xStage, yStage: yStage, loops: steps != nil)
            guard n > 0 else { break }
            kernels.forward(state, xStage, Int32(n), 0)
            lossSum += Double(kernels.loss(state, yStage, Int32(n))) * Double(n)
            metrics.add(acts: state.pointee.acts, y: yStage, rows: n)
            seen += n
            step += 1
        }
        return EvaluationResult(loss: lossSum / Double(max(seen, 1)), metrics: Dictionary(metrics.values, uniquingKeysWith: { a, _ in a }))
    }

    /// Outputs for one pass (or `steps` batches) of the stream; its label columns are not read.
    public func predict(_ stream: CSVBatchStream, steps: Int? = nil, batchSize: Int? = nil) throws -> Tensor {
        try requireOneInputAndOutput()
        let batch = try streamBatch(batchSize, steps: steps, name: "steps")
        let (xStage, yStage) = stages(labels: stream.labels)
        defer { xStage.deallocate(); yStage.deallocate() }
        let outputSize = descriptor.outputSize
        var out: [Float] = [], step = 0
        while steps.map({ step < $0 }) ?? true {
            let n = try nextStreamBatch(stream, batch: batch, xStage: xStage, yStage: yStage, loops: steps != nil, checkTargets: false)
            guard n > 0 else { break }
            kernels.forward(state, xStage, Int32(n), 0)
            out += UnsafeBufferPointer(start: state.pointee.acts + descriptor.outputOffset, count: n * outputSize)
            step += 1
        }
        return Tensor(shape: [out.count / max(outputSize, 1)] + descriptor.outputShape, scalars: out)
    }

    private func streamBatch(_ batchSize: Int?, steps: Int?, name: String) throws -> Int {
        let batch = batchSize ?? descriptor.batchSize
        guard batch >= 1, batch <= descriptor.batchSize else {
            throw KilnError("batch_size \(batch) is not supported by \(descriptor.name): its kernels are compiled for batches of up to \(descriptor.batchSize) (fit.batch_size in \(descriptor.specPath))")
        }
        if let steps, steps < 1 { throw KilnError("`\(name)` must be a positive integer, received \(steps)") }
        return batch
    }

    private func stages(labels: Int? = nil) -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
        (.allocate(capacity: descriptor.batchSize * descriptor.inputSize), .allocate(capacity: descriptor.batchSize * max(labels ?? targetSize, 1)))
    }

    /// The next batch into the stages, checked as fit checks arrays; with `loops`, the files again
    /// from the start when a pass ends.
    private func nextStreamBatch(_ stream: CSVBatchStream, batch: Int, xStage: UnsafeMutablePointer<Float>, yStage: UnsafeMutablePointer<Float>,
                                 loops: Bool, checkTargets: Bool = true) throws -> Int {
        if checkTargets, stream.labels != targetSize {  // before y is written: the stage holds targetSize per row
            throw KilnError("targets for loss \(descriptor.loss.name) must have \(targetSize) value\(targetSize == 1 ? "" : "s") per sample; the stream's lines end in \(stream.labels)")
        }
        var n = try stream.next(maxRows: batch, features: descriptor.inputSize, x: xStage, y: yStage)
        if n == 0 && loops {
            stream.rewind()
            n = try stream.next(maxRows: batch, features: descriptor.inputSize, x: xStage, y: yStage)
        }
        guard n > 0 else { return 0 }
        if checkTargets {
            if descriptor.io == nil, case .sparseCategoricalCrossentropy = descriptor.loss,
               let bad = (0..<n).first(where: { !isClassIndex(yStage[$0]) }) {
                throw KilnError("y: a streamed sample has label \(yStage[bad]), expected a class index in [0, \(descriptor.outputSize))")
            }
        }
        if let vocabulary = descriptor.tokenVocabulary, let bad = (0..<(n * descriptor.inputSize)).first(where: { !isTokenID(xStage[$0], vocabulary) }) {
            throw tokenError(xStage[bad], at: bad, sampleSize: descriptor.inputSize, vocabulary: vocabulary)
        }
        return n
    }
}
