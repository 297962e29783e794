// Kiln's demo: the seed specs, compiled by KilnBuildPlugin into KilnDemoModels (C kernels)
// and KilnDemo (Swift classes and pipelines), trained and run on synthetic and real bundled data.
import Foundation
import KilnData
import KilnDemo
import KilnRuntime


func section(_ title: String) {
    print("\n== \(title) " + String(repeating: "=", count: max(0, 72 - title.count)))
}

func dataURL(_ name: String) -> URL {
    guard let url = Bundle.module.url(forResource: "data/\(name)", withExtension: nil) else {
        fatalError("kiln-demo: bundled data file \(name) is missing")
    }
    return url
}

/// Fraction of rows whose largest output is the labelled class.
func accuracy(_ predictions: Tensor, labels: Tensor) -> Double {
    let classes = predictions.shape.last!
    var correct = 0
    for row in 0..<labels.shape[0] {
        let scores = predictions.scalars[(row * classes)..<((row + 1) * classes)]
        let best = scores.indices.max { scores[$0] < scores[$1] }! - row * classes
        if best == Int(labels.scalars[row]) { correct += 1 }
    }
    return Double(correct) / Double(labels.shape[0])
}

do {
    // 1. The lecture's first model on synthetic regression data: y = tanh(x . w) + noise.
    section("SeedRegressor: Sequential([Input((128,)), Dense(10, tanh), Dense(1)]), Adam, mse")
    var rng = DemoRandom(seed: 2026)
    let samples = 8192, features = 128
    let trueWeights = (0..<features).map { _ in Float(rng.nextGaussian()) / Float(features).squareRoot() }
    var xs: [Float] = [], ys: [Float] = []
    for _ in 0..<samples {
        let row = (0..<features).map { _ in Float(rng.nextGaussian()) }
        let dot = zip(row, trueWeights).map(*).reduce(0, +)
        xs += row
        ys.append(2 * tanh(dot) + 0.05 * Float(rng.nextGaussian()))
    }
    let x = Tensor(shape: [samples, features], scalars: xs), y = Tensor(shape: [samples, 1], scalars: ys)
    let (xTrain, yTrain) = (x.rows(0..<7168), y.rows(0..<7168))
    let (xVal, yVal) = (x.rows(7168..<samples), y.rows(7168..<samples))

    let regressor = SeedRegressor(seed: 42)
    print(regressor.summary())
    let history = try regressor.fit(x: xTrain, y: yTrain, epochs: 10, batchSize: 32, validationSplit: 0.1)
    let evaluation = try regressor.evaluate(x: xVal, y: yVal)
    let predictions = try regressor.predict(xVal)
    let mse = zip(predictions.scalars, yVal.scalars).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Float(yVal.scalars.count)
    print("held-out: loss (mse) \(fmt(evaluation.loss)), mae \(fmt(evaluation["mae"] ?? .nan)); mse recomputed from predict(): \(fmt(Double(mse)))")
    print("first epoch loss \(fmt(history.history["loss"]!.first!)) -> last \(fmt(history.history["loss"]!.last!))")

    let weightsURL = FileManager.default.temporaryDirectory.appendingPathComponent("SeedRegressor.safetensors")
    try regressor.saveWeights(to: weightsURL)
    let reloaded = SeedRegressor()
    try reloaded.loadWeights(from: weightsURL)
    let same = try reloaded.predict(xVal).scalars == predictions.scalars
    print("saved weights to \(weightsURL.path); a fresh model loaded them and predicts \(same ? "identically" : "DIFFERENTLY")")

    // 2. A real data set: UCI optical digits, 8x8 grey levels, 10 classes.
    section("DigitsClassifier: Dense(64, relu) -> Dropout(0.2) -> Dense(10, softmax) on UCI digits")
    let digits = try CSVDataset.load(from: dataURL("digits.csv"), hasHeader: false, featureScale: 1.0 / 16)
    let shuffled = digits.shuffled(seed: 7)
    let split = shuffled.count * 4 / 5
    let train = shuffled.slice(0..<split), test = shuffled.slice(split..<shuffled.count)
    print("\(digits.count) images (\(train.count) train, \(test.count) test), \(digits.features) features")
    let classifier = DigitsClassifier(seed: 42)
    print(classifier.summary())
    let stopping = EarlyStopping(monitor: "val_loss", patience: 5, restoreBestWeights: true, verbose: true)
    let digitsHistory = try classifier.fit(x: train.x, y: train.y, epochs: 30, batchSize: 32, validationSplit: 0.1, callbacks: [stopping])
    let epochsRun = digitsHistory.history["loss"]!.count
    // As Keras 3: the best weights come back at the end of fit, stopped early or not.
    let stoppedText = stopping.stoppedEpoch > 0 ? "stopped after epoch \(epochsRun) of 30" : "did not stop (all 30 epochs ran)"
    print("EarlyStopping (val_loss, patience 5) \(stoppedText) and restored the weights of the best epoch, \(stopping.bestEpoch + 1)")
    let plotURL = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-demo-digits-history.svg")
    try digitsHistory.writeSVG(to: plotURL, title: "DigitsClassifier: loss and accuracy per epoch")
    print("wrote the training curves (History.svg) to \(plotURL.path)")
    let digitsResult = try classifier.evaluate(x: test.x, y: test.y)
    let digitsAccuracy = accuracy(try classifier.predict(test.x), labels: test.y)
    print("test: loss \(fmt(digitsResult.loss)), accuracy \(fmt(digitsResult["accuracy"] ?? .nan)) (from predict(): \(fmt(digitsAccuracy)))")

    // 2b. The same digits through a functional CNN with a skip connection.
    section("DigitsFunctional: Reshape(8, 8, 1) -> residual Conv2D block (Add) -> MaxPooling2D -> Conv2D -> Dense(10)")
    let functional = DigitsFunctional(seed: 42)
    print(functional.summary())
    let functionalStopping = EarlyStopping(monitor: "val_loss", patience: 8, restoreBestWeights: true)
    _ = try functional.fit(x: train.x, y: train.y, epochs: 80, batchSize: 32, validationSplit: 0.1, callbacks: [functionalStopping], verbose: .silent)
    let functionalResult = try functional.evaluate(x: test.x, y: test.y)
    print("test: loss \(fmt(functionalResult.loss)), accuracy \(fmt(functionalResult["accuracy"] ?? .nan)) (best epoch \(functionalStopping.bestEpoch + 1); the MLP above: \(fmt(digitsResult["accuracy"] ?? .nan)))")

    // 2c. Transfer learning: a frozen ResNet50 base under a new head, on a generated image set.
    section("DemoTransfer: frozen ResNet50 base (23,587,712 params) -> GlobalAveragePooling2D -> Dense(2, softmax)")
    let (images, labels) = stripeImages(count: 320, seed: 11)
    let transfer = DemoTransfer(seed: 5)
    print(transfer.summary())
    let transferTrain = (images.rows(0..<256), labels.rows(0..<256)), transferTest = (images.rows(256..<320), labels.rows(256..<320))
    let before = transfer.parameters
    let transferStarted = Date()
    _ = try transfer.fit(x: transferTrain.0, y: transferTrain.1, epochs: 10, batchSize: 16, verbose: .silent)
    let transferSeconds = Date().timeIntervalSince(transferStarted)
    let baseCount = DemoTransfer.descriptor.weights.filter { !$0.trainable }.reduce(0) { $0 + $1.count }
    let after = transfer.parameters
    let frozenKept = DemoTransfer.descriptor.weights.filter { !$0.trainable }.allSatisfy { info in
        before[info.offset..<(info.offset + info.count)] == after[info.offset..<(info.offset + info.count)]
    }
    let transferResult = try transfer.evaluate(x: transferTest.0, y: transferTest.1)
    print("horizontal against vertical stripes, 32x32 RGB with noise: 256 train, 64 test images; 10 epochs in \(String(format: "%.1f", transferSeconds)) s")
    print("test accuracy \(fmt(transferResult["accuracy"] ?? .nan)); the base's \(baseCount) weights \(frozenKept ? "did not move" : "MOVED"), only the head's 4,098 trained")

    // 2d. A sequence regressor: the next value of a noisy sine mixture from its last 50 steps.
    section("SineForecaster: 50 steps x 8 noisy channels -> LSTM(64) -> Dense(1): the mixture's next value")
    let (sequences, nextValues) = sineMixtures(count: 4096, seed: 21)
    let forecastTrain = (sequences.rows(0..<3584), nextValues.rows(0..<3584)), forecastTest = (sequences.rows(3584..<4096), nextValues.rows(3584..<4096))
    let forecaster = SineForecaster(seed: 8)
    print(forecaster.summary())
    let forecastStarted = Date()
    _ = try forecaster.fit(x: forecastTrain.0, y: forecastTrain.1, epochs: 20, batchSize: 64, verbose: .silent)
    let forecastSeconds = Date().timeIntervalSince(forecastStarted)
    let forecastMSE = try forecaster.evaluate(x: forecastTest.0, y: forecastTest.1).loss
    // The "last value" forecast: channel 0 at the last step.
    let lastValueMSE = (0..<512).map { i -> Double in
        let last = Double(forecastTest.0.scalars[(i * 50 + 49) * 8]) - Double(forecastTest.1.scalars[i])
        return last * last
    }.reduce(0, +) / 512
    print("3584 train, 512 held-out sequences; 20 epochs in \(String(format: "%.1f", forecastSeconds)) s")
    print("held-out mse \(fmt(forecastMSE)); the last observed value as the forecast: mse \(fmt(lastValueMSE))")

    // 2e. Next-frame prediction on moving, growing and decaying rain cells.
    section("Nowcaster: 10 frames of 32x32 rain fields -> ConvLSTM2D(16) -> Conv3D(1) + the frame: each step's next frame")
    let (fields, nextFields) = rainFields(count: 160, seed: 33)
    let nowcastTrain = (fields.rows(0..<128), nextFields.rows(0..<128)), nowcastTest = (fields.rows(128..<160), nextFields.rows(128..<160))
    let nowcaster = Nowcaster(seed: 4)
    print(nowcaster.summary())
    let nowcastStarted = Date()
    _ = try nowcaster.fit(x: nowcastTrain.0, y: nowcastTrain.1, epochs: 12, batchSize: 8, verbose: .silent)
    let nowcastSeconds = Date().timeIntervalSince(nowcastStarted)
    let nowcastMSE = try nowcaster.evaluate(x: nowcastTest.0, y: nowcastTest.1).loss
    // "Last frame": each step's next frame predicted as the frame itself.
    let persistenceMSE = zip(nowcastTest.0.scalars, nowcastTest.1.scalars).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +) / Double(nowcastTest.1.scalars.count)
    print("128 train, 32 held-out sequences; 12 epochs in \(String(format: "%.1f", nowcastSeconds)) s")
    print("held-out mse \(String(format: "%.5f", nowcastMSE)); the last frame as the forecast: mse \(String(format: "%.5f", persistenceMSE))")

    // 3. Fisher's Iris.
    section("IrisClassifier: Dense(16, relu) -> Dense(3, softmax) on Iris")
    let iris = try CSVDataset.load(from: dataURL("iris.csv"), hasHeader: true).shuffled(seed: 3)
    let irisTrain = iris.slice(0..<120), irisTest = iris.slice(120..<iris.count)
    let irisModel = IrisClassifier(seed: 1)
    let irisHistory = try irisModel.fit(x: irisTrain.x, y: irisTrain.y, epochs: 100, batchSize: 16, verbose: .silent)
    let irisResult = try irisModel.evaluate(x: irisTest.x, y: irisTest.y)
    print("100 epochs: train loss \(fmt(irisHistory.history["loss"]!.last!)), test accuracy \(fmt(irisResult["accuracy"] ?? .nan)) on \(irisTest.count) held-out flowers")

    // 3b. The same network fed by a pipeline spec: the YAML pair IrisPrep (read, clean, index,
    // split) and IrisFromPipeline (data: {pipeline: IrisPrep, ...}).
    section("IrisFromPipeline: data from the IrisPrep pipeline spec (CSV -> clean -> StringIndexer -> randomSplit)")
    let irisData = try IrisFromPipeline.data(irisPath: dataURL("iris.csv").path)
    let bridged = IrisFromPipeline(seed: 1)
    let bridgedHistory = try bridged.fit(x: irisData.train.x, y: irisData.train.y, verbose: .silent)
    let bridgedResult = try bridged.evaluate(x: irisData.test.x, y: irisData.test.y)
    print("IrisPrep: \(irisData.train.x.count) train and \(irisData.test.x.count) test rows (randomSplit [0.8, 0.2], seed 7)")
    print("\(bridgedHistory.history["loss"]!.count) epochs: train loss \(fmt(bridgedHistory.history["loss"]!.last!)), test accuracy \(fmt(bridgedResult["accuracy"] ?? .nan))")

    // 4. Unscaled features: the same network without and with Keras's Normalization layer.
    section("CancerClassifier: Normalization (adapted) -> Dense(16, relu) -> Dense(1, sigmoid) on breast cancer")
    let cancer = try CSVDataset.load(from: dataURL("breast_cancer.csv"), hasHeader: true).shuffled(seed: 5)
    let cancerSplit = cancer.count * 4 / 5
    let cancerTrain = cancer.slice(0..<cancerSplit), cancerTest = cancer.slice(cancerSplit..<cancer.count)
    let raw = CancerUnscaled(seed: 3)
    _ = try raw.fit(x: cancerTrain.x, y: cancerTrain.y, epochs: 40, batchSize: 32, verbose: .silent)
    let rawAccuracy = try raw.evaluate(x: cancerTest.x, y: cancerTest.y)["accuracy"] ?? .nan
    let normalized = CancerClassifier(seed: 3)
    try normalized.adapt(cancerTrain.x)  // mean and variance of each feature, from the training rows only
    print(normalized.summary())
    _ = try normalized.fit(x: cancerTrain.x, y: cancerTrain.y, epochs: 40, batchSize: 32, verbose: .silent)
    let normalizedAccuracy = try normalized.evaluate(x: cancerTest.x, y: cancerTest.y)["accuracy"] ?? .nan
    print("\(cancer.count) tumours (\(cancerTrain.count) train, \(cancerTest.count) test), \(cancer.features) features from 0.001 to 4,000")
    print("test accuracy after 40 epochs: raw features \(fmt(rawAccuracy)) (CancerUnscaled), adapted Normalization \(fmt(normalizedAccuracy)) (CancerClassifier)")

    // 5. The lecture's Spark word count, as a pipeline spec compiled to fused Swift.
    section("WordCount: textFile -> flatMap(split) -> map((lower(word), 1)) -> reduceByKey(+)")
    let lecture = dataURL("lecture.txt").path
    let started = Date()
    let words = try WordCount.run(path: lecture)
    let seconds = Date().timeIntervalSince(started)
    let total = words.counts.rows.reduce(Int64(0)) { $0 + $1._2 }
    print("\(total) words, \(words.counts.count) distinct, in \(String(format: "%.1f", seconds * 1000)) ms; the most frequent:")
    print(words.counts.frame.sorted(by: [SortOrder(column: 1, ascending: false), SortOrder(column: 0)], limit: 10).showString(rows: 10), terminator: "")
    let withFunctions = try WordCountUDF.run(path: lecture)
    let sameCounts = Set(withFunctions.counts.rows.map { "\($0._1) \($0._2)" }) == Set(words.counts.rows.map { "\($0._1) \($0._2)" })
    print("WordCountUDF (the lecture's split() and count() as Swift functions) counts \(sameCounts ? "the same" : "DIFFERENTLY")")

    // 6. The lecture's cities DataFrame: its show() calls print as Spark prints them.
    section("Cities: show, select, sort, filter, groupBy-agg, right join")
    let shown = ShownTables()
    let cities = try Cities.run(context: PipelineContext(output: { shown.append($0) }))
    // The spec's three show steps, in order.
    for (title, table) in zip(["df.show():", "df.sort('location').show():", "df.filter(df.state == 'CA').show():"], shown.tables) {
        print(title)
        print(table, terminator: "")
    }
    print("df.select('location'):")
    print(cities.locations.frame.showString(), terminator: "")
    print("df.groupBy('location').agg(sum):")
    print(cities.totals.frame.sorted(by: [SortOrder(column: 0)]).showString(), terminator: "")
    print("df.join(other_df, 'location', how = 'right'):")
    print(cities.joined.frame.showString(), terminator: "")
} catch {
    FileHandle.standardError.write(Data("kiln-demo: \(error)\n".utf8))
    exit(1)
}

