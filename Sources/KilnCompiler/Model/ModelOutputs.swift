import KilnSpec
import KilnCore

/// compile's per-output arguments, as Keras's CompileLoss and CompileMetrics read them: one
/// loss for every output or one per output (a dict keyed by output name, or a list in the
/// outputs' order), `loss_weights` likewise (1 by default), and metrics per output.
extension ModelValidator {
    struct OutputHead {
        var loss: LossKind
        var weight: Double
        var metrics: [(name: String, kind: MetricKind)]
    }

    /// `outputNames` and `outputShapes` are nil when the graph failed (already reported): then
    /// only what needs no outputs is checked.
    static func resolveOutputs(_ compile: CompileSpec, outputNames: [String]?, outputShapes: [[Int]]?, count: Int,
                               diagnostics: DiagnosticEngine) -> [OutputHead]? {
        let names = outputNames.map { "[" + $0.map { "'\(Identifiers.commentText($0))'" }.joined(separator: ", ") + "]" }
        func keys<Value>(_ entries: PerOutput<Value>) -> String {
            "[" + entries.entries.compactMap { $0.key.map { "'\(Identifiers.commentText($0.value))'" } }.joined(separator: ", ") + "]"
        }
        /// The entries in output order, or nil (reported). `exact`: a dict must name every output.
        func perOutput<Value>(_ entries: PerOutput<Value>, _ what: String, exact: Bool, mismatch: () -> String) -> [Value?]? {
            if entries.byName {
                guard let outputNames, let names else { return nil }
                let given = Set(entries.entries.map { $0.key!.value })
                guard exact ? given == Set(outputNames) : given.isSubset(of: Set(outputNames)) else {
                    diagnostics.error(exact ? "Expected keys \(names) in \(what) dict, but found \(what).keys()=\(keys(entries))" : mismatch(), at: entries.location)
                    return nil
                }
                return outputNames.map { name in entries.entries.first { $0.key!.value == name }?.value }
            }
            guard entries.entries.count == count else {
                diagnostics.error(mismatch(), at: entries.location)
                return nil
            }
            return entries.entries.map(\.value)
        }

        var ok = true
        // Each output's loss and where the spec names it.
        var losses: [(kind: LossKind?, location: SourceLocation)] = []
        if let single = compile.loss {
            let loss = resolveLoss(LossSpec(name: single, fromLogits: compile.lossFromLogits), diagnostics: diagnostics)
            if loss == nil { ok = false }
            losses = Array(repeating: (loss, single.location), count: count)
        } else if let given = compile.outputLosses {
            // Every loss name is checked, whether or not the outputs resolved.
            let resolved = given.entries.map { (kind: resolveLoss($0.value, diagnostics: diagnostics), location: $0.value.name.location) }
            if resolved.contains(where: { $0.kind == nil }) { ok = false }
            let indexed = PerOutput(entries: zip(given.entries, resolved).map { (key: $0.key, value: $1) }, location: given.location)
            if let ordered = perOutput(indexed, "loss", exact: true, mismatch: {
                "For a model with \(count) output\(count == 1 ? "" : "s"), `loss` as a list has one entry per output, in the order of `outputs`; received \(given.entries.count)"
            }) {
                losses = ordered.map { $0! }
            } else { ok = false }
        } else {
            return nil
        }

        var weights = [Double](repeating: 1, count: count)
        if let given = compile.lossWeights {
            for entry in given.entries where !entry.value.value.isFinite {
                diagnostics.error("`loss_weights` must be finite; received \(entry.value.value)", at: entry.value.location)
                ok = false
            }
            if let ordered = perOutput(given, "loss_weights", exact: true, mismatch: {
                "`loss_weights` must match the number of losses, got \(count) losses and \(given.entries.count) weights."
            }) {
                weights = ordered.map { $0?.value ?? 1 }
            } else { ok = false }
        }

        var metricNames = [[Located<String>]](repeating: [], count: count)
        let invalid = { (received: String) in
            "Invalid `metrics`. `metrics` should contain metrics objects and either be a dict or a list matching the output names of the functional model \(names ?? "[]") or match the output structure of the model: [\(Array(repeating: "'X'", count: count).joined(separator: ", "))]. Received: metrics=\(received)"
        }
        if let given = compile.outputMetrics {
            let received = given.byName
                ? "{" + given.entries.map { "'\(Identifiers.commentText($0.key!.value))': [\($0.value.map { "'\(Identifiers.commentText($0.value))'" }.joined(separator: ", "))]" }.joined(separator: ", ") + "}"
                : "[" + given.entries.map { "[\($0.value.map { "'\(Identifiers.commentText($0.value))'" }.joined(separator: ", "))]" }.joined(separator: ", ") + "]"
            if let ordered = perOutput(given, "metrics", exact: false, mismatch: { invalid(received) }) {
                metricNames = ordered.map { $0 ?? [] }
            } else { ok = false }
        } else if count == 1 {
            metricNames = [compile.metrics]
        } else if !compile.metrics.isEmpty {
            // Keras reads a flat list as one metric per output when it has one entry per output.
            if compile.metrics.count == count {
                metricNames = compile.metrics.map { [$0] }
            } else {
                diagnostics.error(invalid("[" + compile.metrics.map { "'\(Identifiers.commentText($0.value))'" }.joined(separator: ", ") + "]"),
                                  at: compile.metrics[0].location)
                ok = false
            }
        }

        var heads: [OutputHead] = []
        for k in 0..<count {
            let shape = outputShapes?[k]
            let head = losses.indices.contains(k) ? losses[k] : nil
            guard let metrics = resolveMetrics(metricNames[k], loss: head?.kind, outputShape: shape, diagnostics: diagnostics) else {
                ok = false
                continue
            }
            guard let head, let loss = head.kind else { continue }
            if let shape {
                let before = diagnostics.errors.count
                checkLossFitsOutput(loss, outputShape: shape, output: count > 1 ? outputNames?[k] : nil, at: head.location, diagnostics: diagnostics)
                if diagnostics.errors.count != before { ok = false }
            }
            heads.append(OutputHead(loss: loss, weight: weights[k], metrics: metrics))
        }
        return ok && heads.count == count && outputShapes != nil ? heads : nil
    }
}
