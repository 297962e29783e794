/// A growable array of trivial values in one manually managed allocation. Unlike `Array`, its
/// storage can be read through raw pointers in hot loops without copy-on-write checks, and a
/// view of it stays valid until the buffer grows or dies. Elements must be trivial (numbers,
/// pointers, plain structs of them): they are never deinitialized. A buffer made for random
/// access (a hash table's) lives on huge pages when large (see `Memory`).
public final class Buffer<Element> {
    // Public so that inlinable hot paths in generated code can use them; treat as read-only.
    // A buffer has one owner thread at a time, so no dynamic exclusivity checks (they cost
    // more than the appends themselves).
    @exclusivity(unchecked) public var base: UnsafeMutablePointer<Element>
    @exclusivity(unchecked) public var count: Int
    @exclusivity(unchecked) public var capacity: Int
    @usableFromInline let randomAccess: Bool

    @inlinable
    public init(capacity: Int = 16) {
        (base, self.capacity) = Memory.allocateGrowable(Element.self, count: Swift.max(capacity, 1))
        self.count = 0
        self.randomAccess = false
    }

    /// A buffer read at random (by hash); large ones go on huge pages.
    @usableFromInline
    init(randomAccessCapacity capacity: Int) {
        (base, self.capacity) = Memory.allocateGrowable(Element.self, count: Swift.max(capacity, 1), randomAccess: true)
        self.count = 0
        self.randomAccess = true
    }

    /// `count` copies of `value`.
    @inlinable
    public convenience init(repeating value: Element, count: Int) {
        self.init(capacity: count)
        base.initialize(repeating: value, count: count)
        self.count = count
    }

    deinit {
        Memory.free(base, count: capacity)
    }

    @inlinable
    public func reserve(_ minimumCapacity: Int) {
        guard minimumCapacity > capacity else { return }
        grow(to: minimumCapacity)
    }

    @usableFromInline
    func grow(to minimumCapacity: Int) {
        var newCapacity = Swift.max(capacity * 2, 16)
        while newCapacity < minimumCapacity { newCapacity *= 2 }
        (base, capacity) = Memory.reallocate(base, oldCount: capacity, count: newCapacity, randomAccess: randomAccess)
    }

    @inlinable
    public func append(_ value: Element) {
        if count == capacity { grow(to: count + 1) }
        (base + count).initialize(to: value)
        count += 1
    }

    @inlinable
    public func append(contentsOf source: UnsafePointer<Element>, count n: Int) {
        guard n > 0 else { return }
        reserve(count + n)
        (base + count).initialize(from: source, count: n)
        count += n
    }

    /// Appends `n` copies of `value`.
    @inlinable
    public func append(repeating value: Element, count n: Int) {
        guard n > 0 else { return }
        reserve(count + n)
        (base + count).initialize(repeating: value, count: n)
        count += n
    }

    @inlinable
    public subscript(index: Int) -> Element {
        get { base[index] }
        set { base[index] = newValue }
    }

    /// Forgets the contents, keeping the allocation.
    @inlinable
    public func removeAll() { count = 0 }

    @inlinable
    public func removeLast(_ n: Int) { count -= Swift.min(n, count) }

    public var array: [Element] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
