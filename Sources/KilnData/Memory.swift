#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocations for data read at random (hash tables): large ones on 2 MB pages (Linux's
/// transparent huge pages, asked for with madvise), as tens of MB probed at random otherwise
/// spend much of their time on TLB misses. Columns, read in order, do not ask: a huge page's
/// fault may compact memory first. Free either kind with `free`.
@usableFromInline
enum Memory {
    @usableFromInline static let hugePage = 2 << 20

    @usableFromInline
    static func allocate<T>(_ type: T.Type, count: Int, randomAccess: Bool = false) -> UnsafeMutablePointer<T> {
        let bytes = Swift.max(count * MemoryLayout<T>.stride, 1)
        var raw: UnsafeMutableRawPointer?
        if randomAccess && bytes >= 2 * hugePage {
            if posix_memalign(&raw, hugePage, bytes) == 0, let raw {
                #if os(Linux)
                _ = madvise(raw, bytes, Int32(MADV_HUGEPAGE))
                #endif
                return raw.bindMemory(to: T.self, capacity: count)
            }
        }
        guard let block = malloc(bytes) else { fatalError("out of memory allocating \(bytes) bytes") }
        return block.bindMemory(to: T.self, capacity: count)
    }

    @usableFromInline
    static func free<T>(_ pointer: UnsafeMutablePointer<T>) { Glibc.free(pointer) }
}
