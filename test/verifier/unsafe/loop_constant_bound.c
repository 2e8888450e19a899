// Positive control: a loop with a constant bound terminates, whatever the context holds.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
bind_action_t LoopConstantBound(bind_md_t* ctx) {
    volatile uint64_t sum = 0;
    for (uint32_t i = 0; i < 100; i++) {
        sum = sum + ctx->protocol;
    }
    return (bind_action_t)(sum & 1);
}

char LICENSE[] SEC("license") = "MIT";
