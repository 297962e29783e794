import XCTest
@testable import KilnRuntime

/// EarlyStopping on scripted logs, checked against keras/src/callbacks/early_stopping.py by hand.
final class CallbacksTests: XCTestCase {
    /// Feeds `values` under the callback's monitor; returns the epoch where training stopped (nil: never).
    func stopEpoch(_ values: [Double], _ callback: EarlyStopping, model: KilnModel = probeModel()) -> Int? {
        model.stopTraining = false
        callback.onTrainBegin(model: model)
        defer { callback.onTrainEnd(model: model) }
        for (epoch, value) in values.enumerated() {
            var logs = ["loss": 1.0]
            logs[callback.monitor] = value
            callback.onEpochEnd(epoch: epoch, logs: logs, model: model)
            if model.stopTraining { return epoch }
        }
        return nil
    }

    func testStoppingRule() {
        let rows: [(values: [Double], callback: EarlyStopping, stop: Int?, why: String)] = [
            ([1.0, 0.9, 0.8, 0.7], EarlyStopping(), nil, "improving every epoch"),
            ([1.0, 1.1], EarlyStopping(), 1, "patience 0: the first epoch without improvement"),
            ([5.0], EarlyStopping(), nil, "never at epoch 0"),
            ([1.0, 1.1, 1.2, 0.5], EarlyStopping(patience: 2), 2, "two epochs without improvement"),
            ([1.0, 1.1, 0.9, 1.0, 1.0], EarlyStopping(patience: 2), 4, "an improvement restarts the count"),
            ([1.0, 1.0], EarlyStopping(), 1, "equal is not better"),
            ([1.0, 0.99, 0.98, 0.97], EarlyStopping(minDelta: 0.05, patience: 1), 1, "smaller steps than min_delta"),
            ([1.0, 0.99, 0.98, 0.97], EarlyStopping(minDelta: -0.05, patience: 1), 1, "the sign of min_delta is ignored"),
            ([0.9, 0.8, 0.7, 0.6], EarlyStopping(patience: 1, baseline: 0.5), nil, "improvements return before the stop check"),
            ([0.9, 0.95, 0.97], EarlyStopping(patience: 2, baseline: 0.5), 1, "not beating the baseline never resets the wait"),
            ([0.9, 0.4, 0.45, 0.46], EarlyStopping(patience: 2, baseline: 0.5), 3, "beating the baseline resets it"),
            ([1.0, 2.0, 3.0, 4.0], EarlyStopping(startFromEpoch: 2), 3, "epochs before start_from_epoch are ignored"),
            ([0.5, 0.6, 0.55, 0.52], EarlyStopping(monitor: "val_accuracy", patience: 1), 2, "accuracy is maximised"),
            ([0.5, 0.4, 0.3], EarlyStopping(monitor: "val_error", mode: .max), 1, "mode max"),
            ([0.5, 0.6, 0.7], EarlyStopping(monitor: "val_accuracy", mode: .min), 1, "mode min"),
        ]
        for row in rows {
            XCTAssertEqual(stopEpoch(row.values, row.callback), row.stop, "\(row.values): \(row.why)")
        }
    }

    func testAutoModeFollowsTheModelsMetrics() {
        // "val_accuracy_gap" names a model metric that decreases; Keras's auto mode asks the metric.
        let descriptor = probeDescriptor(metrics: [.mae, .categoricalAccuracy], metricNames: ["accuracy_gap", "hits"])
        let model = KilnModel(descriptor: descriptor, kernels: probeKernels)
        let rows: [(String, [Double], Int?)] = [
            ("val_accuracy_gap", [0.5, 0.4, 0.3], nil),
            ("val_hits", [0.5, 0.4, 0.3], 1),
            ("loss", [0.5, 0.4, 0.3], nil),
        ]
        for (monitor, values, stop) in rows {
            XCTAssertEqual(stopEpoch(values, EarlyStopping(monitor: monitor), model: model), stop, monitor)
        }
    }

    func testAMissingMonitorNeverStops() {
        let model = probeModel()
        let callback = EarlyStopping(monitor: "val_loss")
        callback.onTrainBegin(model: model)
        for epoch in 0..<5 { callback.onEpochEnd(epoch: epoch, logs: ["loss": Double(epoch)], model: model) }
        XCTAssertFalse(model.stopTraining)
        XCTAssertTrue(callback.warnedMissing)
        XCTAssertEqual(callback.wait, 0)
    }

    func testRestoreBestWeightsAtTheEndEvenWithoutStopping() {
        let model = probeModel(seed: 1)
        let callback = EarlyStopping(patience: 5, restoreBestWeights: true)
        callback.onTrainBegin(model: model)
        model.parameters = [1, 1, 1, 1]
        callback.onEpochEnd(epoch: 0, logs: ["val_loss": 2], model: model)
        model.parameters = [2, 2, 2, 2]
        callback.onEpochEnd(epoch: 1, logs: ["val_loss": 1], model: model)  // best
        model.parameters = [3, 3, 3, 3]
        callback.onEpochEnd(epoch: 2, logs: ["val_loss": 3], model: model)
        XCTAssertFalse(model.stopTraining)
        XCTAssertEqual(model.parameters, [3, 3, 3, 3])
        callback.onTrainEnd(model: model)
        XCTAssertEqual(model.parameters, [2, 2, 2, 2])
        XCTAssertEqual(callback.bestEpoch, 1)
        XCTAssertEqual(callback.best, 1)
    }

    func testFitStopsAtThePatienceEpochAndReportsIt() throws {
        let data = probeData(12)
        let model = probeModel(learningRate: 0)  // val_loss never improves
        let callback = EarlyStopping(patience: 2)
        let history = try model.fit(x: data.x, y: data.y, epochs: 20, validationSplit: 0.25, callbacks: [callback], verbose: .silent)
        XCTAssertEqual(history.epoch, [0, 1, 2])
        XCTAssertEqual(callback.stoppedEpoch, 2)
        // The callback can be reused: a new fit starts from scratch.
        XCTAssertEqual(try model.fit(x: data.x, y: data.y, epochs: 20, validationSplit: 0.25, callbacks: [callback], verbose: .silent).epoch,
                       [0, 1, 2])
    }

    final class Recorder: Callback {
        var events: [String] = []
        func onTrainBegin(model: KilnModel) { events.append("begin") }
        func onEpochBegin(epoch: Int, model: KilnModel) { events.append("epoch \(epoch)") }
        func onEpochEnd(epoch: Int, logs: [String: Double], model: KilnModel) {
            events.append("end \(epoch) " + logs.keys.sorted().joined(separator: ","))
        }
        func onTrainEnd(model: KilnModel) { events.append("done") }
    }

    func testHooksRunInKerasOrderWithTheEpochLogs() throws {
        let data = probeData(8)
        let recorder = Recorder()
        _ = try probeModel().fit(x: data.x, y: data.y, epochs: 2, validationSplit: 0.5, callbacks: [recorder], verbose: .silent)
        XCTAssertEqual(recorder.events, ["begin", "epoch 0", "end 0 loss,mae,val_loss,val_mae",
                                         "epoch 1", "end 1 loss,mae,val_loss,val_mae", "done"])
    }
}
