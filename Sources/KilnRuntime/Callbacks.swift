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
