// A loop of mixed arithmetic: the same source is compiled to eBPF (clang -target bpf) for our engines
// and to native code (gcc -O2) for the physical limit.
#ifdef __bpf__
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>
#else
#include <stdint.h>
#endif

static inline uint64_t mix(uint64_t iterations, uint64_t seed)
{
    uint64_t a = seed, b = seed ^ 0x9e3779b97f4a7c15ULL, c = 0;
#pragma clang loop unroll(disable)
    for (uint64_t i = 0; i < iterations; i++) {
        a = a * 6364136223846793005ULL + 1442695040888963407ULL;
        b ^= a >> 29;
        b = (b << 7) | (b >> 57);
        c += (a & 0xffff) + (b % 251);
        c -= i >> 3;
    }
    return a ^ b ^ c;
}

#ifdef __bpf__
SEC("sample_ext")
int mixed(sample_program_context_t* ctx)
{
    return (int)mix(ctx->uint32_data, ctx->helper_data_1);
}
#else
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char** argv)
{
    uint64_t iterations = strtoull(argv[1], 0, 10), seed = strtoull(argv[2], 0, 10);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    volatile uint64_t result = mix(iterations, seed);
    clock_gettime(CLOCK_MONOTONIC, &end);
    (void)result;
    printf("%llu\n", (unsigned long long)((end.tv_sec - start.tv_sec) * 1000000000ULL + (end.tv_nsec - start.tv_nsec)));
    return 0;
}
#endif
