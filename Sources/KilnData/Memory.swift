import CKilnData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where buffers get their memory. Large blocks are mapped from the kernel directly and grown
/// by remapping (no copy). A freed large block is kept a few seconds for the next large
/// allocation, as malloc arenas and jemalloc keep theirs: a pipeline run again (or its next
/// step) then writes into pages already mapped instead of faulting in and zeroing fresh ones,
/// which costs more than parsing into them. Blocks read at random (hash tables) ask for 2 MB
/// pages (Linux's transparent huge pages), as tens of MB probed at random otherwise spend much
/// of their time on TLB misses. Callers pass the element counts they asked for back; a block
/// may be larger than asked, and `allocateGrowable`/`reallocate` say by how much.
@usableFromInline
enum Memory {
    /// Blocks from this size up are mapped.
    @usableFromInline static let mappedBytes = 1 << 20
    @usableFromInline static let hugePage = 2 << 20

    @usableFromInline
    static func bytes<T>(_ type: T.Type, _ count: Int) -> Int { Swift.max(count * MemoryLayout<T>.stride, 1) }

    @usableFromInline
    static func allocate<T>(_ type: T.Type, count: Int, randomAccess: Bool = false) -> UnsafeMutablePointer<T> {
        allocateGrowable(T.self, count: count, randomAccess: randomAccess).pointer
    }

    /// A block of at least `count` elements, and how many it holds.
    @usableFromInline
    static func allocateGrowable<T>(_ type: T.Type, count: Int, randomAccess: Bool = false) -> (pointer: UnsafeMutablePointer<T>, capacity: Int) {
        let size = bytes(T.self, count)
        guard size >= mappedBytes else {
            guard let block = malloc(size) else { fatalError("out of memory allocating \(size) bytes") }
            return (block.bindMemory(to: T.self, capacity: count), count)
        }
        let (raw, mapped) = MappedBlocks.shared.take(size) ?? MappedBlocks.shared.map(size)
        adviseHugePages(raw, mapped, randomAccess)
        let capacity = mapped / MemoryLayout<T>.stride
        return (raw.bindMemory(to: T.self, capacity: capacity), capacity)
    }

    /// A block of `oldCount` elements grown to at least `count`, contents kept, and how many
    /// elements it holds.
    @usableFromInline
    static func reallocate<T>(_ pointer: UnsafeMutablePointer<T>, oldCount: Int, count: Int, randomAccess: Bool = false)
        -> (pointer: UnsafeMutablePointer<T>, capacity: Int) {
        let oldSize = bytes(T.self, oldCount), size = bytes(T.self, count)
        if oldSize < mappedBytes && size < mappedBytes {
            guard let block = realloc(pointer, size) else { fatalError("out of memory growing to \(size) bytes") }
            return (block.bindMemory(to: T.self, capacity: count), count)
        }
        if oldSize >= mappedBytes {
            let (raw, mapped) = MappedBlocks.shared.grow(UnsafeMutableRawPointer(pointer), keeping: oldSize, to: size)
            adviseHugePages(raw, mapped, randomAccess)
            let capacity = mapped / MemoryLayout<T>.stride
            return (raw.bindMemory(to: T.self, capacity: capacity), capacity)
        }
        let grown = allocateGrowable(T.self, count: count, randomAccess: randomAccess)
        UnsafeMutableRawPointer(grown.pointer).copyMemory(from: pointer, byteCount: oldSize)
        free(pointer, count: oldCount)
        return grown
    }

    @usableFromInline
    static func free<T>(_ pointer: UnsafeMutablePointer<T>, count: Int) {
        if bytes(T.self, count) >= mappedBytes {
            MappedBlocks.shared.release(UnsafeMutableRawPointer(pointer))
        } else {
            Glibc.free(pointer)
        }
    }

    static func adviseHugePages(_ raw: UnsafeMutableRawPointer, _ size: Int, _ randomAccess: Bool) {
        #if os(Linux)
        if randomAccess && size >= 2 * hugePage { _ = madvise(raw, size, Int32(MADV_HUGEPAGE)) }
        #endif
    }
}

