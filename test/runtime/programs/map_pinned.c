// A map pinned by name (LIBBPF_PIN_BY_NAME): a load reuses the map already pinned under its name.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_counter SEC(".maps");

SEC("sample_ext")
int64_t
Bump(sample_program_context_t* ctx)
{
    uint32_t zero = 0;
    uint64_t* count = bpf_map_lookup_elem(&shared_counter, &zero);
    if (!count)
        return -1;
    *count += 1;
    return (int64_t)*count;
}

char LICENSE[] SEC("license") = "MIT";
