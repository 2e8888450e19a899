// Windows' legacy map-in-map definitions: an outer map naming its inner template by `inner_id`, another
// by `inner_map_idx`, as eBPF for Windows' tests/sample/map_in_map_legacy_*.c do.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("maps")
struct bpf_map_def inner_template = {.type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1, .id = 10};

SEC("maps")
struct bpf_map_def outer_by_id = {.type = BPF_MAP_TYPE_HASH_OF_MAPS, .key_size = 4, .value_size = 4, .max_entries = 2, .inner_id = 10};

SEC("maps")
struct bpf_map_def outer_by_index = {.type = BPF_MAP_TYPE_ARRAY_OF_MAPS, .key_size = 4, .value_size = 4, .max_entries = 2, .inner_map_idx = 0, .pinning = LIBBPF_PIN_BY_NAME};

SEC("bind")
bind_action_t
lookup(bind_md_t* ctx)
{
    uint32_t key = 0;
    void* inner = bpf_map_lookup_elem(&outer_by_id, &key);
    if (inner == 0) {
        inner = bpf_map_lookup_elem(&outer_by_index, &key);
    }
    return inner ? BIND_DENY : BIND_PERMIT;
}