func fmt(_ value: Double) -> String { String(format: "%.4f", value) }

/// Sequences of a mixture of two sines with random frequencies, amplitudes and phases: 50 steps of
/// 8 channels, each the mixture with its own phase lag plus noise (sd 0.2), and as target the
/// noiseless mixture of channel 0 one step after the last.
func sineMixtures(count: Int, seed: UInt64) -> (Tensor, Tensor) {
    var rng = DemoRandom(seed: seed)
    var xs: [Float] = [], ys: [Float] = []
    xs.reserveCapacity(count * 50 * 8)
    for _ in 0..<count {
        let f1 = 0.1 + 0.2 * rng.nextUniform(), f2 = 0.3 + 0.4 * rng.nextUniform()
        let a1 = 0.5 + rng.nextUniform(), a2 = 0.2 + 0.5 * rng.nextUniform()
        let p1 = 2 * .pi * rng.nextUniform(), p2 = 2 * .pi * rng.nextUniform()
        func mixture(_ t: Double, lag: Double) -> Double { a1 * sin(f1 * (t - lag) + p1) + a2 * sin(f2 * (t - lag) + p2) }
        for t in 0..<50 {
            for channel in 0..<8 { xs.append(Float(mixture(Double(t), lag: Double(channel)) + 0.2 * rng.nextGaussian())) }
        }
        ys.append(Float(mixture(50, lag: 0)))
    }
    return (Tensor(shape: [count, 50, 8], scalars: xs), Tensor(shape: [count, 1], scalars: ys))
}

