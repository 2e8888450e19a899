// Array map operations from a program: set and get by index, and delete (which arrays refuse).
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 4);
} slots SEC(".maps");

SEC("sample_ext")
int64_t
ArrayOps(sample_program_context_t* ctx)
{
    uint32_t index = ctx->uint32_data;
    uint64_t value = ctx->helper_data_1;
    switch (ctx->uint16_data) {
    case 0:
        return bpf_map_update_elem(&slots, &index, &value, ctx->helper_data_2);
    case 1: {
        uint64_t* found = bpf_map_lookup_elem(&slots, &index);
        return found ? (int64_t)*found : -1;
    }
    case 2:
        return bpf_map_delete_elem(&slots, &index);
    case 3: {
        uint64_t* found = bpf_map_lookup_elem(&slots, &index);
        if (!found)
            return -1;
        *found += value; // in place: the value lives in the map
        return 0;
    }
    default:
        return -100;
    }
}

char LICENSE[] SEC("license") = "MIT";
