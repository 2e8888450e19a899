// A queue map from a program: op 0 pushes helper_data_1 (flags helper_data_2), op 1 pops, op 2 peeks.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __type(value, uint32_t);
    __uint(max_entries, 3);
} items SEC(".maps");

SEC("sample_ext")
int64_t
Items(sample_program_context_t* ctx)
{
    uint32_t value = ctx->helper_data_1;
    switch (ctx->uint16_data) {
    case 0:
        return bpf_map_push_elem(&items, &value, ctx->helper_data_2);
    case 1:
        if (bpf_map_pop_elem(&items, &value) != 0)
            return -1;
        return value;
    case 2:
        if (bpf_map_peek_elem(&items, &value) != 0)
            return -1;
        return value;
    default:
        return -100;
    }
}

char LICENSE[] SEC("license") = "MIT";