/// Sequences of 11 rain fields (32x32, values in [0, 1)): one to three Gaussian cells, each moving
/// at its own velocity while its radius and intensity grow or decay at their own rates. Returns
/// frames 0-9 as the input and frames 1-10 (each step's next frame) as the target.
func rainFields(count: Int, seed: UInt64) -> (Tensor, Tensor) {
    var rng = DemoRandom(seed: seed)
    var xs: [Float] = [], ys: [Float] = []
    for _ in 0..<count {
        let cells = (0..<(1 + Int(rng.nextUniform() * 3))).map { _ in
            (x: 4 + 24 * rng.nextUniform(), y: 4 + 24 * rng.nextUniform(), vx: 2.4 * rng.nextUniform() - 1.2, vy: 2.4 * rng.nextUniform() - 1.2,
             radius: 2 + 3 * rng.nextUniform(), growth: 0.16 * rng.nextUniform() - 0.08, peak: 0.5 + 0.5 * rng.nextUniform(), decay: 0.2 * rng.nextUniform() - 0.1)
        }
        var frames: [[Float]] = []
        for t in 0..<11 {
            var frame = [Float](repeating: 0, count: 32 * 32)
            for cell in cells {
                let cx = cell.x + cell.vx * Double(t), cy = cell.y + cell.vy * Double(t)
                let r = cell.radius * exp(cell.growth * Double(t)), a = cell.peak * exp(cell.decay * Double(t))
                for i in 0..<32 {
                    for j in 0..<32 {
                        let d2 = (Double(i) - cy) * (Double(i) - cy) + (Double(j) - cx) * (Double(j) - cx)
                        frame[i * 32 + j] += Float(a * exp(-d2 / (2 * r * r)))
                    }
                }
            }
            frames.append(frame.map { min($0, 0.999) })
        }
        for t in 0..<10 { xs += frames[t]; ys += frames[t + 1] }
    }
    return (Tensor(shape: [count, 10, 32, 32, 1], scalars: xs), Tensor(shape: [count, 10, 32, 32, 1], scalars: ys))
}

