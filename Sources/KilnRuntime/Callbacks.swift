import Foundation

/// Keras's callback hooks that Kiln's fit calls. `logs` use Keras's keys (loss, mae, val_loss, ...).
/// A callback ends training as Keras's do, by setting `model.stopTraining`; fit stops after the epoch.
public protocol Callback: AnyObject {
    func onTrainBegin(model: KilnModel)
    func onEpochBegin(epoch: Int, model: KilnModel)
    func onEpochEnd(epoch: Int, logs: [String: Double], model: KilnModel)
    func onTrainEnd(model: KilnModel)
}

extension Callback {
    public func onTrainBegin(model: KilnModel) {}
    public func onEpochBegin(epoch: Int, model: KilnModel) {}
    public func onEpochEnd(epoch: Int, logs: [String: Double], model: KilnModel) {}
    public func onTrainEnd(model: KilnModel) {}
}

/// Whether `monitor` should grow, as Keras's MonitorCallback decides: `.min`/`.max` say so;
/// `.auto` minimises `loss`/`val_loss`, follows the direction of the model's own metric of that
/// name (accuracies up, errors down), and otherwise (where Keras would raise) maximises names
/// with "acc" or "auc" in them, as Keras 2 did, and minimises the rest.
func monitorMaximizes(_ monitor: String, mode: EarlyStopping.Mode, model: KilnModel?) -> Bool {
    switch mode {
    case .min: return false
    case .max: return true
    case .auto:
        let name = monitor.hasPrefix("val_") ? String(monitor.dropFirst(4)) : monitor
        if name == "loss" { return false }
        if let model, let index = model.descriptor.metricNames.firstIndex(of: name), index < model.descriptor.metrics.count {
            switch model.descriptor.metrics[index] {
            case .mae, .mse: return false
            case .binaryAccuracy, .categoricalAccuracy, .sparseCategoricalAccuracy: return true
            }
        }
        return name.contains("acc") || name.contains("auc")
    }
}

/// keras.callbacks.EarlyStopping with Keras 3's defaults and rules: stop when `monitor` has not
/// improved by more than `minDelta` for `patience` epochs (never at epoch 0, never before
/// `startFromEpoch`); an improvement that does not beat `baseline` does not reset the count.
/// With `restoreBestWeights` the best epoch's weights come back when training ends (and already
/// when this callback stops it). A missing `monitor` warns once and never stops training.
public final class EarlyStopping: Callback {
    public enum Mode: Sendable { case auto, min, max }
    public let monitor: String
    public let minDelta: Double
    public let patience: Int
    public let mode: Mode
    public let baseline: Double?
    public let restoreBestWeights: Bool
    public let startFromEpoch: Int
    /// Prints Keras's "Epoch N: early stopping" and "Restoring model weights ..." lines.
    public let verbose: Bool

    public private(set) var wait = 0
    /// 0 when training was not stopped by this callback.
    public private(set) var stoppedEpoch = 0
    /// The best monitored value so far; nil before the first one.
    public private(set) var best: Double?
    public private(set) var bestEpoch = 0
    var bestWeights: [Float]?
    var maximize: Bool?
    var warnedMissing = false

    public init(monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 0, mode: Mode = .auto,
                baseline: Double? = nil, restoreBestWeights: Bool = false, startFromEpoch: Int = 0, verbose: Bool = false) {
        self.monitor = monitor
        self.minDelta = abs(minDelta)
        self.patience = patience
        self.mode = mode
        self.baseline = baseline
        self.restoreBestWeights = restoreBestWeights
        self.startFromEpoch = startFromEpoch
        self.verbose = verbose
    }

    func isImprovement(_ value: Double, over reference: Double?) -> Bool {
        guard let reference else { return true }
        return maximize == true ? value - minDelta > reference : value + minDelta < reference
    }

    public func onTrainBegin(model: KilnModel) {
        wait = 0; stoppedEpoch = 0; best = nil; bestEpoch = 0; bestWeights = nil
    }

    public func onEpochEnd(epoch: Int, logs: [String: Double], model: KilnModel) {
        if maximize == nil { maximize = monitorMaximizes(monitor, mode: mode, model: model) }
        guard let current = logs[monitor] else {
            if !warnedMissing {
                warnedMissing = true
                let available = logs.keys.sorted().joined(separator: ",")
                FileHandle.standardError.write(Data("warning: Early stopping conditioned on metric `\(monitor)` which is not available. Available metrics are: \(available)\n".utf8))
            }
            return
        }
        guard epoch >= startFromEpoch else { return }
        if restoreBestWeights && bestWeights == nil {
            bestWeights = model.parameters
            bestEpoch = epoch
        }
        wait += 1
        if isImprovement(current, over: best) {
            best = current
            bestEpoch = epoch
            if restoreBestWeights { bestWeights = model.parameters }
            // Only a value that also beats the baseline restarts the wait.
            if baseline == nil || isImprovement(current, over: baseline) { wait = 0 }
            return
        }
        if wait >= patience && epoch > 0 {
            stoppedEpoch = epoch
            model.stopTraining = true
            if restoreBestWeights, let bestWeights { model.parameters = bestWeights }
        }
    }

    public func onTrainEnd(model: KilnModel) {
        if stoppedEpoch > 0 && verbose { print("Epoch \(stoppedEpoch + 1): early stopping") }
        if restoreBestWeights, let bestWeights {
            if verbose { print("Restoring model weights from the end of the best epoch: \(bestEpoch + 1).") }
            model.parameters = bestWeights
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
    public let mode: EarlyStopping.Mode
    var maximize: Bool?
    /// The best monitored value saved so far (with `saveBestOnly`); nil before the first.
    public private(set) var best: Double?
    public private(set) var saved: [URL] = []

    public init(path: String, monitor: String = "val_loss", saveBestOnly: Bool = false, mode: EarlyStopping.Mode = .auto) {
        self.path = path
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.mode = mode
    }

    public func onEpochEnd(epoch: Int, logs: [String: Double], model: KilnModel) {
        if saveBestOnly {
            guard let current = logs[monitor] else {
                FileHandle.standardError.write(Data("warning: Can save best model only with \(monitor) available.\n".utf8))
                return
            }
            if maximize == nil { maximize = monitorMaximizes(monitor, mode: mode, model: model) }
            if let best { guard maximize! ? current > best : current < best else { return } }
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
