// The evaluators of pyspark.ml.evaluation, with MulticlassMetrics', BinaryClassificationMetrics'
// and RegressionMetrics' definitions.

public struct MulticlassClassificationEvaluator: Sendable {
    public var labelCol = "label"
    public var predictionCol = "prediction"
    public var metricName = "f1"
    public var metricLabel = 0.0
    public var beta = 1.0

    public init(labelCol: String = "label", predictionCol: String = "prediction", metricName: String = "f1", metricLabel: Double = 0, beta: Double = 1) {
        self.labelCol = labelCol; self.predictionCol = predictionCol; self.metricName = metricName; self.metricLabel = metricLabel; self.beta = beta
    }

    public func evaluate(_ frame: Frame) throws -> Double {
        let labels = frame.doubleValues(try frame.mlColumn(labelCol)), predictions = frame.doubleValues(try frame.mlColumn(predictionCol))
        var pairs: [(Double, Double)] = []
        for (p, l) in zip(predictions, labels) { if let p, let l { pairs.append((p, l)) } }
        return try Self.metric(metricName, pairs, metricLabel: metricLabel, beta: beta)
    }

    /// MulticlassMetrics over (prediction, label) pairs; classes are the labels seen.
    static func metric(_ name: String, _ pairs: [(Double, Double)], metricLabel: Double, beta: Double) throws -> Double {
        let total = Double(pairs.count)
        var labelCount: [Double: Double] = [:], tp: [Double: Double] = [:], predicted: [Double: Double] = [:]
        for (p, l) in pairs {
            labelCount[l, default: 0] += 1
            predicted[p, default: 0] += 1
            if p == l { tp[l, default: 0] += 1 }
        }
        func precision(_ l: Double) -> Double { let d = predicted[l] ?? 0; return d == 0 ? 0 : (tp[l] ?? 0) / d }
        func recall(_ l: Double) -> Double { (tp[l] ?? 0) / labelCount[l]! }
        func fp(_ l: Double) -> Double { ((predicted[l] ?? 0) - (tp[l] ?? 0)) / (total - labelCount[l]!) }
        func f(_ l: Double, _ beta: Double) -> Double {
            let p = precision(l), r = recall(l), b2 = beta * beta
            return p + r == 0 ? 0 : (1 + b2) * p * r / (b2 * p + r)
        }
        func weighted(_ value: (Double) -> Double) -> Double {
            labelCount.keys.sorted().reduce(0) { $0 + value($1) * (labelCount[$1]! / total) }
        }
        let accuracy = tp.values.reduce(0, +) / total
        switch name {
        case "accuracy": return accuracy
        case "f1": return weighted { f($0, 1) }
        case "weightedFMeasure": return weighted { f($0, beta) }
        case "weightedPrecision": return weighted(precision)
        case "weightedRecall", "weightedTruePositiveRate": return weighted(recall)
        case "weightedFalsePositiveRate": return weighted(fp)
        case "truePositiveRateByLabel", "recallByLabel": return labelCount[metricLabel] == nil ? 0 : recall(metricLabel)
        case "falsePositiveRateByLabel": return labelCount[metricLabel] == nil ? 0 : fp(metricLabel)
        case "precisionByLabel": return precision(metricLabel)
        case "fMeasureByLabel": return labelCount[metricLabel] == nil ? 0 : f(metricLabel, beta)
        case "hammingLoss": return 1 - accuracy
        default: throw PipelineError("MulticlassClassificationEvaluator parameter metricName given invalid value \(name).")
        }
    }
}

public struct RegressionEvaluator: Sendable {
    public var labelCol = "label"
    public var predictionCol = "prediction"
    public var metricName = "rmse"

    public init(labelCol: String = "label", predictionCol: String = "prediction", metricName: String = "rmse") {
        self.labelCol = labelCol; self.predictionCol = predictionCol; self.metricName = metricName
    }

