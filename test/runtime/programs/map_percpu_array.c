// A per-CPU map counted from a program: each run adds helper_data_1 to the running CPU's value for key uint32_data.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 4);
} counts SEC(".maps");

SEC("sample_ext")
int64_t
Count(sample_program_context_t* ctx)
{
    uint32_t key = ctx->uint32_data;
    uint64_t* count = bpf_map_lookup_elem(&counts, &key);
    if (count) {
        *count += ctx->helper_data_1;
        return (int64_t)*count;
    }
    uint64_t first = ctx->helper_data_1;
    return bpf_map_update_elem(&counts, &key, &first, BPF_ANY);
}

char LICENSE[] SEC("license") = "MIT";
