// Loops the verifier must prove bounded (or refuse), compiled by the tests with clang -O2.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

// A constant bound of 1,000,000 iterations: clang counts it down in a 32-bit register.
SEC("bind")
bind_action_t MillionIterations(bind_md_t* ctx) {
    uint64_t sum = 0;
    for (int i = 0; i < 1000000; i++) {
        sum += bpf_get_prandom_u32();
    }
    return (bind_action_t)(sum & 1);
}

// The bound comes from the context and nothing caps it.
SEC("bind")
bind_action_t ContextBound(bind_md_t* ctx) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < ctx->process_id; i++) {
        sum += bpf_get_prandom_u32();
    }
    return (bind_action_t)(sum & 1);
}

// The same bound, capped: at most 64 iterations.
SEC("bind")
bind_action_t CappedContextBound(bind_md_t* ctx) {
    uint64_t sum = 0;
    uint64_t limit = ctx->process_id;
    if (limit > 64)
        limit = 64;
    for (uint64_t i = 0; i < limit; i++) {
        sum += bpf_get_prandom_u32();
    }
    return (bind_action_t)(sum & 1);
}

// Nested loops: 10 times 20 iterations, reading a stack buffer by index.
SEC("bind")
bind_action_t Nested(bind_md_t* ctx) {
    volatile uint8_t buffer[20] = {0};
    uint64_t sum = 0;
    for (int i = 0; i < 10; i++) {
        for (int j = 0; j < 20; j++) {
            sum += buffer[j] + bpf_get_prandom_u32();
        }
    }
    return (bind_action_t)(sum & 1);
}

char LICENSE[] SEC("license") = "MIT";
