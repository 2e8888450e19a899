// A map value indexed by a number from the context that is bounded, but not by the value's 16 bytes.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

typedef struct {
    uint8_t bytes[16];
} record_t;

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, record_t);
    __uint(max_entries, 4);
} records SEC(".maps");

SEC("bind")
bind_action_t MapValueIndex(bind_md_t* ctx) {
    uint32_t key = 0;
    record_t* record = bpf_map_lookup_elem(&records, &key);
    if (record == 0) {
        return BIND_PERMIT;
    }
    uint32_t index = ctx->protocol & 31;
    return (bind_action_t)(record->bytes[index] & 1); // ERROR: map value
}

char LICENSE[] SEC("license") = "MIT";
