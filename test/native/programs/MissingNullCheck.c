// Refused by the verifier: the map value is used without checking that the lookup found it.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, uint32_t);
	__type(value, uint64_t);
	__uint(max_entries, 16);
} counts SEC(".maps");

SEC("bind")
bind_action_t MissingNullCheck(bind_md_t* ctx) {
	uint32_t pid = (uint32_t)ctx->process_id;
	uint64_t* count = bpf_map_lookup_elem(&counts, &pid);
	*count += 1; // ERROR: count may be null
	return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
