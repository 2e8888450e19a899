// Ring buffer records: the context's data, cut to its first uint32_data (1-32) bytes, as one record.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

struct
{
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 64);
} records SEC(".maps");

SEC("sample_ext")
int64_t
Record(sample_program_context_t* ctx)
{
    uint8_t buffer[32] = {0};
    uint64_t length = ctx->data_end - ctx->data_start;
    if (length > sizeof(buffer))
        length = sizeof(buffer);
    memcpy(buffer, ctx->data_start, length);
    // Records of 1 to 32 bytes: uint32_data, clamped.
    uint64_t wanted = ctx->uint32_data;
    if (wanted < 1)
        wanted = 1;
    if (wanted > sizeof(buffer))
        wanted = sizeof(buffer);
    return bpf_ringbuf_output(&records, buffer, wanted, 0);
}

char LICENSE[] SEC("license") = "MIT";
