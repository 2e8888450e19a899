// Local (bpf-to-bpf) calls: arguments, a caller's stack buffer filled by the callee, nested calls.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

static __attribute__((noinline)) uint64_t fill(uint8_t* buffer, uint64_t length, uint8_t value) {
    for (uint64_t i = 0; i < length && i < 16; i++) {
        buffer[i] = value;
    }
    return length;
}

static __attribute__((noinline)) uint64_t sum16(const uint8_t* buffer) {
    uint64_t sum = 0;
    for (int i = 0; i < 16; i++) {
        sum += buffer[i];
    }
    return sum;
}

static __attribute__((noinline)) uint64_t fill_and_sum(uint8_t* buffer, uint8_t value) {
    fill(buffer, 16, value);
    return sum16(buffer);
}

SEC("bind")
bind_action_t LocalCalls(bind_md_t* ctx) {
    uint8_t buffer[16];
    uint64_t sum = fill_and_sum(buffer, (uint8_t)ctx->protocol);
    return (bind_action_t)(sum & 1);
}

char LICENSE[] SEC("license") = "MIT";
