// An array of maps: the inner map at index uint32_data, then its slot 0 incremented by helper_data_1.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct inner
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
};

struct inner first SEC(".maps");
struct inner second SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __type(key, uint32_t);
    __uint(max_entries, 2);
    __array(values, struct inner);
} outer SEC(".maps") = {
    .values = {&first, &second},
};

SEC("sample_ext")
int64_t
AddToInner(sample_program_context_t* ctx)
{
    uint32_t index = ctx->uint32_data;
    void* inner = bpf_map_lookup_elem(&outer, &index);
    if (!inner)
        return -1;
    uint32_t zero = 0;
    uint64_t* value = bpf_map_lookup_elem(inner, &zero);
    if (!value)
        return -2;
    *value += ctx->helper_data_1;
    return (int64_t)*value;
}

char LICENSE[] SEC("license") = "MIT";
