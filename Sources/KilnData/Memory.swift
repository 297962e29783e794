#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Large allocations on 2 MB pages (Linux's transparent huge pages, asked for with madvise): a
/// hash table or column of tens of MB probed at random otherwise spends much of its time on
/// TLB misses. Small ones come from malloc as usual. Free either kind with `free`.
@usableFromInline
enum Memory {
    @usableFromInline static let hugePage = 2 << 20

    @usableFromInline
    static func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let bytes = Swift.max(count * MemoryLayout<T>.stride, 1)
        var raw: UnsafeMutableRawPointer?
        if bytes >= 2 * hugePage {
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
