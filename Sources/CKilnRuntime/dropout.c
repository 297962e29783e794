// xoroshiro128+ (Blackman & Vigna, 2018 constants 24/16/37) seeded by splitmix64, and inverted dropout.
#include "kiln_runtime.h"
#include "kiln_internal.h"

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void kiln_rng_seed(uint64_t rng[2], uint64_t seed) {
    rng[0] = splitmix64(&seed);
    rng[1] = splitmix64(&seed);
    if ((rng[0] | rng[1]) == 0) rng[1] = 1;  // the all-zero state is a fixed point
}

uint64_t kiln_rng_next(uint64_t rng[2]) {
    uint64_t s0 = rng[0], s1 = rng[1];
    uint64_t result = s0 + s1;
    s1 ^= s0;
    rng[0] = rotl(s0, 24) ^ s1 ^ (s1 << 16);
    rng[1] = rotl(s1, 37);
    return result;
}

// The top 24 bits (the low bits of xoroshiro128+ are weak): exact multiples of 2^-24 in [0, 1).
float kiln_rng_uniform(uint64_t rng[2]) { return (float)(kiln_rng_next(rng) >> 40) * 0x1.0p-24f; }

// Keep an element when u >= rate, as Keras; rate >= 1 drops everything.
void kiln_dropout_forward(float *out, float *mask, const float *inp, int64_t n, float rate, uint64_t rng[2]) {
    const float keep_scale = rate < 1.0f ? 1.0f / (1.0f - rate) : 0.0f;
    for (int64_t i = 0; i < n; i++) {
        float mk = kiln_rng_uniform(rng) >= rate ? keep_scale : 0.0f;
        mask[i] = mk;
        out[i] = inp[i] * mk;
    }
}

void kiln_dropout_backward(float *dinp, const float *dout, const float *mask, int64_t n) {
    for (int64_t i = 0; i < n; i++) dinp[i] += dout[i] * mask[i];
}

void kiln_spatial_dropout_forward(float *out, float *mask, const float *inp, int n, int positions, int c, float rate, uint64_t rng[2]) {
    // out, mask, inp (n, positions, c): one draw per sample and channel, shared by its positions
    const float keep_scale = rate < 1.0f ? 1.0f / (1.0f - rate) : 0.0f;
    for (int s = 0; s < n; s++) {
        float *m = mask + (int64_t)s * positions * c;
        for (int k = 0; k < c; k++) m[k] = kiln_rng_uniform(rng) >= rate ? keep_scale : 0.0f;
        for (int p = 1; p < positions; p++)
            for (int k = 0; k < c; k++) m[(int64_t)p * c + k] = m[k];
    }
    for (int64_t i = 0; i < (int64_t)n * positions * c; i++) out[i] = inp[i] * mask[i];
}
