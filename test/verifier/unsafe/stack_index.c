// A stack buffer of 8 bytes indexed by a number that can reach 15.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
bind_action_t StackIndex(bind_md_t* ctx) {
    uint8_t buffer[8];
    *(volatile uint64_t*)buffer = ctx->process_id;
    uint32_t index = ctx->protocol & 15;
    return (bind_action_t)(((volatile uint8_t*)buffer)[index] & 1); // ERROR
}

char LICENSE[] SEC("license") = "MIT";
