import Foundation

/// Runs `body` on a thread with a stack of known size, as clang runs its work on a thread of
/// its own: the parser, typer and renderers recurse once per level of an expression (at most
/// `ExpressionParser.maxDepth`), and unoptimized builds spend tens of KiB per level, more than
/// a secondary thread's 512 KiB holds. The caller waits, so nothing runs concurrently.
func onCompilerStack<T>(_ body: () -> T) -> T {
    if Thread.current.name == compilerThreadName { return body() }
    return withoutActuallyEscaping(body) { body in
        let box = CompilerStackBox(body)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = box.body?()
            box.body = nil  // let go of the closure before the caller's withoutActuallyEscaping ends
            done.signal()
        }
        thread.name = compilerThreadName
        thread.stackSize = 64 << 20
        thread.start()
        done.wait()
        return box.result!
    }
}

private let compilerThreadName = "kiln-compiler"

/// Hands the work to the compiler thread and its result back; the caller waits in between.
private final class CompilerStackBox<T>: @unchecked Sendable {
    var body: (() -> T)?
    var result: T?
    init(_ body: @escaping () -> T) { self.body = body }
}
