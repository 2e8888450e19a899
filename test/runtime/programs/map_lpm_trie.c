// Longest-prefix match: the value of the longest prefix covering the IPv4 address in uint32_data (network order).
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

typedef struct
{
    uint32_t prefix_length;
    uint32_t address;
} ipv4_key_t;

struct
{
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __type(key, ipv4_key_t);
    __type(value, uint32_t);
    __uint(max_entries, 16);
    __uint(map_flags, 1);
} routes SEC(".maps");

SEC("sample_ext")
int64_t
Route(sample_program_context_t* ctx)
{
    ipv4_key_t key = {32, ctx->uint32_data};
    uint32_t* route = bpf_map_lookup_elem(&routes, &key);
    return route ? (int64_t)*route : -1;
}

char LICENSE[] SEC("license") = "MIT";
