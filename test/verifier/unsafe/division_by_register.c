// Positive control: division and remainder by a register that may be 0 are fine (x / 0 = 0, x % 0 = x).
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
bind_action_t DivisionByRegister(bind_md_t* ctx) {
    uint64_t divisor = ctx->protocol;
    uint64_t quotient = ctx->process_id / divisor;
    uint64_t remainder = ctx->process_id % divisor;
    return (bind_action_t)((quotient + remainder) & 3);
}

char LICENSE[] SEC("license") = "MIT";
