// The few OS calls and CPU hints KilnData needs that Swift does not expose.
#ifndef KILN_DATA_H
#define KILN_DATA_H
#include <stddef.h>

// Grows (or moves) a mapped block without copying its pages; NULL when the kernel refuses.
void *kiln_mremap(void *block, size_t old_size, size_t new_size);

// Asks for the cache line at `address` ahead of a read (a hint: never faults).
static inline void kiln_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
