// A write to a constant: `limit` lives in .rodata, which the loader freezes, so its value pointer is
// read-only even when the C code casts the const away.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

const volatile uint32_t limit = 8;

SEC("bind")
bind_action_t RodataWrite(bind_md_t* ctx) {
    if (ctx->process_id > limit)
        *(volatile uint32_t*)&limit = (uint32_t)ctx->process_id; // ERROR: read-only
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