    public func evaluate(_ frame: Frame) throws -> Double {
        let labels = frame.doubleValues(try frame.mlColumn(labelCol)), predictions = frame.doubleValues(try frame.mlColumn(predictionCol))
        var sse = 0.0, sae = 0.0, sum = 0.0, sumSq = 0.0, sumPred = 0.0, sumPredSq = 0.0, n = 0.0
        for (p, l) in zip(predictions, labels) {
            guard let p, let l else { continue }
            sse += (l - p) * (l - p); sae += abs(l - p); sum += l; sumSq += l * l; sumPred += p; sumPredSq += p * p; n += 1
        }
        let mse = sse / n
        switch metricName {
        case "mse": return mse
        case "rmse": return mse.squareRoot()
        case "mae": return sae / n
        case "r2": return 1 - sse / (sumSq - sum * sum / n)
        case "var": return sumPredSq / n - (sumPred / n) * (sumPred / n)
        default: throw PipelineError("RegressionEvaluator parameter metricName given invalid value \(metricName).")
        }
    }
}

public struct BinaryClassificationEvaluator: Sendable {
    public var labelCol = "label"
    public var rawPredictionCol = "rawPrediction"
    public var metricName = "areaUnderROC"

    public init(labelCol: String = "label", rawPredictionCol: String = "rawPrediction", metricName: String = "areaUnderROC") {
        self.labelCol = labelCol; self.rawPredictionCol = rawPredictionCol; self.metricName = metricName
    }

    /// The score is rawPrediction[1] (a vector column) or the column itself (a double one).
    public func evaluate(_ frame: Frame) throws -> Double {
        let labels = frame.doubleValues(try frame.mlColumn(labelCol))
        let column = try frame.mlColumn(rawPredictionCol)
        let scores: [Double?]
        if case let .vector(c) = frame.columns[column] { scores = c.values.map { $0.map { $0.size > 1 ? $0[1] : $0[0] } } } else { scores = frame.doubleValues(column) }
        var points: [(Double, Double)] = []
        for (s, l) in zip(scores, labels) { if let s, let l { points.append((s, l)) } }
        return try Self.area(metricName, points)
    }

    /// BinaryClassificationMetrics with numBins 0: one point per distinct score, descending;
    /// ROC from (0,0) to (1,1) by trapezoids, PR starting at (0, precision of the first point).
    static func area(_ name: String, _ points: [(score: Double, label: Double)]) throws -> Double {
        var groups: [Double: (pos: Double, neg: Double)] = [:]
        for (s, l) in points { var g = groups[s] ?? (0, 0); if l > 0.5 { g.pos += 1 } else { g.neg += 1 }; groups[s] = g }
        let totalPos = groups.values.reduce(0) { $0 + $1.pos }, totalNeg = groups.values.reduce(0) { $0 + $1.neg }
        var tp = 0.0, fp = 0.0
        var curve: [(Double, Double)] = []
        for score in groups.keys.sorted(by: >) {
            tp += groups[score]!.pos; fp += groups[score]!.neg
            curve.append((tp, fp))
        }
        func trapezoid(_ xy: [(Double, Double)]) -> Double {
            zip(xy, xy.dropFirst()).reduce(0) { $0 + ($1.1.0 - $1.0.0) * ($1.1.1 + $1.0.1) / 2 }
        }
        switch name {
        case "areaUnderROC":
            let roc = [(0.0, 0.0)] + curve.map { (totalNeg == 0 ? 0 : $0.1 / totalNeg, totalPos == 0 ? 0 : $0.0 / totalPos) } + [(1.0, 1.0)]
            return trapezoid(roc)
        case "areaUnderPR":
            let pr = curve.map { (totalPos == 0 ? 0 : $0.0 / totalPos, $0.0 + $0.1 == 0 ? 1 : $0.0 / ($0.0 + $0.1)) }
            guard let first = pr.first else { return 0 }
            return trapezoid([(0.0, first.1)] + pr)
        default: throw PipelineError("BinaryClassificationEvaluator parameter metricName given invalid value \(name).")
        }
    }
}
