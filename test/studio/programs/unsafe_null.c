// A map value written without checking that the lookup found one: the Studio must show the verifier's
// error on the marked line.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint64_t);
    __type(value, uint64_t);
    __uint(max_entries, 16);
} hits SEC(".maps");

SEC("bind")
bind_action_t UnsafeNull(bind_md_t* ctx) {
    uint64_t pid = ctx->process_id;
    uint64_t* count = bpf_map_lookup_elem(&hits, &pid);
    *count += 1; // ERROR: may be null
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
