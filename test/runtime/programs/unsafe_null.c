// Rejected: the value a lookup returns is used without checking it for NULL.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 4);
} table SEC(".maps");

SEC("sample_ext")
int64_t
Unchecked(sample_program_context_t* ctx)
{
    uint32_t key = ctx->uint32_data;
    uint64_t* value = bpf_map_lookup_elem(&table, &key);
    return (int64_t)*value;
}

char LICENSE[] SEC("license") = "MIT";
