#define _GNU_SOURCE
#include "kiln_data.h"
#include <sys/mman.h>

void *kiln_mremap(void *block, size_t old_size, size_t new_size) {
    void *moved = mremap(block, old_size, new_size, MREMAP_MAYMOVE);
    return moved == MAP_FAILED ? NULL : moved;
}
