// memcpy (bpf_memcpy_s) told to write 32 bytes into a 16-byte stack buffer.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
bind_action_t HelperSize(bind_md_t* ctx) {
    uint8_t name[16];
    uint64_t length = ctx->app_id_end - ctx->app_id_start;
    if (length < 32) {
        return BIND_PERMIT;
    }
    memcpy(name, ctx->app_id_start, 32); // ERROR: bpf_memcpy
    return (bind_action_t)(name[0] & 1);
}

char LICENSE[] SEC("license") = "MIT";
