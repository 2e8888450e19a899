// An LRU hash of 3 entries: op 0 inserts key uint32_data, op 1 looks it up (which makes it recently used).
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 3);
} recent SEC(".maps");

SEC("sample_ext")
int64_t
Lru(sample_program_context_t* ctx)
{
    uint32_t key = ctx->uint32_data;
    if (ctx->uint16_data == 0) {
        uint32_t value = key * 10;
        return bpf_map_update_elem(&recent, &key, &value, BPF_ANY);
    }
    uint32_t* found = bpf_map_lookup_elem(&recent, &key);
    return found ? (int64_t)*found : -1;
}

char LICENSE[] SEC("license") = "MIT";
