// Trains the spec in IrisKernels (compiled by KilnBuildPlugin) on Iris and checks the accuracy.
// Usage: train-iris <iris.csv> <minimum test accuracy>
import Foundation
import IrisModel

let arguments = CommandLine.arguments
guard arguments.count == 3, let bar = Double(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: train-iris <iris.csv> <minimum test accuracy>\n".utf8))
    exit(2)
}
do {
    let data = try CSVDataset.load(from: URL(fileURLWithPath: arguments[1]), hasHeader: true).shuffled(seed: 3)
    let train = data.slice(0..<120), test = data.slice(120..<data.count)
    let model = EndToEndIris(seed: 1)
    print(model.summary())
    _ = try model.fit(x: train.x, y: train.y, epochs: 100, batchSize: 16, verbose: .silent)
    let result = try model.evaluate(x: test.x, y: test.y)
    let accuracy = result["accuracy"] ?? 0
    print("end-to-end: EndToEndIris test loss \(result.loss), accuracy \(accuracy) on \(test.count) samples (bar \(bar))")
    exit(accuracy >= bar ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("train-iris: \(error)\n".utf8))
    exit(1)
}
