// The few OS calls and CPU instructions KilnData needs that Swift does not expose.
#ifndef KILN_DATA_H
#define KILN_DATA_H
#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Grows (or moves) a mapped block without copying its pages; NULL when the kernel refuses.
void *kiln_mremap(void *block, size_t old_size, size_t new_size);

// Asks for the cache line at `address` ahead of a read (a hint: never faults).
static inline void kiln_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

// Bit i set where p[i] == byte, for i in 0..<64: reads 64 bytes from p, which the caller must own.
static inline uint64_t kiln_match64(const uint8_t *p, uint8_t byte) {
#if defined(__SSE2__)
    const __m128i wanted = _mm_set1_epi8((char)byte);
    uint64_t mask = 0;
    for (int i = 0; i < 4; i++) {
        __m128i block = _mm_loadu_si128((const __m128i *)(p + 16 * i));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(block, wanted)) << (16 * i);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (int i = 0; i < 64; i++) mask |= (uint64_t)(p[i] == byte) << i;
    return mask;
#endif
}

// Bit i set where p[i] is `a` or `b`, for i in 0..<64 (64 bytes read, as kiln_match64).
static inline uint64_t kiln_match64_either(const uint8_t *p, uint8_t a, uint8_t b) {
#if defined(__SSE2__)
    const __m128i wanted_a = _mm_set1_epi8((char)a), wanted_b = _mm_set1_epi8((char)b);
    uint64_t mask = 0;
    for (int i = 0; i < 4; i++) {
        __m128i block = _mm_loadu_si128((const __m128i *)(p + 16 * i));
        __m128i hits = _mm_or_si128(_mm_cmpeq_epi8(block, wanted_a), _mm_cmpeq_epi8(block, wanted_b));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(hits) << (16 * i);
    }
    return mask;
#else
    return kiln_match64(p, a) | kiln_match64(p, b);
#endif
}

#endif
