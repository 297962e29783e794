// Private helpers shared by the runtime's C files (not part of the public ABI).
#ifndef KILN_INTERNAL_H
#define KILN_INTERNAL_H

#include <stdint.h>
#include <string.h>

typedef float v4f __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));

// Unaligned vector load/store: memcpy compiles to one unaligned move and has no alignment UB.
#define KILN_LOADV(dst, ptr) __builtin_memcpy(&(dst), (ptr), sizeof(dst))
#define KILN_STOREV(ptr, src) __builtin_memcpy((ptr), &(src), sizeof(src))

// Runs fn(ctx, t) for t in [0, ntasks) on the pool; the caller takes part and returns when all are done.
// Falls back to a serial loop when the pool is busy (a concurrent or nested call).
typedef void (*kiln_task_fn)(void *ctx, int task);
void kiln_parallel_for(int ntasks, kiln_task_fn fn, void *ctx);

#endif