/// Two classes of 32x32x3 images: stripes across (0) or down (1), with a random period, phase,
/// colour and noise; labels as class ids.
func stripeImages(count: Int, seed: UInt64) -> (Tensor, Tensor) {
    var rng = DemoRandom(seed: seed)
    var pixels: [Float] = [], labels: [Float] = []
    pixels.reserveCapacity(count * 32 * 32 * 3)
    for i in 0..<count {
        let vertical = i % 2 == 1
        let period = 3 + 5 * rng.nextUniform(), phase = 2 * Double.pi * rng.nextUniform()
        let colour = (0..<3).map { _ in 0.5 + 0.5 * rng.nextUniform() }
        for row in 0..<32 {
            for column in 0..<32 {
                let t = Double(vertical ? column : row)
                let wave = 0.5 + 0.5 * sin(2 * .pi * t / period + phase)
                for channel in 0..<3 { pixels.append(Float(wave * colour[channel] + 0.2 * rng.nextGaussian())) }
            }
        }
        labels.append(vertical ? 1 : 0)
    }
    return (Tensor(shape: [count, 32, 32, 3], scalars: pixels), Tensor(shape: [count], scalars: labels))
}

/// What a pipeline's show() steps print, one table each.
final class ShownTables: @unchecked Sendable {
    private(set) var tables: [String] = []
    func append(_ text: String) { tables.append(text) }
}

/// Seeded normal samples for the synthetic data (SplitMix64 + Box-Muller).
struct DemoRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func nextUniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (Double((z ^ (z >> 31)) >> 11) + 0.5) / 9_007_199_254_740_992
    }
    mutating func nextGaussian() -> Double {
        (-2 * log(nextUniform())).squareRoot() * cos(2 * .pi * nextUniform())
    }
}
