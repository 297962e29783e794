import Foundation

/// Keras's callback hooks that Kiln's fit calls. `logs` use Keras's keys (loss, mae, val_loss, ...).
public protocol Callback: AnyObject {
    func onTrainBegin(model: KilnModel)
    func onEpochEnd(epoch: Int, logs: [String: Double], model: KilnModel)
    func onTrainEnd(model: KilnModel)
}

extension Callback {
    public func onTrainBegin(model: KilnModel) {}
    public func onEpochEnd(epoch: Int, logs: [String: Double], model: KilnModel) {}
    public func onTrainEnd(model: KilnModel) {}
}

/// keras.callbacks.EarlyStopping with Keras's defaults and rules: stop when `monitor` has not
/// improved by more than `minDelta` for `patience` epochs; optionally restore the best weights.
public final class EarlyStopping: Callback {
    public enum Mode: Sendable { case auto, min, max }
    public let monitor: String
    public let minDelta: Double
    public let patience: Int
    public let restoreBestWeights: Bool
    public let baseline: Double?
    public let startFromEpoch: Int
    let maximize: Bool

    public private(set) var wait = 0
    public private(set) var stoppedEpoch = 0
    public private(set) var best: Double
    public private(set) var bestEpoch = 0
    var bestWeights: [Float]?
    var warnedMissing = false

    public init(monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 0, mode: Mode = .auto,
                baseline: Double? = nil, restoreBestWeights: Bool = false, startFromEpoch: Int = 0) {
        self.monitor = monitor
        self.minDelta = abs(minDelta)
        self.patience = patience
        self.baseline = baseline
        self.restoreBestWeights = restoreBestWeights
        self.startFromEpoch = startFromEpoch
        switch mode {
        case .min: maximize = false
        case .max: maximize = true
        case .auto: maximize = monitor.hasSuffix("acc") || monitor.contains("accuracy") || monitor.hasSuffix("auc")
        }
        best = maximize ? -.infinity : .infinity
    }

    func isImprovement(_ value: Double, over reference: Double) -> Bool {
        maximize ? value - minDelta > reference : value + minDelta < reference
    }

    public func onTrainBegin(model: KilnModel) {
        wait = 0; stoppedEpoch = 0; bestEpoch = 0; bestWeights = nil
        best = maximize ? -.infinity : .infinity
    }

    public func onEpochEnd(epoch: Int, logs: [String: Double], model: KilnModel) {
        guard let current = logs[monitor] else {
            if !warnedMissing {
                warnedMissing = true
                let available = logs.keys.sorted().joined(separator: ",")
                FileHandle.standardError.write(Data("warning: Early stopping conditioned on metric `\(monitor)` which is not available. Available metrics are: \(available)\n".utf8))
            }
            return
        }
        guard epoch >= startFromEpoch else { return }
        if restoreBestWeights && bestWeights == nil { bestWeights = model.parameters }
        wait += 1
        if isImprovement(current, over: best) {
            best = current
            bestEpoch = epoch
            if restoreBestWeights { bestWeights = model.parameters }
            if baseline == nil || isImprovement(current, over: baseline!) {
                wait = 0
                return
            }
        }
        if wait >= patience && epoch > 0 {
            stoppedEpoch = epoch
            model.stopTraining = true
            if restoreBestWeights, let bestWeights { model.parameters = bestWeights }
        }
    }
}

/// keras.callbacks.ModelCheckpoint for weights: after each epoch (or only when `monitor`
/// improves, with `saveBestOnly`) the weights go to `path`, where `{epoch}` becomes the 1-based
/// epoch number as Keras formats it. Every write is atomic, so a crash mid-training leaves the
/// previous checkpoint whole.
public final class ModelCheckpoint: Callback {
    public let path: String
    public let monitor: String
    public let saveBestOnly: Bool
    let maximize: Bool
    public private(set) var best: Double
    public private(set) var saved: [URL] = []

    public init(path: String, monitor: String = "val_loss", saveBestOnly: Bool = false, mode: EarlyStopping.Mode = .auto) {
        self.path = path
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        switch mode {
        case .min: maximize = false
        case .max: maximize = true
        case .auto: maximize = monitor.hasSuffix("acc") || monitor.contains("accuracy") || monitor.hasSuffix("auc")
        }
        best = maximize ? -.infinity : .infinity
    }

    public func onEpochEnd(epoch: Int, logs: [String: Double], model: KilnModel) {
        if saveBestOnly {
            guard let current = logs[monitor] else {
                FileHandle.standardError.write(Data("warning: Can save best model only with \(monitor) available.\n".utf8))
                return
            }
            guard maximize ? current > best : current < best else { return }
            best = current
        }
        let url = URL(fileURLWithPath: path.replacingOccurrences(of: "{epoch}", with: String(epoch + 1)))
        do {
            try model.saveWeights(to: url)
            saved.append(url)
        } catch {
            FileHandle.standardError.write(Data("warning: ModelCheckpoint could not save \(url.path): \(error)\n".utf8))
        }
    }
}
