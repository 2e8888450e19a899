// A positive control for rodata_write.c: reading a constant and writing a .bss variable are allowed.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

const volatile uint32_t limit = 8;
uint64_t last_process;

SEC("bind")
bind_action_t RodataRead(bind_md_t* ctx) {
    if (ctx->process_id > limit)
        last_process = ctx->process_id;
    return BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
