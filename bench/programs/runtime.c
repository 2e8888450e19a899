// Programs for the runtime benchmark: a trivial program, and 16 map lookups a run (hash and array).
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1024);
} hash SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1024);
} array SEC(".maps");

SEC("sample_ext")
int64_t
Trivial(sample_program_context_t* ctx)
{
    return 0;
}

#define LOOKUPS(map)                                        \
    uint64_t sum = 0;                                       \
    _Pragma("unroll") for (uint32_t i = 0; i < 16; i++)     \
    {                                                       \
        uint32_t key = (ctx->uint32_data + i * 61) & 1023;  \
        uint64_t* value = bpf_map_lookup_elem(&map, &key);  \
        if (value)                                          \
            sum += *value;                                  \
    }                                                       \
    return (int64_t)sum;

SEC("sample_ext")
int64_t
HashLookups(sample_program_context_t* ctx)
{
    LOOKUPS(hash)
}

SEC("sample_ext")
int64_t
ArrayLookups(sample_program_context_t* ctx)
{
    LOOKUPS(array)
}

char LICENSE[] SEC("license") = "MIT";
