// Minibatch shuffles for many runs at once: each run's rows 0…n−1 in Fisher–Yates order, drawn from
// its own xoshiro128** stream exactly as prng.ts's Rng.shuffle draws them (int(i + 1): rejection
// below 2³² − (2³² mod (i + 1)), then the remainder), so a run's minibatches are the same numbers
// from here as from prng.ts. Integer arithmetic throughout: the same bits on every machine. Built by
// scripts/build-wasm.mjs; the bytes are committed in shuffle.wasm.ts and a test checks they match.
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(#name)))

extern unsigned char __heap_base;

/** Where the caller's arrays may start (the memory above it is the caller's). */
EXPORT(heap) uintptr_t heap(void) { return ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15; }

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

/**
 * For each of `runs` streams (state [runs][4], advanced in place): rows 0…n−1 shuffled, then spread
 * into `out` as [batches][runs][batch] (the first batches·batch rows of each shuffle).
 */
EXPORT(shuffle_runs) void shuffle_runs(uint32_t *state, int runs, int32_t *perm, int n, int batch, int batches, int32_t *out) {
  for (int r = 0; r < runs; r++) {
    uint32_t *s = state + 4 * r;
    uint32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    for (int i = 0; i < n; i++) perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
      const uint32_t bound = (uint32_t)i + 1;
      const uint32_t excess = (uint32_t)(0x100000000ULL % bound); /* 2³² mod bound; 0: nothing rejected */
      uint32_t x;
      do {
        x = rotl(s1 * 5, 7) * 9;
        const uint32_t t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotl(s3, 11);
      } while (excess != 0 && x >= 0u - excess);
      const uint32_t j = x % bound;
      const int32_t swap = perm[i];
      perm[i] = perm[j];
      perm[j] = swap;
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    for (int k = 0; k < batches; k++)
      for (int b = 0; b < batch; b++) out[(k * runs + r) * batch + b] = perm[k * batch + b];
  }
}