/// The mapped blocks of the process: the size of each live one, and freed ones kept for reuse
/// (up to `cacheLimit` bytes, for `cacheSeconds` each, checked whenever a block comes or goes).
final class MappedBlocks: @unchecked Sendable {
    static let shared = MappedBlocks()
    /// Freed bytes kept at most: an eighth of the machine's memory, at most 1 GB.
    let cacheLimit: Int = {
        let physical = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        return Swift.min(1 << 30, Swift.max(physical / 8, 0))
    }()
    /// How long a freed block waits for reuse (jemalloc's default decay is 10 s).
    let cacheSeconds = 10.0
    /// A reused block may be this many times larger than asked for.
    let slack = 2
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var live: [UnsafeMutableRawPointer: Int] = [:]
    private var cached: [(block: UnsafeMutableRawPointer, size: Int, freedAt: Double)] = []
    private var cachedBytes = 0

    private init() {
        lock = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
    }

    private func locked<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return body()
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func pages(_ size: Int) -> Int { (size + pageSize - 1) / pageSize * pageSize }

    /// A fresh mapping of at least `size` bytes.
    func map(_ size: Int) -> (UnsafeMutableRawPointer, Int) {
        let mapped = Self.pages(size)
        guard let raw = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED else {
            fatalError("out of memory mapping \(mapped) bytes")
        }
        locked { live[raw] = mapped }
        return (raw, mapped)
    }

    /// The smallest kept block of at least `size` bytes (and not far more), now live.
    func take(_ size: Int) -> (UnsafeMutableRawPointer, Int)? {
        let (found, expired) = locked { () -> ((UnsafeMutableRawPointer, Int)?, [(UnsafeMutableRawPointer, Int)]) in
            let expired = expire()
            var best = -1
            for (index, entry) in cached.enumerated() where entry.size >= size && entry.size <= size * slack {
                if best < 0 || entry.size < cached[best].size { best = index }
            }
            guard best >= 0 else { return (nil, expired) }
            let entry = cached.remove(at: best)
            cachedBytes -= entry.size
            live[entry.block] = entry.size
            return ((entry.block, entry.size), expired)
        }
        for (block, size) in expired { munmap(block, size) }
        #if DEBUG
        // Reused memory holds old contents: poison it so that a reader assuming zeros fails in tests.
        if let (block, size) = found { block.initializeMemory(as: UInt8.self, repeating: 0xA5, count: size) }
        #endif
        return found
    }

    /// A live block kept if it may be reused, else unmapped.
    func release(_ block: UnsafeMutableRawPointer) {
        let unmap = locked { () -> [(UnsafeMutableRawPointer, Int)] in
            var unmap = expire()
            guard let size = live.removeValue(forKey: block) else { fatalError("freeing a block Memory did not map") }
            if cachedBytes + size <= cacheLimit {
                cached.append((block, size, Self.now()))
                cachedBytes += size
            } else {
                unmap.append((block, size))
            }
            return unmap
        }
        for (block, size) in unmap { munmap(block, size) }
    }

    /// A live block grown to at least `size` bytes, its first `keeping` bytes kept: in place if
    /// it is large enough, into a kept block (a copy beats faulting in fresh pages), else remapped.
    func grow(_ block: UnsafeMutableRawPointer, keeping: Int, to size: Int) -> (UnsafeMutableRawPointer, Int) {
        let current = locked { live[block]! }
        if size <= current { return (block, current) }
        if let (reused, mapped) = take(size) {
            reused.copyMemory(from: block, byteCount: Swift.min(keeping, current))
            release(block)
            return (reused, mapped)
        }
        #if os(Linux)
        let mapped = Self.pages(size)
        guard let moved = kiln_mremap(block, current, mapped) else { fatalError("out of memory growing to \(mapped) bytes") }
        locked {
            live[block] = nil
            live[moved] = mapped
        }
        return (moved, mapped)
        #else
        let (fresh, mapped) = map(size)
        fresh.copyMemory(from: block, byteCount: Swift.min(keeping, current))
        release(block)
        return (fresh, mapped)
        #endif
    }

    /// Kept blocks past their time, taken out of the cache (the caller unmaps them unlocked).
    private func expire() -> [(UnsafeMutableRawPointer, Int)] {
        guard !cached.isEmpty else { return [] }
        let cutoff = Self.now() - cacheSeconds
        let old = cached.filter { $0.freedAt < cutoff }
        guard !old.isEmpty else { return [] }
        cached.removeAll { $0.freedAt < cutoff }
        cachedBytes -= old.reduce(0) { $0 + $1.size }
        return old.map { ($0.block, $0.size) }
    }
}
