// The memcpy_s family and the string helpers, their results kept in one value.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

typedef struct
{
    int64_t results[10];
    char copied[8];
    char moved[8];
    char joined[12];
    uint8_t filled[4];
} memory_t;

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, memory_t);
    __uint(max_entries, 1);
} out SEC(".maps");

SEC("sample_ext")
int64_t
Memory(sample_program_context_t* ctx)
{
    uint32_t zero = 0;
    memory_t* m = bpf_map_lookup_elem(&out, &zero);
    if (!m)
        return -1;
    char abc[8] = "abcdefg";
    char abd[8] = "abdxxxx";
    char big[12] = "0123456789a";
    // On the stack: string literals would live in .rodata.
    char node[5] = "node";
    char exe[5] = ".exe";
    char long_tail[10] = "-too-long";
    m->results[0] = bpf_memcpy_s(m->copied, sizeof(m->copied), abc, 4);
    m->results[1] = bpf_memcpy_s(m->copied, 4, big, sizeof(big)); // source larger than the destination
    m->results[2] = bpf_memcmp_s(abc, 3, abd, 3);
    m->results[3] = bpf_memcmp_s(abc, 2, abd, 2);
    m->results[4] = bpf_memset(m->filled, sizeof(m->filled), 0x5a);
    m->results[5] = bpf_memmove_s(m->moved, sizeof(m->moved), abc, sizeof(abc));
    m->results[6] = bpf_strncpy_s(m->joined, sizeof(m->joined), node, 4);
    m->results[7] = bpf_strncat_s(m->joined, sizeof(m->joined), exe, 4);
    m->results[8] = bpf_strncat_s(m->joined, sizeof(m->joined), long_tail, 9);
    m->results[9] = bpf_strnlen_s(m->joined, sizeof(m->joined));
    return 0;
}

char LICENSE[] SEC("license") = "MIT";
