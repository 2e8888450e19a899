// Denies binds by one application: the app id (UTF-16LE, as Windows gives it) is compared with a name,
// and a match returns BIND_DENY, which makes `listen` fail with EACCES in that application.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

// "blocked.js" in UTF-16LE.
#define BLOCKED_NAME u"blocked.js"
#define BLOCKED_BYTES (sizeof(BLOCKED_NAME) - 2)

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
} denied_count SEC(".maps");

SEC("bind")
bind_action_t
BlockApp(bind_md_t* ctx)
{
    if (ctx->operation != BIND_OPERATION_BIND) {
        return BIND_PERMIT;
    }
    const uint16_t name[] = BLOCKED_NAME;
    uint8_t* start = ctx->app_id_start;
    if (start + BLOCKED_BYTES != ctx->app_id_end) {
        return BIND_PERMIT;
    }
    if (bpf_memcmp_s(start, BLOCKED_BYTES, name, BLOCKED_BYTES) != 0) {
        return BIND_PERMIT;
    }
    uint32_t key = 0;
    uint64_t* count = bpf_map_lookup_elem(&denied_count, &key);
    if (count) {
        __sync_fetch_and_add(count, 1);
    }
    return BIND_DENY;
}

char LICENSE[] SEC("license") = "MIT";
