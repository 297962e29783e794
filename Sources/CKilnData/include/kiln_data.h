// The few OS calls KilnData needs that Swift's Glibc module does not expose.
#ifndef KILN_DATA_H
#define KILN_DATA_H
#include <stddef.h>

// Grows (or moves) a mapped block without copying its pages; NULL when the kernel refuses.
void *kiln_mremap(void *block, size_t old_size, size_t new_size);

#endif
