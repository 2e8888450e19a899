// A 4-byte key passed to a map whose keys are 8 bytes.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint64_t);
    __type(value, uint64_t);
    __uint(max_entries, 16);
} by_pid SEC(".maps");

SEC("bind")
bind_action_t MapKeyShort(bind_md_t* ctx) {
    uint32_t pid = (uint32_t)ctx->process_id;
    uint64_t* seen = bpf_map_lookup_elem(&by_pid, &pid); // ERROR: key
    return seen ? BIND_DENY : BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
