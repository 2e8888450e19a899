// A map key whose bytes were never written.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint64_t);
    __type(value, uint64_t);
    __uint(max_entries, 16);
} by_pid SEC(".maps");

SEC("bind")
bind_action_t MapKeyUninitialized(bind_md_t* ctx) {
    uint64_t pid;
    asm volatile("" : : "r"(&pid) : "memory");
    uint64_t* seen = bpf_map_lookup_elem(&by_pid, &pid); // ERROR: not initialized
    return seen ? BIND_DENY : BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
