// The loops of the JIT benchmark, in plain C with no headers so the same object loads both into our
// engines and into the Linux kernel (bpftool prog load). N is set on the command line: 10,000 for the
// kernel (its verifier explores at most 1,000,000 instructions), 1,000,000 for ours and gcc.
#define SEC(name) __attribute__((section(name), used))
typedef unsigned long long u64;

SEC("xdp")
int count_loop(void* ctx)
{
    u64 r0 = 0;
#pragma clang loop unroll(disable)
    for (u64 i = 0; i < N; i++) {
        r0 += 1;
        __asm__ volatile("" : "+r"(r0));
    }
    return (int)(r0 & 1) + 1;
}

SEC("xdp")
int mixed_loop(void* ctx)
{
    u64 a = 7, b = 7 ^ 0x9e3779b97f4a7c15ULL, c = 0;
#pragma clang loop unroll(disable)
    for (u64 i = 0; i < N; i++) {
        a = a * 6364136223846793005ULL + 1442695040888963407ULL;
        b ^= a >> 29;
        b = (b << 7) | (b >> 57);
        c += (a & 0xffff) + (b % 251);
        c -= i >> 3;
    }
    return (int)((a ^ b ^ c) & 1) + 1;
}

char LICENSE[] SEC("license") = "GPL";
