// A sample-extension program that records each invocation in a ring buffer: the context's two numbers and
// the first bytes of its data, however long the data turns out to be.
#include <bpf_helpers.h>
#include <sample_ext_helpers.h>

#define HEAD_BYTES 16

typedef struct _sample_event
{
    uint32_t uint32_data;
    uint16_t uint16_data;
    uint16_t head_length;
    uint8_t head[HEAD_BYTES];
} sample_event_t;

struct
{
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 64 * 1024);
} events SEC(".maps");

SEC("sample_ext")
int
RecordSample(sample_program_context_t* ctx)
{
    sample_event_t event = {0};
    event.uint32_data = ctx->uint32_data;
    event.uint16_data = ctx->uint16_data;

    uint64_t length = ctx->data_end - ctx->data_start;
    if (length > HEAD_BYTES) {
        length = HEAD_BYTES;
    }
    event.head_length = (uint16_t)length;
    memcpy(event.head, ctx->data_start, length);

    return bpf_ringbuf_output(&events, &event, sizeof(event), 0);
}

char LICENSE[] SEC("license") = "MIT";
