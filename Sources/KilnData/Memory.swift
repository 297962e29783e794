import CKilnData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where buffers get their memory. Large blocks are mapped from the kernel directly, grown by
/// remapping (no copy) and returned when freed; malloc would, after the first large free, keep
/// them in its heap, copy them to grow and hold on to them. Blocks read at random (hash
/// tables) ask for 2 MB pages (Linux's transparent huge pages), as tens of MB probed at
/// random otherwise spend much of their time on TLB misses. Callers pass the sizes back.
@usableFromInline
enum Memory {
    /// Blocks from this size up are mapped.
    @usableFromInline static let mappedBytes = 1 << 20
    @usableFromInline static let hugePage = 2 << 20

    @usableFromInline
    static func bytes<T>(_ type: T.Type, _ count: Int) -> Int { Swift.max(count * MemoryLayout<T>.stride, 1) }

    @usableFromInline
    static func allocate<T>(_ type: T.Type, count: Int, randomAccess: Bool = false) -> UnsafeMutablePointer<T> {
        let size = bytes(T.self, count)
        let raw: UnsafeMutableRawPointer
        if size >= mappedBytes {
            raw = map(size)
            #if os(Linux)
            if randomAccess && size >= 2 * hugePage { _ = madvise(raw, size, Int32(MADV_HUGEPAGE)) }
            #endif
        } else {
            guard let block = malloc(size) else { fatalError("out of memory allocating \(size) bytes") }
            raw = block
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// A block of `oldCount` elements grown to `count`, contents kept.
    @usableFromInline
    static func reallocate<T>(_ pointer: UnsafeMutablePointer<T>, oldCount: Int, count: Int, randomAccess: Bool = false) -> UnsafeMutablePointer<T> {
        let oldSize = bytes(T.self, oldCount), size = bytes(T.self, count)
        if oldSize < mappedBytes && size < mappedBytes {
            guard let block = realloc(pointer, size) else { fatalError("out of memory growing to \(size) bytes") }
            return block.bindMemory(to: T.self, capacity: count)
        }
        #if os(Linux)
        if oldSize >= mappedBytes {
            guard let moved = kiln_mremap(pointer, oldSize, size) else { fatalError("out of memory growing to \(size) bytes") }
            if randomAccess && size >= 2 * hugePage { _ = madvise(moved, size, Int32(MADV_HUGEPAGE)) }
            return moved.bindMemory(to: T.self, capacity: count)
        }
        #endif
        let grown = allocate(T.self, count: count, randomAccess: randomAccess)
        UnsafeMutableRawPointer(grown).copyMemory(from: pointer, byteCount: Swift.min(oldSize, size))
        free(pointer, count: oldCount)
        return grown
    }

    @usableFromInline
    static func free<T>(_ pointer: UnsafeMutablePointer<T>, count: Int) {
        let size = bytes(T.self, count)
        if size >= mappedBytes { munmap(pointer, size) } else { Glibc.free(pointer) }
    }

    static func map(_ size: Int) -> UnsafeMutableRawPointer {
        guard let raw = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED else {
            fatalError("out of memory mapping \(size) bytes")
        }
        return raw
    }
}
