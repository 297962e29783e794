/// Sizes in generated C are C `int`s: the runtime's kernels take rows, columns and counts as
/// `int`, and buffer offsets are `enum` constants, which C requires to fit in an `int`. So every
/// weight, every activation buffer for the compiled batch, and all parameters and all
/// activations together must hold at most this many floats; the validator rejects larger specs.
public let maxKernelFloats = Int(Int32.max)

/// The product of `dims`, or nil if it overflows `Int`.
func checkedProduct<Dims: Sequence<Int>>(_ dims: Dims) -> Int? {
    var product = 1
    for dim in dims {
        let (next, overflow) = product.multipliedReportingOverflow(by: dim)
        if overflow { return nil }
        product = next
    }
    return product
}

/// The product of `dims`, `Int.max` on overflow: sizes of a validated model never reach it,
/// and an unvalidated one is then reported as too large rather than trapping.
func saturatingProduct<Dims: Sequence<Int>>(_ dims: Dims) -> Int { checkedProduct(dims) ?? .max }

/// The sum of `values`, `Int.max` on overflow.
func saturatingSum<Values: Sequence<Int>>(_ values: Values) -> Int {
    var sum = 0
    for value in values {
        let (next, overflow) = sum.addingReportingOverflow(value)
        if overflow { return .max }
        sum = next
    }
    return sum
}
