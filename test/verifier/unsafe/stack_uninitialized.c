// A stack slot read before anything was written to it.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
bind_action_t StackUninitialized(bind_md_t* ctx) {
    volatile uint64_t slots[2];
    slots[0] = ctx->process_id;
    return (bind_action_t)(slots[1] & 1); // ERROR: not initialized
}

char LICENSE[] SEC("license") = "MIT";
