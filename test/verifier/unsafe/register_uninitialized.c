// A register read before anything was written to it: at entry only r1 (the context) and r10 are set.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
bind_action_t RegisterUninitialized(bind_md_t* ctx) {
    uint64_t value;
    asm volatile("%0 = r4" : "=r"(value)); // ERROR: r4 is read before it is written
    return (bind_action_t)((value + ctx->protocol) & 1);
}

char LICENSE[] SEC("license") = "MIT";
