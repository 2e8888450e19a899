// A pointer written into a map value, where user space can read it.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
} leak SEC(".maps");

SEC("bind")
bind_action_t PointerToMap(bind_md_t* ctx) {
    uint32_t key = 0;
    uint64_t* slot = bpf_map_lookup_elem(&leak, &key);
    if (slot) {
        *slot = (uint64_t)ctx; // ERROR: pointer
    }
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
