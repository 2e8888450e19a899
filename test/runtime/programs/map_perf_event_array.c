// Perf event records: helper_data_1 as a 4-byte record on the current CPU, followed by uint32_data bytes of
// the context's data (the flags' context-length bits).
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 256);
} events SEC(".maps");

SEC("sample_ext")
int64_t
Emit(sample_program_context_t* ctx)
{
    uint32_t record = ctx->helper_data_1;
    uint64_t flags = EBPF_MAP_FLAG_CURRENT_CPU | ((uint64_t)ctx->uint32_data << 32);
    if (ctx->uint16_data == 1)
        flags = ctx->helper_data_2; // an explicit CPU index
    return bpf_perf_event_output(ctx, &events, flags, &record, sizeof(record));
}

char LICENSE[] SEC("license") = "MIT";
