// A bind program returning a value outside bind_action_t (0..3): the protocol number is not a verdict.
#include <bpf_helpers.h>
#include <ebpf_nethooks.h>

SEC("bind")
int ReturnValue(bind_md_t* ctx) {
    return ctx->protocol; // ERROR: r0 at exit may be 0..255, outside the return values of bind programs \(0 to 3\)
}

char LICENSE[] SEC("license") = "MIT";
