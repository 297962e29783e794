// The user functions of specs/WordCountUDF.pipeline.yaml (the lecture's split and count),
// written by hand: a pipeline's udfs live in the target that compiles it.

/// Python's `line.split()`: the words between runs of whitespace.
func split(_ line: String) -> [String] {
    line.split(whereSeparator: \.isWhitespace).map(String.init)
}

/// `(x.lower(), 1)`.
func count(_ x: String) -> (String, Int64) {
    (x.lowercased(), 1)
}
