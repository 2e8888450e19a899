// Hash map operations from a program: the context says which (uint16_data), on which key (uint32_data),
// with which value and flags (helper_data_1, helper_data_2).
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 3);
} table SEC(".maps");

SEC("sample_ext")
int64_t
HashOps(sample_program_context_t* ctx)
{
    uint32_t key = ctx->uint32_data;
    uint64_t value = ctx->helper_data_1;
    switch (ctx->uint16_data) {
    case 0:
        return bpf_map_update_elem(&table, &key, &value, ctx->helper_data_2);
    case 1: {
        uint64_t* found = bpf_map_lookup_elem(&table, &key);
        return found ? (int64_t)*found : -1;
    }
    case 2:
        return bpf_map_delete_elem(&table, &key);
    case 3: {
        uint64_t* taken = bpf_map_lookup_and_delete_elem(&table, &key);
        return taken ? (int64_t)*taken : -1;
    }
    default:
        return -100;
    }
}

char LICENSE[] SEC("license") = "MIT";
