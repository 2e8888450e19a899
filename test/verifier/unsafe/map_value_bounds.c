// A map value read past its value_size (8 bytes).
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 4);
} values SEC(".maps");

SEC("bind")
bind_action_t MapValueBounds(bind_md_t* ctx) {
    uint32_t key = 0;
    uint64_t* value = bpf_map_lookup_elem(&values, &key);
    if (value == 0) {
        return BIND_PERMIT;
    }
    return (bind_action_t)(value[1] & 1); // ERROR: map value
}

char LICENSE[] SEC("license") = "MIT";
