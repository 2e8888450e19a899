// A hash of maps: the inner map under key uint32_data (its owner's process id, say), then a count in it.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct inner
{
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 8);
};

struct inner tenant_a SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
    __type(key, uint32_t);
    __uint(max_entries, 4);
    __array(values, struct inner);
} tenants SEC(".maps");

SEC("sample_ext")
int64_t
CountForTenant(sample_program_context_t* ctx)
{
    uint32_t tenant = ctx->uint32_data;
    void* inner = bpf_map_lookup_elem(&tenants, &tenant);
    if (!inner)
        return -1;
    uint32_t key = ctx->helper_data_1;
    uint32_t* count = bpf_map_lookup_elem(inner, &key);
    if (count) {
        *count += 1;
        return *count;
    }
    uint32_t one = 1;
    return bpf_map_update_elem(inner, &key, &one, BPF_ANY);
}

char LICENSE[] SEC("license") = "MIT";
